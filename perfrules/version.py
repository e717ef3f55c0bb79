"""The package's version, in one place: pyproject.toml reads it, ``perfrules.__version__`` and
the parse cache's key (language/cache.py) import it; a module of its own, so that the language
wing can read it without importing the public API above it."""

__version__ = "0.1.0"
