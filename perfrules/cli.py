"""The ``perfrules`` command. Heavy imports happen inside commands so ``--help`` is instant."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import ErrorGroup, Errors, PerfrulesError, UsageError
from .report.formats import NAMES as FORMATS  # table, md, json, jsonl, html, xlsx
from .severity import NAMES as FAIL_ON  # veto … info


def echo(text: str, **kw) -> None:
    """click.echo with text from inputs and rule files made printable (no terminal escapes),
    in what the console's encoding can hold (outputs.console_text: − as - on a GBK console)."""
    from .outputs import console_text
    from .report.terminal import printable
    stream = kw.get("file") or (sys.stderr if kw.get("err") else sys.stdout)
    click.echo(console_text(printable(text), stream), **kw)


def _die(e: PerfrulesError) -> None:
    echo(e.render(), err=True)
    sys.exit(2)


def write_atomic(path: str, text: str) -> None:
    from .outputs import write_atomic as write
    write(path, text)


def load_packs(specs: tuple[str, ...]):
    from .pipeline import load_packs as load
    return load(specs)


class _Contained(click.Group):
    """Every command ends in an exit code and a message, never a traceback: a user's mistake
    is exit 2 with its message; an exception perfrules did not foresee is exit 2 with an
    internal-error message (E900) naming it (``PERFRULES_DEBUG=1`` re-raises it)."""

    def main(self, args=None, *rest, **kwargs):
        from .outputs import console_errors
        for stream in (sys.stdout, sys.stderr):  # click's own help and usage text too: never a crash
            console_errors(stream)
        self.argv = list(sys.argv[1:] if args is None else args)
        return super().main(args, *rest, **kwargs)

    def invoke(self, ctx):
        import warnings
        with warnings.catch_warnings():
            _notes_on_stderr(warnings)
            return self._invoke(ctx)

    def _invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.exceptions.UsageError as e:  # an option click refuses (--fail-on bogus): said as usual,
            _json_usage_error(getattr(self, "argv", []), e)  # and as JSON where JSON was asked for
            raise
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except PerfrulesError as e:
            _die(e)
        except Exception as e:  # noqa: BLE001
            from .errors import InternalError
            if InternalError.debugging():
                raise
            _die(InternalError.wrap(e))


def _json_usage_error(argv: list[str], e: click.exceptions.UsageError) -> None:
    """A command line that click refuses, with ``--format`` of a format programs read (json,
    jsonl, sarif, junit, github) and no ``-o``: its error on stdout in that format too, as a
    run that cannot start gives it."""
    fmt, output = None, False
    for k, a in enumerate(argv):
        if a == "--":
            break
        if a == "--format" and k + 1 < len(argv):
            fmt = argv[k + 1]
        elif a.startswith("--format="):
            fmt = a.partition("=")[2]
        elif a in ("-o", "--output") or a.startswith("--output=") or (a.startswith("-o") and len(a) > 2):
            output = True
    if fmt is not None and not output:
        from .batch import format_error
        msg = e.format_message()
        format_error(UsageError(f"命令行参数有误：{msg}", f"bad command line: {msg}",
                                hint=f"{e.ctx.command_path if e.ctx else 'perfrules'} --help"), fmt)


def _notes_on_stderr(warnings) -> None:
    """A rule file read as GB18030 (language.files.RuleFileEncodingWarning) is said on stderr,
    once per file and command, as ``file: 警告 …``; other warnings as Python shows them."""
    said: set[str] = set()
    previous = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if category.__name__ != "RuleFileEncodingWarning":  # the class is not imported: --help stays fast
            return previous(message, category, filename, lineno, file, line)
        text = f"{getattr(message, 'file', '')}: 警告 {message}"
        if text not in said:
            said.add(text)
            echo(text, err=True)

    warnings.showwarning = show
    warnings.filterwarnings("always", message="规则文件", category=UserWarning)  # each command says it


@click.group(cls=_Contained, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="perfrules")
def main() -> None:
    """perfrules: 预算绩效指标规则检查 (executable rules for budget-performance indicators)."""
    from .config import ignored_text, load
    config = load()
    config.apply()  # the configuration's pack_paths, for every command that names packs
    if config.ignored is not None:
        echo(ignored_text(config.ignored), err=True)


def _configured(packs, fmt, output, jobs, fail_on, strict):
    """check's options, those not given taken from the configuration (perfrules.config)."""
    from .config import load
    config = load({"packs": packs, "format": fmt, "jobs": jobs, "fail_on": fail_on, "strict": strict})
    return (config.pack_specs(), config.format_for(output), config["jobs"], config["fail_on"],
            config["strict"])


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-p", "--pack", "packs", multiple=True, help="规则包名称或路径 (pack name or folder); 可多次")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="输出格式，默认按 -o 的扩展名，否则 table (output format; default: from -o's extension, else table)")
@click.option("-o", "--output", type=click.Path(),
              help="写入文件 (write to a file; whole or not at all, jsonl line by line); "
                   "html 可写入文件夹，每个项目一页 (html: a folder, a page per project)")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="并行进程数，默认 1 (worker processes; default 1)")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="达到此级别即以 1 退出，默认 error (exit 1 at or above this severity; default error)")
@click.option("--show-na", is_flag=True, help="表格中列出不适用项 (list not-applicable outcomes)")
@click.option("--strict/--no-strict", default=None,
              help="有未读取的内容或跳过的文件时以 2 退出 (exit 2 if any content was left unread)")
@click.option("--annotate", type=click.Path(), metavar="FILE.xlsx|DIR/",
              help="另存一份标注副本：每项发现作为批注写在其单元格上，按级别着色，原数据不变 "
                   "(write a copy of each input workbook with every finding as a comment on its cell)")
@click.option("--select", "select", multiple=True, metavar="ID[,ID…]",
              help="只运行这些规则（编号，或以 * 结尾的前缀如 'RC-*'；可多次，可用逗号分隔）"
                   "(run only these rules: ids, or prefixes ending in *; repeatable, comma-separated)")
@click.option("--ignore", "ignore", multiple=True, metavar="ID[,ID…]",
              help="不运行这些规则，如同规则包的 disable (leave these rules out, as a pack's disable does)")
@click.option("--stdin-name", metavar="NAME",
              help="输入为 - 时，标准输入在输出中的名称（默认 <stdin>）(the name of standard input in the output)")
@click.option("--scheduler", metavar="local:N|tcp://HOST:8786",
              help="分区后在 Dask 集群上检查（JSON Lines、Parquet 输入；jsonl、json、parquet 输出）"
                   "(check in partitions on a Dask cluster: pip install 'perfrules[cluster]'; docs/cluster.md)")
@click.option("--rollup", type=click.Path(), metavar="FILE.json|FILE.md",
              help="按主管部门、年度、规则汇总发现与等级，写入文件 (roll findings and grades up by department, "
                   "year and rule into FILE)")
@click.option("--partition-mb", type=click.FloatRange(min=0.001), default=None, metavar="MB",
              help="--scheduler/--rollup 每个分区的大小，默认 16 (the size of a partition, MB; default 16)")
@click.option("--engine", type=click.Choice(["auto", "row", "columnar"]), default="auto", show_default=True,
              help="JSON Lines 输入按列批量判断（需 polars），结果与逐行相同；auto 在 256 行以上时按列，row 逐行 "
                   "(JSON Lines records judged column-wise in batches, same results; auto: from 256 records when "
                   "polars is installed; row: the reference)")
def check(inputs, packs, fmt, output, jobs, fail_on, show_na, strict, annotate, select, ignore, stdin_name,
          scheduler, rollup, partition_mb, engine):
    """检查指标表 (validate indicator sets against packs); - 读取标准输入 (- reads standard input).

    未给出的选项取自配置文件与 PERFRULES_* 环境变量 (options not given come from
    .perfrules.toml / [tool.perfrules] and PERFRULES_* variables: perfrules config)."""
    from .batch import check_command
    packs, fmt, jobs, fail_on, strict = _configured(packs, fmt, output, jobs, fail_on, strict)
    try:
        code = check_command(inputs, packs, fmt, output, jobs, fail_on, show_na, strict, annotate,
                             select=_rule_ids(select), ignore=_rule_ids(ignore), stdin_name=stdin_name,
                             scheduler=scheduler, rollup=rollup, partition_mb=partition_mb, engine=engine)
    except KeyboardInterrupt:  # before the run started (compiling packs): nothing was written
        echo("已中断 (interrupted)", err=True)
        code = 130
    sys.exit(code)


def _rule_ids(values: tuple[str, ...]) -> tuple[str, ...]:
    """--select/--ignore values: repeated, or comma-separated in one (``N-09,N-14``)."""
    return tuple(dict.fromkeys(x.strip() for v in values for x in v.replace("，", ",").split(",") if x.strip()))


@main.command()
@click.option("-p", "--pack", "packs", multiple=True,
              help="另外提供的规则包（名称或文件夹）；内置规则包总是可选 (extra packs offered besides the bundled ones)")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址；默认只有本机可以访问 (address to listen on; by default only this computer)")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--max-upload-mb", default=20, show_default=True, type=click.IntRange(min=1),
              help="每次上传的总大小上限 (upload size limit per request, MB)")
@click.option("--timeout", "timeout_s", default=60, show_default=True, type=click.IntRange(min=1),
              help="每次检查的时间上限（秒）(time limit per check, seconds)")
def serve(packs, host, port, max_upload_mb, timeout_s):
    """打开本机网页：上传表格，得到检查报告 (a local web page: upload forms, get the report)."""
    from .web import require
    require()
    from .web.app import serve as run
    run(host, port, packs, max_upload_mb=max_upload_mb, timeout_s=timeout_s)


@main.command("compile")
@click.argument("targets", nargs=-1, required=True)
def compile_cmd(targets):
    """编译规则文件或规则包，列出全部错误 (parse and compile; print every error)."""
    from .engine.packs import load_pack
    errors = Errors()
    for t in targets:
        if not _looks_like_pack(t):  # e.g. policies/__init__.py from a shell glob, as lint and test do
            echo(f"跳过「{t}」：不是规则包或规则文件 (skipped: not a pack)", err=True)
            continue
        with errors.caught():
            p = load_pack(t)
            n_rules, n_items = len(p.compiled.rules), len(p.compiled.items)
            echo(f"{t}: 通过 (ok) — {n_rules} 条规则, {n_items} 个评分项")
    if errors:
        _die(ErrorGroup.of(errors.errors))
    if all(not _looks_like_pack(t) for t in targets):  # nothing compiled is not a pass
        _die(UsageError("没有可编译的规则包或规则文件（.rules）", "no pack or rule file (.rules) to compile"))


def _looks_like_pack(spec: str) -> bool:
    """A bundled name, a ``*.rules`` file, or a folder with a manifest or rule files."""
    p = Path(spec)
    if not p.exists():
        return True  # a bundled name, or an error load_pack reports
    if p.is_file():
        return p.suffix == ".rules"
    return (p / "pack.yaml").is_file() or any(p.rglob("*.rules"))


@main.command("test")
@click.argument("packs", nargs=-1, required=True)
@click.option("--coverage", "show_coverage", is_flag=True,
              help="报告有触发与不触发用例的规则比例 (share of rules with both kinds of example)")
def test_cmd(packs, show_coverage):
    """运行规则包自带的用例 (run the examples that packs carry)."""
    from .authoring import tester
    passed = failed = 0
    try:
        for spec in packs:
            if not _looks_like_pack(spec):  # e.g. policies/__init__.py from a shell glob
                echo(f"跳过「{spec}」：不是规则包或规则文件 (skipped: not a pack)", err=True)
                continue
            pack = load_packs((spec,))[0]
            cases = list(tester.cases_of(pack))
            for case in cases:
                out = tester.run_case(pack, case)
                if out.ok:
                    passed += 1
                else:
                    failed += 1
                    echo(out.report() + "\n")
            cov = tester.coverage(pack, cases)
            missing_fire = [r for r in cov.rules if r not in cov.fires]
            missing_quiet = [r for r in cov.rules if r not in cov.quiet]
            echo(f"{pack.label}: {len(cases)} 个用例")
            if missing_fire:
                echo(f"  没有触发用例的规则 (no firing example): {', '.join(missing_fire)}")
            if missing_quiet:
                echo(f"  没有不触发用例的规则 (no non-firing example): {', '.join(missing_quiet)}")
            if show_coverage:
                echo(f"  覆盖率 (coverage): {cov.share:.0%} "
                           f"({len(cov.complete)}/{len(cov.rules)} 条规则同时有触发与不触发的用例)")
    except PerfrulesError as e:
        _die(e)
    echo(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("rule_id")
@click.option("-p", "--pack", "packs", multiple=True, help="在这些规则包中查找 (packs to search; default: bundled)")
def explain(rule_id, packs):
    """说明一条规则：原文、含义、依据、用例 (show a rule: text, meaning, basis, examples)."""
    from .authoring import tester
    from .engine.packs import bundled_names, load_pack
    from .authoring.catalogue import explain as render
    try:
        names = list(packs) or bundled_names()
        loaded = [load_pack(x) for x in names]
        for pack in loaded:
            rule = next((r for r in pack.compiled.rules if r.id == rule_id), None)
            if rule is None or not rule.source.startswith(_own_prefix(pack)):
                continue
            overrides = [f"{p.label}: {'停用' if rule_id in p.disabled else ''}"
                         f"{'严重程度改为 ' + r2.severity if (r2 := _rule(p, rule_id)) and r2.severity != rule.severity else ''}"
                         for p in loaded if p is not pack and (rule_id in p.disabled or
                                                                 (_rule(p, rule_id) and _rule(p, rule_id).severity != rule.severity))]
            echo(render(pack, rule, list(tester.cases_of(pack)), overrides), nl=False)
            return
        from .engine.reconcile import BUILTIN
        from .suggest import suggest_id
        if rule_id in BUILTIN:  # a check built into perfrules (RC-, SS-, WV-nn): no rule text
            echo(_builtin_text(rule_id, loaded), nl=False)
            return
        known = sorted({r.id for p in loaded for r in p.compiled.rules if not r.node.anonymous})
        close = suggest_id(rule_id, set(known) | set(BUILTIN))
        raise UsageError(f"找不到规则「{rule_id}」" + (f"，是否指「{close}」？" if close else ""),
                         f"no rule {rule_id}" + (f"; did you mean {close}?" if close else ""),
                         hint="可用: " + ", ".join(known) + "；内置检查 (built-in checks): " + ", ".join(BUILTIN))
    except PerfrulesError as e:
        _die(e)


def _rule(pack, rule_id):
    return next((r for r in pack.compiled.rules if r.id == rule_id), None)


def _builtin_text(rid: str, loaded) -> str:
    """`perfrules explain` for a built-in check: what it compares, its basis, and which of
    the packs switch it off or change its severity."""
    from .engine.reconcile import BASIS, BUILTIN, CHECKS, FIX
    from .engine.runner import builtin_severity
    zh, en = CHECKS[rid]
    lines = [f"{rid} {BUILTIN[rid]}（内置检查 built-in check）",
             f"检查 (checks): {zh} ({en})"]
    if rid in BASIS:
        lines.append(f"依据 (basis): {BASIS[rid]}")
    if rid in FIX:
        lines.append(f"建议 (fix): {FIX[rid]}")
    said = [f"  {p.label}: 停用 (off)" for p in loaded if rid in p.disabled]
    said += [f"  {p.label}: 严重程度改为 {sev}" for p in loaded if (sev := builtin_severity([p]).get(rid))]
    if said:
        lines += ["", "规则包中的设置 (set by packs):"] + said
    lines += ["", f"规则包可在 pack.yaml 中停用它或改它的严重程度 (a pack may switch it off or change its severity):",
              f"  disable: [{rid}]", f"  severity: {{{rid}: warning}}"]
    return "\n".join(lines) + "\n"


def _own_prefix(pack) -> str:
    """Rules are explained from the pack that defines them, not one that extends it."""
    own = pack.rule_files
    return own[0].rsplit("/", 1)[0] if own else ""


@main.command()
@click.argument("pack")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="写入此目录 (write into this folder)")
def docs(pack, out_dir):
    """生成规则包的 Markdown 目录 (write a Markdown catalogue of a pack)."""
    from .authoring import tester
    from .engine.packs import load_pack
    from .authoring.catalogue import catalogue, write
    try:
        p = load_pack(pack)
        text = catalogue(p, list(tester.cases_of(p)))
        target = write(p, text, out_dir)  # <name>.md inside out_dir, never elsewhere
    except PerfrulesError as e:
        _die(e)
        return
    echo(f"已写入 (written): {target}")


@main.command()
@click.argument("pack_a")
@click.argument("pack_b")
@click.argument("inputs", nargs=-1, required=True)
def diff(pack_a, pack_b, inputs):
    """比较两个规则包对同一批指标表的结论 (what changes between two packs)."""
    from . import pipeline
    from .report.diffs import compare, render
    try:
        pipeline.check_specs(inputs)
        a, b = load_packs((pack_a,)), load_packs((pack_b,))
        changes, summary = [], pipeline.Summary()
        for x, y in pipeline.pairs(inputs, a, b):
            summary.add(x)
            if y is None:
                echo(x.message, err=True)
            else:
                changes.append(compare(x.result, y.result))
    except PerfrulesError as e:
        _die(e)
        return
    if not summary.projects:
        _die(UsageError("没有可检查的输入文件", "no input files to check"))
    echo(render(a[0].label, b[0].label, changes), nl=False)
    sys.exit(2 if summary.broken else 0)


@main.command()
@click.argument("targets", nargs=-1, required=True)
def lint(targets):
    """检查规则文件中的错误写法 (find mistakes in rule files that compile)."""
    from .authoring.lint import lint as find
    from .engine.packs import load_pack
    total = 0
    try:
        for t in targets:
            if not _looks_like_pack(t):  # e.g. policies/__init__.py from a shell glob
                echo(f"跳过「{t}」：不是规则包或规则文件 (skipped: not a pack)", err=True)
                continue
            pack = load_pack(t)  # it must compile first; its errors are reported as usual
            files = list(pack.compiled.files)
            own = set(pack.rule_files)
            issues = [i for i in find(files) if i.span.file in own or not own]
            texts = {f.path: f.text for f in files}
            for i in issues:
                echo(i.render(texts.get(i.span.file, "")) + "\n")
            echo(f"{t}: {len(issues)} 个问题 (issues)")
            total += len(issues)
    except PerfrulesError as e:
        _die(e)
    sys.exit(1 if total else 0)


_RECODED = {"utf-8-sig": ("带 BOM 的 UTF-8", "UTF-8 with a BOM"), "utf-16": ("UTF-16", "UTF-16"),
             "gb18030": ("GB18030 编码", "GB18030")}


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--check", "check_only", is_flag=True, help="只检查，不改写；未格式化则显示差异并以 1 退出")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="关键字语言（默认沿用文件多数所用）")
def fmt(files, check_only, lang):
    """把规则文件改写为规范格式，保留注释 (rewrite rule files in canonical form)."""
    import difflib

    from .language.files import read_rules
    from .language.fmt import format_text
    changed = 0
    errors = Errors()
    for f in files:
        try:
            # UTF-8 (a BOM removed) or GB18030 with a note; fmt writes UTF-8 without a BOM.
            decoded = read_rules(f, f)
            text = decoded.text
            new = format_text(text, f, lang)
        except OSError as e:
            from .errors import Span
            errors.add(UsageError(f"无法读取规则文件：{e.strerror}", f"cannot read rule file: {e.strerror}",
                                  where=Span(f, 1, 1)))
            continue
        except PerfrulesError as e:
            errors.add(e)  # a group's errors one by one
            continue
        recoded = "" if decoded.utf8 else _RECODED.get(decoded.encoding, _RECODED["gb18030"])
        if new == text and not recoded:
            continue
        changed += 1
        if check_only:
            if new != text:
                echo("".join(difflib.unified_diff(text.splitlines(True), new.splitlines(True),
                                                        f"{f} (当前)", f"{f} (规范格式)")))
            if recoded:
                echo(f"{f}: 文件是{recoded[0]}，格式化时改为无 BOM 的 UTF-8 "
                     f"(the file is {recoded[1]}; fmt writes it as UTF-8 without a BOM)")
        else:
            write_atomic(f, new)  # UTF-8 without a BOM, the file's mode kept
            echo(f"已格式化 (formatted): {f}" + (f"（原为{recoded[0]}，已改为无 BOM 的 UTF-8; was {recoded[1]}, "
                                                  f"now UTF-8 without a BOM）" if recoded else ""))
    if errors:
        _die(ErrorGroup.of(errors.errors))
    if check_only and changed:
        echo(f"{changed} 个文件需要格式化 (files need formatting)", err=True)
        sys.exit(1)


@main.command()
@click.option("-p", "--pack", "extra", multiple=True, help="另外列出的规则包 (more packs to list)")
def packs(extra):
    """列出规则包及其来源 (list every pack found by name, and given ones, with where each comes from:
    bundled, a configured pack_paths folder, or a plugin installed with pip)."""
    from tabulate import tabulate

    from .engine.packs import available, load_pack, origin, plugins
    for pl in plugins():
        if pl.problem:
            echo(f"警告 插件「{pl.entry}」({pl.dist} {pl.version}) 无法读取，已跳过 "
                 f"(plugin entry point skipped): {pl.problem}", err=True)
    todo = []  # (name, spec, origin, whether its manifest's default counts: plugins' never do)
    for f, shadow in available():
        where = f.origin
        if shadow is not None:  # the name means the first pack of that name: say so
            echo(f"警告 有两个规则包名为「{f.name}」：按名称使用的是{shadow.origin}，不是{f.origin} "
                 f"(two packs are named {f.name}: the name means the first)", err=True)
            where += f"；被同名的{shadow.origin}遮蔽 (shadowed)"
        todo.append((f.name, str(f.path), where, f.kind == "bundled"))
    rows, errors = [], Errors()
    for name, spec, where, bundled in todo + [(None, x, None, True) for x in extra]:
        with errors.caught():
            p = load_pack(spec)
            rows.append((name or p.name, p.version, len(p.compiled.rules), len(p.compiled.items),
                         "是" if p.default and bundled else "", where or origin(p), p.description))
    echo(tabulate(rows, headers=["名称", "版本", "规则", "评分项", "默认", "来源", "说明"],
                        disable_numparse=True))
    if errors:
        _die(ErrorGroup.of(errors.errors))


@main.command("config")
@click.option("-p", "--pack", "packs", multiple=True, help="同 check -p (as check -p)")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="同 check --format")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="同 check -j")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None, help="同 check --fail-on")
@click.option("--strict/--no-strict", default=None, help="同 check --strict")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 (as JSON)")
def config_cmd(packs, fmt, jobs, fail_on, strict, as_json):
    """显示生效的设置及其来源 (show the effective settings and where each came from:
    default, a .perfrules.toml / pyproject.toml file, the environment, the command line)."""
    import json

    from tabulate import tabulate

    from .config import describe, load, rows
    config = load({"packs": packs, "format": fmt, "jobs": jobs, "fail_on": fail_on, "strict": strict})
    if as_json:
        echo(json.dumps(describe(config), ensure_ascii=False, indent=2))
        return
    shown = str(config.file) if config.file else "无 (none)：从当前文件夹向上直到含 .git 的文件夹或根目录均未找到"
    echo(f"配置文件 (configuration file): {shown}\n")
    echo(tabulate(rows(config), headers=["设置 (setting)", "值 (value)", "来源 (from)"], disable_numparse=True))


@main.command("lsp")
def lsp_cmd():
    """语言服务器：编辑器中的诊断、悬停说明、补全和格式化，经标准输入输出通信 (the language server
    for editors, over stdio: diagnostics, hover, completion, formatting)."""
    from .lsp import require
    require()  # the [lsp] extra: pip install 'perfrules[lsp]'
    from .lsp.server import main as serve
    serve()


@main.command("schema")
@click.argument("name", type=click.Choice(["result", "input"]))
def schema_cmd(name):
    """打印 JSON 模式：result 为输出记录，input 为指标表输入 (print a JSON Schema: result, one
    record of the json/jsonl output; input, an indicator set as YAML/JSON input)."""
    from .report.writer import Stdout
    from .schemas import text
    Stdout().write(text(name))  # the published file as it is (its text is GBK-safe too: a test checks)


if __name__ == "__main__":  # pragma: no cover
    main()
