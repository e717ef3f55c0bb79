"""Lay out 自评表.yml as the Sichuan 部门预算项目支出绩效自评表 (报表编号 510000_0013zp).

    .venv/bin/python examples/sichuan-2023-selfeval/make_form.py [--check]

Writes 自评表.xlsx beside this script; ``--check`` only says whether the committed file is
what the script writes now (exit 1 if not). The output is the same bytes on every run
(fixed document times and zip entry times), so regenerating an unchanged form leaves git
with nothing to commit.

The layout is section C of shared/corpus/LAYOUTS.md, as printed by the Sichuan system
(青神县 2023, tests/corpus/sichuan-qingshen-2023-salary-expenses.yaml), eleven columns:

- 报表编号:510000_0013zp, then the title 部门预算项目支出绩效自评表(2023年度);
- header block 项目名称 / 主管部门 | 实施单位 (盖章), and two rows the printed form does not
  have: 项目类别 | 是否有负外部性 / 服务对象 (项目类别 is a built-in field, the other two are the
  project fields the sichuan-selfeval-2023 pack declares; a unit asked for them adds the rows,
  and perfrules reads header labels of declared fields);
- 项目基本情况: 项目年度目标 | 年度目标完成情况, 2.项目实施内容及过程概述;
- 预算执行情况(10分): 年度预算数(万元) | 年初预算 | 调整后预算数 | 预算执行数 | 预算执行率 |
  权重 | 得分 | 原因, rows 总额 / 财政资金 / 财政专户管理资金 / 单位资金 / 其他资金, the
  sub-rows printing ``/`` in 权重 and 得分;
- 绩效指标(90分): 一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位 | 完成值 |
  权重 | 得分 | 未完成原因分析, 一级/二级 cells merged down over their rows;
- 合计 | 权重 total | 得分 total; 评价结论 / 存在问题 / 改进措施; 项目负责人: | 财务负责人:.

It reads the YAML with PyYAML only (not with perfrules), so that the form and its YAML
twin are two independent spellings of the same data: tests/test_pack_sichuan.py and
tests/test_loaders.py load both and require the same indicator set.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import openpyxl
import yaml
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "自评表.yml"
TARGET = HERE / "自评表.xlsx"
WIDTH = 11
WRAP = Alignment(wrap_text=True, vertical="center")
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


class Sheet:
    """Rows appended left to right; an item is a value or (value, width[, height])."""

    def __init__(self, ws):
        self.ws = ws
        self.r = 1
        self.taken: set[tuple[int, int]] = set()

    def row(self, *items) -> int:
        r, c = self.r, 1
        for item in items:
            value, w, h = (item + (1,) * (3 - len(item))) if isinstance(item, tuple) else (item, 1, 1)
            while (r, c) in self.taken:
                c += 1
            self.put(r, c, value, w, h)
            c += w
        self.r += 1
        return r

    def put(self, r: int, c: int, value, w: int = 1, h: int = 1) -> None:
        if c + w - 1 > WIDTH:
            raise ValueError(f"row {r}: {value!r} runs past column {WIDTH}")
        for i in range(h):
            for j in range(w):
                self.taken.add((r + i, c + j))
                self.ws.cell(r + i, c + j).border = BOX
        cell = self.ws.cell(r, c, None if value in (None, "") else value)
        cell.alignment = WRAP
        if w > 1 or h > 1:
            self.ws.merge_cells(start_row=r, start_column=c, end_row=r + h - 1, end_column=c + w - 1)


def _merge_down(ws, first: int, col: int, keys: list) -> None:
    """Merge a column down over each run of rows with the same key (一级, 二级 as printed)."""
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            if i - start > 1:
                for k in range(start + 1, i):
                    ws.cell(first + k, col).value = None
                ws.merge_cells(start_row=first + start, start_column=col, end_row=first + i - 1, end_column=col)
            start = i


def build(doc: dict) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表"
    s = Sheet(ws)
    p, b, goal = doc["项目"], doc["预算"], doc["绩效目标"]

    s.row(("报表编号:510000_0013zp", WIDTH))
    title = s.row((f"部门预算项目支出绩效自评表({p['年度']}年度)", WIDTH))
    ws.cell(title, 1).font = Font(bold=True, size=14)
    s.row(("项目名称", 2), (p["名称"], 9))
    s.row(("主管部门", 2), (p["主管部门"], 4), ("实施单位 (盖章)", 2), (p["实施单位"], 3))
    s.row(("项目类别", 2), ("、".join(p.get("类别", [])), 4), ("是否有负外部性", 2), (p.get("是否有负外部性"), 3))
    s.row(("服务对象", 2), (p.get("服务对象"), 9))

    s.row(("项目基本情况", 1, 4), ("1.项目年度目标完成情况", 10))
    s.row(("项目年度目标", 5), ("年度目标完成情况", 5))
    s.row((goal.get("预期目标"), 5), (goal.get("实际完成情况"), 5))
    s.row(("2.项目实施内容及过程概述", 3), (p.get("项目实施内容及过程概述"), 7))

    sources = b.get("明细", [])
    s.row(("预算执行情况(10分)", 1, 2 + len(sources)), (f"年度预算数({b['单位']})", 2), "年初预算", "调整后预算数",
          "预算执行数", "预算执行率", "权重", "得分", ("原因", 2))
    s.row(("总额", 2), b["年初预算"], b["年度预算"], b["支出"], b["执行率"], b["执行率分值"], b["执行率得分"],
          (p.get("原因说明"), 2))  # the project's 原因说明 (declared by the pack) is printed here
    for src in sources:
        s.row((src["来源"], 2), src["年初预算"], src["年度预算"], src["支出"], src["执行率"], "/", "/",
              (src.get("原因"), 2))

    rows = doc["绩效指标"]
    head = s.row(("绩效指标(90分)", 1, 1 + len(rows)), "一级指标", "二级指标", "三级指标", "指标性质", "指标值",
                 "度量单位", "完成值", "权重", "得分", "未完成原因分析")
    for ind in rows:
        s.row(ind["一级指标"], ind["二级指标"], ind["三级指标"], ind.get("指标性质"), ind.get("指标值"),
              ind.get("度量单位"), ind.get("实际完成值"), ind.get("权重"), ind.get("得分"), ind.get("偏差原因"))
    _merge_down(ws, head + 1, 2, [i["一级指标"] for i in rows])
    _merge_down(ws, head + 1, 3, [(i["一级指标"], i["二级指标"]) for i in rows])
    s.row(("合计", 8), doc.get("合计权重"), doc.get("总分"), None)

    for part in ("评价结论", "存在问题", "改进措施"):
        s.row((part, 2), (doc.get("陈述", {}).get(part), 9))
    s.row(("项目负责人:", 6), ("财务负责人:", 5))

    for c in range(1, WIDTH + 1):
        ws.column_dimensions[get_column_letter(c)].width = 14
    ws.column_dimensions["D"].width = 24
    wb.properties.creator = "examples/sichuan-2023-selfeval/make_form.py"
    return wb


def xlsx_bytes(doc: dict) -> bytes:
    """The workbook's bytes, the same on every run (fixed zip times and document dates, as
    examples/make_forms.py writes the other example forms)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from make_forms import reproducible

    buf = io.BytesIO()
    build(doc).save(buf)
    return reproducible(buf.getvalue())


def main(argv: list[str]) -> int:
    doc = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    data = xlsx_bytes(doc)
    if "--check" in argv:
        same = TARGET.is_file() and TARGET.read_bytes() == data
        print(f"{TARGET.name}: {'最新 (up to date)' if same else '需要重新生成 (stale): run make_form.py'}")
        return 0 if same else 1
    TARGET.write_bytes(data)
    print(f"{SOURCE.name} -> {TARGET.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
