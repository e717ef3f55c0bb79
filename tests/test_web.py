"""``perfrules serve`` without a browser: the upload page, the report, downloads, the JSON API,
the limits (size, count, time), file names made safe, security headers, and nothing left on
disk once the app stops (Starlette's TestClient; the real browser is tests/test_browser.py)."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import time
import warnings
from pathlib import Path

import pytest

pytest.importorskip("starlette")

from click.testing import CliRunner  # noqa: E402

with warnings.catch_warnings():  # Starlette 1.x would rather have httpx2; httpx is what [test] installs
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from perfrules.cli import main  # noqa: E402
from perfrules.errors import PerfrulesError, UsageError  # noqa: E402
from perfrules.web import app as web  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PANYU = ROOT / "examples" / "panyu-2023-ops"
PACK = "panyu-project-2023"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One app for the module (the packs compile once), its runs under a folder of its own."""
    workdir = tmp_path_factory.mktemp("runs")
    app = web.create_app(workdir=workdir)
    with TestClient(app) as client:
        client.workdir = workdir
        yield client


def _files(*names: str, folder: Path = PANYU):
    return [("files", (n, (folder / n).read_bytes())) for n in names]


def _cli_json(*args: str) -> object:
    out = CliRunner().invoke(main, ["check", *args, "--format", "json"])
    assert out.exit_code in (0, 1), out.output
    return json.loads(out.output)


def _local(data: object, folder: str) -> object:
    """The CLI's JSON with the inputs named as uploaded (the path of their folder dropped)."""
    return json.loads(json.dumps(data, ensure_ascii=False).replace(folder.rstrip("/") + "/", ""))


# ---- the page -----------------------------------------------------------------------------------

def test_the_upload_page_shows_the_form_and_every_bundled_pack(served):
    from perfrules.engine.packs import bundled_names
    r = served.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<form method="post" action="/check" enctype="multipart/form-data">' in page
    assert re.search(r'<input type="file" name="files" multiple accept="\.xlsx,\.csv,\.yaml,\.yml,\.json,\.jsonl"', page)
    assert "检查" in page and "<script" not in page.lower()
    for name in bundled_names():
        assert f'name="packs" value="{name}"' in page
    assert "番禺区2023年项目支出绩效评价评分表" in page  # a pack's title
    assert "http://" not in page and "https://" not in page  # nothing fetched from anywhere


def test_the_report_page_scores_the_panyu_evaluation_and_offers_its_downloads(served):
    r = served.post("/check", files=_files("评价.yaml", "申报.yaml"), data={"packs": PACK})
    assert r.status_code == 200, r.text
    assert "87.38" in r.text and "良" in r.text
    assert "<script" not in r.text.lower()
    links = dict((label, href) for href, label in re.findall(r'<a href="(/download/[^"]+)">([^<]+)</a>', r.text))
    assert any("JSON" in label for label in links) and any("xlsx" in label for label in links)
    for href in links.values():
        got = served.get(href)
        assert got.status_code == 200
        assert got.headers["content-disposition"].startswith("attachment; ")
        assert "filename*=UTF-8''" in got.headers["content-disposition"]
    result = json.loads(served.get(next(h for label, h in links.items() if "JSON" in label)).text)
    assert result[0]["input"] == "评价.yaml" and result[0]["score"]["total"] == "87.38"


def test_the_annotated_workbook_is_offered_for_an_uploaded_xlsx(served):
    from openpyxl import load_workbook
    r = served.post("/check", files=_files("评价.xlsx", "申报.xlsx"), data={"packs": PACK})
    assert r.status_code == 200 and "87.38" in r.text and "良" in r.text
    hrefs = re.findall(r'href="(/download/[^"]+)"', r.text)
    annotated = [h for h in hrefs if "%E6%89%B9%E6%B3%A8" in h]  # 批注
    assert len(annotated) == 2  # 评价.批注.xlsx, 申报.批注.xlsx
    got = served.get(annotated[0])
    assert got.status_code == 200
    book = load_workbook(io.BytesIO(got.content))
    comments = [c.comment.text for ws in book.worksheets for row in ws.iter_rows() for c in row if c.comment]
    assert comments, "findings are cell comments"
    report = served.get(next(h for h in hrefs if h.endswith("%E6%8A%A5%E5%91%8A.xlsx")))  # 报告.xlsx
    cells = [c.value for ws in load_workbook(io.BytesIO(report.content)).worksheets for row in ws.iter_rows()
             for c in row]
    assert any(str(v) == "87.38" for v in cells)


def test_an_input_that_cannot_be_read_is_shown_in_the_report(served):
    files = [("files", ("坏.yaml", b"a: [1, 2\n")), ("files", ("说明.docx", b"PK\x03\x04"))]
    r = served.post("/check", files=files)
    assert r.status_code == 200
    assert "坏.yaml" in r.text and "说明.docx" in r.text
    assert "Word 文档" in r.text  # the CLI's message for a Word file
    r = served.post("/api/check", files=_files("评价.yaml") + files[:1])
    assert r.status_code == 200  # one read, one not: the records, as `check --format json` gives them
    assert [x["input"] for x in r.json()] == ["评价.yaml", "坏.yaml"]
    assert r.json()[1]["error"]["code"] == "E300"


def test_an_error_the_check_raises_keeps_its_code_and_status(tmp_path, monkeypatch):
    import multiprocessing as mp
    if "fork" not in mp.get_all_start_methods():
        pytest.skip("the stand-in check reaches the child only through fork")
    import perfrules.web.runs as runs
    from perfrules.errors import DataError

    def failing(job, packs):
        raise DataError("读不了", "cannot read", hint="换一个")

    monkeypatch.setattr(runs, "check", failing)
    with TestClient(web.create_app(workdir=tmp_path)) as client:
        r = client.post("/api/check", files=_files("评价.yaml"))
        assert r.status_code == 422
        assert r.json()["error"] == {"code": "E300", "message": "读不了", "message_en": "cannot read",
                                     "where": None, "hint": "换一个"}
        r = client.post("/check", files=_files("评价.yaml"))
        assert r.status_code == 422 and "读不了" in r.text and "换一个" in r.text


# ---- the API ------------------------------------------------------------------------------------

def test_the_api_answers_a_multipart_upload_as_check_format_json_does(served):
    r = served.post(f"/api/check?packs={PACK}", files=_files("评价.yaml", "申报.yaml"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    expected = _cli_json(str(PANYU / "评价.yaml"), str(PANYU / "申报.yaml"), "-p", PACK)
    assert r.json() == _local(expected, str(PANYU))
    same = served.post("/api/check", files=_files("评价.yaml", "申报.yaml"), data={"packs": PACK})
    assert same.json() == r.json()  # packs as a form field, or in the query


def test_the_api_answers_a_json_body_as_check_format_json_does(served, tmp_path):
    import yaml
    data = yaml.safe_load((PANYU / "评价.yaml").read_text(encoding="utf-8"))
    body = json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
    (tmp_path / "input.json").write_bytes(body)
    r = served.post(f"/api/check?packs={PACK}", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    assert isinstance(r.json(), dict)  # one entry: one object, as the CLI writes it
    assert r.json() == _local(_cli_json(str(tmp_path / "input.json"), "-p", PACK), str(tmp_path))


def test_the_api_refuses_what_it_cannot_read_with_422(served):
    r = served.post("/api/check", content=b'{"broken": ', headers={"content-type": "application/json"})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "E300" and err["message"] and err["message_en"]
    r = served.post("/api/check", content=b"hello", headers={"content-type": "text/plain"})
    assert r.status_code == 400 and "application/json" in r.json()["error"]["message_en"]


def test_the_api_lists_the_packs(served):
    from perfrules.engine.packs import bundled_names
    packs = served.get("/api/packs").json()
    assert [p["name"] for p in packs] == bundled_names()
    panyu = next(p for p in packs if p["name"] == PACK)
    assert panyu["origin"] == "bundled" and panyu["version"] and "番禺区" in panyu["title"]


# ---- bad requests -------------------------------------------------------------------------------

def test_no_file_is_a_bad_request(served):
    r = served.post("/check", data={"packs": PACK}, files=[("files", ("", b""))])
    assert r.status_code == 400 and "没有上传文件" in r.text and "no file was uploaded" in r.text
    assert "(400)" in r.text
    r = served.post("/check", data={"packs": PACK})  # not even multipart
    assert r.status_code == 400
    r = served.post("/api/check", files=[("packs", (None, PACK))])
    assert r.status_code == 400 and r.json()["error"]["code"] == "E500"


def test_an_unknown_pack_is_a_bad_request_with_a_did_you_mean(served):
    r = served.post("/check", files=_files("评价.yaml"), data={"packs": "panyu-project-2024"})
    assert r.status_code == 400
    assert "panyu-project-2024" in r.text and "是否指「panyu-project-2023」" in r.text
    assert "did you mean panyu-project-2023" in r.text
    r = served.post("/api/check?packs=panyu-projet-2023", files=_files("评价.yaml"))
    assert r.status_code == 400 and "panyu-project-2023" in r.json()["error"]["message"]
    before = set(os.listdir(served.workdir))
    served.post("/check", files=_files("评价.yaml"), data={"packs": "nope"})
    assert set(os.listdir(served.workdir)) == before  # a refused request leaves nothing


def test_too_large_an_upload_is_413(tmp_path):
    app = web.create_app(workdir=tmp_path, max_upload_mb=0.05, max_files=2)
    with TestClient(app) as client:
        big = [("files", ("大.yaml", b"#" * 60_000))]
        r = client.post("/check", files=big)
        assert r.status_code == 413 and "太大" in r.text and "too large" in r.text
        r = client.post("/api/check", files=big)
        assert r.status_code == 413 and r.json()["error"]["message_en"].startswith("the upload is too large")
        r = client.post("/api/check", content=b" " * 60_000, headers={"content-type": "application/json"})
        assert r.status_code == 413
        r = client.post("/check", files=_files("评价.yaml", "申报.yaml", "自评.yaml"))
        assert r.status_code == 413 and "最多上传 2 个文件" in r.text
        assert os.listdir(tmp_path) == []  # nothing kept of a refused upload


def test_a_path_in_a_file_name_never_leaves_the_run_folder(tmp_path):
    runs = tmp_path / "a" / "b" / "runs"
    app = web.create_app(workdir=runs)
    body = (PANYU / "评价.yaml").read_bytes()
    with TestClient(app) as client:
        for name in ("../../x.yaml", "..\\..\\x.yaml", "/etc/x.yaml", "C:\\fakepath\\x.yaml", "../x/../../x.yaml"):
            r = client.post(f"/api/check?packs={PACK}", files=[("files", (name, body))])
            assert r.status_code == 200, (name, r.text)
            assert r.json()["input"] == "x.yaml"
        for name in ("..", "../..", "./"):
            r = client.post("/api/check", files=[("files", (name, body))])
            assert r.status_code == 400, name
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert written == ["a", "a/b", "a/b/runs"]


def test_names_are_kept_chinese_and_made_unique():
    from perfrules.web.uploads import RequestError, safe_name
    assert safe_name("C:\\Users\\张三\\桌面\\评价.xlsx") == "评价.xlsx"
    assert safe_name("子目录/申报 表.yaml") == "申报 表.yaml"
    assert safe_name('a<b>:"c"|?*.csv') == "a_b___c____.csv"
    assert safe_name("x.yaml\x00.txt") == "x.yaml_.txt"
    for bad in ("", ".", "..", "a/..", "  "):
        with pytest.raises(RequestError):
            safe_name(bad)
    r = TestClient(web.create_app()).__enter__()
    try:
        got = r.post("/api/check", files=_files("评价.yaml") + _files("评价.yaml"))
        assert [x["input"] for x in got.json()] == ["评价.yaml", "评价 (2).yaml"]
    finally:
        r.__exit__(None, None, None)


def test_an_unknown_download_is_404(served):
    for href in ("/download/AAAAAAAAAAAAAAAAAAAAAAAA/结果.json", "/download/x/结果.json",
                 "/download/AAAAAAAAAAAAAAAAAAAAAAAA/..%2F..%2Fetc%2Fpasswd", "/nowhere"):
        r = served.get(href)
        assert r.status_code == 404, href
        assert "<html" in r.text
    r = served.post("/check", files=_files("评价.yaml", "申报.yaml"), data={"packs": PACK})
    token = re.search(r'href="/download/([^/]+)/', r.text).group(1)
    assert served.get(f"/download/{token}/page.html").status_code == 404  # only what is offered
    assert served.get(f"/download/{token}/..%2Fin%2F评价.yaml").status_code == 404
    assert served.get("/api/nowhere").json()["error"]["message"] == "没有这个页面"


def test_every_response_carries_the_security_headers(served):
    r = served.post("/check", files=_files("评价.yaml", "申报.yaml"), data={"packs": PACK})
    href = re.search(r'href="(/download/[^"]+)"', r.text).group(1)
    for got in (served.get("/"), r, served.get(href), served.get("/api/packs"), served.get("/nowhere"),
                served.post("/check", data={"x": "1"})):
        assert got.headers["x-content-type-options"] == "nosniff"
        csp = got.headers["content-security-policy"]
        for part in ("default-src 'none'", "style-src 'unsafe-inline'", "img-src data:", "form-action 'self'"):
            assert part in csp
        assert "script-src" not in csp


def test_a_check_past_the_time_limit_is_stopped_with_504(tmp_path, monkeypatch):
    import multiprocessing as mp
    if "fork" not in mp.get_all_start_methods():
        pytest.skip("the stand-in slow check reaches the child only through fork")
    import perfrules.web.runs as runs

    def slow(job, packs):
        time.sleep(30)

    monkeypatch.setattr(runs, "check", slow)  # forked, the child runs it
    app = web.create_app(workdir=tmp_path, timeout_s=0.5)
    with TestClient(app) as client:
        start = time.monotonic()
        r = client.post("/check", files=_files("评价.yaml"))
        assert r.status_code == 504 and "0.5 秒" in r.text and "stopped" in r.text
        r = client.post("/api/check", files=_files("评价.yaml"))
        assert r.status_code == 504 and r.json()["error"]["code"] == "E500"
        assert time.monotonic() - start < 10
        assert not app.state.site.runs._children  # the children were killed
    assert mp.active_children() == []


def test_without_fork_the_child_is_spawned_and_compiles_the_packs_again(tmp_path, monkeypatch):
    """Windows has no fork: the check still runs in a child process (and can be stopped)."""
    import multiprocessing as mp
    monkeypatch.setattr(mp, "get_all_start_methods", lambda: ["spawn"])
    with TestClient(web.create_app(workdir=tmp_path)) as client:
        r = client.post(f"/api/check?packs={PACK}", files=_files("评价.yaml", "申报.yaml"))
        assert r.status_code == 200, r.text
        assert r.json()[0]["score"]["total"] == "87.38"


def test_the_app_leaves_nothing_behind_when_it_stops(tmp_path, monkeypatch):
    app = web.create_app(workdir=tmp_path / "runs")
    with TestClient(app) as client:
        r = client.post("/check", files=_files("评价.yaml", "申报.yaml"), data={"packs": PACK})
        assert r.status_code == 200
        assert len(os.listdir(tmp_path / "runs")) == 1
    assert os.listdir(tmp_path / "runs") == []
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    app = web.create_app()  # its own temporary root, removed at the end
    with TestClient(app) as client:
        client.post("/check", files=_files("评价.yaml"))
        assert len(os.listdir(tmp_path / "tmp")) == 1
    assert os.listdir(tmp_path / "tmp") == []


def test_runs_expire(tmp_path):
    app = web.create_app(workdir=tmp_path)
    runs = app.state.site.runs
    with TestClient(app) as client:
        r = client.post("/check", files=_files("评价.yaml", "申报.yaml"), data={"packs": PACK})
        href = re.search(r'href="(/download/[^"]+)"', r.text).group(1)
        assert client.get(href).status_code == 200
        for run in runs._runs.values():
            run.created -= runs.ttl_s + 1  # an hour later
        assert client.get(href).status_code == 404
        assert os.listdir(tmp_path) == []
        r = client.post("/check", files=_files("评价.yaml", "申报.yaml"), data={"packs": PACK})
        for run in runs._runs.values():
            run.created -= runs.ttl_s + 1
        runs.sweep()  # what the server does every minute
        assert os.listdir(tmp_path) == []


# ---- start-up -----------------------------------------------------------------------------------

def test_packs_given_at_start_up_are_offered_and_checked_by_default(tmp_path):
    pack = tmp_path / "我的包"
    pack.mkdir()
    (pack / "pack.yaml").write_text("name: mine\nversion: '0.1'\ndescription: 本地规则包\n", encoding="utf-8")
    (pack / "a.rules").write_text(RULE, encoding="utf-8")
    app = web.create_app([str(pack), PACK], workdir=tmp_path / "runs")
    with TestClient(app) as client:
        packs = {p["name"]: p for p in client.get("/api/packs").json()}
        assert packs["mine"]["origin"] == "folder" and packs["mine"]["given"]
        assert packs[PACK]["origin"] == "bundled" and packs[PACK]["given"]
        page = client.get("/").text
        assert 'value="mine" checked' in page and f'value="{PACK}" checked' in page
        r = client.post("/api/check", files=_files("评价.yaml", "申报.yaml"))  # no packs: the start-up ones
        assert r.json()[0]["packs"] == ["mine@0.1", f"{PACK}@1.0"]


RULE = """规则 M-01 「三级指标须有名称」 错误
  每个指标: 三级指标 不得为空
"""


def test_a_pack_that_does_not_compile_stops_the_server_with_every_error(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.rules").write_text(RULE.replace("三级指标 不得", "不存在的字段 不得"), encoding="utf-8")
    with pytest.raises(PerfrulesError) as caught:
        web.create_app([str(bad), "no-such-pack"])
    text = caught.value.render()
    assert "no-such-pack" in text and "a.rules" in text


def test_serve_says_where_to_open_the_page_and_warns_when_it_is_not_local(monkeypatch):
    import uvicorn
    seen = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: seen.append(sockets[0].getsockname()))
    lines: list[str] = []
    web.serve("127.0.0.1", 0, echo=lines.append)
    port = seen[0][1]
    assert any(f"请在浏览器中打开 http://127.0.0.1:{port}/" in x for x in lines)
    assert any(f"open http://127.0.0.1:{port}/ in a browser" in x for x in lines)
    assert not any("警告" in x for x in lines)
    lines.clear()
    web.serve("0.0.0.0", 0, echo=lines.append)
    assert any("警告" in x and "没有登录" in x for x in lines) and any("no login" in x for x in lines)


def test_a_port_in_use_is_said_in_both_languages():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(UsageError) as caught:
            web.bind("127.0.0.1", s.getsockname()[1])
    assert "--port" in caught.value.render() and "cannot serve" in caught.value.render()


def test_require_names_the_extra_when_it_is_missing(monkeypatch):
    import importlib.util

    import perfrules.web as package
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "starlette" else real(name, *a))
    with pytest.raises(UsageError) as caught:
        package.require()
    assert "pip install 'perfrules[web]'" in caught.value.zh and "pip install 'perfrules[web]'" in caught.value.en
    monkeypatch.setattr(importlib.util, "find_spec", real)
    package.require()  # installed here


def test_the_core_does_not_import_starlette():
    import subprocess
    import sys
    code = ("import sys, perfrules.cli, perfrules.pipeline, perfrules.web; "
            "from perfrules.report import html; assert 'starlette' not in sys.modules, 'starlette imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
