"""``perfrules lsp``, driven as an editor drives it: a real server in a subprocess, spoken to
over stdio in JSON-RPC with Content-Length framing (a small client here, no editor needed).

What an editor shows must be what the command line says: the diagnostics of a document are
the errors ``perfrules compile`` prints for the same file (line, column, message), compiled
in its pack when it lies in a pack's folder; a did-you-mean is a quick fix; hover, completion
and formatting answer from the rule language's own tables and from ``perfrules fmt``.
Every wait has a deadline, so a hung server fails the test instead of hanging it.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from perfrules.engine.packs import bundled_root  # noqa: E402

TIMEOUT = 60  # seconds for any one answer (the first compile builds the parser)


class Client:
    """A language client: requests and notifications out, answers and notifications in."""

    def __init__(self, cwd: Path):
        env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
        self.proc = subprocess.Popen([sys.executable, "-m", "perfrules", "lsp"], cwd=cwd, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.inbox: queue.Queue = queue.Queue()
        self.notes: list[dict] = []
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        self.stderr: list[bytes] = []
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.inbox.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            self.inbox.put(json.loads(out.read(length).decode("utf-8")))

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}, ensure_ascii=False).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self.send({"method": method, "params": params})

    def _next(self, deadline: float) -> dict:
        try:
            msg = self.inbox.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no answer from the server in {TIMEOUT}s; stderr: "
                                 f"{b''.join(self.stderr).decode('utf-8', 'replace')[-2000:]}") from None
        if msg is None:
            raise AssertionError("the server closed its output; stderr: "
                                 f"{b''.join(self.stderr).decode('utf-8', 'replace')[-2000:]}")
        return msg

    def request(self, method: str, params: dict | None):
        self.next_id += 1
        my = self.next_id
        self.send({"id": my, "method": method, "params": params})
        deadline = time.monotonic() + TIMEOUT
        while True:
            msg = self._next(deadline)
            if msg.get("id") == my and "method" not in msg:
                assert "error" not in msg, msg["error"]
                return msg.get("result")
            if "method" in msg and "id" in msg:  # a request from the server (registerCapability …)
                self.send({"id": msg["id"], "result": None})
            elif "method" in msg:
                self.notes.append(msg)

    def diagnostics(self, uri: str, version: int) -> list[dict]:
        """The diagnostics published for a version of a document (waiting for them)."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            for k, msg in enumerate(self.notes):
                p = msg.get("params") or {}
                if msg["method"] == "textDocument/publishDiagnostics" and p["uri"] == uri and \
                        p.get("version") in (version, None):
                    del self.notes[: k + 1]
                    return p["diagnostics"]
            msg = self._next(deadline)
            if "method" in msg and "id" not in msg:
                self.notes.append(msg)

    def open(self, path: Path, text: str, version: int = 1) -> tuple[str, list[dict]]:
        uri = path.as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "perfrules",
                                                              "version": version, "text": text}})
        return uri, self.diagnostics(uri, version)

    def change(self, uri: str, text: str, version: int) -> list[dict]:
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": [{"text": text}]})
        return self.diagnostics(uri, version)

    def close(self) -> int:
        self.request("shutdown", None)
        self.notify("exit", None)
        try:
            return self.proc.wait(timeout=TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.fixture
def client(tmp_path):
    c = Client(tmp_path)
    try:
        result = c.request("initialize", {"processId": os.getpid(), "rootUri": tmp_path.as_uri(),
                                          "capabilities": {}})
        caps = result["capabilities"]
        assert caps["textDocumentSync"]["change"] == 1 and caps["textDocumentSync"]["openClose"]  # full sync
        for cap in ("hoverProvider", "completionProvider", "codeActionProvider", "documentFormattingProvider"):
            assert caps.get(cap) not in (None, False), cap
        c.notify("initialized", {})
        yield c
    finally:
        if c.proc.poll() is None:
            c.proc.kill()
            c.proc.wait(timeout=TIMEOUT)


def compile_output(cwd: Path, *targets: str) -> list[tuple[str, int, int, str]]:
    """(file, line, column, message) of every error ``perfrules compile`` prints."""
    run = subprocess.run([sys.executable, "-m", "perfrules", "compile", *targets], cwd=cwd, capture_output=True,
                         env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=TIMEOUT)
    text = run.stdout.decode("utf-8") + run.stderr.decode("utf-8")
    return [(m[1], int(m[2]), int(m[3]), m[4]) for m in re.finditer(r"^(\S+):(\d+):(\d+): 错误 (.*)$", text, re.M)]


def seen(diagnostics: list[dict]) -> list[tuple[int, int, str]]:
    """(line, column, first message line), 1-based as the command line prints them; the texts
    here hold no character beyond the Basic Multilingual Plane, so UTF-16 columns are characters."""
    return sorted((d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1,
                   d["message"].splitlines()[0]) for d in diagnostics if d["severity"] == 1)


def apply(text: str, edits: list[dict]) -> str:
    """The text with LSP edits applied (from the last, so that earlier positions hold)."""
    lines = text.split("\n")

    def offset(p):
        return sum(len(x) + 1 for x in lines[: p["line"]]) + p["character"]
    for e in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        a, b = offset(e["range"]["start"]), offset(e["range"]["end"])
        text = text[:a] + e["newText"] + text[min(b, len(text)):]
    return text


BROKEN = """规则 X-01 「指标值须可衡量」 错误
  依据 「某文件」
  指标值 须 可衡亮
  三级指标名 不得为空
规侧 X-02
  执行率 < 60% ⇒ 否诀
合记(分值) = 90
"""


def test_a_broken_file_has_the_diagnostics_of_compile_and_its_fixes(client, tmp_path):
    f = tmp_path / "本局.rules"
    f.write_text(BROKEN, "utf-8")
    uri, diags = client.open(f, BROKEN)
    expected = compile_output(tmp_path, "本局.rules")
    assert len(expected) == 5 and {x[0] for x in expected} == {"本局.rules"}
    assert seen(diags) == sorted(x[1:] for x in expected)
    assert all(d["source"] == "perfrules" and d["code"] in ("E100", "E200") for d in diags)
    field = next(d for d in diags if "三级指标名" in d["message"])
    assert field["range"] == {"start": {"line": 3, "character": 2}, "end": {"line": 3, "character": 7}}
    assert "是否指「三级指标」" in field["message"]

    # Each did-you-mean is a quick fix replacing the misspelt word; applied, those errors go.
    fixed = BROKEN
    for word, meant in (("三级指标名", "三级指标"), ("可衡亮", "可衡量"), ("规侧", "规则"), ("否诀", "否决"),
                        ("合记", "合计")):
        d = next(d for d in diags if word in d["message"] or word in BROKEN.splitlines()[d["range"]["start"]["line"]])
        actions = client.request("textDocument/codeAction", {
            "textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d]}})
        action = next(a for a in actions if meant in a["title"])
        assert action["kind"] == "quickfix" and action["diagnostics"][0]["message"] == d["message"]
        edits = action["edit"]["changes"][uri]
        assert len(edits) == 1 and edits[0]["newText"] == meant
        fixed = apply(fixed, edits)
    assert fixed == BROKEN.replace("三级指标名", "三级指标").replace("可衡亮", "可衡量").replace("规侧", "规则") \
        .replace("否诀", "否决").replace("合记", "合计")
    # It compiles now, and lint has its say: the last line, not indented, belongs to X-02.
    assert [(d["code"], d["severity"], d["range"]["start"]["line"]) for d in client.change(uri, fixed, 2)] == \
        [("L07", 2, 6)]
    assert client.close() == 0


def test_a_file_of_a_pack_is_compiled_in_its_pack_with_the_editors_text(client, tmp_path):
    pack = tmp_path / "本局规则包"
    shutil.copytree(bundled_root() / "national", pack)
    f = pack / "指标规范.rules"
    original = f.read_text("utf-8")
    # It uses word lists of 词表.rules: alone it would not compile; in its pack it does.
    assert "管理类用语" in original and "管理类用语" not in f.read_text("utf-8").split("规则", 1)[0]
    uri, diags = client.open(f, original)
    assert diags == []
    # The editor's text, not the file on disk, is compiled (the file is not saved yet).
    broken = original.replace("指标值 须可衡量", "指标直 须可衡量", 1)
    assert broken != original
    diags = client.change(uri, broken, 2)
    f.write_text(broken, "utf-8")
    expected = compile_output(tmp_path, "本局规则包")
    assert expected and {x[0] for x in expected} == {"本局规则包/指标规范.rules"}
    assert seen(diags) == sorted(x[1:] for x in expected)
    d = diags[0]
    actions = client.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": d["range"],
                                                         "context": {"diagnostics": diags}})
    assert [a["edit"]["changes"][uri][0]["newText"] for a in actions] == ["指标值"]

    # Hover on a rule id: its title, severity, basis; on a field, a keyword, a word list.
    lines = broken.splitlines()
    row = next(k for k, line in enumerate(lines) if line.startswith("规则 N-02"))
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                  "position": {"line": row, "character": 4}})
    text = hover["contents"]["value"]
    assert "N-02 指标值须可衡量" in text and "错误" in text and "依据 (basis): 参照《中央部门预算绩效目标管理办法》" in text
    assert hover["range"] == {"start": {"line": row, "character": 3}, "end": {"line": row, "character": 7}}
    row = next(k for k, line in enumerate(lines) if "管理类用语" in line and not line.lstrip().startswith("来源"))
    col = lines[row].index("管理类用语")
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": row, "character": col + 1}})
    assert "词表 word list" in hover["contents"]["value"]
    assert client.close() == 0


def test_hover_completion_and_formatting(client, tmp_path):
    text = "词表 本局词: 甲, 乙\n若 三级指标 属于 本局词 则 提示\n规则 A-1 「须有名称」 警告\n  依据 「办法 第三条」\n    每个指标:三级指标   不得为空\n"
    f = tmp_path / "a.rules"
    f.write_text(text, "utf-8")
    uri, diags = client.open(f, text)
    assert diags == []

    def hover(line, character):
        h = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                  "position": {"line": line, "character": character}})
        return h and h["contents"]["value"]
    assert "A-1 须有名称" in hover(2, 4) and "警告 warning" in hover(2, 4) and "办法 第三条" in hover(2, 4)
    assert "字段 field" in hover(4, 10) and "指标字段" in hover(4, 10)  # 三级指标
    assert "关键词 keyword" in hover(4, 17) and "must not" in hover(4, 17)  # 不得
    assert "甲、乙" in hover(1, 11)  # 本局词
    assert hover(3, 7) is None  # inside a quoted text

    result = client.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                        "position": {"line": 4, "character": 4}})
    items = {i["label"]: i for i in result["items"]}
    from perfrules.engine.vocab import FIELDS, PREDICATES
    from perfrules.language.vocabulary import SPELLINGS
    assert set(SPELLINGS) <= set(items) and set(FIELDS) <= set(items) and set(PREDICATES) <= set(items)
    assert "本局词" in items and items["本局词"]["kind"] == 13  # Enum: a word list
    assert items["须"]["kind"] == 14 and items["三级指标"]["kind"] == 5  # Keyword, Field
    assert "modal" in items["须"]["detail"]

    # After 指标值 须 the parser takes a predicate or 为/是: those keywords come first.
    text2 = text + "指标值 须 "
    client.change(uri, text2, 2)
    result = client.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                        "position": {"line": 5, "character": 6}})
    first = sorted(result["items"], key=lambda i: i["sortText"])[0]["label"]
    assert first in ("为", "是", "be", "为空", "非空", "不为空", "empty", "is empty", "not empty", "is not empty",
                     "属于", "in", "不低于", "≥")
    client.change(uri, text, 3)

    edits = client.request("textDocument/formatting", {"textDocument": {"uri": uri},
                                                       "options": {"tabSize": 2, "insertSpaces": True}})
    shutil.copy(f, tmp_path / "b.rules")
    subprocess.run([sys.executable, "-m", "perfrules", "fmt", "b.rules"], cwd=tmp_path, check=True, timeout=TIMEOUT)
    assert len(edits) == 1 and apply(text, edits) == (tmp_path / "b.rules").read_text("utf-8") != text

    # A document that does not parse is not formatted.
    client.change(uri, BROKEN, 4)
    assert client.request("textDocument/formatting", {"textDocument": {"uri": uri},
                                                      "options": {"tabSize": 2, "insertSpaces": True}}) == []
    assert client.close() == 0


def test_lint_issues_are_warnings(client, tmp_path):
    text = "规则 D-1\n  三级指标 不得为空\n规则 D-1\n  指标值 须 可衡量\n"
    f = tmp_path / "重复.rules"
    f.write_text(text, "utf-8")
    uri, diags = client.open(f, text)
    lint = subprocess.run([sys.executable, "-m", "perfrules", "lint", "重复.rules"], cwd=tmp_path, capture_output=True,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=TIMEOUT).stdout.decode("utf-8")
    printed = re.findall(r"^重复\.rules:(\d+):(\d+): (L\d\d) (.*)$", lint, re.M)
    assert printed and [(d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1, d["code"], d["message"])
                        for d in diags] == [(int(a), int(b), c, m) for a, b, c, m in printed]
    assert all(d["severity"] == 2 for d in diags)
    assert client.close() == 0


def test_the_command_names_the_extra_when_pygls_is_missing(tmp_path):
    code = ("import importlib.util as u, sys\nreal = u.find_spec\n"
            "u.find_spec = lambda n, *a: None if n == 'pygls' else real(n, *a)\n"
            "sys.argv = ['perfrules', 'lsp']\nfrom perfrules.cli import main\nmain()\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, timeout=TIMEOUT,
                         env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    err = run.stderr.decode("utf-8")
    assert run.returncode == 2, err
    assert "pip install 'perfrules[lsp]'" in err and "语言服务器所需的组件未安装" in err and "needs the [lsp] extra" in err
    assert run.stdout == b""


# ---- the analysis behind the server, in process ------------------------------------------------

def test_errors_of_the_packs_other_files_and_manifest_stand_on_the_first_line(tmp_path, monkeypatch):
    from perfrules.lsp.analysis import Document, Range
    monkeypatch.chdir(tmp_path)
    pack = tmp_path / "包"
    pack.mkdir()
    (pack / "pack.yaml").write_text("name: 包\n", "utf-8")
    (pack / "词表.rules").write_text("词表 本局词: 甲, 乙\n规则 W-1\n  三级指标 不得属于 本局词\n  指标值 须 可衡亮\n", "utf-8")
    mine = pack / "规则.rules"
    mine.write_text("规则 R-1\n  三级指标 属于 本局词 ⇒ 提示\n", "utf-8")
    doc = Document(mine.read_text("utf-8"), str(mine))
    [p] = doc.problems()  # 本局词 is known: the pack's other file defines it
    assert p.range == Range(0, 0, 0, 0) and p.message.startswith("包/词表.rules:4:9: 未知谓词「可衡亮」")
    assert p.fixes == ()  # a fix belongs to the file it fixes
    assert doc.hover(1, 11).text.startswith("**本局词**（词表 word list")  # from the other file's tree

    (pack / "pack.yaml").write_text("name: 包\nversoin: 1\n", "utf-8")  # a misspelt key: the pack fails first
    doc = Document("规则 R-1\n  三级指标 须 可衡亮\n", str(mine))
    assert [(p.range.line, p.message.split(" (")[0]) for p in doc.problems()] == [
        (0, "包/pack.yaml 第2行 versoin: 清单中的未知键「versoin」，是否指「version」？"), (1, "未知谓词「可衡亮」")]


def test_a_document_not_on_disk_is_compiled_on_its_own():
    from perfrules.lsp.analysis import Document
    doc = Document("规则 U-1 「试」\n  指标值 须 可衡量\n", None, name="Untitled-1")
    assert doc.problems() == [] and doc.shown == "Untitled-1"
    assert "U-1 试" in doc.hover(0, 4).text and "含义 (meaning)" in doc.hover(0, 4).text


def test_nothing_is_offered_in_a_comment_or_a_quoted_text():
    from perfrules.lsp.analysis import Document
    doc = Document("规则 C-1 「标 题」  # 须 注释\n  指标值 须 可衡量\n", None)
    assert doc.completions(0, 10)[1] == [] and doc.completions(0, 20)[1] == []
    assert doc.hover(0, 19) is None  # 须 in the comment
    where, items = doc.completions(1, 9)  # after 「指标值 须 可」: the word being typed is replaced
    assert (where.column, where.end_column) == (8, 9) and any(i.label == "可衡量" for i in items)


def test_the_core_does_not_import_pygls():
    code = ("import sys, perfrules.cli, perfrules.pipeline, perfrules.lsp, perfrules.lsp.analysis, "
            "perfrules.lsp.textmate; assert 'pygls' not in sys.modules and 'lsprotocol' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=TIMEOUT)
