"""The app, its consoles and the error boundary: our errors are one line and exit 2, Ctrl-C
is "interrupted" and 130, a closed pipe is quiet, anything else is a bug (exit 1)."""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import click
import typer
from rich.console import Console

from weightfit.errors import WeightfitError
from weightfit.report.text import plain

HELP = """Find a price model's weights, and ask honestly whether it beats the naive baseline.

Example: weightfit demo   (then: weightfit fit sample:msft --model ar:5)"""
app = typer.Typer(add_completion=False, no_args_is_help=True, help=HELP)


class _Console(Console):
    """rich's Console, but a closed pipe goes to the error boundary (exit 0, quietly) rather
    than rich's own ``SystemExit(1)``."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


out = _Console()
err = _Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])
DEBUG = {"on": False}
CALLED: dict[str, Any] = {}  # the command running and the values it was given
INTERRUPTED = {"said": False}  # "interrupted" printed once, wherever the Ctrl-C landed
MAX_ITERATIONS = 1_000_000  # tutorial --iterations: ~45 s of guessing (one core, measured)


@app.callback()
def main_options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Print the traceback of an internal error.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bars or spinners on stderr.")
    ] = False,
) -> None:
    DEBUG["on"] = debug
    _size(out, err, quiet=quiet)


def _size(*consoles: Console, quiet: bool) -> None:
    """Follow $COLUMNS as it is now (rich reads it once, at import); quiet the progress."""
    columns = os.environ.get("COLUMNS", "")
    for console in consoles:
        console.width = int(columns) if columns.isdigit() and int(columns) > 0 else None  # type: ignore[assignment]
    err.quiet = quiet


def one_line_errors(command: F) -> F:
    """The error boundary. Our errors (bad input, bad settings) are one line on stderr and exit
    code 2; Ctrl-C is "interrupted" and 130; a closed pipe ends quietly. Anything else is a
    bug: "internal error", the traceback saved to a file (printed with --debug), exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        CALLED.update(name=command.__name__, params=kwargs)
        try:
            return command(*args, **kwargs)
        except WeightfitError as e:
            print(f"weightfit: error: {plain(e)}", file=sys.stderr)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            _say_interrupted()
            raise typer.Exit(130) from None
        except BrokenPipeError:  # `weightfit ... | head`: the reader has all it wanted
            _quiet_stdout()
            raise typer.Exit(0) from None
        except (typer.Exit, click.exceptions.Exit, click.exceptions.ClickException, click.Abort):
            raise
        except Exception:
            _internal_error()
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _say_interrupted(detail: str = "") -> None:
    if not INTERRUPTED["said"]:
        INTERRUPTED["said"] = True
        print(f"weightfit: interrupted{detail}", file=sys.stderr)


def _check_outputs(
    *folders: str | None, files: dict[str | None, tuple[str, ...]] | None = None
) -> None:
    """Check output folders (plots) and files (path -> allowed suffixes) before any work."""
    from weightfit.atomic import OutputSet

    check = OutputSet()
    for folder in folders:
        if folder:
            check.add(folder, folder=True)
    for path, suffixes in (files or {}).items():
        if path:
            check.add(path, suffixes=suffixes)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that Python's exit flush does not raise again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _internal_error() -> None:
    text = traceback.format_exc()
    if DEBUG["on"]:
        print(text, file=sys.stderr, end="")
        print("weightfit: internal error (a bug): please report it", file=sys.stderr)
        return
    fd, path = tempfile.mkstemp(prefix="weightfit-traceback-", suffix=".txt")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    last = plain(text.strip().splitlines()[-1])
    print(
        f"weightfit: internal error (a bug): {last}; the traceback is in {path} "
        "(or run again with --debug); please report it",
        file=sys.stderr,
    )


def dumps(value: Any) -> str:
    """One JSON object for ``--json``: lazy read records as dicts, numpy scalars as numbers."""
    from weightfit.data.panel import json_default

    return json.dumps(value, default=json_default)


def write_staged(
    path: str, write: Callable[[Path], Any], *, folder: bool = False, suffixes: tuple = ()
) -> list[Path]:
    """Write one output (a file, or a folder of plots) as ``fit`` writes its set: staged beside
    its target, renamed into place at the end, nothing replaced when the writing fails."""
    from weightfit.atomic import OutputSet

    with OutputSet() as outputs:
        target = outputs.add(path, folder=folder, suffixes=suffixes)
        write(outputs.stage(target))
        return outputs.commit()
