"""The package's version, in one place: pyproject.toml reads it, ``perfrules.__version__`` and
the parse cache's key (language/cache.py) import it; a module of its own, so that the language
wing can read it without importing the public API above it.

:data:`SCHEMA_VERSION` is the version of the JSON that perfrules writes (``schema_version`` in
every JSON and JSON Lines record, and in ``Result.to_dict()``) and of the JSON Schemas that
describe it and the input (``perfrules/schemas/``, ``perfrules schema``). Its promise
(docs/api.md): the minor number grows when a field is added (readers ignore fields they do not
know); the major number grows when a field is removed, renamed or changes its meaning or type.
"""

__version__ = "0.1.0"

SCHEMA_VERSION = "1.0"
