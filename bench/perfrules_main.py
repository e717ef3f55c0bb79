"""``perfrules`` for bench/run.py when the console script is not installed: run as a script
(not ``python -m`` from the repository root), so PYTHONPATH's snapshot of perfrules is imported."""

import sys

from perfrules.cli import main

if __name__ == "__main__":
    sys.exit(main())
