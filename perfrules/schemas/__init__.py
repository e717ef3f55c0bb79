"""The JSON Schemas of perfrules' input and output, published with the package (docs/api.md)."""
