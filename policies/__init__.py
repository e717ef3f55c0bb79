"""Bundled policy packs (installed as perfrules.policies)."""
