"""Configuration (issue 17, item 5): .perfrules.toml or [tool.perfrules] found upwards from the
working folder, PERFRULES_* variables over it, the command line over both; `perfrules config`
says where each setting came from. And where the parse cache lives (item 1).

tests/conftest.py runs the suite with PERFRULES_CONFIG= (no file) and no PERFRULES_* setting;
the tests here that look for a file drop PERFRULES_CONFIG.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from perfrules import config as cfg
from perfrules.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
SOUND = str(ROOT / "examples/panyu-2023-ops/申报.yaml")  # warnings and infos only: exit 0, 1 with --fail-on warning


def _env(**extra: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PERFRULES_CONFIG"}
    for k, v in extra.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def run(args, cwd, **extra):
    return subprocess.run([sys.executable, "-m", "perfrules", *args], cwd=cwd, env=_env(**extra),
                          capture_output=True, text=True, timeout=300)


def project(tmp_path: Path, text: str, name: str = cfg.FILE) -> Path:
    """A repository folder holding a configuration file and a sub-folder to run in."""
    (tmp_path / ".git").mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text(text, encoding="utf-8")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True, exist_ok=True)
    return sub


def a_pack(folder: Path, name: str) -> Path:
    """A copy of a small bundled pack under another name."""
    dest = folder / name
    shutil.copytree(ROOT / "policies" / "national-selfeval", dest)
    manifest = dest / "pack.yaml"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    manifest.write_text("\n".join(f"name: {name}" if ln.startswith("name:") else ln for ln in lines) + "\n",
                        encoding="utf-8")
    return dest


# ---- discovery -------------------------------------------------------------------------------

def test_the_nearest_file_wins_and_the_search_stops_at_the_repository_top(tmp_path):
    top = tmp_path / "repo"
    sub = project(top, 'fail_on = "warning"\n')
    assert cfg.find_file(sub) == top / cfg.FILE
    (top / "a" / cfg.FILE).write_text('fail_on = "info"\n', encoding="utf-8")
    assert cfg.find_file(sub) == top / "a" / cfg.FILE  # nearer
    # Above the folder holding .git nothing is read.
    (tmp_path / cfg.FILE).write_text('fail_on = "veto"\n', encoding="utf-8")
    (top / cfg.FILE).unlink()
    (top / "a" / cfg.FILE).unlink()
    assert cfg.find_file(sub) is None


def test_pyproject_counts_only_with_its_table_and_perfrules_toml_comes_first(tmp_path):
    sub = project(tmp_path, '[project]\nname = "x"\n', cfg.PYPROJECT)
    assert cfg.find_file(sub) is None  # a pyproject.toml without [tool.perfrules]
    (tmp_path / cfg.PYPROJECT).write_text('[project]\nname = "x"\n\n[tool.perfrules]\nfail_on = "info"\n',
                                          encoding="utf-8")
    assert cfg.find_file(sub) == tmp_path / cfg.PYPROJECT
    c = cfg.load(env={}, cwd=sub)
    assert c["fail_on"] == "info" and c.source("fail_on") == str(tmp_path / cfg.PYPROJECT)
    (tmp_path / cfg.FILE).write_text('fail_on = "warning"\n', encoding="utf-8")
    assert cfg.load(env={}, cwd=sub)["fail_on"] == "warning"  # same folder: .perfrules.toml first


def test_perfrules_config_names_the_file_or_none(tmp_path):
    sub = project(tmp_path, 'fail_on = "warning"\n')
    other = tmp_path / "other.toml"
    other.write_text('fail_on = "veto"\n', encoding="utf-8")
    assert cfg.load(env={"PERFRULES_CONFIG": str(other)}, cwd=sub)["fail_on"] == "veto"
    assert cfg.load(env={"PERFRULES_CONFIG": ""}, cwd=sub)["fail_on"] == "error"  # none read
    with pytest.raises(UsageError, match="PERFRULES_CONFIG"):
        cfg.load(env={"PERFRULES_CONFIG": str(tmp_path / "missing.toml")}, cwd=sub)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give a file away")
def test_a_file_of_another_user_found_by_the_search_is_not_read(tmp_path):
    sub = project(tmp_path, 'fail_on = "info"\n')
    os.chown(tmp_path / cfg.FILE, 65534, 65534)
    c = cfg.load(env={}, cwd=sub)
    assert c.file is None and c.ignored == tmp_path / cfg.FILE and c["fail_on"] == "error"
    p = run(["check", SOUND], sub)
    assert p.returncode == 0 and "属于另一用户" in p.stderr


# ---- precedence ------------------------------------------------------------------------------

def test_the_command_line_over_the_environment_over_the_file_over_the_default(tmp_path):
    sub = project(tmp_path, 'fail_on = "warning"\nformat = "md"\njobs = 3\nstrict = true\npacks = ["national"]\n')
    path = str(tmp_path / cfg.FILE)
    c = cfg.load(env={}, cwd=sub)
    assert [c.source(k) for k in ("fail_on", "format", "jobs", "strict", "packs")] == [path] * 5
    assert (c["fail_on"], c["format"], c["jobs"], c["strict"], c["packs"]) == ("warning", "md", 3, True, ("national",))
    env = {"PERFRULES_FAIL_ON": "info", "PERFRULES_JOBS": "2", "PERFRULES_STRICT": "off",
           "PERFRULES_PACKS": "national, national-selfeval"}
    c = cfg.load(env=env, cwd=sub)
    assert (c["fail_on"], c["jobs"], c["strict"], c["packs"]) == ("info", 2, False, ("national", "national-selfeval"))
    assert c.source("fail_on") == f"{cfg.ENVIRONMENT} PERFRULES_FAIL_ON" and c.source("format") == path
    c = cfg.load({"fail_on": "veto", "jobs": None, "packs": (), "strict": False}, env=env, cwd=sub)
    assert c["fail_on"] == "veto" and c.source("fail_on") == cfg.COMMAND_LINE
    assert c["jobs"] == 2 and c["packs"] == ("national", "national-selfeval")  # not given: not overridden
    assert c["strict"] is False and c.source("strict") == cfg.COMMAND_LINE  # --no-strict
    assert cfg.load(env={}, cwd=tmp_path.parent)["fail_on"] == "error"  # the default


def test_a_configured_format_gives_way_to_the_extension_of_o(tmp_path):
    sub = project(tmp_path, 'format = "json"\n')
    c = cfg.load(env={}, cwd=sub)
    assert c.format_for(None) == "json"
    assert c.format_for("out.md") is None  # -o 结果.md is Markdown, as always
    assert c.format_for("out.txt") == "json"  # a plain-text name says no format
    assert cfg.load({"format": "md"}, env={}, cwd=sub).format_for("out.json") == "md"  # --format: refused later


# ---- mistakes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    ('packs = ["national"]\nfial_on = "warning"\n', ["fial_on", "fail_on", ":2:1"]),
    ('\n\nfail_on = "warnin"\n', ["warnin", "warning", ":3:1"]),
    ('jobs = 0\n', ["jobs", "1"]),
    ('format = "xml"\n', ["xml", "table"]),
    ('packs = "national"\n', ["packs", "national"]),
    ('strict = "maybe"\n', ["strict", "true"]),
    ('fail_on = \n', ["TOML", ":1:"]),
])
def test_a_mistake_in_the_file_is_exit_2_with_the_file_line_and_a_suggestion(tmp_path, text, words):
    sub = project(tmp_path, text)
    p = run(["check", SOUND], sub)
    assert p.returncode == 2 and p.stdout == ""
    assert str(tmp_path / cfg.FILE) in p.stderr and "Traceback" not in p.stderr
    for w in words:
        assert w in p.stderr, (w, p.stderr)


def test_a_mistake_in_pyproject_is_located_in_its_table(tmp_path):
    sub = project(tmp_path, '[project]\nname = "x"\njobs = 3\n\n[tool.perfrules]\npacks = ["national"]\njobs = "many"\n',
                  cfg.PYPROJECT)
    with pytest.raises(UsageError) as e:
        cfg.load(env={}, cwd=sub)
    assert str(e.value.where) == f"{tmp_path / cfg.PYPROJECT}:7:1"


def test_a_bad_environment_value_names_the_variable(tmp_path):
    p = run(["check", SOUND], tmp_path, PERFRULES_FAIL_ON="warnin")
    assert p.returncode == 2 and "PERFRULES_FAIL_ON" in p.stderr and "warning" in p.stderr
    p = run(["check", SOUND], tmp_path, PERFRULES_PACK_PATHS=str(tmp_path / "nowhere"))
    assert p.returncode == 2 and "PERFRULES_PACK_PATHS" in p.stderr


def test_a_missing_pack_paths_folder_is_named(tmp_path):
    sub = project(tmp_path, 'pack_paths = ["packs"]\n')
    p = run(["packs"], sub)
    assert p.returncode == 2 and "packs" in p.stderr and ":1:1" in p.stderr


# ---- check with a configuration ----------------------------------------------------------------

def test_check_takes_fail_on_and_format_from_the_file_and_the_command_line_wins(tmp_path):
    sub = project(tmp_path, 'fail_on = "warning"\nformat = "json"\n')
    p = run(["check", SOUND], sub)
    assert p.returncode == 1  # warnings fail the run
    json.loads(p.stdout)
    p = run(["check", SOUND, "--fail-on", "error", "--format", "md"], sub)
    assert p.returncode == 0 and p.stdout.startswith("# ")
    p = run(["check", SOUND], sub, PERFRULES_FORMAT="jsonl", PERFRULES_FAIL_ON="veto")
    assert p.returncode == 0 and json.loads(p.stdout.splitlines()[0])
    out = tmp_path / "out.md"
    p = run(["check", SOUND, "-o", str(out)], sub)  # the extension of -o decides the format
    assert p.returncode == 1 and out.read_text(encoding="utf-8").startswith("# ")


def test_strict_and_jobs_from_the_file(tmp_path):
    sub = project(tmp_path, 'strict = true\njobs = 2\n')
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(SOUND, data / "申报.yaml")
    (data / "说明.txt").write_text("附件说明", encoding="utf-8")  # a file skipped: content left unread
    strict = run(["check", str(data)], sub)
    loose = run(["check", str(data), "--no-strict"], sub)
    assert loose.returncode == 0 and strict.returncode == 2
    assert "--strict" in strict.stderr and strict.stdout == loose.stdout


def test_packs_and_pack_paths_from_the_file(tmp_path):
    sub = project(tmp_path, 'packs = ["bureau-pack", "national"]\npack_paths = ["mypacks"]\n')
    a_pack(tmp_path / "mypacks", "bureau-pack")
    p = run(["check", SOUND, "--format", "json", "--fail-on", "veto"], sub)
    assert p.returncode == 0, p.stderr
    assert [x.split("@")[0] for x in json.loads(p.stdout)["packs"]] == ["bureau-pack", "national"]
    p = run(["check", SOUND, "-p", "bureau-pack", "-j", "2", "--format", "json", "--fail-on", "veto"], sub)
    assert p.returncode == 0, p.stderr  # -p names it too, with worker processes
    assert [x.split("@")[0] for x in json.loads(p.stdout)["packs"]] == ["bureau-pack"]
    listed = run(["packs"], sub)
    line = next(ln for ln in listed.stdout.splitlines() if ln.startswith("bureau-pack"))
    assert "pack_paths" in line and str(tmp_path / "mypacks") in line
    p = run(["compile", "bureau-pack"], sub)  # every command finds it by name
    assert p.returncode == 0 and "通过" in p.stdout


def test_a_bundled_name_is_never_a_pack_paths_pack(tmp_path):
    sub = project(tmp_path, 'pack_paths = ["mypacks"]\n')
    a_pack(tmp_path / "mypacks", "national")
    p = run(["packs"], sub)
    assert p.returncode == 0
    assert "有两个规则包名为「national」" in p.stderr
    rows = [ln for ln in p.stdout.splitlines() if ln.startswith("national ")]
    assert len(rows) == 2 and "内置" in rows[0] and "遮蔽" in rows[1]
    p = run(["check", SOUND, "-p", "national", "--format", "json"], sub)
    assert json.loads(p.stdout)["packs"] == ["national@1.0"]  # the bundled one: 40 rules, not 4
    assert run(["compile", "national"], sub).stdout.count("40 条规则") == 1


# ---- perfrules config --------------------------------------------------------------------------

def test_config_shows_each_setting_and_where_it_came_from(tmp_path):
    sub = project(tmp_path, 'fail_on = "warning"\n')
    p = run(["config", "--format", "md"], sub, PERFRULES_JOBS="4")
    assert p.returncode == 0, p.stderr
    rows = {ln.split()[0]: ln for ln in p.stdout.splitlines() if ln.strip()}
    assert str(tmp_path / cfg.FILE) in rows["fail_on"] and "warning" in rows["fail_on"]
    assert "PERFRULES_JOBS" in rows["jobs"] and " 4 " in rows["jobs"]
    assert "命令行 (command line)" in rows["format"] and "md" in rows["format"]
    assert "默认 (default)" in rows["strict"] and "national" in rows["packs"]
    assert f"配置文件 (configuration file): {tmp_path / cfg.FILE}" in p.stdout
    data = json.loads(run(["config", "--json"], sub).stdout)
    assert data["file"] == str(tmp_path / cfg.FILE)
    assert data["settings"]["fail_on"] == {"value": "warning", "source": str(tmp_path / cfg.FILE),
                                           "env": "PERFRULES_FAIL_ON"}
    assert data["settings"]["packs"]["value"] == []


def test_config_without_a_file(tmp_path):
    p = run(["config"], tmp_path, PERFRULES_CONFIG="")
    assert p.returncode == 0 and "无 (none)" in p.stdout


# ---- where the parse cache lives -----------------------------------------------------------------

def test_with_no_cache_dir_set_the_cache_is_in_the_platform_folder_inside_home_and_nowhere_else(tmp_path):
    """HOME an empty folder, PERFRULES_CACHE_DIR and XDG_CACHE_HOME unset: a run writes its
    cache where platformdirs puts a user's cache (~/.cache/perfrules on Linux), and nothing
    else in that home; `perfrules config` names the same folder."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in _env(PERFRULES_CONFIG="").items()
           if k not in ("PERFRULES_CACHE_DIR", "XDG_CACHE_HOME", "LOCALAPPDATA")}
    env["HOME"] = env["USERPROFILE"] = str(home)
    expected = subprocess.run([sys.executable, "-c", "import platformdirs; "
                               "print(platformdirs.user_cache_dir('perfrules', appauthor=False))"],
                              env=env, capture_output=True, text=True, check=True).stdout.strip()
    folder = Path(expected)
    assert home in folder.parents
    p = subprocess.run([sys.executable, "-m", "perfrules", "check", SOUND], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    entries = list(folder.iterdir())
    assert entries and all(e.suffix == ".json" for e in entries)
    inside = {folder, *entries, *(d for d in folder.parents if home in d.parents)}
    assert {x for x in home.rglob("*")} == inside  # nothing else in the home
    shown = subprocess.run([sys.executable, "-m", "perfrules", "config", "--json"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=300)
    assert json.loads(shown.stdout)["cache"] == {"value": str(folder), "source": "默认 (default): platformdirs"}


def test_config_shows_the_cache_variable_and_its_off_switch(tmp_path):
    p = run(["config", "--json"], tmp_path, PERFRULES_CACHE_DIR=str(tmp_path / "c"), PERFRULES_CONFIG="")
    assert json.loads(p.stdout)["cache"]["value"] == str(tmp_path / "c")
    p = run(["config", "--json"], tmp_path, PERFRULES_CACHE_DIR="", PERFRULES_CONFIG="")
    assert json.loads(p.stdout)["cache"] == {"value": "关闭 (off)", "source": "环境变量 (environment) PERFRULES_CACHE_DIR"}
