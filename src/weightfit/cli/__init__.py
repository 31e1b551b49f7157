"""The command-line face: parse, call one library function, render. No logic lives only here.

``app`` (with the error boundary) and the shared options are in ``app`` and ``options``; the
commands are registered by importing ``commands``, ``lab`` and ``runs``.
"""

from __future__ import annotations

import sys
from typing import Any

from weightfit.cli import commands, lab, runs  # noqa: F401  (registers the commands)
from weightfit.cli.app import _say_interrupted, app

__all__ = ["app", "main"]


def main() -> None:
    """Run the command line. Ctrl-C wherever it lands (parsing, importing, reading, fitting,
    writing) is "weightfit: interrupted" on stderr and exit code 130, never a traceback."""
    try:
        app()
    except KeyboardInterrupt:  # outside a command: typer's parsing, click's context
        code: Any = 130
    except SystemExit as e:
        code = e.code
    else:
        code = 0
    if code == 130:
        _say_interrupted()
    sys.exit(code)
