"""Build an XLSX form beside each example YAML, laid out like the real 绩效表.

    .venv/bin/python examples/make_forms.py [YAML ...]

With no arguments every ``examples/**/*.yaml`` gets its twin (申报.yaml → 申报.xlsx).
The workbook is what people actually send: a merged title row ("项目支出绩效自评表"),
a unit row, the header on row 3, 一级/二级指标 cells merged down over their rows, a
项目信息 sheet of key/value rows, and a 评分 sheet when the YAML has score lines. The
test suite loads both files and requires the same model, so the XLSX reader is checked
against the layout of the real forms.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

from perfrules.data.indicators import IndicatorSet
from perfrules.data.loaders import load

TITLES = {"申报": "项目支出绩效目标申报表", "自评": "项目支出绩效自评表", "评价": "项目支出绩效评价指标表"}
# (header, attribute, always shown): optional columns appear only when some row uses them,
# as a 申报表 has no 实际完成值 column.
COLUMNS = [("一级指标", "level1_raw", True), ("二级指标", "level2_raw", True),
           ("三级指标", "name", True), ("指标值", "target", True),
           ("实际完成值", "actual", False), ("计算方法", "method", False),
           ("赋值依据", "basis", False), ("佐证材料", "evidence", False),
           ("分值", "weight", False), ("得分", "score", False)]
WRAP = Alignment(wrap_text=True, vertical="center")
FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def _cell(value):
    if isinstance(value, tuple):
        return "\n".join(value) or None
    return value


def _merge_runs(ws, column: int, keys: list, first_row: int) -> None:
    """Merge a column's cells down over each run of rows with the same key, as on paper."""
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start] or keys[i] is None:
            if i - start > 1 and keys[start] is not None:
                ws.merge_cells(start_row=first_row + start, start_column=column,
                               end_row=first_row + i - 1, end_column=column)
            start = i


def _indicator_sheet(ws, s: IndicatorSet) -> None:
    cols = [(h, a) for h, a, always in COLUMNS
            if always or any(getattr(i, a) not in (None, ()) for i in s.indicators)]
    extra = list(dict.fromkeys(k for i in s.indicators for k, _ in i.extra))
    headers = [h for h, _ in cols] + extra
    ws.title = "绩效指标"
    ws.cell(1, 1, TITLES.get(s.stage or "", "项目支出绩效指标表")).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.cell(2, 1, "金额单位：万元")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(headers))
    for c, h in enumerate(headers, 1):
        ws.cell(3, c, h).font = Font(bold=True)
    for r, ind in enumerate(s.indicators, 4):
        values = [_cell(getattr(ind, a)) for _, a in cols]
        values += [dict(ind.extra).get(k) for k in extra]
        for c, v in enumerate(values, 1):
            ws.cell(r, c, v).alignment = WRAP
    levels = [(i.level1_raw,) for i in s.indicators]
    _merge_runs(ws, 1, [k[0] for k in levels], 4)
    _merge_runs(ws, 2, [(i.level1_raw, i.level2_raw) if i.level2_raw else None
                        for i in s.indicators], 4)
    for c in range(1, len(headers) + 1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width = 18


def _info_sheet(ws, s: IndicatorSet) -> None:
    p, b = s.project, s.budget
    rows = [("字段", "内容")]
    if p is not None:
        rows += [("名称", p.name), ("主管部门", p.department),
                 ("类别", "、".join(p.categories) or None), ("性质", p.nature), ("年度", p.year)]
    rows += [("阶段", s.stage)]
    if b is not None:
        rows += [("年初预算", b.initial),
                 ("调整", "、".join(str(a) for a in b.adjustments) or None),
                 ("上年结转", b.carryover), ("年度预算", b.annual), ("支出", b.spent),
                 ("执行率", b.stated_rate), ("支出合计", b.spent_total),
                 ("支出明细", "、".join(str(a) for a in b.spent_parts) or None),
                 ("执行进度", "、".join(f"{(x * 100).normalize():f}%" for x in b.progress) or None),
                 ("执行进度合计", f"{(b.progress_total * 100).normalize():f}%"
                  if b.progress_total is not None else None),
                 ("通报次数", b.progress_count)]
    rows += [("绩效目标", s.goal), ("总分", s.stated_total), ("等级", s.stated_grade),
             ("调整文件", "\n".join(s.adjustment_docs) or None)]
    for r, (k, v) in enumerate((row for row in rows if row[1] is not None), 1):
        ws.cell(r, 1, k)
        ws.cell(r, 2, v).alignment = WRAP
    ws.column_dimensions["B"].width = 60


def _score_sheet(ws, s: IndicatorSet) -> None:
    by_level = all(len(e.path.split("/")) == 3 for e in s.scores)
    heads = (["一级指标", "二级指标", "三级指标"] if by_level else ["路径"]) + ["分值", "得分", "评价情况"]
    deducted = any(e.deductions for e in s.scores)
    heads += ["扣分"] if deducted else []
    for c, h in enumerate(heads, 1):
        ws.cell(1, c, h).font = Font(bold=True)
    for r, e in enumerate(s.scores, 2):
        parts = e.path.split("/") if by_level else [e.path]
        cut = "\n".join(f"{why}：{pts}" for why, pts in e.deductions) or None
        for c, v in enumerate(parts + [e.weight, e.score, e.comment] + ([cut] if deducted else []), 1):
            ws.cell(r, c, v).alignment = WRAP
    if by_level:  # the evaluator's annex merges 一级 and 二级 down, as the indicator form does
        paths = [e.path.split("/") for e in s.scores]
        _merge_runs(ws, 1, [p[0] for p in paths], 2)
        _merge_runs(ws, 2, [tuple(p[:2]) for p in paths], 2)


def reproducible(data: bytes) -> bytes:
    """The same workbook bytes on every run: fixed zip times and document dates, so that
    regenerating unchanged examples leaves git with nothing to commit."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "docProps/core.xml":
                body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-01-01T00:00:00Z", body)
            info = zipfile.ZipInfo(item.filename, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, body)
    return out.getvalue()


def write_form(s: IndicatorSet, path: Path) -> None:
    wb = openpyxl.Workbook()
    _indicator_sheet(wb.active, s)
    _info_sheet(wb.create_sheet("项目信息"), s)
    if s.scores:
        _score_sheet(wb.create_sheet("评分"), s)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(reproducible(buf.getvalue()))


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    paths = [Path(a) for a in argv] or sorted(here.glob("**/*.yaml"))
    for yaml_path in paths:
        out = yaml_path.with_suffix(".xlsx")
        write_form(load(yaml_path), out)
        print(f"{yaml_path} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
