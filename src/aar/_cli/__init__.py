"""The command-line layer: `aar` and `python -m aar`.

`main` answers `aar --version` before anything else is imported (the commands need typer, rich and
polars, which cost several times the start of Python); every other call goes to the typer app in
`app.py`.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Entry point of the `aar` command; usage errors exit 2, data problems 1."""
    if sys.argv[1:] == ["--version"]:
        from .._version import __version__

        print(f"aar {__version__}")
        return
    from .app import run

    run()
