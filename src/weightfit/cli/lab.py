"""The lesson and the look-ahead audit."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from weightfit.cli.app import (
    _check_outputs,
    app,
    dumps,
    err,
    one_line_errors,
    out,
    write_staged,
)
from weightfit.cli.options import Files, Json, read_files, reading
from weightfit.errors import ConfigError


@app.command("audit")
@one_line_errors
@reading
def audit_command(
    forecaster: Annotated[
        str,
        typer.Argument(help="The forecaster, module:function (on the current folder or a path)."),
    ],
    files: Files,
    read: dict[str, Any],
    cutoffs: Annotated[
        str,
        typer.Option(help="How many cutoffs (3), or comma-separated dates (2017-01-03,...)."),
    ] = "3",
    h: Annotated[int, typer.Option(help="Forecast horizon: the rows after each cutoff.")] = 1,
    seed: Annotated[int, typer.Option(help="Seeds the altered futures.")] = 0,
    as_json: Json = False,
) -> None:
    """Does a forecaster read the future? Exit 0: no leak, 1: a leak, 2: bad input,
    3: not reproducible (seed it).

    Example: weightfit audit my_models.py:forecast sample:msft   (your f(prices, cutoff, h))"""
    from weightfit.evaluate.audit import audit
    from weightfit.report.audit import render_audit

    spec: Any = int(cutoffs) if cutoffs.strip().isdigit() else cutoffs.split(",")
    _check_audit(spec, cutoffs, h, seed)
    frame = read_files(files, read)
    if as_json:
        result = audit(forecaster, frame, spec, h, seed=seed)
        print(dumps(result.to_dict()))
    else:
        with err.status("auditing", spinner="dots") as status:
            result = audit(forecaster, frame, spec, h, seed=seed, callback=status.update)
        render_audit(result, out)
    raise typer.Exit({"clean": 0, "leak": 1, "unseeded": 3}[result.outcome])


@app.command("lesson")
@one_line_errors
def lesson_command(
    rows: Annotated[int, typer.Option(help="The last N days of the MSFT sample.")] = 1000,
    epochs: Annotated[int, typer.Option(help="Training epochs of the LSTM.")] = 30,
    seed: Annotated[int, typer.Option(help="Seeds the network and the audit.")] = 0,
    plot: Annotated[
        str | None, typer.Option(help="Write the lesson's PNGs into this folder.")
    ] = None,
    as_json: Json = False,
) -> None:
    """The tutorial's next step: an LSTM as usually published, then scored honestly.

    Example: weightfit lesson --rows 300 --epochs 3"""
    from weightfit.lesson import lesson
    from weightfit.report.lesson import render_lesson

    _check_outputs(plot)
    _check_seed(seed)
    if isinstance(epochs, bool) or epochs < 1:
        raise ConfigError(f"Invalid --epochs {epochs}: an integer >= 1 (e.g. 30)")

    if as_json:
        result = lesson(rows=rows, epochs=epochs, seed=seed)
    else:
        with err.status("the lesson", spinner="dots") as status:
            result = lesson(rows=rows, epochs=epochs, seed=seed, callback=status.update)
    paths = []
    if plot:
        from weightfit.report.lesson_plots import plot_lesson

        paths = write_staged(plot, lambda tmp: plot_lesson(result, tmp), folder=True)
    if as_json:
        print(json.dumps(result.to_dict()))
        return
    render_lesson(result, out)
    for path in paths:
        out.print(f"wrote {path}", highlight=False)
    err.print(f"done in {result.seconds:.1f} s", highlight=False)


def _check_audit(spec: Any, cutoffs: str, h: int, seed: int) -> None:
    """audit's flags, before the forecaster is imported or a file read."""
    import pandas as pd

    if isinstance(spec, int) and spec < 1:
        raise ConfigError(f"Invalid --cutoffs {cutoffs!r}: a count >= 1, or dates")
    if isinstance(spec, list):
        for day in spec:
            try:
                pd.Timestamp(day.strip())
            except (ValueError, TypeError, OverflowError):
                raise ConfigError(
                    f"Invalid --cutoffs {cutoffs!r}: {day!r} is not a date; a count (3) or "
                    "comma-separated dates (2017-01-03,2018-01-02)"
                ) from None
    if h < 1:
        raise ConfigError(f"Invalid --h {h}: an integer >= 1, the rows after each cutoff")
    _check_seed(seed)


def _check_seed(seed: int) -> None:
    if not 0 <= seed < 2**32:
        raise ConfigError(f"Invalid --seed {seed}: an integer from 0 to {2**32 - 1}")
