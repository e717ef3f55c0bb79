"""Compile-time benchmark: parse and compile a generated rule file of N rules (default 300).

    python bench/compile_bench.py [--rules 300] [--repeat 7] [--json]

Reports the median, minimum and maximum over the repeats, in seconds, of parsing and
compiling the whole file in this process (the parser itself is built once, as in a real
run; its one-off construction is reported separately). Target (issue 2): under 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

# One template per construct, so the file exercises the whole language.
TEMPLATES = [
    "规则 G-{n:03d} 「三级指标须有名称{n}」 错误\n  依据 「评价报告 二(二)」\n  每个指标: 三级指标 不得为空\n",
    "规则 G-{n:03d} 「指标值须可衡量{n}」 错误\n  指标值须可衡量\n",
    "规则 G-{n:03d} 「管理类指标{n}」 警告\n  若 一级指标 属于 [产出指标, 效益指标] 则 三级指标 不得属于 [资金拨付率, 支付合规性, 财政资金使用率]\n",
    "规则 G-{n:03d} 「生态效益{n}」 警告\n  生态效益 不适用于 信息化运维 除非 计算方法 包含 「环境」\n",
    "规则 G-{n:03d} 「满意度{n}」 警告\n  计数(一级指标 是 满意度指标) ≥ 1\n",
    "规则 G-{n:03d} 「执行率{n}」 否决\n  执行率<60% ⇒ 否决\n",
    "规则 G-{n:03d} 「计算方法{n}」 提示\n  每个指标 其中 指标值 是 量化 且 一级指标 是 产出指标: 计算方法 应 非空\n",
    "rule G-{n:03d} \"over-completion {n}\" info\n  each indicator: completion > 150% => info\n",
    "规则 G-{n:03d} 「权重{n}」 错误\n  当 阶段 属于 [自评, 评价]\n  合计(分值 其中 一级指标 是 产出指标) ≤ 50\n",
    "规则 G-{n:03d} 「名实相符{n}」 警告\n  每个指标: 应 名实相符\n",
]


def generate(n_rules: int) -> str:
    parts = ["词表 模糊用语: 提升, 提高, 保障, 加强, 完善, 促进, 有效\n",
             "同义 满意度指标: 服务对象满意度指标, 公众满意度指标\n"]
    parts += [TEMPLATES[k % len(TEMPLATES)].format(n=k) for k in range(n_rules)]
    return "\n".join(parts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    from perfrules.engine.compiler import compile_files
    from perfrules.language.parser import lark_parser, parse_text
    lark_parser()
    build = time.perf_counter() - t0

    text = generate(args.rules)
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        compiled = compile_files([parse_text(text, "generated.rules")])
        times.append(time.perf_counter() - t)
    assert len(compiled.rules) == args.rules, len(compiled.rules)
    result = {"rules": args.rules, "lines": text.count("\n"), "parser_build_s": round(build, 4),
              "compile_median_s": round(statistics.median(times), 4),
              "compile_min_s": round(min(times), 4), "compile_max_s": round(max(times), 4),
              "target_s": 0.5}
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>18}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
