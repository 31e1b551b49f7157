"""Keeping runs: the command line as typed, the run store, the HTML report beside a run."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

from weightfit.cli.app import CALLED
from weightfit.errors import ConfigError


def _store(path: str | None) -> Any:
    from weightfit.runs import Store

    try:
        return Store(path)
    except OSError as e:  # a folder that is a file, a read-only place, ...
        raise ConfigError(
            f"--runs {path!r}: cannot open the run store ({e.strerror or e}); give a writable "
            "path, e.g. --runs runs.sqlite"
        ) from None


def _command_line() -> str:
    """The command as typed: the script's arguments, or, when the app runs inside another
    program (a test, a notebook), the command's path and the values it was given."""
    if Path(sys.argv[0]).name in ("weightfit", "__main__.py"):
        return shlex.join(["weightfit", *sys.argv[1:]])
    name = CALLED.get("name", "").removesuffix("_command").replace("_", " ")
    given = {k.replace("_", "-"): v for k, v in CALLED.get("params", {}).items()}
    return " ".join(["weightfit", name, *(f"--{k}={v}" for k, v in given.items() if v)])


def _keep(report: Any, record: bool, runs: str | None, html: Any) -> list[Any]:
    """Record the run (unless --no-record) and write the HTML report (with --report)."""
    written: list[Any] = []
    command = _command_line()
    run = _store(runs).record(report, command=command) if record else None
    if html:
        from weightfit.report.html import write_html

        written.append(write_html(report, html, read=report.read, run=run))
    return written
