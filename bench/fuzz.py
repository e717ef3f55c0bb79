#!/usr/bin/env python3
"""Fuzz perfrules with hostile and broken inputs and rule files (issue 13).

    .venv/bin/python bench/fuzz.py --inputs 100000 --rules 10000 --seed 1 --jobs 2 --out fuzz-report.json

**Inputs** (``--inputs N``, spread evenly over YAML, JSON, JSON Lines, CSV in UTF-8, CSV in
GBK and XLSX) are made by mutating real seeds (tests/data/sound, tests/data/forms,
examples, tests/corpus, tests/loaders and the printed forms ``tests/forms.py`` lays out
from them) at three levels -- the parsed document (values swapped for hostile ones, keys
renamed, dropped, duplicated, retyped), the serialised text and the bytes (flips,
truncation, encodings, a workbook's XML members and its zip) -- and by generating documents
from the key tables of ``perfrules/data/loaders/fields.py`` with hostile values (huge and
negative numbers, 5,000-digit integers, lone surrogates, control and ANSI/OSC characters,
deep nesting, empty and wrong-typed values, duplicate keys, broken quotes, far cells and
huge merged ranges in workbooks, zip bombs). Each input is written to a temporary file and
read in process: ``perfrules.data.loaders.load_all`` (JSON Lines through the pipeline:
``pipeline.jobs`` → ``pipeline.check_job``), the packs (default ``national`` and
``national-selfeval``) run on every set read (``engine.runner.run``, the same project's
stages linked as ``pipeline.load_job`` links them), and each outcome -- a result or a
refusal -- is rendered in every output format (``table``, ``json``, ``md``, ``jsonl``, as
``pipeline._render`` renders them in a worker) and encoded as UTF-8, as ``-o`` writes it.
One input in ``--cli-every`` also goes through the whole ``perfrules check`` command in
process (``batch.check_command`` with ``-o``; its exit code must be 0, 1 or 2).

**Rule files** (``--rules N``) are bundled pack files (``policies/*/*.rules``) mutated
(keyword tokens, characters, lines, long 或/且 chains, deep brackets, BOM, GBK bytes,
broken manifests) or generated from the keyword table and the rule vocabulary (random
nesting depth and chain length), written as a pack folder or a single file and compiled
with ``engine.packs.load_pack`` (what ``perfrules compile``/``lint`` do), then linted,
run on the sound seed sets and rendered; every file that decodes is also formatted
(``language.fmt.format_text``, what ``perfrules fmt`` does).

**What counts.** A :class:`perfrules.errors.PerfrulesError` (an ``ErrorGroup`` included)
is a clean refusal. Anything else is a failure: any other exception, an error outcome whose
code is not a user error's (``E0xx``-``E5xx``: an internal error contained as a record), a
rendered output that cannot be written as UTF-8, a CLI exit code other than 0/1/2 or a
traceback in its output, a timeout (``--timeout`` seconds, SIGALRM; a worker that does not
answer within the grace period is killed) and running out of memory (``--mem-mb``,
RLIMIT_AS per worker: MemoryError, or a worker that dies). Each worker handles one input at
a time under those limits. Failures are grouped by (exception type, innermost frame), with
the innermost perfrules frame beside it; the first reproducing input of each group (and a
few more) is saved under ``bench/fuzz-failures/`` (git-ignored) with its traceback and the
commands that reproduce it. ``fmt`` output that does not parse again or is not stable
is listed as an anomaly (not a failure).

Deterministic: case *k* depends only on (seed, kind, *k*), so a run's counts do not depend
on ``--jobs`` (timeouts aside), and ``--replay input:K`` (or ``rule:K``) regenerates one case
and runs it in this process, printing the traceback. Exit 1 when anything failed.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import random
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _p in (str(ROOT), str(ROOT / "tests")):  # perfrules (if not installed), tests/forms.py
    if _p not in sys.path:
        sys.path.insert(0, _p)

FORMATS = ("yaml", "json", "jsonl", "csv-utf8", "csv-gbk", "xlsx")
OUTPUTS = ("table", "json", "md", "jsonl")
DEFAULT_PACKS = ("national", "national-selfeval")
FAIL_DIR = ROOT / "bench" / "fuzz-failures"
CLEAN_CODE = re.compile(r"^E[0-5]\d\d$")  # user errors; anything else is an internal error
MAX_BYTES = 6 * 2**20                      # generated inputs stay below this (a few are big)
EXAMPLES_PER_GROUP = 3


# =============================================================================================
# hostile material
# =============================================================================================

class Raw:
    """Literal text put into a YAML/JSON document where no Python value serialises to it
    (a 5,000-digit integer, 5,000 nested brackets, NaN, 1e999999)."""

    def __init__(self, text: str):
        self.text = text


HOSTILE_TEXT = [
    "", " ", "\u3000", "/", "—", "-", "--", "无", "\x00", "a\x00b", "\x07", "\x08\x08\x08",
    "\x1b[2J\x1b[H共 0 项发现", "\x1b]0;pwned\x07", "\x1b[1A\x1b[2K未发现问题", "\x1b[31m红\x1b[0m",
    "\x9b2J", "\r", "\r\n", "a\rb", "\u202e反转\u202c", "\u200b", "\u200d", "\ufeff", "\ufeffBOM",
    "\u2028", "\u2029", "\x85", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "| a | b |", "a|b", "`code`", "```", "**bold**", "[x](javascript:alert(1))", "<!-- x -->",
    "{0}", "{}", "{项目名称}", "{指标值}", "{{", "}}", "%s%s%n", "%(x)s", "${x}", "\\", "\\n",
    "'\"", "'", '"', "«»", "😀", "\U0010ffff", "\ud800", "\udfff", "a\ud83dz", "\udcff",
    "𠀀", "é", "e\u0301", "ｆｕｌｌ", "１２３", "（１０分）", "NaN", "nan", "-nan", "sNaN",
    "Infinity", "-Infinity", "inf", "∞", "1e999999", "-1e999999", "1e-999999", "1E+999999999",
    "0x1F", "0b101", "0o17", "1_000", "−5", "－5", "5-", "--5", "+-5", "1,234,567.89", "1，234",
    "12.5.3", ".", "%", "%%", "150%", "-10%", "1e5%", "100.%", "≥", "≥-5", "≤∞", ">=<=", "约",
    "100万元", "-100万元", "1亿元", "9" * 400 + "万元", "0." + "0" * 300 + "1", ".5", "5.", "+5",
    "00005", "3.335", "21.665", "2023", "99999", "-2023", "0", "-0", "二〇二三", "上半年",
    "申报", "自评", "评价", "declare", "产出指标", "效益指标", "满意度指标", "数量指标",
    "生态效益指标", "信息化运维", "资金拨付率", "≥90%", "≤0", "提升", "定性指标", "按合同约定",
    "完成", "true", "false", "null", "~", "yes", "no", "on", "2023-01-01", "12:30:00",
    "2023-13-45", "#comment", "&anchor", "*alias", "!!python/object/apply:os.system ['id']",
    "- item", "key: value", "[", "]", "{", "}", ",", "\"unterminated", "line1\nline2",
    "\t", "\t\t", "   lead", "trail   ", "a" * 1000, "指" * 5000, "、、、", "；;", "：:",
    "=1+1", "=HYPERLINK(\"http://x\")", "@SUM(A1)", "+cmd|' /C calc'!A0", "\\x41",
    "../../etc/passwd", "/dev/zero", "C:\\con\\aux", "项目信息", "评分", "合计", "总分",
]
HOSTILE_KEYS = ["", " ", "\x00", "\ud800", "<<", "?", "-", "$", "__proto__", "constructor",
                "指标值值", "三级 指标", "ＮＡＭＥ", "Target", "TARGET", "一级指标 ", "分值（分）",
                "绩效指标[0]", "$.绩效指标", "a" * 300, "1", "null", "true", "😀"]
STAGES = ["申报", "自评", "评价", "declare", "self_evaluation", "evaluation", "绩效自评", "目标申报",
          "重点评价", "其他", "", "自 评", "ＳＥＬＦ"]
# Keys whose value is a number (or an amount, a rate, a year): generated from numbers.
NUMERIC = {"分值", "得分", "年度", "年初预算", "调整", "上年结转", "年度预算", "支出", "执行率", "执行率分值",
           "执行率得分", "支出合计", "执行进度合计", "通报次数", "总分", "总分分值", "扣分"}
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


_RAW = re.compile(r"""["']?(RAWTOKEN\d+X)["']?""")


def deep(n: int, style: str = "list") -> Raw:
    if style == "map":
        return Raw('{"a": ' * n + "1" + "}" * n)
    return Raw("[" * n + "]" * n)


# =============================================================================================
# seeds, read once in the parent (workers inherit them through fork)
# =============================================================================================

def _plain(x: Any) -> Any:
    """A YAML document as plain JSON-able values (dates as text)."""
    import datetime as dt
    if isinstance(x, dict):
        return {(k if isinstance(k, (str, int, float, bool)) or k is None else str(k)): _plain(v)
                for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    if isinstance(x, (dt.date, dt.datetime, dt.time)):
        return x.isoformat()
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    return str(x)


class Corpus:
    """Everything the generators start from: seed files, parsed documents, printed forms,
    key tables, rule packs, rule vocabulary, and (for runs) the compiled packs."""

    def __init__(self, packs: tuple[str, ...] = DEFAULT_PACKS):
        import yaml

        import forms
        from perfrules.data.loaders import fields as F
        from perfrules.engine import vocab
        from perfrules.language import keywords as K

        rel = lambda p: str(p.relative_to(ROOT))  # noqa: E731
        globs = ["tests/data/sound/*.yaml", "tests/data/forms/*.yaml", "tests/data/*.yaml",
                 "examples/**/*.yaml", "tests/corpus/*.yaml", "tests/loaders/good/*.yaml",
                 "tests/loaders/twin/*.yaml", "tests/loaders/broken/*.yaml"]
        paths = sorted({p for g in globs for p in ROOT.glob(g) if p.is_file()})
        self.yaml_seeds: list[tuple[str, str]] = [(rel(p), p.read_text("utf-8")) for p in paths]
        self.docs: list[tuple[str, dict]] = []
        for name, text in self.yaml_seeds:
            try:
                d = yaml.safe_load(text)
            except yaml.YAMLError:
                continue
            if isinstance(d, dict) and name != "tests/corpus/expected.yaml":
                self.docs.append((name, _plain(d)))
        self.json_seeds = [(rel(p), p.read_bytes()) for p in sorted(ROOT.glob("tests/loaders/*/*.json"))]
        self.csv_seeds = [(rel(p), p.read_bytes()) for p in sorted(ROOT.glob("tests/loaders/*/*.csv"))]
        self.xlsx_seeds = [(rel(p), p.read_bytes()) for p in sorted(
            [*ROOT.glob("examples/**/*.xlsx"), *ROOT.glob("tests/loaders/*/*.xlsx"),
             *ROOT.glob("tests/loaders/*/*.xls")])]
        # Printed forms of the corpus and examples (tests/forms.py), as grids and files.
        self.forms: list[tuple[str, str, dict, Any]] = []
        for cid, path, layout in forms.CASES:
            doc = _plain(forms.load_doc(path))
            form = forms.lay_out(doc, layout)
            self.forms.append((cid, layout, doc, form.grid))
            self.xlsx_seeds.append((f"forms:{cid}.xlsx", forms.to_xlsx(form.grid)))
            self.csv_seeds.append((f"forms:{cid}.csv", forms.to_csv(form.grid, "utf-8-sig")))
            with contextlib.suppress(UnicodeEncodeError):
                self.csv_seeds.append((f"forms:{cid}.gbk.csv", forms.to_csv(form.grid, "gbk")))
        self.layouts = sorted(forms.LAYOUTS)
        # Values the seeds write under each key: realistic material for generated documents.
        self.pool: dict[str, list] = defaultdict(list)
        self.indicators: list[dict] = []

        def walk(x, top):
            if isinstance(x, dict):
                for k, v in x.items():
                    if isinstance(v, (str, int, float)) and not isinstance(v, bool):
                        for key in (str(k), f"{top}/{k}"):
                            if len(self.pool[key]) < 400:
                                self.pool[key].append(v)
                    walk(v, top or str(k))
            elif isinstance(x, list):
                for v in x:
                    walk(v, top)
        for _, d in self.docs:
            walk(d, "")
            inds = d.get("绩效指标")
            if isinstance(inds, list):
                self.indicators += [i for i in inds if isinstance(i, dict)]
        self.scalars = sorted({str(v) for vs in self.pool.values() for v in vs})[:5000]
        self.numbers = sorted({v for vs in self.pool.values() for v in vs
                               if isinstance(v, (int, float)) and not isinstance(v, bool)}, key=repr)
        # Key tables: canonical key → every spelling.
        self.tables = {name: {c: (c, *t.aliases(c)) for c in t.canon}
                       for name, t in (("TOP", F.TOP), ("PROJECT", F.PROJECT), ("BUDGET", F.BUDGET),
                                       ("FUND", F.FUND), ("GOAL", F.GOAL), ("INDICATOR", F.INDICATOR),
                                       ("SCORE", F.SCORE), ("WAIVER", F.WAIVER))}
        self.kept = sorted(F.KEPT) + sorted(F.SOFT_ALIASES)
        self.stage_words = sorted({*STAGES, *F.STAGE_ALIASES, *(a for v in F.STAGE_ALIASES.values() for a in v)})
        self.statement_parts = sorted(getattr(vocab, "STATEMENT_PARTS", {"评价结论": ()}))
        # Rule packs and the rule vocabulary.
        self.packs: dict[str, dict[str, str]] = {}
        for folder in sorted((ROOT / "policies").iterdir()):
            if (folder / "pack.yaml").is_file():
                self.packs[folder.name] = {p.name: p.read_text("utf-8") for p in sorted(folder.iterdir())
                                           if p.suffix in (".rules", ".yaml") and not p.name.endswith(".examples.yaml")}
        self.rule_fields = sorted(vocab.FIELDS)
        self.rule_preds = sorted(vocab.PREDICATES)
        self.wordlists = sorted({m.group(1) for files in self.packs.values() for t in files.values()
                                 for m in re.finditer(r"^(?:词表|wordlist)\s+([^\s:：]+)", t, re.M)})
        self.keywords = list(K.SPELLINGS)  # every spelling of every keyword (vocabulary.py)
        self.item_paths = sorted({m.group(1) for files in self.packs.values() for t in files.values()
                                  for m in re.finditer(r"^(?:评分项|item)\s+(\S+)", t, re.M)})
        self.pack_names = packs
        self._bomb: bytes | None = None
        self.compiled: list | None = None
        self.sound_sets: list = []

    def compile(self) -> None:
        """Compile the packs the inputs run against, and read the seed sets rules run on."""
        from perfrules.data.loaders import load_all
        from perfrules.pipeline import load_packs
        self.compiled = load_packs(self.pack_names)
        for p in sorted(ROOT.glob("tests/data/sound/*.yaml")):
            self.sound_sets += list(load_all(p))

    def bomb(self) -> bytes:
        """A workbook whose one sheet inflates to 270 MB (built once, on first use)."""
        if self._bomb is None:
            name, data = next(s for s in self.xlsx_seeds if s[0].startswith("forms:"))
            src = zipfile.ZipFile(io.BytesIO(data))
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
                for it in src.infolist():
                    body = src.read(it.filename)
                    if it.filename.startswith("xl/worksheets/sheet"):
                        info = zipfile.ZipInfo(it.filename, (1980, 1, 1, 0, 0, 0))
                        info.compress_type = zipfile.ZIP_DEFLATED
                        with z.open(info, "w") as fh:
                            fh.write(body.replace(b"</worksheet>", b""))
                            chunk = b" " * 2**20
                            for _ in range(270):  # past the loader's 256 MB
                                fh.write(chunk)
                            fh.write(b"</worksheet>")
                    else:
                        z.writestr(zipfile.ZipInfo(it.filename, (1980, 1, 1, 0, 0, 0)), body,
                                   zipfile.ZIP_DEFLATED)
            self._bomb = out.getvalue()
        return self._bomb


# =============================================================================================
# cases
# =============================================================================================

class Case:
    """One generated input: files to write (relative name → bytes), which of them to load,
    and how it was made."""

    def __init__(self, kind: str, fmt: str, files: list[tuple[str, bytes]], inputs: list[str], how: str,
                 target: str | None = None):
        self.kind, self.fmt, self.files, self.inputs, self.how = kind, fmt, files, inputs, how
        self.target = target  # rule cases: the pack folder or file to compile


def _xlsx_from_zip(members: list[tuple[str, bytes]], method=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, body in members:
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, body)
    return out.getvalue()


def _members(data: bytes) -> list[tuple[str, bytes]] | None:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        return [(i.filename, z.read(i.filename)) for i in z.infolist()]
    except Exception:  # noqa: BLE001 - a seed that is no zip (old.xls, text_named.xlsx)
        return None


class Gen:
    """Deterministic generators over one random stream."""

    def __init__(self, rng: random.Random, corpus: Corpus):
        self.r = rng
        self.c = corpus
        # About one case in 100 may be big (MBs of text, thousands of rows, 100,000 digits,
        # 50,000 brackets); the others stay small so that a run covers many shapes quickly.
        self.big = rng.random() < 0.01
        # How often a generated value is hostile: most cases are mild enough to load, so that
        # the engine and the renderers see hostile text that the loaders let through.
        self.heat = self.pick([0.0, 0.0, 0.01, 0.02, 0.05, 0.1, 0.3])

    def size(self, small: list[int], big: list[int]) -> int:
        """A small size, or (once per big case) a big one."""
        if self.big and self.chance(0.5):
            self.big = False
            return self.pick(big)
        return self.pick(small)

    # ---- small values ---------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def pick(self, xs):
        return xs[self.r.randrange(len(xs))]

    def junk_char(self) -> str:
        r = self.r.random()
        if r < 0.3:
            return chr(self.r.randrange(0x4E00, 0x9FFF))
        if r < 0.45:
            return chr(self.r.randrange(0, 0x20))
        if r < 0.55:
            return chr(self.r.randrange(0xD800, 0xE000))  # a lone surrogate
        if r < 0.65:
            return self.pick("「」“”\"'()（）[]［］{}:：,，、;；#%‰/／\\|<>=≥≤≠+-−×÷*　\t\n\r")
        if r < 0.75:
            return chr(self.r.randrange(0x80, 0x800))
        if r < 0.85:
            return chr(self.r.randrange(0x10000, 0x110000))
        return chr(self.r.randrange(0x20, 0x7F))

    def hostile_text(self) -> str:
        r = self.r.random()
        if r < 0.45:
            return self.pick(HOSTILE_TEXT)
        if r < 0.65:
            return "".join(self.junk_char() for _ in range(self.r.randrange(1, 40)))
        if r < 0.75:
            return self.pick(self.c.scalars) + self.pick(HOSTILE_TEXT)
        if r < 0.85:
            s = self.pick(HOSTILE_TEXT) or "x"
            n = self.size([2, 3, 10, 100, 300], [70_000, 200_000, 1_000_000])
            return s * max(1, min(n, 2_000_000 // len(s)))
        if r < 0.93:
            return self.pick(["≥", "≤", ">", "<", "", "约", "不少于"]) + self.number_text() + self.pick(
                ["%", "个", "万元", "元", "亿元", "天", "", "‰", "分钟", "人次"])
        return self.pick(self.c.scalars)[::-1]

    def number_text(self) -> str:
        r = self.r.random()
        if r < 0.3:
            return str(self.r.randint(-10**6, 10**6))
        if r < 0.5:
            return f"{self.r.uniform(-1e4, 1e4):.{self.r.randrange(0, 6)}f}"
        if r < 0.6:
            return "9" * self.r.randrange(15, 60)
        if r < 0.65:
            return "1" * self.size([20, 400, 4300, 4301, 5000], [20_000, 100_000])
        if r < 0.8:
            return f"{self.pick(['', '-'])}{self.r.randrange(1, 10)}e{self.pick(['', '-'])}{self.pick([5, 28, 308, 309, 999999, 999999999])}"
        return self.pick(["0", "-0", "0.0", "00", ".0", "1e0", "3.335", "21.665", "0.005", "1.005", "2.675"])

    def hostile_number(self):
        r = self.r.random()
        if r < 0.25:
            return self.r.randint(-10**6, 10**6)
        if r < 0.4:
            return self.pick([0, -1, -50, 2**31, -2**31, 2**63, -2**63, 2**64, 10**18, 10**30, -10**30])
        if r < 0.55:
            return self.pick([0.0, -0.0, 1e308, -1e308, 5e-324, 3.335, 21.665, 0.1 + 0.2, 1e16, 2.675,
                              float("nan"), float("inf"), float("-inf")])
        if r < 0.7:
            return self.r.uniform(-1e6, 1e6)
        if r < 0.8:
            return Raw(self.pick(["-", ""]) + "9" * self.size([400, 4300, 4301, 5000], [50_000, 200_000]))
        if r < 0.9:
            return Raw(self.pick(["1e999999", "-1e999999", "1e-999999", "1E+999999999", "NaN", "Infinity",
                                  "-Infinity", "-0", "0e0", "1.0e+400", "123456789012345678901234567890.5"]))
        return Raw(self.number_text())

    def hostile_any(self, depth: int = 0):
        r = self.r.random()
        if r < 0.45 or depth > 3:
            return self.hostile_text()
        if r < 0.65:
            return self.hostile_number()
        if r < 0.72:
            return self.pick([None, True, False, [], {}, ""])
        if r < 0.8:
            return [self.hostile_any(depth + 1) for _ in range(self.r.randrange(0, 5))]
        if r < 0.88:
            return {self.any_key(): self.hostile_any(depth + 1) for _ in range(self.r.randrange(0, 4))}
        if r < 0.96:
            n = self.size([3, 30, 99, 100, 101, 1000, 5000], [50_000, 200_000]) if self.chance(0.5) else self.r.randrange(2, 60)
            if n <= 40 and self.chance(0.5):
                x: Any = 1
                for _ in range(n):
                    x = [x] if self.chance(0.5) else {"a": x}
                return x
            return deep(n, self.pick(["list", "map"]))
        return self.pick([Raw("NaN"), Raw("Infinity"), Raw("-Infinity")])

    # ---- keys -------------------------------------------------------------------------------

    def key(self, table: str, canon: str) -> Any:
        spellings = self.c.tables[table][canon]
        if not self.chance(max(self.heat, 0.01) * 2):  # as the tables spell it
            return canon if self.chance(0.7) else self.pick(spellings)
        r = self.r.random()
        if r < 0.3:
            return canon
        if r < 0.6:
            return self.pick(spellings)
        k = self.pick(spellings)
        if r < 0.93:
            ops = [lambda s: " ".join(s), lambda s: s.upper(), lambda s: s.replace("(", "（").replace(")", "）"),
                   lambda s: f" {s}\u3000", lambda s: s + "：", lambda s: "".join(chr(ord(c) + 0xFEE0)
                                                                          if "!" <= c <= "~" else c for c in s),
                   lambda s: s.replace("_", "-"), lambda s: s + "\u200b"]
            return self.pick(ops)(k)
        if r < 0.97 and len(k) > 1:
            i = self.r.randrange(len(k))
            return k[:i] + k[i] + k[i:] if self.chance(0.5) else k[:i] + k[i + 1:]
        return self.pick(HOSTILE_KEYS)

    def any_key(self) -> Any:
        r = self.r.random()
        if r < 0.5:
            t = self.pick(sorted(self.c.tables))
            return self.key(t, self.pick(list(self.c.tables[t])))
        if r < 0.7:
            return self.pick(self.c.kept)
        if r < 0.9:
            return self.pick(HOSTILE_KEYS + ["备注", "原文", "预期问题", "x", "未知列", "unknown"])
        return self.pick([1, 2023, 0, -1, None, True, 3.5])  # non-text keys (YAML)

    # ---- documents --------------------------------------------------------------------------

    SECTION = {"PROJECT": "项目", "BUDGET": "预算", "FUND": "预算", "GOAL": "绩效目标", "INDICATOR": "绩效指标",
               "SCORE": "评分", "WAIVER": "豁免", "TOP": ""}

    def value_for(self, canon: str, table: str | None = None):
        if self.chance(self.heat):
            return self.hostile_any()
        vs = self.pool_of(canon, table)
        if vs:
            return self.pick(vs)
        return self.pick(self.c.numbers if canon in NUMERIC else self.c.scalars)

    def pool_of(self, canon: str, table: str | None) -> list:
        names = [canon] + (list(self.c.tables[table].get(canon, ())) if table else [])
        top = self.SECTION.get(table or "TOP", "")
        for n in [f"{top}/{n}" for n in names] + names:
            vs = self.c.pool.get(n)
            if vs:
                return vs
        return []

    def section(self, table: str, p: float = 0.5) -> dict:
        d: dict = {}
        for canon in self.c.tables[table]:
            if not self.pool_of(canon, table) and canon not in NUMERIC and not self.chance(self.heat):
                continue  # the seeds never write it as one value (明细, 支出明细 …)
            if self.chance(p) or (table == "FUND" and canon == "来源" and not self.chance(self.heat)):
                d[self.key(table, canon)] = self.value_for(canon, table)
        if self.chance(self.heat):
            d[self.any_key()] = self.hostile_any()
        return d

    def indicator(self) -> dict:
        if self.c.indicators and self.chance(0.5):
            base = dict(self.pick(self.c.indicators))
            return self.mutate_doc(base, rate=self.heat) if self.heat else base
        return self.section("INDICATOR", 0.6)

    def budget(self) -> dict:
        b = self.section("BUDGET", 0.4)
        if self.chance(0.4):
            funds = [self.section("FUND", 0.6) for _ in range(self.r.randrange(0, 5))]
            b[self.key("BUDGET", "明细")] = (funds if self.chance(0.8) else
                                           {str(self.value_for("来源", "FUND")): f for f in funds})
        return b

    def doc(self) -> dict:
        """A document generated from the key tables."""
        d: dict = {}
        if self.chance(0.9):
            d[self.key("TOP", "项目")] = self.section("PROJECT", 0.6)
        if self.chance(0.8):
            d[self.key("TOP", "阶段")] = (self.pick(["申报", "自评", "评价"]) if not self.chance(self.heat * 3) else
                                         self.pick(self.c.stage_words) if self.chance(0.5) else self.hostile_any())
        if self.chance(0.7):
            d[self.key("TOP", "预算")] = self.budget()
        if self.chance(0.4):
            d[self.key("TOP", "绩效目标")] = self.section("GOAL", 0.7) if self.chance(0.6) else self.value_for("绩效目标")
        if self.chance(0.95):
            n = self.size([self.r.randrange(0, 25)] * 30 + [60, 300], [2000, 6000, 20000])
            d[self.key("TOP", "绩效指标")] = [self.indicator() for _ in range(n)]
        if self.chance(0.3):
            d[self.key("TOP", "评分")] = [self.section("SCORE", 0.6) for _ in range(self.r.randrange(0, 12))]
        if self.chance(0.2):
            d[self.key("TOP", "总分")] = self.value_for("总分")
            d[self.key("TOP", "总分分值")] = self.pick([100, "100", 0, -100]) if not self.chance(self.heat) else self.hostile_any()
        if self.chance(0.15):
            d[self.key("TOP", "等级")] = self.pick(["优", "良", "中", "差", "低", ""]) if not self.chance(self.heat) else self.hostile_text()
        if self.chance(0.15):
            d[self.key("TOP", "陈述")] = ({self.pick(self.c.statement_parts): self.value_for(self.pick(self.c.statement_parts))
                                          for _ in range(self.r.randrange(1, 4))}
                                         if not self.chance(self.heat) else self.hostile_any())
        if self.chance(0.1):
            d[self.key("TOP", "调整文件")] = [self.value_for("调整文件") for _ in range(self.r.randrange(0, 3))]
        if self.chance(0.1):
            d[self.key("TOP", "豁免")] = [self.section("WAIVER", 0.8) for _ in range(self.r.randrange(0, 3))]
        for _ in range(self.r.randrange(0, 3) if self.chance(self.heat) else 0):
            d[self.any_key()] = self.hostile_any()
        if self.chance(self.heat * 0.3):  # one section of the wrong type
            k = self.pick(list(d)) if d else "绩效指标"
            d[k] = self.hostile_any()
        return d

    def mutate_doc(self, doc: Any, rate: float = 0.1, depth: int = 0) -> Any:
        """The document with some values, keys and types changed (a copy)."""
        r = self.r
        if isinstance(doc, dict):
            out: dict = {}
            for k, v in doc.items():
                x = r.random()
                if x < rate * 0.15:
                    continue  # drop
                if x < rate * 0.3:
                    k = self.any_key() if self.chance(0.5) else (str(k) + self.pick(["", " ", "值", "\u200b"]))
                out[k] = self.mutate_doc(v, rate, depth + 1)
            if self.chance(rate * 0.5):
                out[self.any_key()] = self.hostile_any()
            return out
        if isinstance(doc, list):
            items = [self.mutate_doc(v, rate, depth + 1) for v in doc]
            if items and self.chance(rate):
                i = r.randrange(len(items))
                op = r.randrange(4)
                if op == 0:
                    items.insert(i, items[i])
                elif op == 1:
                    del items[i]
                elif op == 2:
                    items[i] = self.hostile_any()
                else:
                    items = items * self.size([2, 10], [100, 1000]) if len(items) < 50 else items
            return items
        if self.chance(rate):
            x = r.random()
            if x < 0.5:
                return self.hostile_any(depth)
            if x < 0.6:
                return [doc]
            if x < 0.7:
                return {"值": doc}
            if isinstance(doc, (int, float)) and not isinstance(doc, bool):
                return self.pick([-doc, doc * 10**self.r.randrange(1, 40), str(doc), Raw(str(doc) + "0" * 4300)])
            if isinstance(doc, str):
                return doc + self.hostile_text() if self.chance(0.5) else self.hostile_text() + doc
        return doc

    def seed_doc(self) -> tuple[str, dict]:
        return self.pick(self.c.docs)

    # ---- serialising ---------------------------------------------------------------------------

    def _raws(self, doc: Any, raws: dict) -> Any:
        if isinstance(doc, Raw):
            token = f"RAWTOKEN{len(raws)}X"
            raws[token] = doc.text
            return token
        if isinstance(doc, dict):
            return {(self._raws(k, raws) if isinstance(k, Raw) else k): self._raws(v, raws) for k, v in doc.items()}
        if isinstance(doc, list):
            return [self._raws(v, raws) for v in doc]
        return doc

    def to_json_text(self, doc: Any, one_line: bool = False) -> str:
        raws: dict = {}
        d = self._raws(doc, raws)
        try:
            text = json.dumps(d, ensure_ascii=self.chance(0.3), allow_nan=True,
                              indent=None if one_line else self.pick([None, 1, 2]))
        except (TypeError, ValueError):  # keys JSON cannot hold
            text = json.dumps(_keys_as_text(d), ensure_ascii=self.chance(0.3))
        return _RAW.sub(lambda m: raws.get(m.group(1), m.group(0)), text) if raws else text

    def to_yaml_text(self, doc: Any) -> str:
        import yaml
        raws: dict = {}
        d = self._raws(doc, raws)
        try:
            text = yaml.safe_dump(d, allow_unicode=self.chance(0.85), sort_keys=False,
                                  default_flow_style=self.pick([False, False, None, True]), width=self.pick([80, 10**6]))
        except (yaml.YAMLError, RecursionError, ValueError):
            text = self.to_json_text(doc)  # JSON is YAML too
        return _RAW.sub(lambda m: raws.get(m.group(1), m.group(0)), text) if raws else text

    def encode(self, text: str, enc: str = "utf-8") -> bytes:
        if enc == "gbk":
            return text.encode("gbk", "replace")
        return text.encode("utf-8", "surrogatepass")

    # ---- text and byte mutations ------------------------------------------------------------------

    def mutate_text(self, text: str, n: int | None = None) -> str:
        r = self.r
        for _ in range(n or r.randrange(1, 6)):
            lines = text.split("\n")
            op = r.randrange(13)
            at = r.randrange(len(text) + 1)
            if op == 0:
                text = text[:at] + self.hostile_text() + text[at:]
            elif op == 1:
                text = text[:at] + text[at + r.randrange(1, 40):]
            elif op == 2 and lines:  # a line twice: duplicate keys
                i = r.randrange(len(lines))
                lines.insert(i, lines[i])
                text = "\n".join(lines)
            elif op == 3 and lines:
                del lines[r.randrange(len(lines))]
                text = "\n".join(lines)
            elif op == 4 and len(lines) > 1:
                i, j = r.randrange(len(lines)), r.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
                text = "\n".join(lines)
            elif op == 5:  # a quote opened or closed where it should not be
                q = self.pick(['"', "'", "「", "“"])
                pos = [m.start() for m in re.finditer(re.escape(q), text)]
                text = (text[:pos[0]] + text[pos[0] + 1:]) if pos and self.chance(0.5) else text[:at] + q + text[at:]
            elif op == 6 and lines:  # indentation
                i = r.randrange(len(lines))
                lines[i] = self.pick(["", " ", "  ", "\t", "    ", "      "]) + lines[i].lstrip(" ")
                text = "\n".join(lines)
            elif op == 7 and lines:  # a key line
                i = r.randrange(len(lines))
                ind = re.match(r"[ \-]*", lines[i]).group(0).replace("-", " ")
                v = self.hostile_any()
                vt = v.text if isinstance(v, Raw) else json.dumps(v, ensure_ascii=False, default=str)
                lines.insert(i, f"{ind}{self.any_key()}: {vt}")
                text = "\n".join(lines)
            elif op == 8 and len(text) < MAX_BYTES // 8:
                a = r.randrange(len(text) + 1)
                chunk = text[a:a + r.randrange(1, 400)]
                text = text[:a] + chunk * self.size([2, 3, 10], [100, 1000, 10000]) + text[a:]
                text = text[:MAX_BYTES // 2]
            elif op == 9:
                _, other = self.pick(self.c.yaml_seeds)
                a = r.randrange(len(other) + 1)
                text = text[:at] + other[a:a + r.randrange(1, 300)] + text[at:]
            elif op == 10:
                nums = list(re.finditer(r"-?\d+(?:\.\d+)?", text))
                if nums:
                    m = self.pick(nums)
                    text = text[:m.start()] + self.number_text() + text[m.end():]
            elif op == 11:
                text = text[:at]  # cut
            else:
                text = text.replace("\n", self.pick(["\r\n", "\r", "\n\n", "\u2028"]))
        return text

    def mutate_bytes(self, data: bytes, n: int | None = None) -> bytes:
        r = self.r
        b = bytearray(data)
        for _ in range(n or r.randrange(1, 5)):
            op = r.randrange(9)
            at = r.randrange(len(b) + 1)
            if op == 0 and b:
                i = r.randrange(len(b))
                b[i] ^= 1 << r.randrange(8)
            elif op == 1:
                b[at:at] = bytes(r.randrange(256) for _ in range(r.randrange(1, 16)))
            elif op == 2:
                del b[at:at + r.randrange(1, 64)]
            elif op == 3:
                del b[at:]
            elif op == 4:
                b[at:at] = self.pick([b"\xff", b"\xfe\xff", b"\xed\xa0\x80", b"\xc0\xaf", b"\x80", b"\xe4\xb8",
                                      b"\x00", b"\xef\xbb\xbf", "指标".encode("gbk"), b"\x1b[2J"])
            elif op == 5:
                b[0:0] = self.pick([b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00"])
            elif op == 6 and b:
                i = r.randrange(len(b))
                b[i] = self.pick([0, 0x0D, 0x0A, 0x22, 0x27, 0x2C, 0x3A, 0x5B, 0x7B, 0x7F, 0xFF])
            elif op == 7 and len(b) < MAX_BYTES // 4:
                a = r.randrange(len(b) + 1)
                b[a:a] = bytes(b[a:a + r.randrange(1, 200)]) * self.size([2, 5], [50, 5000])
            else:
                try:  # part of the text in GBK
                    s = bytes(b).decode("utf-8")
                    a = r.randrange(len(s) + 1)
                    z = a + r.randrange(1, 200)
                    b = bytearray(s[:a].encode("utf-8") + s[a:z].encode("gbk", "replace") + s[z:].encode("utf-8"))
                except UnicodeError:
                    b[at:at] = "绩效".encode("gbk")
        return bytes(b[:MAX_BYTES])

    # ---- grids (CSV and XLSX) ---------------------------------------------------------------------

    def cell(self, v: Any) -> Any:
        if isinstance(v, Raw):
            return v.text[:5000]
        if isinstance(v, (dict, list)):
            return json.dumps(v, ensure_ascii=False, default=str)[:5000] if self.chance(0.7) else None
        return v

    def simple_grid(self, doc: Any):
        """A sheet that prints a document plainly: a header block, then the indicator table."""
        import forms
        rows: list[list] = []
        if self.chance(0.5):
            rows.append([self.pick(["项目支出绩效自评表", "绩效目标申报表", "", self.hostile_text()])])
        if isinstance(doc, dict):
            for k, v in doc.items():
                if isinstance(v, dict):
                    for k2, v2 in v.items():
                        rows.append([self.cell(k2), self.cell(v2)] + ([self.cell(self.hostile_any())] if self.chance(0.1) else []))
                elif not isinstance(v, list):
                    rows.append([self.cell(k), self.cell(v)])
            inds = next((v for v in doc.values() if isinstance(v, list)), [])
        else:
            inds = []
        cols: list = []
        for i in inds[:3000]:
            if isinstance(i, dict):
                cols += [k for k in i if k not in cols]
        if not cols or self.chance(0.2):
            cols = [self.key("INDICATOR", c) for c in self.c.tables["INDICATOR"] if self.chance(0.6)]
        if self.chance(0.1):
            cols.append(self.pick(self.c.kept))
        rows.append([self.cell(c) for c in cols])
        for i in inds[:3000]:
            if isinstance(i, dict):
                rows.append([self.cell(i.get(c)) for c in cols])
            else:
                rows.append([self.cell(i)])
        if self.chance(0.3):
            rows.append([self.pick(["合计", "总分", "总计"]), None, None, self.cell(self.hostile_number())])
        width = max((len(r) for r in rows), default=1) or 1
        g = forms.Grid(width, self.pick(["Sheet1", "自评表", "指标", "项目信息", "评分", "表 1"]))
        for r_, row in enumerate(rows):
            for c_, v in enumerate(row):
                if v is not None and v != "":
                    g.cells[(r_, c_)] = v
        g.height = len(rows)
        if self.chance(0.3) and len(rows) > 2:  # merged ranges
            for _ in range(self.r.randrange(1, 6)):
                top = self.r.randrange(len(rows))
                left = self.r.randrange(width)
                g.merges.append((top, left, min(len(rows) - 1, top + self.r.randrange(0, 4)),
                                 min(width - 1, left + self.r.randrange(0, 3))))
        return g

    def form_grid(self, doc: dict, layout: str):
        """A mutated document printed in a real layout (tests/forms.py); a plain sheet when
        the layout cannot print it."""
        import forms
        try:
            return forms.lay_out(doc, layout).grid
        except Exception:  # noqa: BLE001 - the test generator refuses what it cannot print
            return self.simple_grid(doc)

    def mutate_grid(self, grid):
        import forms
        g = forms.Grid(grid.width, grid.sheet)
        g.cells = dict(grid.cells)
        g.merges = list(grid.merges)
        g.height = grid.height
        keys = sorted(g.cells)
        for _ in range(self.r.randrange(1, 8)):
            op = self.r.randrange(7)
            if op == 0 and keys:
                g.cells[self.pick(keys)] = self.cell(self.hostile_any())
            elif op == 1 and keys:
                g.cells.pop(self.pick(keys), None)
            elif op == 2:  # a row repeated
                r0 = self.r.randrange(max(1, g.height))
                row = {c: v for (r, c), v in g.cells.items() if r == r0}
                times = self.size([1, 2, 5], [50, 2000, 20000])
                for (r, c), v in sorted(g.cells.items(), reverse=True):
                    if r > r0:
                        g.cells[(r + times, c)] = g.cells.pop((r, c))
                for t in range(1, times + 1):
                    for c, v in row.items():
                        g.cells[(r0 + t, c)] = v
                g.height += times
                g.merges = [m for m in g.merges if m[2] < r0]
            elif op == 3 and keys:  # a cell moved
                v = g.cells.pop(self.pick(keys), None)
                g.cells[(self.r.randrange(g.height + 3), self.r.randrange(g.width))] = v
            elif op == 4 and g.merges:
                g.merges.pop(self.r.randrange(len(g.merges)))
            elif op == 5:
                top, left = self.r.randrange(max(1, g.height)), self.r.randrange(g.width)
                g.merges.append((top, left, top + self.r.randrange(0, 5), min(g.width - 1, left + self.r.randrange(0, 4))))
            else:
                c = self.r.randrange(g.width)
                for r in range(g.height):
                    g.cells.pop((r, c), None)
            keys = sorted(g.cells)
        g.height = max([g.height] + [r + 1 for r, _ in g.cells] + [m[2] + 1 for m in g.merges])
        return g

    def to_csv(self, grid, enc: str) -> bytes:
        buf = io.StringIO(newline="")
        w = csv.writer(buf, delimiter=self.pick([",", ",", ",", "\t", ";"]) if self.chance(0.1) else ",",
                       lineterminator=self.pick(["\r\n", "\r\n", "\n", "\r"]))
        height = min(grid.height, 100_000)
        for r in range(height):
            row = [grid.cells.get((r, c)) for c in range(grid.width)]
            w.writerow(["" if v is None else (repr(v) if isinstance(v, float) else str(v)) for v in row])
        text = buf.getvalue()
        if enc == "gbk":
            return text.encode("gbk", "replace")
        return (b"\xef\xbb\xbf" if self.chance(0.6) else b"") + text.encode("utf-8", "surrogatepass")

    def to_xlsx(self, *grids) -> bytes:
        import forms
        clean = []
        for grid in grids:
            g = forms.Grid(grid.width, re.sub(r"[\[\]:*?/\\]", "_", str(grid.sheet))[:31] or "Sheet")
            for k, v in grid.cells.items():
                if isinstance(v, str):
                    v = ILLEGAL_XML.sub("\ufffd", v)[:32000]
                elif isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10**300:
                    v = str(v)[:300]
                g.cells[k] = v
            g.merges = [m for m in grid.merges if (m[2] - m[0] + 1) * (m[3] - m[1] + 1) < 50_000]
            g.height = grid.height
            g.width = min(grid.width, 200)
            clean.append(g)
        return forms.to_xlsx(*clean)

    def mutate_xlsx(self, data: bytes) -> bytes:
        """Changes inside a workbook's XML members (far cells, huge merged ranges, bad
        references, types and styles, entities), then the zip rebuilt; sometimes the zip broken."""
        members = _members(data)
        if members is None:
            return self.mutate_bytes(data)
        m = dict(members)
        for _ in range(self.r.randrange(1, 4)):
            names = list(m)
            sheets = [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")]
            op = self.r.randrange(16)
            sheet = self.pick(sheets) if sheets else None
            if op == 0 and sheet:  # a far cell
                ref = self.pick(["XFD1048576", "XFD1", "A1048576", "ZZ99999", "AAA1", "XFE1", "A0", "A9999999", "1A", "a1"])
                row = re.sub(r"\D", "", ref) or "1"
                m[sheet] = m[sheet].replace(b"</sheetData>", f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'.encode(), 1)
            elif op == 1 and sheet:  # a huge merged range
                ref = self.pick(["A3:Z1000000", "A1:XFD1048576", "A1:A1048576", "B2:A1", "A1:A1", "A1:B2",
                                 "Z9:A1", "A1:ZZZ5"])
                x = m[sheet]
                if b"<mergeCells" in x:
                    x = re.sub(rb"<mergeCells[^>]*>", lambda mm: mm.group(0) + f'<mergeCell ref="{ref}"/>'.encode(), x, count=1)
                else:
                    x = x.replace(b"</sheetData>", f'</sheetData><mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'.encode(), 1)
                m[sheet] = x
            elif op == 2 and sheet:  # many merges
                k = self.size([10, 100], [5000, 60000])
                body = "".join(f'<mergeCell ref="A{i * 2 + 1}:B{i * 2 + 2}"/>' for i in range(k)).encode()
                x = re.sub(rb"<mergeCells.*?</mergeCells>", b"", m[sheet], flags=re.S)
                m[sheet] = x.replace(b"</sheetData>", b"</sheetData><mergeCells>" + body + b"</mergeCells>", 1)
            elif op == 3 and sheet:
                m[sheet] = re.sub(rb'<dimension ref="[^"]*"', self.pick([b'<dimension ref="A1:XFD1048576"', b'<dimension ref="ZZZ"', b'<dimension ref=""']), m[sheet])
            elif op == 4 and sheet:  # shared string index out of range, bad numbers
                vals = list(re.finditer(rb"<v>([^<]*)</v>", m[sheet]))
                if vals:
                    v = self.pick(vals)
                    new = self.pick(["99999999", "-1", "abc", "1e999999", "NaN", "inf", "", "9" * 400, "0x10", "1.5"]).encode()
                    m[sheet] = m[sheet][:v.start(1)] + new + m[sheet][v.end(1):]
            elif op == 5 and sheet:  # a cell's type
                cells = list(re.finditer(rb"<c r=\"[A-Z]+\d+\"", m[sheet]))
                if cells:
                    c = self.pick(cells)
                    t = self.pick([b' t="e"', b' t="b"', b' t="d"', b' t="str"', b' t="zz"', b' s="9999"', b' t="n"', b' t="s"'])
                    m[sheet] = m[sheet][:c.end()] + t + m[sheet][c.end():]
            elif op == 6 and "xl/styles.xml" in m:  # every default-styled number a date
                m["xl/styles.xml"] = re.sub(rb'numFmtId="\d+"', self.pick([b'numFmtId="14"', b'numFmtId="22"', b'numFmtId="10"', b'numFmtId="999"']), m["xl/styles.xml"])
                if sheet:
                    m[sheet] = m[sheet].replace(b"</sheetData>", f'<row r="{self.r.randrange(1, 400)}"><c r="Z1"><v>{self.pick(["1e20", "-5", "2958466", "99999999999", "1e308", "-0.5"])}</v></c></row></sheetData>'.encode(), 1)
            elif op == 7:  # a member's bytes
                name = self.pick(names)
                m[name] = self.mutate_bytes(m[name])
            elif op == 8 and len(m) > 1:
                m.pop(self.pick(sorted(m)), None)
            elif op == 9 and "xl/sharedStrings.xml" in m:  # entities
                dtd = self.pick([b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
                                 b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'])
                x = m["xl/sharedStrings.xml"]
                x = re.sub(rb"(<\?xml[^>]*\?>)", lambda mm: mm.group(1) + dtd, x, count=1) if x.startswith(b"<?xml") else dtd + x
                m["xl/sharedStrings.xml"] = x.replace(b"<t>", b"<t>&e;&c;", 1)
            elif op == 10 and "xl/workbook.xml" in m:  # sheet names
                new = self.pick(["项目信息", "评分", "scores", "", "a" * 40, "x/y", "评分表", "Sheet1"]).encode()
                m["xl/workbook.xml"] = re.sub(rb'name="[^"]*"', b'name="' + new + b'"', m["xl/workbook.xml"], count=1)
            elif op == 11 and sheet:  # hostile inline text
                txt = self.pick([b"\x1b[2J", b"\xed\xa0\x80", b"\x00", b"&#0;", b"&#x1b;", b"&#xD800;", b"a" * self.size([100, 40_000], [2_000_000]),
                                 "\u202e指标".encode(), b"<![CDATA[x]]>", b"&lt;script&gt;"])
                m[sheet] = m[sheet].replace(b"</sheetData>", b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + txt + b"</t></is></c></row></sheetData>", 1)
            elif op == 12 and sheet:  # formula without a cached value
                m[sheet] = re.sub(rb"<v>[^<]*</v>", self.pick([b"<f>1/0</f>", b"<f>SUM(A1:A3)</f>", b"<f>A1</f><v></v>"]), m[sheet], count=self.r.randrange(1, 20))
            elif op == 13 and sheet:  # a sheet many times
                for k in range(self.size([2, 5], [30, 300])):
                    m[f"xl/worksheets/sheet{100 + k}.xml"] = m[sheet]
            elif op == 14 and sheet:  # rows out of order, duplicated
                rows = re.findall(rb"<row .*?</row>", m[sheet], re.S)
                if rows:
                    self.r.shuffle(rows)
                    m[sheet] = re.sub(rb"<sheetData>.*</sheetData>", lambda _: b"<sheetData>" + b"".join(rows + rows[:3]) + b"</sheetData>", m[sheet], flags=re.S)
            else:  # a relationship target outside the package
                for n in names:
                    if n.endswith(".rels") and n in m:
                        m[n] = re.sub(rb'Target="[^"]*"', self.pick([b'Target="../../../etc/passwd"', b'Target="/xl/missing.xml"', b'Target="http://x/y"']), m[n], count=1)
                        break
        out = _xlsx_from_zip(list(m.items()), self.pick([zipfile.ZIP_DEFLATED, zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]))
        if self.chance(0.1):
            out = self.mutate_bytes(out, 1)
        return out

    # ---- hostile catalogues ---------------------------------------------------------------------

    def hostile_yaml(self) -> bytes:
        opts = [
            lambda: b'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + b"".join(
                f'{chr(98 + i)}: &{chr(98 + i)} [{",".join("*" + chr(97 + i) for _ in range(9))}]\n'.encode() for i in range(8))
                + b"\xe7\xbb\xa9\xe6\x95\x88\xe6\x8c\x87\xe6\xa0\x87: *i\n",
            lambda: "项目: !!python/object/apply:os.system ['echo pwned']\n绩效指标: []\n".encode(),
            lambda: "项目: !!python/name:os.system\n".encode(),
            lambda: "项目: !!binary aGVsbG8=\n绩效指标: !!set {a, b}\n".encode(),
            lambda: "绩效指标: !!omap [a: 1, b: 2]\n阶段: !!timestamp 2023-01-01\n".encode(),
            lambda: "base: &b {一级指标: 产出指标, 分值: 10}\n绩效指标:\n  - <<: *b\n    <<: *b\n    三级指标: x\n  - <<: [*b, *b]\n".encode(),
            lambda: "? [a, b]\n: 1\n? {x: 1}\n: 2\n绩效指标: []\n".encode(),
            lambda: "---\n项目: {名称: a}\n---\n项目: {名称: b}\n".encode(),
            lambda: ("绩效指标: " + "[" * self.size([99, 100, 1000, 5000], [50000]) + "]" * self.pick([0, 5000])).encode(),
            lambda: ("绩效指标:\n" + "".join("  " * i + "- \n" for i in range(self.pick([50, 200, 1000])))).encode(),
            lambda: f"项目: {{年度: {'9' * self.size([4300, 4301, 5000], [100000])}}}\n绩效指标: [{{分值: 1e999999}}]\n".encode(),
            lambda: "绩效指标: [{分值: .nan, 得分: .inf, 指标值: -.inf}]\n总分: .NaN\n".encode(),
            lambda: "~: x\nnull: y\n1: z\ntrue: w\n3.5: v\n绩效指标: []\n".encode(),
            lambda: "%YAML 1.1\n%TAG ! tag:evil.com,2000:\n---\n项目: !foo bar\n".encode(),
            lambda: "项目:\n\t名称: tab\n".encode(),
            lambda: "\ufeff项目: {名称: x}\n绩效指标: []\n".encode("utf-16"),
            lambda: "项目: {名称: x}\n绩效指标: []\n".encode("utf-32"),
            lambda: ("项目: {名称: " + "x" * self.size([10**4, 10**5], [10**6, 5 * 10**6]) + "}\n").encode(),
            lambda: ("绩效指标:\n" + "  - {三级指标: a, 指标值: '1'}\n" * self.size([100, 1000], [20000, 100000])).encode(),
            lambda: b"# only a comment\n",
            lambda: b"...\n",
            lambda: b"---\n",
            lambda: b"- 1\n- 2\n",
            lambda: b"just text",
            lambda: "项目: {名称: \"\\ud800\\udfff\\x00\\x1b[2J\"}\n绩效指标: [{三级指标: \"\\ud800\"}]\n".encode(),
            lambda: self.encode(self.to_yaml_text(self.doc()))[:self.r.randrange(1, 400)],
            lambda: ("a: " + "&x " * 2 + "1\n").encode(),
            lambda: b"a: *undefined\n",
            lambda: ("项目: {名称: x}\n" + "项目: {名称: y}\n" * 3).encode(),
        ]
        return self.pick(opts)()

    def hostile_json(self) -> bytes:
        opts = [
            lambda: ("[" * self.size([99, 100, 1000, 5000], [100000]) + "]" * self.pick([0, 99, 5000])).encode(),
            lambda: ('{"a":' * self.pick([100, 1000, 5000]) + "1" + "}" * self.pick([0, 5000])).encode(),
            lambda: ('{"项目": {"年度": ' + "9" * self.size([4300, 4301, 5000], [100000]) + '}, "绩效指标": []}').encode(),
            lambda: b'{"\xe9\xa1\xb9\xe7\x9b\xae": {"\xe5\x90\x8d\xe7\xa7\xb0": "\\ud800"}, "\xe7\xbb\xa9\xe6\x95\x88\xe6\x8c\x87\xe6\xa0\x87": [{"\xe4\xb8\x89\xe7\xba\xa7\xe6\x8c\x87\xe6\xa0\x87": "\\udfff", "\xe5\x88\x86\xe5\x80\xbc": NaN}]}',
            lambda: b'{"a": 1, "a": 2, "\xe7\xbb\xa9\xe6\x95\x88\xe6\x8c\x87\xe6\xa0\x87": [], "\xe7\xbb\xa9\xe6\x95\x88\xe6\x8c\x87\xe6\xa0\x87": []}',
            lambda: b'{"\xe7\xbb\xa9\xe6\x95\x88\xe6\x8c\x87\xe6\xa0\x87": [{"\xe5\x88\x86\xe5\x80\xbc": 1e999999, "\xe5\xbe\x97\xe5\x88\x86": -1e999999}]}',
            lambda: b'{"\xe7\xbb\xa9\xe6\x95\x88\xe6\x8c\x87\xe6\xa0\x87": [{"\xe5\x88\x86\xe5\x80\xbc": Infinity, "\xe5\xbe\x97\xe5\x88\x86": -Infinity}]}',
            lambda: b'"just a string"', lambda: b"5", lambda: b"null", lambda: b"[]", lambda: b"{}", lambda: b"[1,2,",
            lambda: b'{"a": 1,}', lambda: b"{'a': 1}", lambda: b'{"a": 1} // c', lambda: b'{"a": 1}{"b": 2}',
            lambda: '{"项目": {"名称": "x"}, "绩效指标": []}'.encode("utf-16"),
            lambda: b'{"\xff\xfe": 1}',
            lambda: self.to_json_text(self.doc()).encode("utf-8", "surrogatepass")[:self.r.randrange(1, 300)],
            lambda: ('{"绩效指标": [' + ",".join(['{"三级指标": "a", "指标值": "1"}'] * self.size([100, 1000], [50000])) + "]}").encode(),
            lambda: ('{"项目": {"名称": "' + "x" * self.size([10**4, 10**5], [10**6, 5 * 10**6]) + '"}}').encode(),
        ]
        return self.pick(opts)()

    def hostile_csv(self, enc: str) -> bytes:
        e = "gbk" if enc == "gbk" else "utf-8"
        rows = "一级指标,二级指标,三级指标,指标值,实际完成值,分值,得分\n"
        opts = [
            lambda: (rows + '产出指标,数量指标,"未闭合,100,90,10,9\n效益指标,社会效益指标,b,1,1,1,1\n').encode(e),
            lambda: (rows + "产出指标,数量指标,a\x00b,100,90,10,9\n").encode(e),
            lambda: (rows + "产出指标;数量指标;a;100;90;10;9\n").encode(e),
            lambda: (rows + "产出指标,数量指标\n,,,,,,,,,,,,,,,,,,,,,,,,,,,x\n").encode(e),
            lambda: (rows + "产出指标,数量指标,a," + "9" * self.pick([400, 5000, 100000]) + ",1,1,1\n").encode(e),
            lambda: (rows + "产出指标,数量指标,a,100,90,-10,-50\n").encode(e),
            lambda: (rows + "产出指标,数量指标,a,1e999999,NaN,Infinity,-0\n").encode(e),
            lambda: (rows + "产出指标,数量指标," + "x" * self.size([10**4, 10**5], [10**6, 5 * 10**6]) + ",1,1,1,1\n").encode(e),
            lambda: (rows * self.pick([2, 50])).encode(e),
            lambda: rows.encode(e),
            lambda: b"\r\n" * self.size([10, 1000], [200000]) + rows.encode(e),
            lambda: (rows.rstrip("\n") + "," * self.pick([100, 5000, 20000]) + "\n").encode(e),
            lambda: rows.encode("utf-16"),
            lambda: rows.encode("utf-8") + "产出指标,数量指标,中文,1,1,1,1\n".encode("gbk"),
            lambda: (rows + "产出指标,数量指标,\x1b[2J\x1b]0;t\x07,100,90,10,9\n").encode(e),
            lambda: (rows + "=1+1,@SUM(A1),+cmd|'/C calc'!A0,-2+3,100,10,9\n").encode(e),
            lambda: b"\xef\xbb\xbf" + b"\xef\xbb\xbf" + rows.encode("utf-8"),
            lambda: (rows + "\n".join("产出指标,数量指标,a%d,100,90,10,9" % i for i in range(self.size([100, 1000], [30000])))).encode(e),
            lambda: ("项目名称,x\n" * 3 + rows + "合计,,,,,100,\n总分,,,,,,-5\n").encode(e),
            lambda: '"'.encode() * self.pick([1, 2, 3, 1001]),
            lambda: (rows + '产出指标,数量指标,"a""b""",100,"9\n0",10,9\n').encode(e),
        ]
        return self.pick(opts)()

    def hostile_xlsx(self) -> bytes:
        seed = self.pick([s for s in self.c.xlsx_seeds if s[0].startswith("forms:")])[1]
        opts = [
            lambda: self.c.bomb(),
            lambda: _xlsx_from_zip([]),
            lambda: _xlsx_from_zip([("[Content_Types].xml", b"<Types/>")]),
            lambda: b"PK\x03\x04" + bytes(self.r.randrange(256) for _ in range(self.r.randrange(0, 200))),
            lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 100,
            lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
            lambda: seed[:self.r.randrange(1, len(seed))],
            lambda: b"a,b,c\n1,2,3\n",
            lambda: b"",
            lambda: self.mutate_xlsx(self.mutate_xlsx(seed)),
            lambda: _xlsx_from_zip([(n, b) for n, b in (_members(seed) or []) if not n.startswith("xl/worksheets/")]),
            lambda: _xlsx_from_zip([(n, b) for n, b in (_members(seed) or []) for _ in (0, 1)]),  # members twice
        ]
        return self.pick(opts)()

    # ---- whole cases -----------------------------------------------------------------------------

    def ext(self, fmt: str) -> str:
        alt = {"yaml": [".yaml", ".yaml", ".yml", ".json", ""], "json": [".json", ".json", ".yaml", ""],
               "jsonl": [".jsonl", ".jsonl", ".ndjson"], "csv-utf8": [".csv", ".csv", ".csv", ".tsv", ".xlsx", ""],
               "csv-gbk": [".csv", ".csv", ".tsv", ""], "xlsx": [".xlsx", ".xlsx", ".xlsx", ".xlsm", ".xls", ".csv", ""]}
        return self.pick(alt[fmt]) if self.chance(0.1) else alt[fmt][0]

    def stem(self) -> str:
        return self.pick(["input", "申报", "自评", "评价", "表", "项目 1", "指标", "x"])

    def input_case(self, fmt: str) -> Case:
        r = self.r.random()
        name = self.stem() + self.ext(fmt)
        files: list[tuple[str, bytes]] = []
        if fmt in ("yaml", "json"):
            tojson = fmt == "json"
            if r < 0.25:
                if tojson:
                    sname, data = self.pick(self.c.json_seeds) if self.chance(0.3) else (
                        "doc", self.to_json_text(self.seed_doc()[1]).encode())
                else:
                    sname, text = self.pick(self.c.yaml_seeds)
                    data = self.encode(self.mutate_text(text), self.pick(["utf-8"] * 5 + ["gbk"]))
                how = f"seed-bytes:{sname}"
                data = self.mutate_bytes(data) if self.chance(0.6) else data
            elif r < 0.6:
                sname, doc = self.seed_doc()
                doc = self.mutate_doc(doc, rate=self.pick([0.005, 0.02, 0.05, 0.1, 0.3]))
                text = self.to_json_text(doc) if tojson else self.to_yaml_text(doc)
                if self.chance(0.2):
                    text = self.mutate_text(text, self.r.randrange(1, 3))
                data, how = self.encode(text), f"seed-doc:{sname}"
                if self.chance(0.15):  # a project's stages side by side (linked)
                    _, doc2 = self.seed_doc()
                    st = self.pick(["申报", "自评", "评价"])
                    text2 = (self.to_json_text if tojson else self.to_yaml_text)(self.mutate_doc(doc2, 0.1))
                    files.append((f"{st}{'.json' if tojson else '.yaml'}", self.encode(text2)))
            elif r < 0.88:
                doc = self.doc()
                text = self.to_json_text(doc) if tojson else self.to_yaml_text(doc)
                data, how = self.encode(text), "generated"
            else:
                data, how = (self.hostile_json() if tojson else self.hostile_yaml()), "hostile"
            files.insert(0, (name, data[:MAX_BYTES]))
        elif fmt == "jsonl":
            lines: list[bytes] = []
            for _ in range(self.r.randrange(1, 8)):
                x = self.r.random()
                if x < 0.45:
                    line = self.to_json_text(self.mutate_doc(self.seed_doc()[1], self.pick([0.005, 0.02, 0.05, 0.1, 0.3])), True)
                elif x < 0.85:
                    line = self.to_json_text(self.doc(), True)
                else:
                    line = None
                    b = self.hostile_json().replace(b"\n", b" ")
                if line is not None:
                    b = line.encode("utf-8", "surrogatepass")
                if self.chance(0.1):
                    b = self.mutate_bytes(b).replace(b"\n", b" ")
                if self.chance(0.05):  # a duplicate key inside the record
                    b = b.replace(b"{", b'{"\xe9\xa1\xb9\xe7\x9b\xae": 1, "\xe9\xa1\xb9\xe7\x9b\xae": 2, ', 1)
                lines.append(b)
            if self.chance(0.1):
                lines.insert(self.r.randrange(len(lines) + 1), self.pick([b"", b"   ", b"\xff\xfe", b"[1,2]", b'"x"', b"5", b"null"]))
            sep = self.pick([b"\n", b"\n", b"\r\n"])
            data = (b"\xef\xbb\xbf" if self.chance(0.1) else b"") + sep.join(lines) + (sep if self.chance(0.8) else b"")
            how = "records"
            files.append((name, data[:MAX_BYTES]))
        elif fmt.startswith("csv"):
            enc = "gbk" if fmt == "csv-gbk" else "utf-8"
            if r < 0.3:
                cid, layout, doc, grid = self.pick(self.c.forms)
                if self.chance(0.5):
                    grid = self.form_grid(self.mutate_doc(doc, self.pick([0.02, 0.1])), layout)
                data, how = self.to_csv(self.mutate_grid(grid) if self.chance(0.7) else grid, enc), f"form:{cid}"
            elif r < 0.5:
                sname, data = self.pick(self.c.csv_seeds)
                try:
                    text = data.decode("utf-8-sig")
                except UnicodeDecodeError:
                    text = data.decode("gbk", "replace")
                data = self.encode(self.mutate_text(text, self.r.randrange(1, 4)), enc)
                data = self.mutate_bytes(data) if self.chance(0.4) else data
                how = f"seed-bytes:{sname}"
            elif r < 0.85:
                doc = self.doc() if self.chance(0.6) else self.mutate_doc(self.seed_doc()[1], 0.1)
                grid = (self.form_grid(doc, self.pick(self.c.layouts)) if self.chance(0.3) else self.simple_grid(doc))
                data, how = self.to_csv(grid, enc), "generated"
            else:
                data, how = self.hostile_csv(enc), "hostile"
            files.append((name, data[:MAX_BYTES]))
            if name.endswith(".csv") and self.chance(0.15):  # side files read with the table
                stem = name[:-4]
                kind = self.pick(["项目信息", "评分"])
                side = self.simple_grid({"x": self.section("PROJECT", 0.7)} if kind == "项目信息" else
                                        {"评分": [self.section("SCORE", 0.7) for _ in range(self.r.randrange(0, 6))]})
                files.append((self.pick([f"{stem}.{kind}.csv", f"{kind}.csv"]), self.to_csv(side, enc)))
        else:  # xlsx
            if r < 0.25:
                cid, layout, doc, grid = self.pick(self.c.forms)
                if self.chance(0.5):
                    grid = self.form_grid(self.mutate_doc(doc, self.pick([0.02, 0.1])), layout)
                grids = [self.mutate_grid(grid) if self.chance(0.7) else grid]
                if self.chance(0.2):
                    grids.append(self.simple_grid({"x": self.section("PROJECT", 0.7)}))
                    grids[-1].sheet = self.pick(["项目信息", "评分", "project", "scores", "Sheet2"])
                if self.chance(0.1):
                    grids.append(self.mutate_grid(grid))
                data, how = self.to_xlsx(*grids), f"form:{cid}"
                if self.chance(0.3):
                    data = self.mutate_xlsx(data)
            elif r < 0.5:
                sname, data = self.pick(self.c.xlsx_seeds)
                data, how = (self.mutate_xlsx(data) if self.chance(0.8) else self.mutate_bytes(data)), f"seed-xml:{sname}"
            elif r < 0.82:
                doc = self.doc() if self.chance(0.6) else self.mutate_doc(self.seed_doc()[1], 0.1)
                grid = (self.form_grid(doc, self.pick(self.c.layouts)) if self.chance(0.3) else self.simple_grid(doc))
                data, how = self.to_xlsx(grid), "generated"
                if self.chance(0.2):
                    data = self.mutate_xlsx(data)
            else:
                data, how = self.hostile_xlsx(), "hostile"
            files.append((name, data))
        inputs = [n for n, _ in files if not re.search(r"(^|\.)(项目信息|评分)\.csv$", n)]
        return Case("input", fmt, files, inputs or [files[0][0]], how)

    # ---- rule files ---------------------------------------------------------------------------

    def rule_token(self) -> str:
        r = self.r.random()
        if r < 0.35:
            return self.pick(self.c.keywords)
        if r < 0.55:
            return self.pick(self.c.rule_fields)
        if r < 0.65:
            return self.pick(self.c.rule_preds)
        if r < 0.72:
            return self.pick(self.c.wordlists)
        if r < 0.85:
            return self.pick(["或", "且", "⇒", "=>", "→", "(", ")", "（", "）", "[", "]", "「", "」", '"', ":", "：",
                              ",", "，", "、", "#", "\n", " ", "  ", "\t", "　", "分", "得", "于", "并非", "N-01", "60%",
                              "1,164.43万元", "0", "-", "−", "÷", "/", "×", "\ufeff", "\r", "\x00", "{", "}", "{三级指标}"])
        if r < 0.92:
            return self.number_text()
        return "".join(self.junk_char() for _ in range(self.r.randrange(1, 6)))

    def expr(self, depth: int) -> str:
        r = self.r.random()
        f = lambda: self.pick(self.c.rule_fields)  # noqa: E731
        if depth <= 0 or r < 0.35:
            x = self.r.random()
            if x < 0.25:
                return f"{f()} {self.pick(['≥', '≤', '>', '<', '=', '≠', '不低于', '超过', 'greater'])} {self.atom()}"
            if x < 0.45:
                return f"{f()} {self.pick(['是', '不是', 'is', 'is not'])} {self.pick(self.c.rule_preds + ['为空', '空', '产出指标'])}"
            if x < 0.6:
                return f"{f()} {self.pick(['属于', '不属于', '包含', '不包含', '词尾属于', 'in'])} {self.target_set()}"
            if x < 0.7:
                return f"{f()} {self.pick(['为空', '非空', '不为空', 'is empty'])}"
            if x < 0.85:
                return self.atom()
            return f"{self.pick(['计数', '合计', '平均', '最小', '最大', 'count', 'sum'])}({self.expr(depth - 1)}{' 其中 ' + self.expr(depth - 1) if self.chance(0.3) else ''})"
        if r < 0.55:
            n = self.r.randrange(2, 6) if self.chance(0.95) else self.pick([50, 300, 600, 1000, 3000])
            op = self.pick([" 或 ", " 且 ", " or ", " and ", " 或者 ", " 并且 "])
            return op.join(self.expr(0 if n > 6 else depth - 1) for _ in range(n))
        if r < 0.7:
            k = self.r.randrange(1, 4) if self.chance(0.9) else self.pick([40, 100, 500, 2000])
            o, c = self.pick([("(", ")"), ("（", "）")])
            return o * k + self.expr(depth - 1) + c * k
        if r < 0.8:
            return f"并非 {self.expr(depth - 1)}"
        return f"{self.arith(depth)} {self.pick(['≥', '<', '='])} {self.arith(depth)}"

    def arith(self, depth: int) -> str:
        if depth <= 0 or self.chance(0.4):
            return self.atom()
        return f"{self.arith(depth - 1)} {self.pick(['+', '−', '-', '×', '÷', '/', '*'])} {self.arith(depth - 1)}"

    def atom(self) -> str:
        r = self.r.random()
        if r < 0.4:
            return self.pick(self.c.rule_fields)
        if r < 0.75:
            return self.number_text().lstrip("-") + self.pick(["", "", "%", "万元", "元", "‰"])
        if r < 0.85:
            return f"「{self.hostile_text()[:50]}」"
        return self.pick(["-1", "0", "100%", "1,000,000", "-" + self.number_text()])

    def target_set(self) -> str:
        r = self.r.random()
        if r < 0.4 and self.c.wordlists:
            return self.pick(self.c.wordlists)
        if r < 0.8:
            return "[" + "、".join(self.pick(["产出指标", "效益指标", "a", "率", "数量", self.hostile_text()[:20] or "x"])
                                   for _ in range(self.r.randrange(0, 6))) + "]"
        return f"「{self.hostile_text()[:30]}」"

    def consequence(self) -> str:
        return self.pick([
            lambda: self.pick(["否决", "错误", "警告", "提示", "veto", "error"]) + (f" 「{self.hostile_text()[:40]}」" if self.chance(0.3) else ""),
            lambda: f"扣{self.number_text().lstrip('-')}分" + (f" 于 {self.pick(self.c.item_paths or ['a/b'])}" if self.chance(0.2) else ""),
            lambda: f"得{self.number_text().lstrip('-')}分", lambda: f"{self.number_text().lstrip('-')}分",
            lambda: f"最高{self.number_text().lstrip('-')}分", lambda: "得分减半",
            lambda: f"等级不高于 {self.pick(['中', '良', '差', '优', 'x'])}",
            lambda: f"{self.pick(self.c.rule_fields)} {self.pick(['须', '不得', '应'])} {self.pick(self.c.rule_preds)}",
            lambda: f"得分 = {self.arith(3)}",
        ])()

    def stmt(self, depth: int) -> str:
        x = self.r.random()
        if x < 0.25:
            return f"{self.pick(self.c.rule_fields)} {self.pick(['须', '必须', '不得', '应', '不应', 'must', 'should'])} {self.pick(['', '是 '])}{self.pick(self.c.rule_preds + ['非空', '为空'])}" + (f" 除非 {self.expr(depth)}" if self.chance(0.2) else "")
        if x < 0.35:
            return f"{self.pick(['生态效益', '产出指标', 'x'])} 不适用于 {self.pick(['信息化运维', '经常性', 'y'])}"
        if x < 0.6:
            return f"若 {self.expr(depth)} 则 {self.consequence()}" if self.chance(0.5) else f"{self.expr(depth)} ⇒ {self.consequence()}"
        if x < 0.75:
            return f"每个指标 其中 {self.expr(depth)}: {self.stmt(max(0, depth - 1))}"
        if x < 0.85:
            return self.expr(depth) + (f" 除非 {self.expr(depth)}" if self.chance(0.3) else "")
        if x < 0.92:
            return f"当 {self.expr(depth)}"
        return f"否则 ⇒ {self.consequence()}"

    def rule_text(self) -> str:
        lines: list[str] = []
        depth = self.r.randrange(0, 5) if self.chance(0.9) else self.r.randrange(5, 40)
        for _ in range(self.r.randrange(0, 3)):
            name = self.pick(self.c.wordlists + ["我的词表", "x", self.hostile_text()[:10] or "y"])
            lines.append(f"{self.pick(['词表', 'wordlist', '同义', '同义词'])} {name}: " +
                         "、".join(self.hostile_text()[:15] or "a" for _ in range(self.r.randrange(0, 8))))
        for k in range(self.r.randrange(1, 6)):
            if self.chance(0.75):
                rid = self.pick([f"F-{k:02d}", "N-01", "X", f"F-{k}", "1", "-", "a.b-c", "N-01"])
                lines.append(f"{self.pick(['规则', 'rule'])} {rid}" + (f" 「{self.hostile_text()[:40]}」" if self.chance(0.8) else "")
                             + (f" {self.pick(['错误', '警告', '提示', '否决', 'warning', 'bad'])}" if self.chance(0.6) else ""))
                for _ in range(self.r.randrange(0, 3)):
                    lines.append(f"  {self.pick(['依据', '说明', '建议', '消息', '来源', 'message'])} 「{self.pick(['{三级指标}', '{指标值}', '{x}', '{', '}', '%s', ''])}{self.hostile_text()[:60]}」")
                for _ in range(self.r.randrange(0, 4)):
                    lines.append("  " + self.stmt(depth))
            else:
                path = self.pick(self.c.item_paths + ["a/b", "x", "a//b", "/", "a/b/c/d/e/f"])
                lines.append(f"{self.pick(['评分项', 'item'])} {path} 分值 {self.pick(['10', '0', '-5', '100', '1e9', '3.335', self.number_text().lstrip('-')])}"
                             + (" 酌情" if self.chance(0.1) else "")
                             + (f" 每个指标 其中 {self.expr(1)}" if self.chance(0.3) else ""))
                for _ in range(self.r.randrange(0, 5)):
                    lines.append("  " + self.pick([lambda: f"{self.expr(depth)} ⇒ {self.consequence()}",
                                                   lambda: f"若 {self.expr(depth)} 则 {self.consequence()}",
                                                   lambda: f"否则 ⇒ {self.consequence()}",
                                                   lambda: f"得分 = {self.arith(depth)}"])())
        return "\n".join(lines) + "\n"

    def mutate_rules(self, text: str) -> str:
        r = self.r
        for _ in range(r.randrange(1, 7)):
            op = r.randrange(12)
            at = r.randrange(len(text) + 1)
            lines = text.split("\n")
            if op == 0:
                text = text[:at] + self.rule_token() + text[at:]
            elif op == 1:
                text = text[:at] + text[at + r.randrange(1, 8):]
            elif op == 2:
                text = text[:at] + self.rule_token() + text[at + r.randrange(1, 5):]
            elif op == 3:
                text = text[:at] + self.junk_char() + text[at:]
            elif op in (4, 5) and lines:
                i = r.randrange(len(lines))
                if op == 4:
                    lines.insert(i, lines[i])
                else:
                    del lines[i]
                text = "\n".join(lines)
            elif op == 6 and lines:  # a long 或/且 chain on a condition line
                cands = [i for i, ln in enumerate(lines) if re.search(r"若|⇒|其中|或|且", ln)]
                if cands:
                    i = self.pick(cands)
                    n = self.pick([10, 100, 300, 600, 2000]) if self.chance(0.5) else r.randrange(2, 20)
                    chain = self.pick([" 或 ", " 且 "]).join(f"{self.pick(self.c.rule_fields)} 是 {self.pick(self.c.rule_preds)}" for _ in range(n))
                    lines[i] = re.sub(r"(若|其中)\s", lambda m: f"{m.group(1)} {chain} 或 ", lines[i], count=1) if re.search(r"(若|其中)\s", lines[i]) else lines[i] + " 或 " + chain
                    text = "\n".join(lines)
            elif op == 7:  # deep brackets
                k = self.pick([5, 50, 200, 1000, 5000])
                o, c = self.pick([("(", ")"), ("（", "）"), ("[", "]")])
                text = text[:at] + o * k + self.atom() + c * self.pick([k, k, 0, k - 1]) + text[at:]
            elif op == 8 and lines:  # indentation
                i = r.randrange(len(lines))
                lines[i] = self.pick(["", " ", "  ", "\t", "    ", "　"]) + lines[i].lstrip()
                text = "\n".join(lines)
            elif op == 9:  # numbers
                nums = list(re.finditer(r"\d+(?:\.\d+)?", text))
                if nums:
                    m = self.pick(nums)
                    text = text[:m.start()] + self.pick([self.number_text().lstrip("-"), "0", "-5", "9" * 5000]) + text[m.end():]
            elif op == 10:  # punctuation swapped
                a, b = self.pick([(":", "："), ("(", "（"), (")", "）"), ("「", '"'), ("」", ""), ("、", ","), ("⇒", "=>"), ("\n", "\r\n"), ("  ", "\t")])
                text = text.replace(a, b) if self.chance(0.5) else text.replace(b, a) if b else text
            else:  # lines swapped, or a line from another pack
                files = [t for f in self.c.packs.values() for n, t in f.items() if n.endswith(".rules")]
                other = self.pick(files).split("\n")
                if lines:
                    lines.insert(r.randrange(len(lines) + 1), self.pick(other))
                text = "\n".join(lines)
        return text

    def manifest(self, text: str) -> str:
        import yaml
        try:
            m = yaml.safe_load(text) or {}
        except yaml.YAMLError:
            m = {}
        if not isinstance(m, dict):
            m = {}
        keys = ["name", "version", "description", "default", "years", "rounding", "grades", "accept_stated",
                "extends", "veto_cap", "indicator_items", "item_aliases", "severity", "disable", "x_unknown"]
        for _ in range(self.r.randrange(1, 4)):
            k = self.pick(keys)
            m[k] = self.pick([
                lambda: self.hostile_any(), lambda: 5, lambda: None, lambda: [], lambda: {}, lambda: "abc",
                lambda: {"places": self.pick(["abc", -1, 10**6, None, 2]), "mode": self.pick(["ROUND_HALF_UP", "x", 5])},
                lambda: {"优": self.pick(["[90,100]", "[100,90]", "x", 5, "[a,b)", "(-1e999,1e999]"])},
                lambda: self.pick([["national"], ["national-selfeval"], "national", ["missing"], [5], [".."], ["."], [None]]),
                lambda: [2020, self.pick([2030, "x", None, -5, 10**40])],
                lambda: {"N-01": self.pick(["警告", "bad", 5, None])}, lambda: ["N-01", "RC-99", 5],
            ])()
        return _safe_yaml(m)

    def rule_case(self) -> Case:
        r = self.r.random()
        how_enc = ""
        if r < 0.6:
            pack = self.pick(sorted(self.c.packs))
            files = dict(self.c.packs[pack])
            rules = sorted(n for n in files if n.endswith(".rules"))
            victim = self.pick(rules)
            files[victim] = self.mutate_rules(files[victim])
            how = f"mutated:{pack}/{victim}"
            if self.chance(0.1):
                files["pack.yaml"] = self.manifest(files.get("pack.yaml", ""))
                how += "+manifest"
            target = "pack" if self.chance(0.85) else f"pack/{victim}"
            out = {f"pack/{n}": t for n, t in files.items()}
            main = f"pack/{victim}"
        else:
            text = self.rule_text()
            if self.chance(0.3):
                text = self.mutate_rules(text)
            if self.chance(0.5):
                out = {f"pack/{n}": t for n, t in self.c.packs["national"].items()}
                out["pack/fuzz.rules"] = text
                target, main, how = "pack", "pack/fuzz.rules", "generated:in-national"
            else:
                out = {"fuzz.rules": text}
                target, main, how = "fuzz.rules", "fuzz.rules", "generated"
        blobs = {n: t.encode("utf-8", "surrogatepass") for n, t in out.items()}
        x = self.r.random()
        if x < 0.05:
            blobs[main] = b"\xef\xbb\xbf" + blobs[main]
            how_enc = "+bom"
        elif x < 0.08:
            blobs[main] = out[main].encode("gbk", "replace")
            how_enc = "+gbk"
        elif x < 0.1:
            blobs[main] = self.mutate_bytes(blobs[main], 2)
            how_enc = "+bytes"
        files_l = sorted(blobs.items())
        return Case("rule", "rules", files_l, [main], how + how_enc, target=target)


def _keys_as_text(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _keys_as_text(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_keys_as_text(v) for v in x]
    return x


def _safe_yaml(m: Any) -> str:
    import yaml
    try:
        return yaml.safe_dump(_keys_as_text(m), allow_unicode=True)
    except Exception:  # noqa: BLE001 - Raw and odd values: their text
        return json.dumps(_keys_as_text(m), ensure_ascii=False, default=lambda o: getattr(o, "text", str(o)))


def make_case(corpus: Corpus, seed: int, kind: str, idx: int) -> Case:
    g = Gen(random.Random(f"perfrules-fuzz:{seed}:{kind}:{idx}"), corpus)
    if kind == "input":
        return g.input_case(FORMATS[idx % len(FORMATS)])
    return g.rule_case()


# =============================================================================================
# running one case (in a worker)
# =============================================================================================

class Timeout(BaseException):
    """The per-case alarm went off (a BaseException, so no ``except Exception`` swallows it)."""


class Failure(Exception):
    """A failure that is not an exception of perfrules' own (a contained internal error,
    an output that cannot be written, a bad exit code)."""

    def __init__(self, kind: str, frame: str, message: str):
        super().__init__(message)
        self.kind, self.frame = kind, frame


_SAMPLES: list = []
SAMPLES, SAMPLE_GAP = 5, 0.2


def _alarm(signum, frame):  # noqa: ARG001
    """At the timeout, note where the case is, look again a few times 0.2 s apart, then stop
    it: the frames every look shares are the loop (or the slow work) to blame."""
    _SAMPLES.append(traceback.extract_stack(frame))
    if len(_SAMPLES) < SAMPLES:
        signal.setitimer(signal.ITIMER_REAL, SAMPLE_GAP)
        return
    t = Timeout()
    t.stacks = tuple(_SAMPLES)
    _SAMPLES.clear()
    raise t


def _blame(stacks) -> str:
    """The innermost perfrules function on every sampled stack, as ``file (function)``: the
    line differs from look to look, so it is left out of the group key (the saved stack has it)."""
    own = [[f for f in st if _rel(f.filename).startswith("perfrules/")] for st in stacks]
    common = None
    for frames in zip(*own):
        if len({(f.filename, f.name) for f in frames}) != 1:
            break
        common = frames[0]
    if common is None:
        common = own[0][-1] if own[0] else None
    return f"{_rel(common.filename)} ({common.name})" if common else "(timeout)"


def _rel(filename: str) -> str:
    try:
        return str(Path(filename).resolve().relative_to(ROOT))
    except ValueError:
        parts = Path(filename).parts
        for anchor in ("site-packages", "lib"):
            if anchor in parts:
                return "/".join(parts[parts.index(anchor) + 1:]) if anchor == "site-packages" else "/".join(parts[-3:])
        return filename


def is_clean(e: BaseException) -> bool:
    """A PerfrulesError for a user's mistake (not an internal error wrapped as one, E900)."""
    from perfrules.errors import PerfrulesError
    if not isinstance(e, PerfrulesError):
        return False
    inner = [e, *getattr(e, "errors", [])]
    return all(CLEAN_CODE.match(str(getattr(x, "code", ""))) for x in inner)


_WRAPPED = re.compile(r"[（(](\w+(?:\.\w+)*): (.*)[，,] (?:位于|at) ([^\s，,）)]+)[）)]", re.S)


def describe(e: BaseException) -> dict:
    """Type, message, innermost frame and innermost perfrules frame of an exception."""
    if isinstance(e, Failure):
        return {"type": e.kind, "message": str(e)[:500], "frame": e.frame, "perfrules_frame": e.frame,
                "traceback": str(e)}
    from perfrules.errors import PerfrulesError
    if isinstance(e, PerfrulesError):  # an internal error wrapped as a PerfrulesError (E900)
        inner = next((x for x in [e, *getattr(e, "errors", [])] if not CLEAN_CODE.match(str(x.code))), e)
        cause = inner.__cause__ or inner.__context__
        if cause is not None and not isinstance(cause, PerfrulesError):
            d = describe(cause)
            d["type"] += f" (wrapped as {inner.code})"
            return d
        m = _WRAPPED.search(inner.zh) or _WRAPPED.search(inner.en)
        if m:
            return {"type": f"{m.group(1)} (wrapped as {inner.code})", "message": m.group(2)[:500],
                    "frame": m.group(3), "perfrules_frame": m.group(3), "traceback": inner.render()}
    tb = traceback.extract_tb(e.__traceback__)
    frames = [f"{_rel(f.filename)}:{f.lineno} ({f.name})" for f in tb]
    own = [fr for fr, f in zip(frames, tb) if _rel(f.filename).startswith("perfrules/")]
    try:
        msg = str(e)
    except Exception:  # noqa: BLE001
        msg = repr(e)
    try:
        text = "".join(traceback.format_exception(type(e), e, e.__traceback__, limit=-40))
    except Exception:  # noqa: BLE001
        text = msg
    return {"type": f"{type(e).__module__}.{type(e).__qualname__}".replace("builtins.", ""),
            "message": msg[:500], "frame": frames[-1] if frames else "?",
            "perfrules_frame": own[-1] if own else "-", "traceback": text[-6000:]}


class Runner:
    """Runs cases against perfrules in this process (a worker, or ``--replay``)."""

    def __init__(self, corpus: Corpus, opts):
        self.c = corpus
        self.opts = opts
        from perfrules import pipeline
        self.pipeline = pipeline
        self.settings = {f: pipeline.Settings(chosen=True, fmt=f, show_na=(f == "table")) for f in OUTPUTS}
        self.keep = pipeline.Settings(chosen=True)
        # An unforeseen exception that the pipeline would contain as an error record (E900)
        # is raised instead, with its traceback (--keep-containment: judge the record).
        if not opts.keep_containment and hasattr(pipeline, "_internal"):
            def _internal(e, source):  # noqa: ARG001
                raise e
            pipeline._internal = _internal
        # ``perfrules check`` in process compiles its packs per call; hand it the compiled ones.
        original = pipeline.load_packs
        packs = corpus.compiled

        def load_packs(specs):
            return list(packs) if tuple(specs) == tuple(corpus.pack_names) else original(specs)
        pipeline.load_packs = load_packs

    # -- outputs ----------------------------------------------------------------------------

    def render(self, o) -> None:
        """The outcome in every output format, encoded as ``-o`` writes it."""
        if o.kind == "error":
            codes = [str((o.error or {}).get("code"))] + [str(x.get("code")) for x in (o.error or {}).get("errors") or []]
            bad = next((c for c in codes if not CLEAN_CODE.match(c)), None)
            if bad:
                m = _WRAPPED.search(o.message or "")
                if m:
                    raise Failure(f"{m.group(1)} (contained as {bad})", m.group(3), m.group(2)[:500])
                raise Failure("ContainedInternalError", f"error record code {bad}",
                              f"an error outcome with a code that is no user error's: {bad}: {(o.message or '')[:300]}")
        for f in OUTPUTS:
            text = self.pipeline._render(o, self.settings[f])
            if text is None:
                continue
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as e:
                raise Failure("UnicodeEncodeError", f"output {f}: rendered text is not UTF-8-encodable",
                              f"{e}; around {text[max(0, e.start - 30):e.end + 30]!r}") from None

    def error_outcome(self, source: str, e) -> Any:
        from perfrules.errors import error_record
        o = self.pipeline.Outcome(source, "error", error=error_record(e), message=e.render())
        return o

    # -- inputs ------------------------------------------------------------------------------

    def run_input(self, case: Case, folder: Path) -> tuple[str, list[str]]:
        from perfrules.data.loaders import load_all
        from perfrules.engine.runner import run
        from perfrules.errors import PerfrulesError
        codes: list[str] = []
        status = "ok"
        main = folder / case.files[0][0]
        if main.suffix.lower() in (".jsonl", ".ndjson"):
            pl = self.pipeline
            for job in pl.jobs(pl.expand([str(main)])):
                for o in pl.check_job(job, self.c.compiled, self.keep):
                    if o.kind == "error":
                        status = "refused"
                        codes.append(str((o.error or {}).get("code")))
                    self.sets += o.kind == "result"
                    self.render(o)
        else:
            loaded = []
            for name in case.inputs:
                try:
                    loaded += list(load_all(folder / name))
                except PerfrulesError as e:
                    if not is_clean(e):
                        raise
                    status = "refused"
                    codes.append(e.code)
                    self.render(self.error_outcome(str(folder / name), e))
            related = None
            if len(loaded) > 1:  # one folder's files are one project's stages (pipeline.load_job)
                related = {}
                for s in loaded:
                    if s.stage:
                        related.setdefault(s.stage, s)
            for s in loaded:
                r = run(self.c.compiled, s, related)
                self.sets += 1
                self.render(self.pipeline.Outcome(r.input, "result", result=r))
        if self.opts.cli_every and case.idx % self.opts.cli_every == 0:
            self.run_cli(case, folder)
        return status, codes

    def run_cli(self, case: Case, folder: Path) -> None:
        """``perfrules check INPUTS -p … --format F -o OUT`` in process."""
        from perfrules import batch
        fmt = OUTPUTS[(case.idx // max(1, self.opts.cli_every)) % len(OUTPUTS)]
        out = folder.parent / f"out-{case.idx}.{fmt}"
        err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace")
        inputs = tuple(str(folder / n) for n in case.inputs) if len(case.inputs) == 1 else (str(folder),)
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(err):
            code = batch.check_command(inputs, tuple(self.c.pack_names), fmt, str(out), 1, "error", True, False)
        err.flush()
        text = err.buffer.getvalue().decode("utf-8", "replace")
        try:
            if code not in (0, 1, 2):
                raise Failure("CLIExitCode", f"perfrules check exit {code}", f"exit {code}: {text[-500:]}")
            if "Traceback (most recent call last)" in text:
                raise Failure("CLITraceback", "perfrules check printed a traceback", text[-1500:])
            if out.exists():
                try:
                    out.read_bytes().decode("utf-8")
                except UnicodeDecodeError as e:
                    raise Failure("CLIOutputNotUTF8", f"perfrules check -o {fmt}: output not UTF-8", str(e)) from None
        finally:
            with contextlib.suppress(OSError):
                out.unlink()

    # -- rule files ----------------------------------------------------------------------------

    def run_rule(self, case: Case, folder: Path) -> tuple[str, list[str]]:
        from perfrules.authoring.lint import lint
        from perfrules.engine.packs import load_pack
        from perfrules.engine.runner import run
        from perfrules.errors import PerfrulesError
        from perfrules.language.fmt import format_text
        from perfrules.language.parser import parse_text_partial
        codes: list[str] = []
        status = "ok"
        try:
            pack = load_pack(str(folder / case.target))
        except PerfrulesError as e:
            if not is_clean(e):
                raise
            status = "refused"
            codes.append(e.code)
            e.render()
        else:
            lint(list(pack.compiled.files))
            self.sets += 1
            for s in self.c.sound_sets[:2]:
                r = run([pack], s)
                o = self.pipeline.Outcome(r.input, "result", result=r)
                for f in ("json", "md"):
                    text = self.pipeline._render(o, self.settings[f])
                    try:
                        text.encode("utf-8")
                    except UnicodeEncodeError as e:
                        raise Failure("UnicodeEncodeError", f"output {f}: rendered text is not UTF-8-encodable",
                                      str(e)) from None
        self.anomalies: list[str] = []
        for name, data in case.files:
            if not name.endswith(".rules") or name not in case.inputs:
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                continue  # `perfrules fmt` refuses it as not UTF-8
            try:
                new = format_text(text, name)
            except PerfrulesError as e:
                if not is_clean(e):
                    raise
                codes.append("fmt:" + e.code)
                continue
            _, errors = parse_text_partial(new, name)
            if errors:
                self.anomalies.append("fmt output does not parse: " + errors[0].render().splitlines()[0][:200])
            else:
                try:
                    again = format_text(new, name)
                except PerfrulesError as e:
                    if not is_clean(e):
                        raise
                    self.anomalies.append("fmt output refused by fmt: " + e.render().splitlines()[0][:200])
                else:
                    if again != new:
                        self.anomalies.append("fmt is not stable (formatting its output changes it)")
        return status, codes

    # -- one case, contained ---------------------------------------------------------------------

    def execute(self, kind: str, idx: int, tmp: Path, limits: bool = True) -> dict:
        res: dict = {"kind": kind, "idx": idx}
        t0 = time.perf_counter()
        folder = tmp / "case"  # one name, so that the parse cache knows the unchanged pack files
        self.anomalies = []
        self.sets = 0  # indicator sets read and checked (a JSON Lines file or a workbook has several)
        try:
            case = make_case(self.c, self.opts.seed, kind, idx)
            case.idx = idx
            res.update(fmt=case.fmt, how=case.how, size=sum(len(b) for _, b in case.files))
            folder.mkdir(parents=True)
            for name, data in case.files:
                p = folder / name
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(data)
        except Exception as e:  # noqa: BLE001 - the fuzzer's own bug
            shutil.rmtree(folder, ignore_errors=True)
            res.update(status="harness", error=describe(e), restart=isinstance(e, MemoryError))
            res.setdefault("fmt", FORMATS[idx % len(FORMATS)] if kind == "input" else "rules")
            return res
        _SAMPLES.clear()
        if limits:
            signal.alarm(self.opts.timeout)
        try:
            status, codes = (self.run_input if kind == "input" else self.run_rule)(case, folder)
            res.update(status=status, codes=codes)
        except Timeout as e:
            # Where the alarm found it, twice: the loop that never ends, or the work that grows too fast.
            stacks = getattr(e, "stacks", None)
            frame = _blame(stacks) if stacks else "(timeout)"
            inner = stacks[0] if stacks else []
            start = next((i for i, f in enumerate(inner) if f.name in ("run_input", "run_rule")), 0)
            text = "".join(traceback.format_list(inner[start:])) if stacks else ""
            res.update(status="failed", restart=True, error={
                "type": "Timeout", "message": f"no answer within {self.opts.timeout} s", "frame": frame,
                "perfrules_frame": frame, "traceback": f"stack at the timeout:\n{text}"})
        except MemoryError as e:
            res.update(status="failed", error=describe(e), restart=True)
            res["error"]["type"] = "MemoryError"
        except BaseException as e:  # noqa: BLE001 - anything else is what we are looking for
            if isinstance(e, KeyboardInterrupt):
                raise
            d = describe(e)
            # Raised by this script itself (a perfrules API it calls changed): the fuzzer's bug.
            mine = not isinstance(e, Failure) and d["frame"].startswith("bench/fuzz.py")
            res.update(status="harness" if mine else "failed", error=d)
            if isinstance(e, RecursionError):
                res["restart"] = True
        finally:
            if limits:
                signal.setitimer(signal.ITIMER_REAL, 0)
            shutil.rmtree(folder, ignore_errors=True)
            res["seconds"] = round(time.perf_counter() - t0, 4)
            res["sets"] = self.sets
        if self.anomalies:
            res["anomalies"] = self.anomalies
        return res


# =============================================================================================
# workers and the parent
# =============================================================================================

def worker_main(conn, wid: int, corpus: Corpus, opts) -> None:
    import warnings
    warnings.simplefilter("ignore")  # openpyxl and zipfile talk about what they are given
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, _alarm)
    if opts.mem_mb:
        limit = opts.mem_mb << 20
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    tmp = Path(tempfile.mkdtemp(prefix=f"perfrules-fuzz-w{wid}-"))
    runner = Runner(corpus, opts)
    try:
        while True:
            task = conn.recv()
            if task is None:
                break
            res = runner.execute(*task, tmp)
            conn.send(res)
            if res.get("restart"):
                break
    except (EOFError, KeyboardInterrupt, BrokenPipeError):
        pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class Worker:
    def __init__(self, wid: int, corpus: Corpus, opts, ctx):
        self.wid = wid
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=worker_main, args=(child, wid, corpus, opts), daemon=True)
        self.proc.start()
        child.close()
        self.task: tuple | None = None
        self.started = 0.0

    def send(self, task) -> None:
        self.task, self.started = task, time.monotonic()
        self.conn.send(task)

    def stop(self, kill: bool = False) -> None:
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)
        else:
            with contextlib.suppress(OSError, BrokenPipeError):
                self.conn.send(None)
        self.proc.join(5)
        if self.proc.is_alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.join()
        self.conn.close()


def run_tasks(tasks: list[tuple[str, int]], corpus: Corpus, opts, results: dict, label: str) -> float:
    """Every task on ``opts.jobs`` workers; results[(kind, idx)] filled; returns wall seconds."""
    import multiprocessing as mp
    from multiprocessing.connection import wait
    ctx = mp.get_context("fork")
    t0 = time.monotonic()
    if opts.jobs == 0:  # in this process: the alarm, no memory limit (for profiling)
        import warnings
        warnings.simplefilter("ignore")
        signal.signal(signal.SIGALRM, _alarm)
        runner = Runner(corpus, opts)
        tmp = Path(tempfile.mkdtemp(prefix="perfrules-fuzz-inline-"))
        try:
            for kind, idx in tasks:
                results[(kind, idx)] = runner.execute(kind, idx, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return time.monotonic() - t0
    queue = list(reversed(tasks))
    workers = [Worker(i, corpus, opts, ctx) for i in range(max(1, min(opts.jobs, len(tasks) or 1)))]
    next_id = len(workers)
    hard = opts.timeout + opts.grace
    last = t0
    done = 0
    failed = 0

    def replace(w: Worker, kill: bool) -> Worker:
        nonlocal next_id
        w.stop(kill=kill)
        nw = Worker(next_id, corpus, opts, ctx)
        next_id += 1
        return nw

    try:
        for w in workers:
            if queue:
                w.send(queue.pop())
        while any(w.task for w in workers):
            busy = [w for w in workers if w.task]
            ready = wait([w.conn for w in busy], timeout=1.0)
            now = time.monotonic()
            for i, w in enumerate(workers):
                if not w.task:
                    continue
                res = None
                if w.conn in ready:
                    try:
                        res = w.conn.recv()
                    except (EOFError, OSError):
                        w.proc.join(1)
                        code = w.proc.exitcode
                        why = (f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}")
                        res = {"kind": w.task[0], "idx": w.task[1], "status": "failed", "restart": True,
                               "error": {"type": "WorkerDied", "message": f"the worker died ({why}): out of memory "
                                         "in C code, a crash of an extension, or os._exit", "frame": f"(worker {why})",
                                         "perfrules_frame": "-", "traceback": ""}}
                elif now - w.started > hard:
                    res = {"kind": w.task[0], "idx": w.task[1], "status": "failed", "restart": True, "kill": True,
                           "error": {"type": "Timeout", "message": f"no answer within {hard} s (the alarm did not "
                                     "interrupt it: stuck in C code); worker killed", "frame": "(hard timeout)",
                                     "perfrules_frame": "-", "traceback": ""}}
                if res is None:
                    continue
                res.setdefault("fmt", FORMATS[res["idx"] % len(FORMATS)] if res["kind"] == "input" else "rules")
                results[(res["kind"], res["idx"])] = res
                done += 1
                failed += res["status"] in ("failed", "harness")
                w.task = None
                if res.get("restart"):
                    w = workers[i] = replace(w, kill=bool(res.get("kill")) or not w.proc.is_alive())
                if queue:
                    w.send(queue.pop())
            if now - last > 10 and not opts.quiet:
                last = now
                rate = done / (now - t0)
                print(f"  {label}: {done}/{len(tasks)} ({rate:.1f}/s, {failed} failed, "
                      f"eta {((len(tasks) - done) / rate if rate else 0):.0f} s)", file=sys.stderr, flush=True)
    finally:
        for w in workers:
            w.stop(kill=bool(w.task))
    return time.monotonic() - t0


# =============================================================================================
# the report
# =============================================================================================

def summarise(results: dict, opts, times: dict) -> dict:
    by_fmt: dict[str, Counter] = defaultdict(Counter)
    codes: Counter = Counter()
    groups: dict[tuple, dict] = {}
    anomalies: dict[str, dict] = {}
    how: dict[str, Counter] = defaultdict(Counter)
    for (kind, idx) in sorted(results):
        res = results[(kind, idx)]
        fmt = res.get("fmt", "?")
        st = res["status"]
        by_fmt[fmt]["total"] += 1
        by_fmt[fmt][st] += 1
        by_fmt[fmt]["seconds"] += res.get("seconds", 0.0)
        by_fmt[fmt]["bytes"] += res.get("size", 0)
        by_fmt[fmt]["sets"] += res.get("sets", 0)
        how[fmt][f"{(res.get('how') or '?').split(':')[0]}:{st}"] += 1
        for c in res.get("codes") or []:
            codes[f"{kind}:{c}"] += 1
        for a in res.get("anomalies") or []:
            g = anomalies.setdefault(a.split(":")[0], {"count": 0, "example": None, "cases": []})
            g["count"] += 1
            if len(g["cases"]) < 10:
                g["cases"].append(f"{kind}:{idx}")
        if st in ("failed", "harness"):
            err = res["error"]
            key = (("HarnessError:" if st == "harness" else "") + err["type"], err["frame"])
            g = groups.setdefault(key, {"type": key[0], "frame": key[1], "count": 0, "formats": Counter(),
                                        "perfrules_frames": Counter(), "message": err["message"],
                                        "cases": [], "traceback": err.get("traceback", "")})
            g["count"] += 1
            g["formats"][fmt] += 1
            g["perfrules_frames"][err.get("perfrules_frame", "-")] += 1
            if len(g["cases"]) < 50:
                g["cases"].append(f"{kind}:{idx}")
    failures = sorted(groups.values(), key=lambda g: (-g["count"], g["type"], g["frame"]))
    n_inputs = sum(1 for k in results if k[0] == "input")
    n_rules = len(results) - n_inputs
    return {
        "seed": opts.seed, "inputs": n_inputs, "rules": n_rules, "jobs": opts.jobs,
        "limits": {"timeout_s": opts.timeout, "grace_s": opts.grace, "mem_mb": opts.mem_mb},
        "packs": list(opts.packs), "cli_every": opts.cli_every,
        "seconds": {k: round(v, 1) for k, v in times.items()},
        "inputs_per_s": round(n_inputs / times["inputs"], 2) if times.get("inputs") else None,
        "rules_per_s": round(n_rules / times["rules"], 2) if times.get("rules") else None,
        "by_format": {f: {**c, "seconds": round(c["seconds"], 1)} for f, c in sorted(by_fmt.items())},
        "slowest": [{"case": f"{r['kind']}:{r['idx']}", "fmt": r.get("fmt"), "how": r.get("how"),
                     "bytes": r.get("size"), "seconds": r.get("seconds"), "status": r["status"]}
                    for r in sorted(results.values(), key=lambda r: -(r.get("seconds") or 0))[:10]],
        "by_strategy": {f: dict(sorted(c.items())) for f, c in sorted(how.items())},
        "refusal_codes": dict(codes.most_common()),
        "failures": [{**g, "formats": dict(g["formats"]), "perfrules_frames": dict(g["perfrules_frames"].most_common())}
                     for g in failures],
        "failed": sum(g["count"] for g in failures),
        "anomalies": anomalies,
    }


def save_examples(report: dict, corpus: Corpus, opts) -> None:
    """The first few reproducing cases of each failure group, with traceback and commands."""
    FAIL_DIR.mkdir(parents=True, exist_ok=True)
    for gi, g in enumerate(report["failures"]):
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{g['type']}-{g['frame']}")[:90]
        g["examples"] = []
        for case_id in g["cases"][:EXAMPLES_PER_GROUP]:
            kind, idx = case_id.split(":")
            case = make_case(corpus, opts.seed, kind, int(idx))
            d = FAIL_DIR / f"s{opts.seed}" / f"{gi:02d}-{slug}" / f"{kind}-{idx}"
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir(parents=True)
            for name, data in case.files:
                (d / name).parent.mkdir(parents=True, exist_ok=True)
                (d / name).write_bytes(data)
            rel = d.relative_to(ROOT)
            if kind == "input":
                main = rel / case.files[0][0]
                packs = " ".join(f"-p {p}" for p in opts.packs)
                cmd = f".venv/bin/perfrules check '{main}' {packs} --format jsonl"
            else:
                cmd = f".venv/bin/perfrules compile '{rel / case.target}'"
            (d / "FAILURE.txt").write_text(
                f"{g['type']} at {g['frame']} (innermost perfrules frame: {next(iter(g['perfrules_frames']))})\n"
                f"case {case_id} of seed {opts.seed}, made by {case.how}, format {case.fmt}\n\n"
                f"reproduce:\n  .venv/bin/python bench/fuzz.py --seed {opts.seed} --replay {case_id}\n  {cmd}\n\n"
                f"{g['traceback']}\n", encoding="utf-8", errors="backslashreplace")
            g["examples"].append(str(rel / case.files[0][0]) if kind == "input" else str(rel / (case.target or "")))
        if opts.recheck_timeouts and g["type"] == "Timeout" and g["cases"]:
            g["alone"] = recheck(g["cases"][0], opts)


def recheck(case_id: str, opts) -> str:
    """How long a timed-out case takes alone, in a fresh process (a loop that never ends,
    or work that is only slow, or slow because the machine was busy)."""
    import subprocess
    t0 = time.monotonic()
    try:
        p = subprocess.run([sys.executable, __file__, "--seed", str(opts.seed), "--replay", case_id, "--quiet",
                            "--packs", ",".join(opts.packs), "--timeout", str(opts.recheck_timeouts)],
                           capture_output=True, text=True, timeout=opts.recheck_timeouts + 60, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return f"no answer after {opts.recheck_timeouts + 60} s alone (stuck in C code?)"
    line = next((ln for ln in p.stdout.splitlines() if ln.startswith("{")), "{}")
    r = json.loads(line)
    if r.get("status") == "failed" and "Timeout" in p.stdout:
        return f"still running after {opts.recheck_timeouts} s alone"
    return f"{r.get('seconds')} s alone ({time.monotonic() - t0:.1f} s with start-up), status {r.get('status')}"


def print_summary(rep: dict) -> None:
    p = print
    p(f"\nperfrules fuzz: seed {rep['seed']}, {rep['inputs']} inputs, {rep['rules']} rule files, "
      f"{rep['jobs']} workers, limits {rep['limits']['timeout_s']} s / {rep['limits']['mem_mb']} MB")
    secs = rep["seconds"]
    if rep["inputs"]:
        p(f"  inputs: {secs.get('inputs', 0)} s = {rep['inputs_per_s']} inputs/s")
    if rep["rules"]:
        p(f"  rules:  {secs.get('rules', 0)} s = {rep['rules_per_s']} rule files/s")
    p("\n  (ok: everything read and checked; refused: a PerfrulesError for at least one file or record;"
      "\n   sets: indicator sets read, checked and rendered; rules: sets = packs that compiled and ran)")
    p("\n  by format         total       ok  refused   failed     sets   ms/case  KB/case")
    for f, c in rep["by_format"].items():
        n = c.get("total", 0) or 1
        p(f"  {f:<14} {c.get('total', 0):>8} {c.get('ok', 0):>8} {c.get('refused', 0):>8} "
          f"{c.get('failed', 0) + c.get('harness', 0):>8} {c.get('sets', 0):>8} {1000 * c.get('seconds', 0) / n:>9.0f} "
          f"{c.get('bytes', 0) / n / 1024:>8.1f}")
    p("  slowest: " + ", ".join(f"{x['case']} {x['seconds']} s ({x['fmt']}, {x['how']}, {x['bytes']} B)"
                                for x in rep["slowest"][:5]))
    if rep["refusal_codes"]:
        p("\n  clean refusals by code: " + ", ".join(f"{k} {v}" for k, v in rep["refusal_codes"].items()))
    if rep["anomalies"]:
        p("\n  anomalies (not failures):")
        for k, a in rep["anomalies"].items():
            p(f"    {a['count']:>6}  {k}  e.g. {', '.join(a['cases'][:3])}")
    if not rep["failures"]:
        p("\n  no failures: every input and rule file was read, or refused with a PerfrulesError")
        return
    p(f"\n  {rep['failed']} failures in {len(rep['failures'])} groups (type @ innermost frame):")
    for g in rep["failures"]:
        p(f"\n  [{g['count']}] {g['type']} @ {g['frame']}")
        p(f"      message: {g['message'][:200]!r}")
        p(f"      formats: {', '.join(f'{k} {v}' for k, v in g['formats'].items())}")
        p("      perfrules frames: " + "; ".join(f"{k} ({v})" for k, v in list(g["perfrules_frames"].items())[:4]))
        if g.get("examples"):
            p(f"      example: {g['examples'][0]}")
        if g.get("alone"):
            p(f"      alone: {g['alone']}")
        p(f"      replay: bench/fuzz.py --seed {rep['seed']} --replay {g['cases'][0]}")


# =============================================================================================
# main
# =============================================================================================

def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--inputs", type=int, default=1000, help="generated inputs (spread over the formats)")
    ap.add_argument("--rules", type=int, default=100, help="generated rule files")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="worker processes (fork); 0: in this process, without the memory limit")
    ap.add_argument("--out", help="write the report as JSON to this file")
    ap.add_argument("--timeout", type=int, default=10, help="seconds per case (SIGALRM)")
    ap.add_argument("--grace", type=int, default=20, help="seconds after the alarm before a worker is killed")
    ap.add_argument("--mem-mb", type=int, default=1024, help="address-space limit per worker (RLIMIT_AS)")
    ap.add_argument("--packs", default=",".join(DEFAULT_PACKS), help="packs the inputs run against")
    ap.add_argument("--cli-every", type=int, default=25,
                    help="also run `perfrules check` in process on every Nth input (0: never)")
    ap.add_argument("--formats", default=",".join(FORMATS), help="only these input formats")
    ap.add_argument("--keep-containment", action="store_true",
                    help="let the pipeline contain unforeseen exceptions as E900 records (judged from the "
                         "record's text) instead of raising them here with their traceback")
    ap.add_argument("--replay", metavar="KIND:K", help="run one case here (input:K or rule:K) and print its traceback")
    ap.add_argument("--no-save", action="store_true", help="do not write bench/fuzz-failures/")
    ap.add_argument("--recheck-timeouts", type=int, default=0, metavar="S",
                    help="run the first case of each timeout group again alone, for up to S seconds")
    ap.add_argument("--no-parse-cache", action="store_true",
                    help="parse every rule file every time (default: a parse cache private to the run)")
    ap.add_argument("--quiet", action="store_true")
    opts = ap.parse_args(argv)
    opts.packs = tuple(p for p in opts.packs.split(",") if p)
    return opts


def main(argv=None) -> int:
    opts = parse_args(argv)
    # The parse cache in a folder of this run's own (never the user's): the pack files a rule
    # case leaves unchanged are parsed once per worker; --no-parse-cache parses every file.
    run_dir = Path(tempfile.mkdtemp(prefix="perfrules-fuzz-run-"))
    os.environ["PERFRULES_CACHE_DIR"] = "" if opts.no_parse_cache else str(run_dir / "parse-cache")
    try:
        return _main(opts)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def _main(opts) -> int:
    os.environ.setdefault("CI", "1")         # no progress bars from `perfrules check`
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    t0 = time.monotonic()
    corpus = Corpus(opts.packs)
    corpus.compile()
    if not opts.quiet:
        print(f"seeds ready in {time.monotonic() - t0:.1f} s: {len(corpus.yaml_seeds)} YAML, {len(corpus.docs)} documents, "
              f"{len(corpus.csv_seeds)} CSV, {len(corpus.xlsx_seeds)} XLSX, {len(corpus.forms)} printed forms, "
              f"{len(corpus.packs)} packs", file=sys.stderr)
    if opts.replay:
        kind, _, k = opts.replay.partition(":")
        case = make_case(corpus, opts.seed, kind, int(k))
        print(f"{opts.replay}: {case.fmt}, made by {case.how}, files {[n for n, _ in case.files]}")
        runner = Runner(corpus, opts)
        tmp = Path(tempfile.mkdtemp(prefix="perfrules-fuzz-replay-"))
        signal.signal(signal.SIGALRM, _alarm)  # --timeout applies (no memory limit here)
        try:
            res = runner.execute(kind, int(k), tmp, limits=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        err = res.pop("error", None)
        print(json.dumps(res, ensure_ascii=False))
        if err:
            print(err["traceback"] or err["message"])
        return 1 if res["status"] in ("failed", "harness") else 0
    fmts = tuple(f for f in opts.formats.split(",") if f)
    results: dict = {}
    times: dict = {"setup": time.monotonic() - t0}
    tasks = [("input", i) for i in range(opts.inputs) if FORMATS[i % len(FORMATS)] in fmts]
    if tasks:
        corpus.bomb()  # built once here, shared by the forked workers
    if tasks:
        times["inputs"] = run_tasks(tasks, corpus, opts, results, "inputs")
    if opts.rules:
        times["rules"] = run_tasks([("rule", i) for i in range(opts.rules)], corpus, opts, results, "rules")
    rep = summarise(results, opts, times)
    if rep["failures"] and not opts.no_save:
        save_examples(rep, corpus, opts)
    print_summary(rep)
    if opts.out:
        for g in rep["failures"]:
            g["traceback"] = g["traceback"][-3000:]
        Path(opts.out).write_text(json.dumps(rep, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 1 if rep["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
