"""The language server: the Language Server Protocol over stdio (pygls 2), for rule files.

It only translates: what it says about a document comes from :mod:`perfrules.lsp.analysis`
(the errors of ``perfrules compile``, the issues of ``perfrules lint``, did-you-mean fixes,
hover texts, completions, ``perfrules fmt``'s text). Positions cross here from the editor's
units (UTF-16 by default) to characters and back.

Capabilities: full document sync; diagnostics on open, change and save; quick fixes
(``textDocument/codeAction``); hover; completion; formatting. Run it with ``perfrules lsp``
(or :func:`main`).
"""

from __future__ import annotations

import sys

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from ..errors import InternalError
from ..version import __version__
from .analysis import Document, Item, Problem, Range

_SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}
_KIND = {"keyword": types.CompletionItemKind.Keyword, "field": types.CompletionItemKind.Field,
         "predicate": types.CompletionItemKind.Function, "wordlist": types.CompletionItemKind.Enum}


class RulesServer(LanguageServer):
    """A pygls server that keeps the analysis of each open document's latest text."""

    def __init__(self) -> None:
        super().__init__("perfrules", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.analysed: dict[str, Document] = {}

    def document(self, uri: str) -> Document:
        """The analysis of the document's text now (computed once per text)."""
        doc = self.workspace.get_text_document(uri)
        text = doc.source.replace("\r\n", "\n").replace("\r", "\n")
        known = self.analysed.get(uri)
        if known is not None and known.text == text:
            return known
        path = to_fs_path(uri) if uri.startswith("file:") else None
        known = self.analysed[uri] = Document(text, path, name=doc.filename or "<untitled>.rules")
        return known

    def publish(self, uri: str) -> None:
        """Send the document's diagnostics; an error perfrules did not foresee is one diagnostic
        naming it (E900), never a silent server."""
        try:
            doc = self.document(uri)
            diagnostics = [self.diagnostic(doc, p) for p in doc.problems()]
        except Exception as e:  # noqa: BLE001 - shown to the user like any other error
            err = InternalError.wrap(e)
            diagnostics = [types.Diagnostic(range=types.Range(start=types.Position(line=0, character=0),
                                                              end=types.Position(line=0, character=0)),
                                            message=f"{err.zh} ({err.en})", severity=types.DiagnosticSeverity.Error,
                                            code=err.code, source="perfrules")]
        version = self.workspace.get_text_document(uri).version
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))

    # ---- positions ------------------------------------------------------------------------

    def to_client(self, doc: Document, r: Range) -> types.Range:
        codec = self.workspace.position_codec
        return types.Range(start=codec.position_to_client_units(doc.lines, types.Position(line=r.line, character=r.column)),
                           end=codec.position_to_client_units(doc.lines, types.Position(line=r.end_line,
                                                                                        character=r.end_column)))

    def from_client(self, doc: Document, p: types.Position) -> tuple[int, int]:
        if p.line >= len(doc.lines):
            return p.line, 0
        at = self.workspace.position_codec.position_from_client_units(
            doc.lines, types.Position(line=p.line, character=p.character))
        return at.line, at.character

    def diagnostic(self, doc: Document, p: Problem) -> types.Diagnostic:
        return types.Diagnostic(range=self.to_client(doc, p.range), message=p.message, severity=_SEVERITY[p.severity],
                                code=p.code, source="perfrules")

    def completion_item(self, doc: Document, where: types.Range, k: int, item: Item) -> types.CompletionItem:
        return types.CompletionItem(
            label=item.label, kind=_KIND[item.kind], detail=item.detail,
            documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=item.doc),
            sort_text=f"{item.rank}{k:05d}", filter_text=item.label,
            text_edit=types.TextEdit(range=where, new_text=item.label))


def build() -> RulesServer:
    """The server with its features registered."""
    server = RulesServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: RulesServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: RulesServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: RulesServer, params: types.DidSaveTextDocumentParams) -> None:
        # The file on disk changed: the open files of the same pack read it, so they are compiled again.
        saved = ls.analysed.pop(params.text_document.uri, None)
        folder = saved.compilation.pack_folder if saved is not None else None
        ls.publish(params.text_document.uri)
        for uri, doc in list(ls.analysed.items()):
            if folder is not None and uri != params.text_document.uri and doc.compilation.pack_folder == folder:
                del ls.analysed[uri]
                ls.publish(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: RulesServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.analysed.pop(params.text_document.uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    _requests(server)
    return server


def _requests(server: RulesServer) -> None:
    """The features that answer a request: quick fixes, hover, completion, formatting."""

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls: RulesServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        doc = ls.document(params.text_document.uri)
        (a, b), (c, d) = ls.from_client(doc, params.range.start), ls.from_client(doc, params.range.end)
        out = []
        for problem, fix in doc.fixes(Range(a, b, c, d)):
            where = ls.to_client(doc, problem.range)
            said = [x for x in params.context.diagnostics if x.range == where and x.source == "perfrules"]
            out.append(types.CodeAction(
                title=fix.title, kind=types.CodeActionKind.QuickFix, diagnostics=said or [ls.diagnostic(doc, problem)],
                is_preferred=len(problem.fixes) == 1,
                edit=types.WorkspaceEdit(changes={params.text_document.uri: [
                    types.TextEdit(range=ls.to_client(doc, fix.range), new_text=fix.text)]})))
        return out

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: RulesServer, params: types.HoverParams) -> types.Hover | None:
        doc = ls.document(params.text_document.uri)
        found = doc.hover(*ls.from_client(doc, params.position))
        if found is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=found.text),
                           range=ls.to_client(doc, found.range))

    @server.feature(types.TEXT_DOCUMENT_COMPLETION)
    def completion(ls: RulesServer, params: types.CompletionParams) -> types.CompletionList:
        doc = ls.document(params.text_document.uri)
        where, items = doc.completions(*ls.from_client(doc, params.position))
        at = ls.to_client(doc, where)
        return types.CompletionList(is_incomplete=False,
                                    items=[ls.completion_item(doc, at, k, x) for k, x in enumerate(items)])

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: RulesServer, params: types.DocumentFormattingParams) -> list[types.TextEdit]:
        doc = ls.document(params.text_document.uri)
        new = doc.formatted()
        if new is None or new == doc.text:
            return []
        return [types.TextEdit(range=types.Range(start=types.Position(line=0, character=0),
                                                 end=_end(ls, params.text_document.uri)), new_text=new)]


def _end(ls: RulesServer, uri: str) -> types.Position:
    """The position after the document's last character."""
    lines = ls.workspace.get_text_document(uri).lines  # with their line ends
    if not lines or lines[-1].endswith(("\n", "\r")):
        return types.Position(line=len(lines), character=0)
    return types.Position(line=len(lines) - 1, character=ls.workspace.position_codec.client_num_units(lines[-1]))


def main() -> None:
    """Serve over stdin and stdout; stdout carries nothing but the protocol."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not break the protocol
    build().start_io(stdin, stdout)


if __name__ == "__main__":  # pragma: no cover
    main()
