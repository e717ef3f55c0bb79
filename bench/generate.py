"""Synthetic indicator sets for benchmarks, as JSON Lines (one project per line).

    python bench/generate.py --projects 1000|10000|100000 [--seed 7] [--unique-values] [-o FILE]

Each line is one project in the contract's canonical keys: 项目 {名称, 主管部门, 类别, 性质, 年度},
阶段, 预算 {年度预算, 支出}, 绩效指标 [{一级指标, 二级指标, 三级指标, 指标值, 实际完成值, 佐证材料,
分值}] (计算方法 on some rows). Names, categories, value styles and defects follow the
seeds (002 tables 3/4 and 004's long table), in roughly these proportions:

* 8–15 indicators per project; outputs (数量/质量/时效/成本) 4–8, benefits 2–4, one
  satisfaction indicator except in ~25% of projects (应设未设满意度指标); ~5% have no
  benefit indicator at all;
* ~40% of projects are 信息化运维 (the seeds are IT operations); ~20% of those carry a
  生态效益 indicator (seed 002 table 4);
* ~15% of projects use a financial-management indicator (资金拨付率, 预算执行率 …) as an
  output (seed 002 table 3);
* ~8% of projects have every 三级指标 written "/" (seed 002 table 4), and ~2% of the
  other rows are unnamed;
* about a fifth of benefit values are vague (提升, 保障……, 定性指标, 有效提升) and some outputs
  too (按合同约定, 完成年度任务数, seed 004);
* 二级/一级 written as on real forms: 产出数量 beside 数量指标, 社会效益 beside 社会效益指标,
  服务对象满意度指标 in the 一级 column (seed 002 table 3);
* at 自评/评价, 实际完成值 on most rows: most targets met, ~12% missed (91% vs 84.40%),
  ~6% over 150% of the target (seed 001); 佐证材料 missing on ~15% of rows.

``--unique-values`` writes the *cold* variant of the same projects: no 指标值 or 实际完成值
string repeats across projects, so a reader that caches its readings by text (perfrules'
``read_value`` does) reads every cell afresh. Every Arabic number of project k is multiplied
by p_k / 10⁸, p_k the (k+1)-th largest prime below 10⁸, and written with ten decimals
("≥90%" → "≥89.9999901000%" for k = 0; the factor is above 0.98 up to 100,000 projects).
Target and actual scale alike, so 达标 and every completion rate are exactly as before; and as
the generated numbers have at most two decimals (n·100 < p_k), n·p_k names both n and k, so
no two projects share a number string. A value without digits gets the project's code in
brackets ("提升" → "提升（AAAAH）"; inside or before it where a suffix would change the
reading: "完成（AAAAH）年度任务数"). ``run.py`` counts the rows whose reading differs.

Deterministic: project k depends only on (seed, k), so the first 1,000 projects of the
100,000 file are the 1,000 file. Files go to bench/data/ (git-ignored; never commit them).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"

DISTRICTS = ["番禺区", "天河区", "越秀区", "海珠区", "荔湾区", "白云区", "黄埔区", "花都区", "南沙区",
             "从化区", "增城区", "广州市", "佛山市南海区", "深圳市宝安区", "东莞市", "惠州市惠城区"]
DEPARTMENTS = ["政务服务数据管理局", "财政局", "教育局", "卫生健康局", "城市管理和综合执法局",
               "住房和城乡建设局", "农业农村局", "生态环境分局", "民政局", "人力资源和社会保障局",
               "交通运输局", "文化广电旅游体育局"]
# (项目主题, 类别, 主管部门 index or None for any)
THEMES = [
    ("“数字政府”建设专项资金（运维类）项目", "信息化运维", 0),
    ("政务外网及专线租用项目", "信息化运维", 0),
    ("政务云平台运维服务项目", "信息化运维", 0),
    ("12345政务服务便民热线运营项目", "信息化运维", 0),
    ("政府网站与政务新媒体运维项目", "信息化运维", 0),
    ("电子政务信息系统运维经费", "信息化运维", None),
    ("智慧校园信息化运维项目", "信息化运维", 2),
    ("人口大数据监测和服务系统建设项目", "信息化建设", 0),
    ("大数据治理平台升级建设项目", "信息化建设", 0),
    ("政务服务中心运行经费", "行政运行", 0),
    ("城市道路养护专项资金", "基础设施", 5),
    ("生活垃圾分类处理项目", "环境保护", 4),
    ("农村饮水安全工程项目", "基础设施", 6),
    ("社区卫生服务中心运行补助", "公共服务", 3),
    ("困难群众救助资金", "公共服务", 8),
    ("公共文化设施免费开放补助", "公共服务", 11),
]
THEME_WEIGHTS = [10, 6, 6, 4, 5, 9, 2, 4, 3, 8, 9, 7, 6, 8, 7, 6]  # ~40% 信息化运维

LEVEL2_FORMS = {  # canonical → how forms write it (canonical most often)
    "数量指标": ["数量指标"] * 6 + ["产出数量", "数量"],
    "质量指标": ["质量指标"] * 6 + ["产出质量", "质量"],
    "时效指标": ["时效指标"] * 6 + ["产出时效", "时效"],
    "成本指标": ["成本指标"] * 5 + ["产出成本"],
    "社会效益指标": ["社会效益指标"] * 4 + ["社会效益"],
    "经济效益指标": ["经济效益指标"] * 4 + ["经济效益"],
    "生态效益指标": ["生态效益指标"] * 3 + ["生态效益"],
    "可持续影响指标": ["可持续影响指标"] * 4 + ["可持续影响"],
}

OBJECTS_IT = ["政务应用系统", "政府网站", "云计算中心机房", "政务外网光纤线路", "办公自动化系统", "视频会议系统",
              "政务服务终端", "网络安全设备", "数据中心服务器", "政务新媒体账号"]
OBJECTS_GEN = ["道路", "公共服务站", "社区卫生服务站", "垃圾转运站", "文化活动室", "供水管网", "救助对象",
               "培训班", "宣传活动", "巡查"]

MGMT = ["资金拨付率", "预算执行率", "支付合规性", "财政资金使用率", "资金到位率", "支付完成率"]

VAGUE_BENEFIT = ["提升", "提高", "保障政务网络光纤通畅", "保障上网信息数据安全", "保障项目可持续性影响",
                 "有效提升", "定性指标", "促进政务服务便利化", "加强", "持续改善", "优化营商环境",
                 "确保系统稳定", "预期值：定性指标", "无"]
VAGUE_OUTPUT = ["按合同约定", "完成年度任务数", "按计划完成", "达到预期", "符合验收标准公共服务站数量", "完成"]
STATE_BENEFIT = ["年度内未发生网络安全事故", "运行正常（定性指标）", "政务服务事项100%网上可办", "验收合格",
                 "无重大投诉", "系统全年正常运行", "全区政务服务事项全覆盖", "按时办结率达标",
                 "群众办事“最多跑一次”", "数据共享交换到位"]
EVIDENCE = ["运维服务合同", "验收报告", "月度运维报告", "网络运行情况报告", "满意度调查问卷", "支付凭证",
            "会议纪要", "系统运行日志", "工作总结", "第三方监测报告"]


def _pct(r: random.Random, lo: int = 80, hi: int = 100) -> int:
    return r.choice([r.randint(lo, hi), 90, 95, 98, 99, 100])


def _quant_output(r: random.Random, kind: str, it: bool) -> tuple[str, str, str, object]:
    """(name, target, method, actual-maker) for a quantified output."""
    obj = r.choice(OBJECTS_IT if it else OBJECTS_GEN)
    if kind == "数量指标":
        n = r.choice([r.randint(3, 60), r.randint(100, 2000), 6, 12, 20])
        unit = r.choice(["个", "项", "套", "台", "条", "人次", "次", "件", "场"])
        name = r.choice([f"{obj}运维数量", f"{obj}覆盖数量", f"{obj}巡检次数", f"服务{obj}数量",
                         f"{obj}建设数量"])
        style = r.random()
        target = (f"≥{n}{unit}" if style < 0.35 else f"{n}{unit}" if style < 0.65 else
                  f"{n}{unit}以上" if style < 0.8 else f"约{n}{unit}" if style < 0.9 else f"不少于{n}{unit}")
        return name, target, "实际完成数量", ("count", n, unit)
    if kind == "质量指标":
        p = _pct(r)
        name = r.choice([f"{obj}正常运行率", f"{obj}可用率", f"{obj}验收合格率", f"{obj}故障修复率",
                         "网络带宽年可用率", "双活云平台可用率"])
        target = r.choice([f"{p}%", f"≥{p}%", f"{p}%以上", f"不低于{p}%"])
        return name, target, "正常运行时长/总时长×100%", ("pct", p, "%")
    if kind == "时效指标":
        if r.random() < 0.25:
            # A compound target; one clause sometimes far better than asked (seed 001: the
            # furthest clause over 150% while another is at 118%).
            return ("办公自动化系统响应时效", "上班时间10分钟内，非上班时间30分钟内", "按工单记录统计响应时长",
                    ("fixed", r.choice(["上班时间8分钟，非上班时间25分钟"] * 3 + ["上班时间5分钟，非上班时间25分钟",
                                                                     "上班时间3分钟，非上班时间28分钟"])))
        n = r.choice([2, 4, 8, 24, 48, 30, 5])
        unit = r.choice(["小时", "分钟", "个工作日", "天"])
        name = r.choice([f"{obj}故障响应时间", "故障修复时长", "问题处理时限", f"{obj}报修响应及时性"])
        target = r.choice([f"≤{n}{unit}", f"{n}{unit}内", f"{n}{unit}以内", f"不超过{n}{unit}"])
        return name, target, "工单响应时间统计", ("time", n, unit)
    # 成本指标
    amt = round(r.uniform(20, 3000), 2)
    name = r.choice(["项目总成本", "单位运维成本", f"{obj}运维费用", "年度运维成本控制"])
    target = r.choice([f"≤{amt}万元", f"{amt:,}万元", f"不超过{amt}万元"])
    return name, target, "实际支出金额", ("cost", amt, "万元")


def _actual(r: random.Random, spec) -> str:
    kind = spec[0]
    roll = r.random()
    if kind == "fixed":
        return spec[1]
    _, n, unit = spec
    if kind == "pct":
        if roll < 0.12:
            return f"{max(40.0, n - r.uniform(2, 15)):.2f}%"
        return f"{min(100.0, n + r.uniform(0, 4)):.2f}%" if r.random() < 0.5 else f"{min(100, n)}%"
    if kind == "time":  # lower is better
        if roll < 0.12:
            return f"{n * r.randint(2, 3)}{unit}"
        return f"{max(1, n - r.randint(0, max(1, n // 2)))}{unit}"
    if kind == "cost":
        if roll < 0.12:
            return f"{n * r.uniform(1.05, 1.3):.2f}万元"
        return f"{n * r.uniform(0.8, 1.0):.2f}万元"
    # count
    if roll < 0.12:
        return f"{max(0, int(n * r.uniform(0.5, 0.95)))}{unit}"
    if roll < 0.20:
        return f"{int(n * r.uniform(1.6, 3.5))}{unit}"  # over 150% (seed 001)
    return f"{int(n * r.uniform(1.0, 1.3))}{unit}"


def _benefit(r: random.Random, kind: str, it: bool) -> tuple[str, str, str | None]:
    """(name, target, method) for a benefit indicator."""
    roll = r.random()
    if kind == "经济效益指标":
        if roll < 0.4:
            return r.choice(["节约财政资金", "资金回笼节约", "减少重复建设投入"]), r.choice(["节省", "降低", "提升"]), None
        amt = round(r.uniform(10, 800), 2)
        return "节约财政资金", f"≥{amt}万元", "集约化建设节约的费用"
    if kind == "生态效益指标":
        if roll < 0.5:
            return r.choice(["项目有效高质", "/", "绿色办公"]), r.choice(["保障项目可持续性影响", "减少纸质材料使用", "提升"]), None
        if roll < 0.8:
            return "减少纸质材料使用", f"≥{r.randint(5, 30)}%", r.choice(["无纸化办理比例", "按打印量统计"])
        return "机房能耗降低", f"≥{r.randint(3, 15)}%", "机房年度能耗对比"  # names an environment keyword
    if kind == "可持续影响指标":
        if roll < 0.3:
            return r.choice(["项目可持续性", "长效管理机制"]), r.choice(["持续", "建立长效机制", "保障项目可持续性影响"]), None
        return r.choice(["系统持续稳定运行", "运维服务连续性"]), r.choice(["≥3年", "持续运行3年以上", "系统全年正常运行"]), None
    # 社会效益指标
    name = r.choice(["政务服务效率", "夯实数字政府基础能力", "网络安全事件发生次数", "群众办事便利度",
                     "政务数据共享水平", "公共服务质量"] if it else
                    ["群众获得感", "公共服务质量", "服务对象覆盖率", "社会影响", "政策知晓率"])
    if roll < 0.35:
        return name, r.choice(VAGUE_BENEFIT), None
    if roll < 0.7:
        return name, r.choice(STATE_BENEFIT), None
    p = _pct(r, 85)
    return (name if name.endswith("率") else name + "提升率"), f"≥{p}%", "问卷或系统统计"


def project(seed: int, k: int, unique: bool = False) -> dict:
    """Project number k (0-based) of the data set for ``seed``; with ``unique``, the cold
    variant (:func:`uniquify`) of the same project."""
    p = _project(seed, k)
    return uniquify(p, k) if unique else p


# ---- the cold variant ---------------------------------------------------------------------------

_NUMBER = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?")
_SCALE = 10**8          # project k multiplies its numbers by PRIMES[k] / 10⁸
_PLACES = Decimal("1e-10")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_COUNT_NOUN = re.compile(r"(?:数量|总数|个数|次数|人数|户数)$")
_primes: list[int] = []  # the primes below 10⁸, largest first, found as far as needed


def project_prime(k: int) -> int:
    """The (k+1)-th largest prime below 10⁸ (k = 0: 99,999,989; k = 100,000: 98,157,593)."""
    while len(_primes) <= k:
        hi = _primes[-1] if _primes else _SCALE
        lo = max(2, hi - 1_000_000)
        limit = int(hi ** 0.5) + 1
        small = [p for p in range(2, limit) if all(p % q for q in range(2, int(p ** 0.5) + 1))]
        sieve = bytearray([1]) * (hi - lo)
        for p in small:
            start = max(p * p, (lo + p - 1) // p * p)
            sieve[start - lo::p] = bytes(len(range(start - lo, hi - lo, p)))
        _primes.extend(lo + i for i in range(hi - lo - 1, -1, -1) if sieve[i])
    return _primes[k]


def project_code(k: int) -> str:
    """Five capital letters naming project k (26⁵ = 11,881,376 projects)."""
    out = []
    for _ in range(5):
        k, d = divmod(k, 26)
        out.append(_LETTERS[d])
    return "".join(reversed(out))


def unique_value(text: str, k: int) -> str:
    """``text`` made specific to project k, keeping what it says (see the module doc)."""
    if _NUMBER.search(text):
        factor = Decimal(project_prime(k)) / _SCALE  # exact: eight decimals

        def scale(m: re.Match) -> str:
            raw = m.group(0)
            n = (Decimal(raw.replace(",", "")) * factor).quantize(_PLACES)
            return format(n, ",f") if "," in raw else format(n, "f")
        return _NUMBER.sub(scale, text)
    code = f"（{project_code(k)}）"
    if text.startswith("完成"):       # 完成 + an object would read as a stated state
        return "完成" + code + text[2:]
    if _COUNT_NOUN.search(text):     # "…数量" alone names what to count, not how many
        return code + text
    return text + code


def uniquify(p: dict, k: int) -> dict:
    """The cold variant of project k: every 指标值 and 实际完成值 specific to the project."""
    for row in p["绩效指标"]:
        for key in ("指标值", "实际完成值"):
            v = row.get(key)
            if isinstance(v, str):
                row[key] = unique_value(v, k)
    return p


def _project(seed: int, k: int) -> dict:
    r = random.Random(f"perfrules-bench:{seed}:{k}")
    theme, category, dept = r.choices(THEMES, THEME_WEIGHTS)[0]
    it = category == "信息化运维"
    district = r.choice(DISTRICTS)
    year = r.choice([2021, 2022, 2023, 2023, 2024])
    stage = r.choices(["申报", "自评", "评价"], [40, 45, 15])[0]
    department = district.rstrip("区市") + ("区" if district.endswith("区") else "市") + \
        (DEPARTMENTS[dept] if dept is not None else r.choice(DEPARTMENTS))
    annual = round(r.uniform(30, 8000), 2)
    spent = round(annual * r.choice([r.uniform(0.5, 1.0), r.uniform(0.85, 1.0), 1.0]), 2)
    categories = [category] + (["信息化建设"] if it and r.random() < 0.1 else [])

    n_total = r.randint(8, 15)
    has_sat = r.random() >= 0.25
    has_benefit = r.random() >= 0.05
    n_benefit = min(r.randint(2, 4), n_total - 3) if has_benefit else 0
    n_output = n_total - n_benefit - (1 if has_sat else 0)
    all_unnamed = r.random() < 0.08
    self_eval = stage != "申报"
    rows: list[dict] = []

    out_kinds = ["数量指标", "质量指标", "时效指标", "成本指标"]
    mgmt_left = r.randint(1, 2) if r.random() < 0.15 else 0
    for j in range(n_output):
        kind = out_kinds[j % 4] if j < 4 else r.choices(out_kinds, [4, 4, 2, 1])[0]
        if mgmt_left and r.random() < 0.5:
            mgmt_left -= 1
            name, target, method = r.choice(MGMT), r.choice(["91%", "≥90%", "100%", "合规", "按规定支付"]), None
            spec = ("pct", 91, "%") if target.endswith("%") else None
        elif r.random() < 0.08:
            name, target, method, spec = (r.choice(OBJECTS_IT if it else OBJECTS_GEN) + "运维服务",
                                          r.choice(VAGUE_OUTPUT), None, None)
        else:
            name, target, method, spec = _quant_output(r, kind, it)
            if r.random() < 0.5:
                method = None  # 量化指标未写计算方法 (N-09)
        rows.append(_row(r, "产出指标", kind, name, target, method, spec, self_eval))
    b_kinds = ["社会效益指标", "经济效益指标", "可持续影响指标"]
    for j in range(n_benefit):
        kind = b_kinds[j % 3] if j < 3 else r.choice(b_kinds)
        if j == 0 and it and r.random() < 0.2:
            kind = "生态效益指标"  # seed 002 table 4: 生态效益 in an IT-operations project
        elif not it and r.random() < 0.08:
            kind = "生态效益指标"
        name, target, method = _benefit(r, kind, it)
        spec = None
        if target.startswith("≥") and target.endswith("%"):
            spec = ("pct", int(target[1:-1]), "%")
        elif target.endswith("万元"):
            spec = ("count", float(target[1:-2]), "万元")
        rows.append(_row(r, "效益指标", kind, name, target, method, spec, self_eval))
    if has_sat:
        p = r.choice([85, 90, 90, 95, 98, 99])
        level1, level2 = r.choice([("满意度指标", "服务对象满意度指标")] * 4 +
                                  [("服务对象满意度指标", None), ("满意度指标", "公众满意度")])
        name = r.choice(["服务对象满意度", "群众满意度", "政务服务满意度", "使用单位满意度"])
        target = r.choice([f"≥{p}%", f"{p}%以上", f"{p}%"])
        rows.append(_row(r, level1, level2, name, target, "问卷调查满意人数/调查总人数×100%",
                         ("pct", p, "%"), self_eval))

    if all_unnamed:
        for row in rows:
            row["三级指标"] = "/"
    else:
        for row in rows:
            if r.random() < 0.02:
                row["三级指标"] = "/"
    _weights(r, rows)
    return {
        "项目": {"名称": f"{district}{year}年{theme}", "主管部门": department, "类别": categories,
               "性质": "经常性" if r.random() < 0.7 else "一次性", "年度": year},
        "阶段": stage,
        "预算": {"年度预算": annual, "支出": spent},
        "绩效指标": rows,
    }


def _row(r: random.Random, level1: str, level2: str | None, name: str, target: str, method: str | None,
         spec, self_eval: bool) -> dict:
    row: dict = {"一级指标": level1}
    if level2 is not None:
        row["二级指标"] = r.choice(LEVEL2_FORMS.get(level2, [level2]))
    row["三级指标"] = name
    row["指标值"] = target
    if method:
        row["计算方法"] = method
    if self_eval:
        if spec is not None and r.random() < 0.9:
            row["实际完成值"] = _actual(r, spec)
        elif r.random() < 0.8:
            row["实际完成值"] = r.choice(["已完成", "运行正常", "达到预期目标", "基本完成",
                                     "全年未发生网络安全事故", "未见相关佐证材料", "按计划推进中"])
        row["佐证材料"] = [] if r.random() < 0.15 else r.sample(EVIDENCE, r.randint(1, 3))
    return row


def _weights(r: random.Random, rows: list[dict]) -> None:
    """分值: 产出 50, 效益 30, 满意度 10 shared out in whole points (90 with 10 for 预算执行)."""
    share = {"产出指标": 50, "效益指标": 30}
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["一级指标"] if row["一级指标"] in share else "满意度", []).append(row)
    for key, group in groups.items():
        total = share.get(key, 10)
        base, extra = divmod(total, len(group))
        for j, row in enumerate(group):
            row["分值"] = base + (1 if j < extra else 0)


VERSION = 2  # bump when the generated data changes: run.py regenerates files of another version


def default_path(projects: int, seed: int, unique: bool = False) -> Path:
    return DATA / f"indicators-{projects}-s{seed}-v{VERSION}{'-unique' if unique else ''}.jsonl"


def write(projects: int, seed: int = 7, out: Path | None = None, unique: bool = False) -> tuple[Path, int]:
    """Write the file; (path, indicator count). ``unique``: the cold variant."""
    out = Path(out) if out else default_path(projects, seed, unique)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    indicators = 0
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for k in range(projects):
            p = project(seed, k, unique)
            indicators += len(p["绩效指标"])
            fh.write(json.dumps(p, ensure_ascii=False) + "\n")
    tmp.replace(out)
    return out, indicators


def count_indicators(path: Path) -> tuple[int, int]:
    """(projects, indicators) in a JSON Lines file."""
    projects = indicators = 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                projects += 1
                indicators += len(json.loads(line)["绩效指标"])
    return projects, indicators


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=1000, help="how many projects (1000, 10000, 100000 …)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--unique-values", action="store_true",
                    help="the cold variant: no 指标值/实际完成值 string repeats across projects")
    ap.add_argument("-o", "--output", type=Path,
                    help=f"default: {DATA.relative_to(HERE.parent)}/indicators-N-sSEED-vVERSION[-unique].jsonl")
    args = ap.parse_args(argv)
    if args.projects < 1:
        ap.error("--projects must be at least 1")
    path, n = write(args.projects, args.seed, args.output, args.unique_values)
    print(f"{path}: {args.projects} projects, {n} indicators", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
