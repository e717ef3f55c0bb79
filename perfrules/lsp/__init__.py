"""``perfrules lsp``: the language server for rule files (diagnostics, hover, completion, formatting)."""
