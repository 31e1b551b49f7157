"""Options shared by several commands, declared once: the reading options (``@reading``),
``--json``, ``--full``, the run store."""

from __future__ import annotations

import functools
from inspect import Parameter, signature
from typing import Annotated, Any

import typer

from weightfit.cli.app import F, err

Files = Annotated[
    list[str], typer.Argument(help="Price files, folders or globs (CSV, TXT, .gz, .zip, Parquet).")
]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
Full = Annotated[
    bool, typer.Option("--full", help="Every measure in the table, whatever the terminal's width.")
]
Record = Annotated[bool, typer.Option(help="Keep this run in the run store (weightfit runs).")]
RunsPath = Annotated[
    str | None,
    typer.Option(
        "--runs", help="The run store (default: $WEIGHTFIT_RUNS, else .weightfit/runs.sqlite)."
    ),
]

# The reading options, declared once: name -> (type, default, help, flag). Every command that
# reads price files takes them through @reading and receives them as one dict, ``read``.
READING: dict[str, tuple[Any, Any, str, str | None]] = {
    "price": (str | None, None, "The price column, by name or 0-based position.", None),
    "date": (str | None, None, "The date column, by name or 0-based position.", None),
    "id": (str | None, None, "The ticker column of a long file.", "--id"),
    "sep": (str | None, None, "The field separator (detected if not given).", None),
    "decimal": (str | None, None, "The decimal mark, '.' or ','.", None),
    "encoding": (str | None, None, "The text encoding (detected if not given).", None),
    "skiprows": (int | None, None, "Lines to skip before the header.", None),
    "date_format": (str | None, None, "A strptime date format, e.g. '%d/%m/%Y'.", None),
    "keep_last": (
        bool,
        False,
        "Keep the last row of duplicated timestamps instead of stopping.",
        "--keep-last",
    ),
    "wide": (bool, False, "One series per numeric column, whatever the names.", "--wide"),
    "adjust_splits": (
        bool,
        True,
        "Back-adjust prices before suspected unadjusted splits, or score them as they are.",
        "--adjust-splits/--keep-splits",
    ),
    "exclude_splits": (
        bool,
        False,
        "Keep suspected splits as they are, and leave out the forecasts across them (fit).",
        "--exclude-splits",
    ),
    "session": (str, "all", "'all' rows, or only the 'regular' session of --exchange.", None),
    "exchange": (str | None, None, "Exchange calendar (ISO MIC) for --session, e.g. XNYS.", None),
    "tz": (str | None, None, "Time zone of naive timestamps, e.g. America/New_York.", None),
    "sheet": (str | None, None, "The sheet of an Excel/ODS file (name or 0-based).", None),
    "skip_bad": (
        bool,
        False,
        "Of several files, read the good ones and list the bad ones with their reasons, "
        "instead of stopping (exit 2) on them.",
        "--skip-bad",
    ),
}


def reading(command: F) -> F:
    """Add the reading options to ``command``, which receives them as ``read``, the keyword
    arguments of ``read_prices``."""
    sig = signature(command, eval_str=True)
    extra = [
        Parameter(
            name,
            Parameter.KEYWORD_ONLY,
            default=default,
            annotation=Annotated[
                kind, typer.Option(*([flag] if flag else []), help=text, rich_help_panel="Reading")
            ],
        )
        for name, (kind, default, text, flag) in READING.items()
    ]
    params = [p for p in sig.parameters.values() if p.name != "read"]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        read = {name: kwargs.pop(name) for name in READING}
        read["duplicates"] = "last" if read.pop("keep_last") else "error"
        adjust, exclude = read.pop("adjust_splits"), read.pop("exclude_splits")
        read["splits"] = "exclude" if exclude else "adjust" if adjust else "keep"
        read["on_bad"] = "skip" if read.pop("skip_bad") else "raise"
        return command(*args, read=read, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=params + extra)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params + extra}
    return wrapper  # type: ignore[return-value]


def read_files(files: list[str], read: dict[str, Any]) -> Any:
    """``read_prices(files, **read)`` with a progress bar over the files (on a terminal)."""
    from weightfit.data import read_prices
    from weightfit.report.console import progress_bar

    with progress_bar(err, 1, "reading", "files") as update:
        return read_prices(files, **read, progress=lambda done, n: update(done, total=n))
