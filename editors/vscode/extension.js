// The perfrules extension: starts `perfrules lsp` (a language server over stdio) for .rules files.
// Highlighting needs no code (contributes.grammars in package.json); this file only starts the client.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("perfrules");
  const command = config.get("server.command", "perfrules");
  const args = config.get("server.args", ["lsp"]);
  const server = { command, args, transport: TransportKind.stdio };
  client = new LanguageClient(
    "perfrules",
    "perfrules 语言服务器 (language server)",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "perfrules" }, { scheme: "untitled", language: "perfrules" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
