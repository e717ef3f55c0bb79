"""The rule language grammar (installed as perfrules.grammar)."""
