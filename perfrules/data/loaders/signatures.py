"""The first bytes that tell a workbook, whatever its name: the sniffing of
:mod:`perfrules.data.loaders` and the XLSX reader share them (a module of its own, so a
YAML or JSON input does not import the table readers to compare two byte strings)."""

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and also an encrypted .xlsx
