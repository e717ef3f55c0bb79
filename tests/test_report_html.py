"""The HTML report (``--format html``): one self-contained, printable page per run, or a folder
with a page per project and an index; every input text escaped and its controls shown.

Pages are read back with :mod:`html.parser`: what the tests look at is the document's elements
and its text as a browser would show it, not the bytes of the template.
"""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal as D
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import attrs
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from perfrules.cli import main
from perfrules.data.indicators import IndicatorSet, Project, ScoreEntry
from perfrules.engine.runner import run
from perfrules.pipeline import Outcome
from perfrules.report import html as report_html
from perfrules.report.terminal import printable
from perfrules.report.view import EntryView, ReportView
from perfrules.version import __version__

from helpers import ind, make_pack

ROOT = Path(__file__).resolve().parent.parent
PANYU = ["examples/panyu-2023-ops/评价.yaml", "examples/panyu-2023-ops/申报.yaml", "-p", "panyu-project-2023"]
SICHUAN = ["examples/sichuan-2023-selfeval/自评表.xlsx", "-p", "policies/sichuan-selfeval-2023"]
ARITHMETIC = "执行率 = 支出 428.54 ÷ 年度预算 507.74 = 84.40%；得分 = (84.40% − 60%) ÷ (100% − 60%) × 8 = 4.88"

# Every element the templates write; input text must never add one.
TAGS = {"html", "head", "meta", "title", "style", "body", "header", "main", "footer", "nav", "section",
        "div", "h1", "h2", "h3", "h4", "p", "span", "strong", "br", "code", "pre", "dl", "dt", "dd", "ul",
        "li", "a", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "details", "summary"}
BLOCKS = {"p", "div", "section", "header", "footer", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "dt", "dd",
          "br", "pre", "summary", "table"}
ATTRIBUTES = {"lang", "charset", "name", "content", "class", "id", "href", "scope", "colspan", "open",
              "data-worst"}


class Page(HTMLParser):
    """A document read back: its elements (tag, attributes) and its text (outside <style>)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.data: list[str] = []
        self.css: list[str] = []
        self._in_style = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs_):
        self.elements.append((tag, dict(attrs_)))
        self._in_style = tag == "style"
        if tag in BLOCKS:
            self.data.append("\n")  # a cell, a paragraph: apart from its neighbours, as laid out

    def handle_startendtag(self, tag, attrs_):
        self.elements.append((tag, dict(attrs_)))

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False
        if tag in BLOCKS:
            self.data.append("\n")

    def handle_data(self, data):
        (self.css if self._in_style else self.data).append(data)

    @property
    def text(self) -> str:
        return "".join(self.data)

    @property
    def words(self) -> str:
        """The text with runs of white space as one space (as a browser lays it out)."""
        return " ".join(self.text.split())

    def having(self, tag: str, cls: str | None = None) -> list[dict]:
        return [a for t, a in self.elements
                if t == tag and (cls is None or cls in (a.get("class") or "").split())]

    @property
    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.elements if "id" in a}


def check(monkeypatch, *args: str):
    monkeypatch.chdir(ROOT)  # inputs and rule sources shown relative to the project
    return CliRunner().invoke(main, ["check", *args])


# ---- a run to one file -------------------------------------------------------------------------

def test_a_run_of_two_inputs_is_one_page_with_its_index(tmp_path, monkeypatch):
    out = tmp_path / "report.html"
    result = check(monkeypatch, *PANYU, "-o", str(out))
    assert result.exit_code == 1, result.output  # findings at error level
    text = out.read_text(encoding="utf-8")
    page = Page(text)
    assert text.startswith("<!DOCTYPE html>") and page.having("html")[0]["lang"] == "zh-CN"
    assert page.having("meta")[0] == {"charset": "utf-8"}
    sections = page.having("section", "project")
    assert len(sections) == 2 and {s["data-worst"] for s in sections} == {"error", "warning"}
    words = page.words
    assert "87.38 / 100 良" in words and ARITHMETIC in page.text
    assert "examples/panyu-2023-ops/评价.yaml" in words and "examples/panyu-2023-ops/申报.yaml" in words
    assert "评分表 score sheet" in words and "扣 3.12 [项目管理/财务管理/支出完成率]" in words
    # the index: a row per input, each linking to its section
    assert page.having("section", "summary")
    rows = page.having("tr", "result")
    links = [a["href"] for a in page.having("a") if a.get("href", "").startswith("#")]
    assert len(rows) == 2 and len(links) == 2 and {h[1:] for h in links} <= page.ids
    assert "检查 2 个项目，无法读取 0 个，跳过 0 个文件" in words
    assert f"由 perfrules {__version__} 生成" in words


def test_the_score_sheet_is_a_table_with_every_deduction(tmp_path, monkeypatch):
    out = tmp_path / "r.html"
    check(monkeypatch, *PANYU, "-o", str(out))
    text = out.read_text(encoding="utf-8")
    page = Page(text)
    assert len(page.having("table", "score-sheet")) == 1
    start = text.index('<table class="score-sheet">')
    head = text[start:text.index("</thead>", start)]
    assert re.findall(r"<th [^>]*>([^<]+) <", head) == ["评分项", "分值", "得分", "扣分", "扣分说明"]
    # every deduction of the sheet (as JSON gives it) is in the page: points, rule, whole reason
    record = json.loads(check(monkeypatch, *PANYU, "--format", "json").output)[0]
    deductions = [d for i in record["score"]["items"] for d in i["deductions"]]
    assert len(deductions) >= 10
    for d in deductions:
        assert f"扣 {d['points']} [{d['rule']}]" in page.words and d["reason"] in page.text
    assert sum(page.words.count(f"扣 {p} [") for p in {d["points"] for d in deductions}) == len(deductions)
    assert "合计 total 100 87.38 12.62 等级 良" in page.words


def test_an_incomplete_sheet_shows_the_range_and_no_grade(tmp_path, monkeypatch):
    out = tmp_path / "s.html"
    result = check(monkeypatch, *SICHUAN, "-o", str(out))
    assert result.exit_code == 1, result.output
    page = Page(out.read_text(encoding="utf-8"))
    words = page.words
    assert "总分不完整 76.94–84.94，不评定等级" in words
    assert "无法评分 cannot be scored 可能得分 68.44–76.44" in words
    assert "实际完成值「完成」不是数值" in words
    assert page.having("tr", "unscorable")
    assert not page.having("span", "grade") and "总分 — / 100，等级 不评定 no grade" in words
    assert "合计 total 100 76.94–84.94 不完整，不评定等级" in words
    # one entry: no index
    assert not page.having("section", "summary") and len(page.having("section", "project")) == 1
    # reading notes, by kind
    assert "读取说明 input notes" in words and "合计行 total row：1 处" in words


def test_rendering_twice_gives_the_same_bytes(tmp_path, monkeypatch):
    a, b, c = tmp_path / "a.html", tmp_path / "b.html", tmp_path / "c.html"
    check(monkeypatch, *PANYU, "-o", str(a))
    check(monkeypatch, *PANYU, "-o", str(b))
    check(monkeypatch, *PANYU, "-j", "2", "-o", str(c))  # fragments rendered in worker processes
    assert a.read_bytes() == b.read_bytes() == c.read_bytes()


def test_without_output_the_page_goes_to_stdout(monkeypatch, tmp_path):
    result = check(monkeypatch, *SICHUAN, "--format", "html")
    assert result.exit_code == 1
    assert result.output.startswith("<!DOCTYPE html>") and result.output.rstrip().endswith("</html>")
    out = tmp_path / "s.html"
    check(monkeypatch, *SICHUAN, "-o", str(out))
    assert out.read_text(encoding="utf-8") == result.output


# ---- self-contained and printable --------------------------------------------------------------

EXTERNAL = re.compile(r"""(?:\bsrc|\bhref)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|//)|url\s*\(|@import""", re.I)


def test_the_page_fetches_nothing(tmp_path, monkeypatch):
    out = tmp_path / "r.html"
    check(monkeypatch, *PANYU, "-o", str(out))
    text = out.read_text(encoding="utf-8")
    assert not EXTERNAL.search(text)
    assert not re.search(r"<script|<link|<img|<iframe|<object|<embed|@font-face", text, re.I)
    page = Page(text)
    assert not any("src" in a for _, a in page.elements)
    for a in page.having("a"):
        assert not urlsplit(a["href"]).scheme and not a["href"].startswith("//")
    assert len(page.having("style")) == 1 and ":root" in "".join(page.css)  # the CSS is inlined


def test_the_page_prints_on_a4(tmp_path, monkeypatch):
    out = tmp_path / "r.html"
    check(monkeypatch, *PANYU, "-o", str(out))
    css = "".join(Page(out.read_text(encoding="utf-8")).css)
    assert re.search(r"@page\s*\{[^}]*size:\s*A4", css)
    print_rules = css[css.index("@media print"):]
    assert re.search(r"\.entry \+ \.entry[^{]*\{[^}]*break-before: page", print_rules)
    assert re.search(r"\btr\b[^{]*\{[^}]*break-inside: avoid", print_rules)
    assert re.search(r"thead\s*\{\s*display: table-header-group", print_rules)
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}:\d{2}", out.read_text(encoding="utf-8"))  # no time


# ---- a folder: a page per project and an index -------------------------------------------------

def test_a_folder_gets_a_page_per_project_and_an_index(tmp_path, monkeypatch):
    folder = tmp_path / "报告"
    result = check(monkeypatch, *PANYU, "-o", f"{folder}/")
    assert result.exit_code == 1, result.output
    names = sorted(os.listdir(folder))
    assert names == ["001-评价.html", "002-申报.html", "index.html"]
    index = Page((folder / "index.html").read_text(encoding="utf-8"))
    hrefs = [a["href"] for a in index.having("a")]
    assert len(hrefs) == 2 and all((folder / unquote(h)).is_file() for h in hrefs)
    assert not index.having("section", "project") and index.having("section", "summary")
    assert "87.38 / 100" in index.words
    for h in hrefs:
        page = Page((folder / unquote(h)).read_text(encoding="utf-8"))
        assert len(page.having("section", "project")) == 1
        assert [a["href"] for a in page.having("a")] == ["index.html"]
    assert "87.38 / 100 良" in Page((folder / "001-评价.html").read_text(encoding="utf-8")).words
    again = tmp_path / "again"
    check(monkeypatch, *PANYU, "-o", f"{again}/")
    assert all((folder / n).read_bytes() == (again / n).read_bytes() for n in names)


def test_page_names_keep_chinese_and_drop_what_a_file_name_cannot_hold():
    assert report_html.page_name(1, "examples/panyu-2023-ops/评价.yaml") == "001-评价.html"
    assert report_html.page_name(12, "data/all.jsonl:3") == "012-all-3.html"
    assert report_html.page_name(3, "C:\\表格\\自评 表（2023）.xlsx") == "003-自评-表-2023.html"
    assert report_html.page_name(4, "../../\x1b[2J\u202e.yaml") == "004-2J.html"
    assert report_html.page_name(5, "\u202e.yaml") == "005-project.html"
    long = report_html.page_name(6, "长" * 500 + ".xlsx")
    assert len(long.encode("utf-8")) < 255 and long.startswith("006-长")


def test_inputs_not_read_and_files_skipped_are_shown(tmp_path, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    (src / "评价.yaml").write_bytes((ROOT / "examples/panyu-2023-ops/评价.yaml").read_bytes())
    (src / "坏<b>.yaml").write_text("绩效指标: [\n", encoding="utf-8")
    (src / "说明.txt").write_text("notes\n", encoding="utf-8")
    out = tmp_path / "r.html"
    result = check(monkeypatch, str(src), "-o", str(out))
    assert result.exit_code == 2
    page = Page(out.read_text(encoding="utf-8"))
    (unread,) = page.having("section", "unreadable")
    assert "无法读取 could not be read" in page.words and "坏<b>.yaml" in page.text
    assert not page.having("b")  # the file name is text
    assert len(page.having("tr", "error")) == 1 and len(page.having("tr", "skipped")) == 1
    assert "跳过的文件 files skipped" in page.words and "说明.txt" in page.text
    assert page.having("section", "run-footer")


def test_document_takes_links_and_rendered_outcomes():
    r = run([make_pack("指标值须可衡量")], IndicatorSet((ind("网络", "提升"),), source="x.yaml"))
    o = Outcome("x.yaml", "result", result=r)
    o = attrs.evolve(o, text=report_html.entry(o), entry=EntryView.of(ReportView.of(r)), result=None)
    skipped = Outcome("y.txt", "skipped", message="y.txt: 跳过")
    assert report_html.entry(skipped) is None
    links = [("下载批注工作簿 (annotated workbook)", "download/批注.xlsx"), ("JSON", "download/result.json")]
    text = report_html.document([o, skipped], links=links)
    page = Page(text)
    assert [a["href"] for a in page.having("a")][:2] == ["download/批注.xlsx", "download/result.json"]
    assert "下载批注工作簿 (annotated workbook)" in page.text
    assert len(page.having("section", "project")) == 1 and len(page.having("tr", "skipped")) == 1
    assert text == report_html.document([o, skipped], links=links)
    # outcomes kept as Results (the web server's run) give the same page
    kept = Outcome("x.yaml", "result", result=r)
    assert report_html.document([kept, skipped], links=links) == text


# ---- hostile text ------------------------------------------------------------------------------

HOSTILE = st.lists(st.sampled_from(["<script>alert(1)</script>", "</section>", "<b>", "&amp;", "&", "\"", "'",
                                    "\x1b[2J", "\x07", "\u202e", "\u200b", "\x00", "\r\n", "<!--", "]]>",
                                    "{{ x }}", "{% if %}", "<U+202E>", "a", "指标"]) | st.text(max_size=8),
                   max_size=6).map("".join)
PACK = make_pack("指标值须可衡量\n评分项 其他 分值 90\n")


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=HOSTILE, value=HOSTILE, project=HOSTILE, source=HOSTILE, comment=HOSTILE)
def test_input_text_never_becomes_markup(name, value, project, source, comment):
    iset = IndicatorSet((ind(name, value),), project=Project(name=project), source=source or "x",
                        scores=(ScoreEntry("其他", D(90), D(80), comment=comment),))
    r = run([PACK], iset)
    o = Outcome(r.input, "result", result=r)
    o = attrs.evolve(o, text=report_html.entry(o, True), entry=EntryView.of(ReportView.of(r)), result=None)
    page = Page(report_html.document([o, o]))
    assert {t for t, _ in page.elements} <= TAGS
    assert {k for _, a in page.elements for k in a} <= ATTRIBUTES
    assert len(page.having("section", "project")) == 2
    v = ReportView.of(r)
    shown = [v.title, v.input, *(f.target for f in v.findings), *(f.message for f in v.findings),
             *(d.reason for i in v.sheet.items for d in i.deductions)]
    text = page.text
    for s in shown:
        assert printable(s) in text
    for bad in ("\x1b", "\x07", "\u202e", "\u200b", "\x00"):
        assert bad not in text
