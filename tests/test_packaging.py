"""What the distributions carry (issue 17, item 7): an sdist that can run its tests (tests/,
examples/, docs/, policies/, grammar/, editors/, LICENSE, CHANGELOG.md; MANIFEST.in), and a
wheel with every subpackage and data file the package reads (pyproject.toml's explicit
``packages`` list: a subpackage missing from it would be missing from every install).

Built with setuptools' PEP 517 backend (``setuptools.build_meta``) in a subprocess, in a copy
of the source tree (building writes an .egg-info folder), without network or isolation. The
wheel needs the ``wheel`` package on setuptools older than 70.1; without it the files the
wheel would hold are listed by ``build_py`` instead (the same packages and package data).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Never part of a distribution: caches, build output, local data.
SKIP_DIRS = {".git", ".venv", "build", "dist", "__pycache__", ".hypothesis", ".pytest_cache", ".mypy_cache"}
SKIP_PATHS = {"bench/data", "bench/results", "bench/fuzz-failures"}
SDIST_FOLDERS = ("tests", "examples", "docs", "policies", "grammar", "editors")


def _ignore(folder: str, names: list[str]) -> set[str]:
    """For shutil.copytree and os.walk over the source tree: what no distribution carries."""
    rel = Path(folder).resolve().relative_to(ROOT)
    return {n for n in names if n in SKIP_DIRS or n.endswith((".egg-info", ".pyc"))
            or (rel / n).as_posix() in SKIP_PATHS}


def _shipped(folder: Path) -> list[str]:
    """The files under ``folder`` of the source tree a distribution should carry (relative, posix)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        rel = Path(dirpath).relative_to(ROOT)
        dirnames[:] = [d for d in dirnames if not _ignore(dirpath, [d])]
        out += [(rel / f).as_posix() for f in filenames if not f.endswith((".pyc", ".pyo")) and f != ".DS_Store"]
    return sorted(out)


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A copy of the source tree to build in."""
    dest = tmp_path_factory.mktemp("src") / "perfrules"
    shutil.copytree(ROOT, dest, ignore=_ignore, symlinks=True)
    return dest


def _backend(tree: Path, code: str, timeout: int = 600) -> str:
    p = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    return p.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def sdist(tree, tmp_path_factory) -> tuple[list[str], Path]:
    out = tmp_path_factory.mktemp("sdist")
    name = _backend(tree, f"from setuptools import build_meta; print(build_meta.build_sdist({str(out)!r}))")
    archive = out / name
    with tarfile.open(archive) as t:
        top = name[:-len(".tar.gz")]
        names = sorted(str(PurePosixPath(m.name).relative_to(top)) for m in t.getmembers()
                       if m.isfile() and m.name != top)
    return names, archive


def _can_build_wheels() -> bool:
    p = subprocess.run([sys.executable, "-c", "import setuptools, sys\n"
                        "v = tuple(int(x) for x in setuptools.__version__.split('.')[:2])\n"
                        "try:\n    import wheel\nexcept ImportError:\n    sys.exit(0 if v >= (70, 1) else 1)"],
                       capture_output=True)
    return p.returncode == 0


@pytest.fixture(scope="module")
def wheel_files(tree, tmp_path_factory) -> list[str]:
    """The files of the wheel (or, without the ``wheel`` package, of ``build_py``'s output)."""
    out = tmp_path_factory.mktemp("wheel")
    if _can_build_wheels():
        name = _backend(tree, f"from setuptools import build_meta; print(build_meta.build_wheel({str(out)!r}))")
        with zipfile.ZipFile(out / name) as z:
            return sorted(n for n in z.namelist() if not n.endswith("/"))
    _backend(tree, "import setuptools\n"
                   f"setuptools.setup(script_args=['-q', 'build_py', '--build-lib', {str(out)!r}])\nprint('ok')")
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())


# ---- the sdist -----------------------------------------------------------------------------------

def test_the_sdist_carries_the_tests_and_their_data(sdist):
    names, _ = sdist
    for f in ("LICENSE", "CHANGELOG.md", "README.md", "ARCHITECTURE.md", "pyproject.toml", "MANIFEST.in",
              "perfrules/py.typed", "grammar/perfrules.lark", "tests/conftest.py", ".ci/run"):
        assert f in names, f
    for folder in ("tests/", "examples/", "policies/", "grammar/", "docs/", "perfrules/report/templates/",
                   "perfrules/web/templates/"):
        assert any(n.startswith(folder) for n in names), folder
    assert any(n.startswith("perfrules/schemas/") and n.endswith(".json") for n in names)


def test_every_file_of_the_shipped_folders_is_in_the_sdist(sdist):
    names = set(sdist[0])
    missing = [f for folder in SDIST_FOLDERS + ("perfrules",) if (ROOT / folder).is_dir()
               for f in _shipped(ROOT / folder) if f not in names]
    assert not missing, f"not in the sdist (MANIFEST.in): {missing[:20]}"


def test_the_sdist_carries_no_cache_nor_local_data(sdist):
    bad = [n for n in sdist[0] if any(part in SKIP_DIRS for part in n.split("/"))
           or n.startswith(("bench/data/", "bench/results/", "bench/fuzz-failures/", "build/"))
           or n.endswith((".pyc", ".pyo"))]
    assert not bad, bad[:20]


def test_tests_run_from_the_unpacked_sdist(sdist, tmp_path):
    """The suite's own layout test, run from the unpacked sdist, reads the sdist's files."""
    _, archive = sdist
    with tarfile.open(archive) as t:
        if hasattr(tarfile, "data_filter"):
            t.extractall(tmp_path, filter="data")
        else:  # pragma: no cover - Python before 3.11.4
            t.extractall(tmp_path)
    (top,) = tmp_path.iterdir()
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_layout.py"],
                       cwd=top, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]


# ---- the wheel -----------------------------------------------------------------------------------

def test_the_wheel_holds_every_subpackage_on_disk(wheel_files):
    """Every folder under perfrules/ with Python files is in pyproject.toml's packages list,
    so its modules reach the wheel."""
    names = set(wheel_files)
    modules = [p.relative_to(ROOT).as_posix() for p in (ROOT / "perfrules").rglob("*.py")
               if "__pycache__" not in p.parts]
    missing = sorted(m for m in modules if m not in names)
    assert not missing, ("modules missing from the wheel (add their package to [tool.setuptools] "
                         f"packages in pyproject.toml): {missing}")


def test_the_wheel_holds_the_data_the_package_reads(wheel_files):
    names = set(wheel_files)
    expected = ["perfrules/py.typed", "perfrules/grammar/perfrules.lark"]
    expected += [f"perfrules/report/templates/{p.name}" for p in (ROOT / "perfrules/report/templates").iterdir()
                 if p.is_file()]
    expected += [f"perfrules/web/templates/{p.name}" for p in (ROOT / "perfrules/web/templates").iterdir()
                 if p.is_file()]
    expected += [f"perfrules/schemas/{p.name}" for p in (ROOT / "perfrules/schemas").glob("*.json")]
    expected += ["perfrules/" + f for f in _shipped(ROOT / "policies")]  # every pack's files
    missing = sorted(f for f in expected if f not in names)
    assert not missing, missing
    assert any(n.startswith("perfrules/schemas/") and n.endswith(".json") for n in names)


def test_the_wheel_carries_the_license_and_the_command(wheel_files):
    if not any(".dist-info/" in n for n in wheel_files):
        pytest.skip("no wheel package: the files were listed by build_py, which has no metadata")
    assert any(n.endswith(".dist-info/LICENSE") or n.endswith(".dist-info/licenses/LICENSE") for n in wheel_files)
    assert any(n.endswith(".dist-info/entry_points.txt") for n in wheel_files)  # the perfrules command
