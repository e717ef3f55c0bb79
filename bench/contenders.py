"""The non-perfrules contenders of bench/run.py, each a whole program from JSON Lines to findings.

    python bench/contenders.py NAME DATA.jsonl VOCAB.json OUT

NAME is one of

  handwritten  the fair hand-written baseline: each line decoded by orjson into dicts, the nine
               core rules as one plain Python loop over the rows, with perfrules' own value
               reader (``read_value``, ``is_met``, ``peak_rate``) and synonym table;
  flat-python  decodes the same way, pre-computes per row the verdicts the peer engines need
               (``flatten``), then evaluates the nine rules in plain Python on that flat input;
  zen          the same decoding and pre-computation, then one zen-engine expression per project;
  cel          the same, then one CEL (common-expression-language) program per project.

flat-python, zen and cel share ``flatten``, so what zen or CEL add over flat-python is the
engine's own evaluation. Every program writes one line per finding, ``[line, rule, row]``
(line: the project's 1-based line in DATA; row: the 0-based row of 绩效指标, or null for a
project-level finding) and prints on stderr, as its last line, one JSON object of its phase
times (``{"phases": {...}}``, seconds of ``time.perf_counter``).

VOCAB.json holds the word lists, synonyms and vague/state words of the core pack (written by
run.py from the compiled pack, so all contenders use perfrules' own vocabulary). It is the
only thing handed over: every contender reads the raw file itself.
"""

from __future__ import annotations

import json
import sys
import time
from decimal import Decimal

BLANK = ("", "/", "-", "—", "无")
CORE = ("N-01", "N-02", "N-03", "N-04", "N-05", "N-06", "N-09", "N-10", "N-12")


def vocab_of(env) -> dict:
    """The core rules' vocabulary from a compiled pack's env, as plain JSON data."""
    from perfrules.data.categories import clean
    syn = env.synonyms.canonical
    return {
        "synonyms": sorted(env.synonyms.items()),
        # None: the reader's defaults (a pack without a 模糊用语/状态用语 list)
        "vague_words": None if env.vague_words is None else sorted(env.vague_words),
        "state_words": None if env.state_words is None else sorted(env.state_words),
        "mgmt": [clean(w) for w in env.wordlists["管理类用语"]],
        "budget": [clean(w) for w in env.wordlists["预算执行用语"]],
        "env_words": [clean(w) for w in env.wordlists["环境关键词"]],
        "eco": syn("生态效益"), "it_ops": syn("信息化运维"),
    }


class Vocab:
    """VOCAB.json ready to use: the synonym lookup, the reader's word sets, the word lists."""

    def __init__(self, data: dict):
        from perfrules.data.categories import Synonyms
        self.syn = Synonyms(dict(data["synonyms"])).canonical
        self.vague = None if data["vague_words"] is None else frozenset(data["vague_words"])
        self.state = None if data["state_words"] is None else frozenset(data["state_words"])
        self.mgmt = tuple(data["mgmt"])
        self.budget = tuple(data["budget"])
        self.env_words = tuple(data["env_words"])
        self.eco = data["eco"]
        self.it_ops = data["it_ops"]
        self.data = data


def _text(v) -> str | None:
    return v if v is None or isinstance(v, str) else str(v)


# ---- the fair hand-written baseline ----------------------------------------------------------

def handwritten_check(vocab: Vocab):
    """check(project dict) → [(rule, row or None)]: the nine core rules in one pass over the
    rows, reading each 指标值/实际完成值 once with perfrules' reader."""
    from perfrules.data.categories import LEVEL1, LEVEL2, clean
    from perfrules.data.values import is_met, peak_rate, read_value
    syn, vague, state = vocab.syn, vocab.vague, vocab.state
    mgmt, budget_words, env_words = vocab.mgmt, vocab.budget, vocab.env_words
    eco, it_ops = vocab.eco, vocab.it_ops
    blank = frozenset(BLANK)
    over = Decimal("1.5")

    def check(d: dict) -> list:
        out = []
        p = d.get("项目") or {}
        cats = p.get("类别") or []
        if isinstance(cats, str):
            cats = [cats]
        it = it_ops in {syn(c) or c for c in cats}
        self_eval = d.get("阶段") == "自评"
        has_l1 = has_out = has_ben = has_sat = no_method = False
        for i, row in enumerate(d.get("绩效指标") or ()):
            l1 = syn(_text(row.get("一级指标")))
            if l1 not in LEVEL1:
                l1 = LEVEL2.get(l1, l1)
            name = _text(row.get("三级指标"))
            if name is None or name.strip() in blank:                                   # N-01
                out.append(("N-01", i))
            t = read_value(row.get("指标值"), vague_words=vague, state_words=state)
            if not t.measurable:                                                         # N-02
                out.append(("N-02", i))
            cname = clean(name or "")
            if ((l1 in ("产出指标", "效益指标") or l1 is None or l1.strip() in blank)            # N-03
                    and any(w in cname for w in mgmt) and not any(w in cname for w in budget_words)):
                out.append(("N-03", i))
            method = _text(row.get("计算方法"))
            if it and eco in (l1, syn(_text(row.get("二级指标")))):                        # N-04
                m = clean(method or "")
                if not any(w in m for w in env_words):
                    out.append(("N-04", i))
            if l1 is not None and l1.strip() not in blank:
                has_l1 = True
            has_out |= l1 == "产出指标"
            has_ben |= l1 == "效益指标"
            has_sat |= l1 == "满意度指标"
            no_method |= t.quantified and (method is None or method.strip() in blank)
            actual = row.get("实际完成值")
            if actual is not None:
                a = read_value(actual, vague_words=vague, state_words=state)
                if not a.empty and is_met(t, a) is False and not self_eval:              # N-10
                    out.append(("N-10", i))
                rate = peak_rate(t, a)
                dev = _text(row.get("偏差原因"))
                no_reason = dev is None or dev.strip() in blank
                if rate is not None and rate > over and not (self_eval and no_reason):    # N-12
                    out.append(("N-12", i))
        if has_l1 and not (has_out and has_ben):                                         # N-05
            out.append(("N-05", None))
        if has_l1 and not has_sat:                                                       # N-06
            out.append(("N-06", None))
        if no_method:                                                                    # N-09 (once a table)
            out.append(("N-09", None))
        return out
    return check


# ---- the peers' input: the verdicts pre-computed per row ----------------------------------------

def flattener(vocab: Vocab):
    """flatten(project dict) → the plain data every peer evaluates: per row the synonym-
    normalised 一级/二级, the cleaned name and 计算方法, and the value reader's verdicts
    (可衡量, 量化, 达标 as 1/0/−1, 最高完成率 as a float or −1, whether an actual is given)."""
    from perfrules.data.categories import LEVEL1, LEVEL2, clean
    from perfrules.data.values import is_met, peak_rate, read_value
    syn, vague, state = vocab.syn, vocab.vague, vocab.state

    def flatten(d: dict) -> dict:
        inds = []
        for i, row in enumerate(d.get("绩效指标") or ()):
            l1 = syn(_text(row.get("一级指标")))
            if l1 not in LEVEL1:
                l1 = LEVEL2.get(l1, l1)
            t = read_value(row.get("指标值"), vague_words=vague, state_words=state)
            actual = row.get("实际完成值")
            a = read_value(actual, vague_words=vague, state_words=state)
            met = is_met(t, a)
            rate = peak_rate(t, a)
            dev = _text(row.get("偏差原因"))
            name = _text(row.get("三级指标"))
            inds.append({"i": i, "name": clean(name) if name else "", "cname": clean(name or ""),
                         "l1": l1 or "", "l2": syn(_text(row.get("二级指标"))) or "",
                         "method": clean(_text(row.get("计算方法")) or ""),
                         "measurable": t.measurable, "quantified": t.quantified,
                         "has_actual": actual is not None and not a.empty,
                         "met": -1 if met is None else int(met),
                         "completion": -1.0 if rate is None else float(rate),
                         "no_reason": dev is None or dev.strip() in BLANK})
        cats = (d.get("项目") or {}).get("类别") or []
        if isinstance(cats, str):
            cats = [cats]
        return {"cats": sorted({syn(c) or c for c in cats}), "stage": d.get("阶段") or "", "inds": inds}
    return flatten


def flat_python_check(vocab: Vocab):
    """The nine rules in plain Python on flatten()'s output: what the peers evaluate."""
    mgmt, budget, env_words, eco, it_ops = vocab.mgmt, vocab.budget, vocab.env_words, vocab.eco, vocab.it_ops

    def check(f: dict) -> list:
        out = []
        it = it_ops in f["cats"]
        self_eval = f["stage"] == "自评"
        has_l1 = has_out = has_ben = has_sat = no_method = False
        for x in f["inds"]:
            i, l1 = x["i"], x["l1"]
            if x["name"] in BLANK:
                out.append(("N-01", i))
            if not x["measurable"]:
                out.append(("N-02", i))
            cname = x["cname"]
            if ((l1 == "产出指标" or l1 == "效益指标" or l1 in BLANK) and any(k in cname for k in mgmt)
                    and not any(k in cname for k in budget)):
                out.append(("N-03", i))
            if it and (l1 == eco or x["l2"] == eco) and not any(k in x["method"] for k in env_words):
                out.append(("N-04", i))
            has_l1 |= l1 not in BLANK
            has_out |= l1 == "产出指标"
            has_ben |= l1 == "效益指标"
            has_sat |= l1 == "满意度指标"
            no_method |= x["quantified"] and x["method"] in BLANK
            if not self_eval and x["has_actual"] and x["met"] == 0:
                out.append(("N-10", i))
            if x["completion"] > 1.5 and not (self_eval and x["no_reason"]):
                out.append(("N-12", i))
        if has_l1 and not (has_out and has_ben):
            out.append(("N-05", None))
        if has_l1 and not has_sat:
            out.append(("N-06", None))
        if no_method:
            out.append(("N-09", None))
        return out
    return check


# ---- the peer engines ----------------------------------------------------------------------------

def _lit(words) -> str:
    return "[" + ", ".join(json.dumps(w, ensure_ascii=False) for w in words) + "]"


def cel_expression(vocab: Vocab) -> str:
    """The nine rules as one CEL expression: a map rule → fired row indices (or a bool)."""
    blank = _lit(BLANK)
    eco = json.dumps(vocab.eco, ensure_ascii=False)
    return f"""{{
  "N-01": inds.filter(x, x.name in {blank}).map(x, x.i),
  "N-02": inds.filter(x, !x.measurable).map(x, x.i),
  "N-03": inds.filter(x, (x.l1 in ["产出指标", "效益指标"] || x.l1 in {blank})
                         && {_lit(vocab.mgmt)}.exists(k, x.cname.contains(k))
                         && !{_lit(vocab.budget)}.exists(k, x.cname.contains(k))).map(x, x.i),
  "N-04": {json.dumps(vocab.it_ops, ensure_ascii=False)} in cats
          ? inds.filter(x, (x.l1 == {eco} || x.l2 == {eco})
                           && !{_lit(vocab.env_words)}.exists(k, x.method.contains(k))).map(x, x.i)
          : [],
  "N-05": inds.exists(x, !(x.l1 in {blank}))
          && !(inds.exists(x, x.l1 == "产出指标") && inds.exists(x, x.l1 == "效益指标")),
  "N-06": inds.exists(x, !(x.l1 in {blank})) && !inds.exists(x, x.l1 == "满意度指标"),
  "N-09": inds.exists(x, x.quantified && x.method in {blank}),
  "N-10": stage == "自评" ? [] : inds.filter(x, x.has_actual && x.met == 0).map(x, x.i),
  "N-12": inds.filter(x, x.completion > 1.5 && !(stage == "自评" && x.no_reason)).map(x, x.i)
}}"""


def zen_expression(vocab: Vocab) -> str:
    """The same in the GoRules zen expression language (``#`` is the current element; a
    nested closure cannot see the outer one, so the keyword tests are spelt out)."""
    def any_of(field, words):
        return " or ".join(f"contains(#.{field}, {json.dumps(w, ensure_ascii=False)})" for w in words)
    blank = _lit(BLANK)
    eco = json.dumps(vocab.eco, ensure_ascii=False)
    return f"""{{
  "N-01": map(filter(inds, #.name in {blank}), #.i),
  "N-02": map(filter(inds, not #.measurable), #.i),
  "N-03": map(filter(inds, (#.l1 in ["产出指标", "效益指标"] or #.l1 in {blank}) and ({any_of("cname", vocab.mgmt)})
                           and not ({any_of("cname", vocab.budget)})), #.i),
  "N-04": {json.dumps(vocab.it_ops, ensure_ascii=False)} in cats
          ? map(filter(inds, (#.l1 == {eco} or #.l2 == {eco}) and not ({any_of("method", vocab.env_words)})), #.i)
          : [],
  "N-05": some(inds, not (#.l1 in {blank}))
          and not (some(inds, #.l1 == "产出指标") and some(inds, #.l1 == "效益指标")),
  "N-06": some(inds, not (#.l1 in {blank})) and not some(inds, #.l1 == "满意度指标"),
  "N-09": some(inds, #.quantified and #.method in {blank}),
  "N-10": stage == "自评" ? [] : map(filter(inds, #.has_actual and #.met == 0), #.i),
  "N-12": stage == "自评" ? map(filter(inds, #.completion > 1.5 and not #.no_reason), #.i)
          : map(filter(inds, #.completion > 1.5), #.i)
}}"""


def _fired(result: dict) -> list:
    """A peer's result map → [(rule, row or None)]."""
    out = []
    for rule, v in result.items():
        if v is True:
            out.append((rule, None))
        elif v and v is not False:
            out.extend((rule, int(i)) for i in v)
    return out


def peer_evaluator(name: str, vocab: Vocab):
    """evaluate(flat project) → [(rule, row or None)] for zen or cel; None when not installed.
    Each is given its input in the form measured fastest on the bench data: zen a dict (the
    same speed as a JSON string, without encoding one), CEL a dict (a ``cel.Context`` built
    per project costs more than it saves when each is evaluated once)."""
    if name == "zen":
        try:
            import zen
        except ImportError:
            return None
        ev = zen.compile_expression(zen_expression(vocab)).evaluate
        return lambda f: _fired(ev(f))
    if name == "cel":
        try:
            import cel
        except ImportError:
            return None
        ex = cel.compile(cel_expression(vocab)).execute
        return lambda f: _fired(ex(f))
    raise ValueError(name)


NAMES = ("handwritten", "flat-python", "zen", "cel")


def available(name: str) -> bool:
    import importlib.util
    module = {"zen": "zen", "cel": "cel"}.get(name)
    return module is None or importlib.util.find_spec(module) is not None


# ---- the program --------------------------------------------------------------------------------

def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 4 or argv[0] not in NAMES:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    name, data, vocab_path, out_path = argv
    t_start = time.perf_counter()
    import orjson
    with open(vocab_path, "rb") as fh:
        vocab = Vocab(orjson.loads(fh.read()))
    if name == "handwritten":
        check, flatten = handwritten_check(vocab), None
    else:
        flatten = flattener(vocab)
        check = flat_python_check(vocab) if name == "flat-python" else peer_evaluator(name, vocab)
        if check is None:
            print(f"{name}: not installed", file=sys.stderr)
            return 3
    loads, dumps = orjson.loads, orjson.dumps
    clock = time.perf_counter
    ph = {"start-up": clock() - t_start, "decode": 0.0, "pre-compute": 0.0, "rules": 0.0, "write": 0.0}
    projects = 0
    with open(data, "rb") as fh, open(out_path, "wb") as out:
        for no, line in enumerate(fh, 1):
            t0 = clock()
            if not line.strip():
                continue
            d = loads(line)
            t1 = clock()
            if flatten is not None:
                d = flatten(d)
            t2 = clock()
            found = check(d)
            t3 = clock()
            out.write(b"".join(dumps((no, rule, row)) + b"\n" for rule, row in found))
            t4 = clock()
            ph["decode"] += t1 - t0
            ph["pre-compute"] += t2 - t1
            ph["rules"] += t3 - t2
            ph["write"] += t4 - t3
            projects += 1
    ph["total"] = clock() - t_start
    print(json.dumps({"phases": ph, "projects": projects}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
