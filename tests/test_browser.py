"""``perfrules serve`` and the static HTML report in a real browser: Debian's Chromium
(/usr/bin/chromium), headless, driven by Playwright.

The server runs for real (uvicorn, in a thread, on a free port of 127.0.0.1); the tests pick
files and a pack as an officer would, press 检查, read the score, download the workbooks and
open them; the form also works with JavaScript switched off; a report written by
``perfrules check -o report.html`` opens from disk and fetches nothing. Screenshots of the
pages go to build/screenshots/ (look at them after a change to the page or the report).

Without /usr/bin/chromium these tests are skipped, unless the variable CI is set: then they
fail (.ci/run installs chromium and fonts-noto-cjk first).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parent.parent
PANYU = ROOT / "examples" / "panyu-2023-ops"
PACK = "panyu-project-2023"
SHOTS = ROOT / "build" / "screenshots"


def _missing(why: str) -> None:
    """Skip when the browser is not here, fail when it should be (under CI)."""
    if os.environ.get("CI"):
        pytest.fail(f"{why} (CI is set: the browser tests must run; .ci/run installs what they need)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The page, served by uvicorn on a free port of 127.0.0.1 in a thread; its base URL."""
    import uvicorn

    from perfrules.web.app import bind, create_app
    app = create_app(workdir=tmp_path_factory.mktemp("runs"))
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(15)
    sock.close()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        _missing(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the [test] extra installs it
        _missing("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def _cells(path: str) -> list[str]:
    from openpyxl import load_workbook
    book = load_workbook(path)
    return [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def _upload_and_check(page, base: str) -> None:
    page.goto(base + "/")
    page.set_input_files('input[type=file][name="files"]', [str(PANYU / "评价.xlsx"), str(PANYU / "申报.xlsx")])
    page.check(f'input[name="packs"][value="{PACK}"]')
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_an_officer_checks_two_workbooks_and_downloads_the_report(server, browser, tmp_path):
    page = browser.new_page()
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.goto(server + "/")
    assert page.title().startswith("绩效指标检查")
    assert page.locator(f'input[name="packs"][value="{PACK}"]').count() == 1
    _shot(page, "upload.png")
    _upload_and_check(page, server)
    text = page.inner_text("body")
    assert "87.38" in text and "良" in text
    assert "支出完成率" in text
    _shot(page, "report.png")
    with page.expect_download() as got:
        page.click("a:has-text('Excel 报告')")
    download = got.value
    assert download.suggested_filename == "报告.xlsx"
    saved = str(tmp_path / "报告.xlsx")
    download.save_as(saved)
    assert "87.38" in _cells(saved)
    with page.expect_download() as got:
        page.click("a:has-text('评价.xlsx 批注版')")
    assert got.value.suggested_filename == "评价.批注.xlsx"
    got.value.save_as(str(tmp_path / "a.xlsx"))
    from openpyxl import load_workbook
    book = load_workbook(tmp_path / "a.xlsx")
    assert any(c.comment for ws in book.worksheets for row in ws.iter_rows() for c in row)
    assert all(u.startswith(server + "/") for u in seen), [u for u in seen if not u.startswith(server)]
    page.close()


def test_the_form_works_with_javascript_switched_off(server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _upload_and_check(page, server)
    text = page.inner_text("body")
    assert "87.38" in text and "良" in text
    _shot(page, "report-no-javascript.png")
    context.close()


def test_a_bad_request_shows_a_page_in_both_languages(server, browser):
    page = browser.new_page()
    page.goto(server + "/")
    with page.expect_navigation():
        page.click("button[type=submit]")  # no file chosen
    text = page.inner_text("body")
    assert "没有上传文件" in text and "no file was uploaded" in text
    _shot(page, "error.png")
    page.close()


def test_a_static_report_opens_from_disk_and_fetches_nothing(browser, tmp_path):
    from click.testing import CliRunner

    from perfrules.cli import main
    report = tmp_path / "report.html"
    out = CliRunner().invoke(main, ["check", str(PANYU / "评价.xlsx"), str(PANYU / "申报.xlsx"), "-p", PACK,
                                    "-o", str(report)])
    assert out.exit_code in (0, 1), out.output
    page = browser.new_page()
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    text = page.inner_text("body")
    assert "87.38" in text and "良" in text
    _shot(page, "static-report.png")
    assert seen and all(u.startswith("file://") for u in seen), seen
    page.close()


def test_a_chinese_font_is_installed_so_the_pages_are_readable():
    """Without a CJK font Chromium draws the pages' Chinese as boxes (fonts-noto-cjk)."""
    if shutil.which("fc-list") is None:
        _missing("fc-list is missing (fontconfig)")
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    if not re.search(r"\S", fonts):
        _missing("no Chinese font: apt-get install fonts-noto-cjk")
