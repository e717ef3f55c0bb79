"""The form reader against every real layout (A, A-yn, B … G of tests/corpus/LAYOUTS).

Each document (the nine corpus tables, the bundled seed examples, a whole national
自评表) is laid out by ``tests/forms.py`` as the printed form of its layout and saved as
XLSX, CSV UTF-8 and CSV GBK, the way bureaus publish them. Reading that file must give
exactly the indicator set that the YAML loader gives for the part of the document the
form printed (``Form.printed``): the reader has to find every block wherever the layout
puts it and map every printed heading, and may neither invent nor lose content.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
import yaml

import forms
from perfrules.data.loaders import load, load_all

FORMATS = {
    "xlsx": ("xlsx", lambda grid: forms.to_xlsx(grid)),
    "csv-utf8": ("csv", lambda grid: forms.to_csv(grid, "utf-8-sig")),
    "csv-gbk": ("csv", lambda grid: forms.to_csv(grid, "gbk")),
}


def _same_source(s):
    """Sources name different files by design; everything else must agree."""
    return attrs.evolve(s, source="")


def _differences(a, b, path="set", out=None, limit=12):
    """Where two model values differ, as 'path: form value != YAML value' lines."""
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    if attrs.has(type(a)) and type(a) is type(b):
        for f in attrs.fields(type(a)):
            if f.eq:
                _differences(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}", out, limit)
    elif isinstance(a, tuple) and isinstance(b, tuple):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items from the form, {len(b)} from the YAML "
                       f"(form {_short(a)}; YAML {_short(b)})")
        for i, (x, y) in enumerate(zip(a, b)):
            _differences(x, y, f"{path}[{i}]", out, limit)
    elif a != b:
        out.append(f"{path}: form {a!r} != YAML {b!r}")
    return out


def _short(v, n=300):
    text = repr(v)
    return text if len(text) <= n else text[:n] + "…"


def _assert_same(from_form, from_yaml):
    got, want = _same_source(from_form), _same_source(from_yaml)
    if got != want:
        lines = _differences(got, want)
        pytest.fail("the form does not read as the YAML of what it printed:\n  " + "\n  ".join(lines),
                    pytrace=False)


def _write_printed(tmp_path: Path, printed: dict, name: str = "printed.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(printed, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


PARAMS = [pytest.param(path, layout, fmt, id=f"{cid}-{layout}-{fmt}")
          for cid, path, layout in forms.CASES for fmt in FORMATS]


@pytest.mark.parametrize(("doc_path", "layout", "fmt"), PARAMS)
def test_form_reads_as_printed(tmp_path, doc_path, layout, fmt):
    form = forms.LAYOUTS[layout](forms.load_doc(doc_path))
    ext, render = FORMATS[fmt]
    form_dir, yaml_dir = tmp_path / "form", tmp_path / "yaml"
    form_dir.mkdir()
    yaml_dir.mkdir()
    form_file = form_dir / f"{layout}.{ext}"
    form_file.write_bytes(render(form.grid))
    from_yaml = load(_write_printed(yaml_dir, form.printed))
    from_form = load(form_file)
    _assert_same(from_form, from_yaml)
    if ext == "xlsx":  # a one-sheet workbook is one set for load_all too
        (only,) = load_all(form_file)
        _assert_same(only, from_yaml)


def test_two_projects_on_two_sheets(tmp_path):
    """A workbook with one form per sheet (how a bureau files several projects) is
    several indicator sets, in sheet order, each reading as its own printed document."""
    first = forms.LAYOUTS["A"](forms.load_doc("tests/data/forms/national-selfeval.yaml"))
    second = forms.LAYOUTS["A-yn"](forms.load_doc("tests/corpus/yunnan-yongde-2022-nutrition-meals.yaml"))
    book = tmp_path / "两个项目.xlsx"
    book.write_bytes(forms.to_xlsx(first.grid, second.grid))
    sets = load_all(book)
    assert len(sets) == 2, f"expected two indicator sets, got {len(sets)}"
    for got, form, name in zip(sets, (first, second), ("national.yaml", "yongde.yaml")):
        _assert_same(got, load(_write_printed(tmp_path, form.printed, name)))
    assert sets[0].source != sets[1].source, "each set's source should name its sheet"


# ------------------------------------------------------------ the generator itself
# These check tests/forms.py, not perfrules: they pass whatever the reader does.

MINIMAL = {"阶段": "自评", "绩效指标": [{"一级指标": "产出指标", "二级指标": "数量指标",
                                     "三级指标": "验收合格率", "指标值": "100%"}]}


@pytest.mark.parametrize(("layout", "doc"), [
    ("A", {**MINIMAL, "未知键": "x"}),
    ("A", {**MINIMAL, "绩效指标": [{**MINIMAL["绩效指标"][0], "指标方向": "正向"}]}),
    ("A", {**MINIMAL, "项目": {"名称": "某项目", "项目来源": "本级申报项目"}}),   # an F header cell
    ("A", {**MINIMAL, "陈述": {"财政部门审核意见": "同意"}}),                      # an E footer cell
    ("G", {**MINIMAL, "预算": {"执行率": "76%", "到位数": "5"}}),                  # a D money cell
    ("E", {**MINIMAL, "阶段": "申报", "预算": {"明细": [{"来源": "其中:财政拨款", "年度预算": "5"}]}}),
    ("A", {**MINIMAL, "阶段": "申报"}),                                            # the title says 自评
    ("C", {**MINIMAL, "合计权重": 100, "总分分值": 100}),                            # two values, one cell
], ids=["top-level", "indicator", "project", "statement", "budget", "fund-row", "stage", "one-cell"])
def test_generator_refuses_what_it_cannot_place(layout, doc):
    with pytest.raises(forms.UnplacedKey):
        forms.LAYOUTS[layout](copy.deepcopy(doc))


def test_generator_accounts_for_every_key():
    """Every case lays out (no UnplacedKey); what is not printed is a remark or listed in
    NO_PLACE; the printed document holds no remark and nothing the input did not have."""
    for cid, path, layout in forms.CASES:
        doc = forms.load_doc(path)
        printed = forms.LAYOUTS[layout](copy.deepcopy(doc)).printed
        assert printed.get("绩效指标"), cid
        assert not _keys(printed) & forms.REMARKS, cid
        assert _subset(printed, forms.remarks_free(doc)), cid


def _keys(node):
    if isinstance(node, dict):
        return set(node) | set().union(*(_keys(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_keys(v) for v in node)) if node else set()
    return set()


def _subset(small, big):
    if isinstance(small, dict):
        return isinstance(big, dict) and all(k in big and _subset(v, big[k]) for k, v in small.items())
    if isinstance(small, list):
        if not isinstance(big, list):
            return False
        it = iter(big)
        return all(any(_subset(x, y) for y in it) for x in small)
    return small == big


def test_outputs_are_deterministic_and_merged_cells_keep_one_value():
    doc = forms.load_doc("tests/data/forms/national-selfeval.yaml")
    grid = forms.LAYOUTS["A"](doc).grid
    assert forms.to_xlsx(grid) == forms.to_xlsx(grid)
    text = forms.to_csv(grid, "gbk").decode("gbk")
    assert forms.to_csv(grid, "utf-8-sig").decode("utf-8-sig") == text
    lines = text.splitlines()
    assert lines[0].startswith("项目支出绩效自评表,,")           # title merged over the row
    assert sum("产出指标(50分)" in line for line in lines) == 1  # 一级 merged over its 5 rows
    with pytest.raises(ValueError):
        forms.to_csv(grid, "latin-1")


def test_national_selfeval_adds_up_but_for_the_stated_rate():
    """The whole-form fixture is consistent except its one deliberate slip (执行率)."""
    doc = forms.load_doc("tests/data/forms/national-selfeval.yaml")
    b = doc["预算"]
    annual, spent = Decimal(b["年度预算"]), Decimal(b["支出"])
    parts = b["明细"].values()
    assert sum(Decimal(p.get("年度预算", "0")) for p in parts) == annual
    assert sum(Decimal(p.get("支出", "0")) for p in parts) == spent
    assert sum(Decimal(p.get("年初预算", "0")) for p in parts) == Decimal(b["年初预算"])
    rate = (spent / annual * 100).quantize(Decimal("0.01"))
    assert rate == Decimal("86.18") and b["执行率"] == "86.19%"          # the slip
    rows = doc["绩效指标"]
    score = Decimal(str(b["执行率得分"]))
    assert score == (b["执行率分值"] * spent / annual).quantize(Decimal("0.01"))
    weights = sum(Decimal(str(r["分值"])) for r in rows) + b["执行率分值"]
    assert weights == doc["总分分值"] == 100
    assert sum(Decimal(str(r["得分"])) for r in rows) + score == Decimal(str(doc["总分"]))
    for level1, total in (("产出指标(50分)", 50), ("效益指标(30分)", 30), ("满意度指标(10分)", 10)):
        assert sum(r["分值"] for r in rows if r["一级指标"] == level1) == total
