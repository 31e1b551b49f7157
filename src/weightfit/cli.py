"""The command-line face: parse, call the library, render. No logic lives only here."""

from __future__ import annotations

import functools
import json
import os
import shlex
import sys
import tempfile
import traceback
from collections.abc import Callable
from inspect import Parameter, signature
from pathlib import Path
from typing import Annotated, Any, TypeVar

import click
import typer
from rich.console import Console

from weightfit.errors import ConfigError, WeightfitError
from weightfit.report.text import plain, safe

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
        read["splits"] = "adjust" if read.pop("adjust_splits") else "keep"
        read["on_bad"] = "skip" if read.pop("skip_bad") else "raise"
        return command(*args, read=read, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=params + extra)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params + extra}
    return wrapper  # type: ignore[return-value]


@app.command()
@one_line_errors
def tutorial(
    price: Annotated[float, typer.Option(help="The current price (USD).")] = 420.0,
    target: Annotated[float, typer.Option(help="The real next price (USD).")] = 425.0,
    weight: Annotated[float, typer.Option(help="The first weight to try.")] = 1.01,
    step: Annotated[float, typer.Option(help="How far each guess moves the weight.")] = 1e-4,
    iterations: Annotated[
        int, typer.Option(help=f"How many guessing iterations (0 to {MAX_ITERATIONS:,}).")
    ] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Walk through the tutorial: one price, one weight, the guessing method.

    Example: weightfit tutorial --iterations 300"""
    from weightfit.report.console import render_tutorial, search_progress
    from weightfit.tutorial import tutorial as run

    if iterations > MAX_ITERATIONS:  # below 0: the library's own message
        raise ConfigError(
            f"Invalid --iterations {iterations:,}: at most {MAX_ITERATIONS:,} (the "
            "guessing method moves the weight by --step per iteration; raise --step instead)"
        )

    if as_json:
        result = run(price, target, weight, step, iterations)
        print(json.dumps(result.to_dict()))
        return
    with search_progress(err, iterations, "guessing", every=max(1, iterations // 100)) as tick:
        result = run(price, target, weight, step, iterations, callback=tick)
    render_tutorial(result, out)


@app.command()
@one_line_errors
@reading
def inspect(files: Files, read: dict[str, Any], as_json: Json = False) -> None:
    """Show what was read from price files: per series, rows, dates, frequency, price column.

    Example: weightfit inspect sample:msft   (sample:msft is the bundled MSFT file)"""
    from weightfit.data import read_prices
    from weightfit.report.console import render_inspect

    frame = read_prices(files, **read)
    if as_json:
        from weightfit.data.panel import json_default

        print(json.dumps(frame.attrs["weightfit"], default=json_default))
        return
    render_inspect(frame.attrs["weightfit"], out)


@app.command()
@one_line_errors
def fetch(
    ticker: Annotated[str, typer.Argument(help="A Yahoo Finance ticker, e.g. MSFT or BTC-USD.")],
    start: Annotated[str | None, typer.Option(help="First date, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option(help="Last date (exclusive), YYYY-MM-DD.")] = None,
    interval: Annotated[str, typer.Option(help="Bar size: 1d, 1h, 1m, ...")] = "1d",
    output: Annotated[
        str | None, typer.Option(help="Write the prices to a .csv or .parquet file.")
    ] = None,
) -> None:
    """Download a price history through yfinance (needs the 'fetch' extra and the network).

    Example: weightfit fetch MSFT --start 2024-01-01 --output msft.csv"""
    from weightfit.data.fetch import fetch as download
    from weightfit.report.console import render_inspect
    from weightfit.report.files import FRAME_SUFFIXES, write_frame

    _check_outputs(files={output: FRAME_SUFFIXES})
    frame = download(ticker, start=start, end=end, interval=interval)
    if output:
        write_frame(frame, output)
    render_inspect(frame.attrs["weightfit"], out)
    if output:
        out.print(f"wrote {len(frame)} rows to {output}")


@app.command("fit")
@one_line_errors
@reading
def fit_command(
    files: Files,
    read: dict[str, Any],
    model: Annotated[
        list[str],
        typer.Option(
            help="Model(s): scale, affine, ar:5, mlp:5, or a baseline (naive, drift, ...). "
            "Repeat for several."
        ),
    ] = ["scale"],  # noqa: B006
    search: Annotated[
        str, typer.Option(help="How to find the weights: lstsq, guess, pattern, adam, lbfgs, ...")
    ] = "lstsq",
    max_evaluations: Annotated[
        int, typer.Option(help="The loss evaluations each fit may spend.")
    ] = 20_000,
    test: Annotated[
        str, typer.Option(help="Hold out the last fraction (0.2) or everything from a date.")
    ] = "0.2",
    cv: Annotated[
        int | None, typer.Option(help="Rolling-origin cross-validation with N windows instead.")
    ] = None,
    h: Annotated[int, typer.Option(help="Forecast horizon (with --cv).")] = 1,
    metrics: Annotated[
        str,
        typer.Option(
            help="Measures, comma-separated: mse, rmse, mae, mape, smape, mase, rmsse, theil_u2, "
            "skill, direction."
        ),
    ] = "mse,rmse,mae,mase,skill",
    output: Annotated[
        str | None, typer.Option(help="Write per-series results to a .csv or .parquet file.")
    ] = None,
    forecasts: Annotated[
        str | None, typer.Option(help="Write every forecast (cross_validation layout) to a file.")
    ] = None,
    plot: Annotated[str | None, typer.Option(help="Write PNG plots into this folder.")] = None,
    dask: Annotated[
        str | None,
        typer.Option(help="Fit partitions on a Dask cluster: local, local:N or tcp://HOST:PORT."),
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Reuse the partitions an interrupted run finished.")
    ] = False,
    files_per_partition: Annotated[
        int | None, typer.Option(help="At most this many files per partition.")
    ] = None,
    memory: Annotated[
        str | None,
        typer.Option(
            help="Memory budget partitions are sized by, e.g. 2GB (default: a quarter of the "
            "available memory). A big long Parquet file is read in row ranges, whole series each."
        ),
    ] = None,
    json_series: Annotated[
        bool,
        typer.Option(
            "--json-series",
            help="With --json: every series' entry, however many (default: "
            "up to 1000, else a summary).",
        ),
    ] = False,
    device: Annotated[
        str, typer.Option(help="Where the batched closed-form fits run: cpu or cuda.")
    ] = "cpu",
    html: Annotated[
        str | None, typer.Option("--report", help="Write a one-file HTML report here.")
    ] = None,
    record: Record = True,
    runs: RunsPath = None,
    as_json: Json = False,
    full: Full = False,
) -> None:
    """Fit a model, forecast the test part, and say whether it beats the naive baseline.

    Example: weightfit fit sample:msft --model scale --model ar:5

    Exit 0: done; 2: bad input, every unreadable file listed (--skip-bad fits the others);
    130: interrupted (--resume finishes)."""
    from weightfit.atomic import OutputSet
    from weightfit.report.console import render_report, render_skipped
    from weightfit.report.files import FRAME_SUFFIXES, write_frame
    from weightfit.report.plots import plot_report

    settings = {
        "model": model,
        "search": search,
        "test": test,
        "cv": cv,
        "h": h,
        "metrics": [m for m in metrics.split(",") if m.strip()],
        "max_evaluations": max_evaluations,
        "device": device,
    }
    _check_fit(files, read, settings, metrics, files_per_partition, dask, memory)
    if record:
        _store(runs)  # a run store that cannot be opened fails now, not after the fit
    with OutputSet() as outputs:  # every output path checked before any work
        frame_out = outputs.add(output, suffixes=FRAME_SUFFIXES) if output else None
        forecasts_out = outputs.add(forecasts, suffixes=FRAME_SUFFIXES) if forecasts else None
        plot_out = outputs.add(plot, folder=True) if plot else None
        html_out = outputs.add(html, suffixes=(".html", ".htm")) if html else None
        report = _fit_files(files, read, settings, files_per_partition, memory, resume, dask)
        staged_html = outputs.stage(html_out) if html_out else None
        _keep(report, record, runs, staged_html)
        if frame_out:
            write_frame(report.to_frame(), outputs.stage(frame_out))
        if forecasts_out:
            write_frame(report.forecasts, outputs.stage(forecasts_out))
        if plot_out:
            plot_report(report, outputs.stage(plot_out))
        written = outputs.commit()  # all renamed into place together, at the end
    if as_json:
        shown = report.to_dict(series=json_series or None)
        print(json.dumps({**shown, "skipped": report.read["skipped"]}, default=str))
        return
    render_report(report, out, wide=full)
    render_skipped(report.read["skipped"], out)
    for path in written:
        out.print(f"wrote {safe(path)}", highlight=False)


def _check_fit(
    files: list[str],
    read: dict[str, Any],
    settings: dict[str, Any],
    metrics: str,
    files_per_partition: int | None,
    dask: str | None,
    memory: str | None = None,
) -> None:
    """Every flag of `fit` checked before any file is read: the value and the fix."""
    from weightfit.data.read import check_reading
    from weightfit.evaluate.cv import get_forecaster
    from weightfit.evaluate.fit import check_settings

    if not settings["metrics"]:
        raise ConfigError(
            f"Invalid --metrics {metrics!r}: no measure named; e.g. --metrics mse,mae,skill"
        )
    names = ("test", "cv", "h", "max_evaluations", "device", "metrics")
    check_settings(**{k: settings[k] for k in names})
    where = ", ".join(files)
    read.update(
        check_reading(**{k: read[k] for k in ("sep", "skiprows", "date_format")}, where=where)
    )
    if files_per_partition is not None and (
        isinstance(files_per_partition, bool) or files_per_partition < 1
    ):
        raise ConfigError(
            f"Invalid --files-per-partition {files_per_partition}: an integer >= 1 (e.g. 64)"
        )
    if dask is not None:
        from weightfit.engine.cluster import check_address

        check_address(dask)
    if memory is not None:
        from weightfit.engine.partitions import memory_budget

        memory_budget(memory)  # "2GB", "500MB": anything else is refused now, with the fix
    for spec in settings["model"]:  # an unknown model or search fails here, not after reading
        get_forecaster(spec, settings["search"], settings["max_evaluations"])


def _fit_files(
    files: list[str],
    read: dict[str, Any],
    settings: dict[str, Any],
    files_per_partition: int | None,
    memory: str | None,
    resume: bool,
    dask: str | None,
) -> Any:
    """``fit_files`` under a progress bar; Ctrl-C between partitions keeps what finished."""
    from weightfit.engine.partitions import Interrupted, fit_files
    from weightfit.report.console import progress_bar

    detail = "partitions, {task.fields[series]} series, {task.fields[speed]} rows/s"
    with progress_bar(err, 1, "fitting", detail, series="0", speed="-") as update:

        def tick(p: Any) -> None:
            speed = f"{p.rows_per_second:,.0f}"
            update(p.done, total=p.total, series=f"{p.series:,}", speed=speed)

        try:
            report = fit_files(
                files,
                read=read,
                settings=settings,
                files_per_partition=files_per_partition,
                memory=memory,
                resume=resume,
                dask=dask,
                callback=tick,
            )
        except Interrupted as e:
            done = plain(e).removeprefix("interrupted")
            _say_interrupted(f"{done}; run the same command with --resume to finish")
            raise typer.Exit(130) from None
    return report


@app.command()
@one_line_errors
@reading
def search(
    files: Files,
    read: dict[str, Any],
    model: Annotated[str, typer.Option(help="The model whose weights are searched.")] = "scale",
    strategies: Annotated[
        str,
        typer.Option(
            help="Comma-separated: guess, pattern, oneplusone, random, golden, "
            "brent, adam, sgd, lbfgs, lstsq, ..."
        ),
    ] = "guess,pattern,golden,adam,lbfgs,lstsq",
    max_evaluations: Annotated[int, typer.Option(help="Budget per strategy.")] = 100_000,
    plot: Annotated[str | None, typer.Option(help="Write PNG plots into this folder.")] = None,
    record: Record = True,
    runs: RunsPath = None,
    as_json: Json = False,
) -> None:
    """Run several strategies on the same data: loss, distance to the optimum, cost.

    Example: weightfit search sample:msft --strategies guess,pattern,lstsq"""
    from weightfit.data import read_prices
    from weightfit.report.console import render_comparison
    from weightfit.report.plots import plot_search
    from weightfit.search.compare import compare_prices

    names = [n.strip() for n in strategies.split(",") if n.strip()]
    if not names:
        raise ConfigError(f"Invalid --strategies {strategies!r}: none named; e.g. guess,lstsq")
    if isinstance(max_evaluations, bool) or max_evaluations < 1:
        raise ConfigError(f"Invalid --max-evaluations {max_evaluations}: an integer >= 1")
    _check_outputs(plot)
    if record:
        _store(runs)
    frame = read_prices(files, **read)
    with err.status("searching", spinner="dots"):
        result = compare_prices(frame, model, names, max_evaluations=max_evaluations)
    if record:
        command = _command_line()
        settings = {"model": model, "strategies": names, "max_evaluations": max_evaluations}
        table = result.comparison.table
        _store(runs).record_search(table, settings, data=frame, command=command)
    if as_json:
        print(json.dumps(result.to_dict()))
        return
    render_comparison(result, out)
    if plot:
        for path in plot_search(result, plot):
            out.print(f"wrote {path}", highlight=False)


@app.command()
@one_line_errors
def demo(
    plot: Annotated[str, typer.Option(help="Where to write the plots.")] = "weightfit-demo",
    full: Full = False,
) -> None:
    """The main job on the bundled MSFT sample: fit, leaderboard, verdict and plots.

    Example: weightfit demo --plot demo-plots"""
    from weightfit.data import sample
    from weightfit.evaluate.fit import fit
    from weightfit.report.console import render_inspect, render_report
    from weightfit.report.plots import plot_report

    _check_outputs(plot)
    frame = sample("msft")
    render_inspect(frame.attrs["weightfit"], out)
    with err.status("fitting Scale, Affine and AutoRegressive(5) on MSFT", spinner="dots"):
        report = fit(frame, ["scale", "affine", "ar:5"], "lstsq", test=0.2)
    render_report(report, out, wide=full)
    paths = plot_report(report, plot)
    out.print(
        f"Plots of the test window and the errors are in {plot}/: "
        + ", ".join(p.name for p in paths),
        highlight=False,
    )


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
    from weightfit.data import read_prices
    from weightfit.evaluate.audit import audit
    from weightfit.report.audit import render_audit

    spec: Any = int(cutoffs) if cutoffs.strip().isdigit() else cutoffs.split(",")
    _check_audit(spec, cutoffs, h, seed)
    frame = read_prices(files, **read)
    if as_json:
        result = audit(forecaster, frame, spec, h, seed=seed)
        print(json.dumps(result.to_dict(), default=str))
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

        paths = plot_lesson(result, plot)
    if as_json:
        print(json.dumps(result.to_dict()))
        return
    render_lesson(result, out)
    for path in paths:
        out.print(f"wrote {path}", highlight=False)
    err.print(f"done in {result.seconds:.1f} s", highlight=False)


# -- runs: every fit and search kept; listed, shown, compared; one HTML report ---------------

runs_app = typer.Typer(
    no_args_is_help=True, help="Recorded runs: list, show, compare with a test, export, delete."
)
app.add_typer(runs_app, name="runs")
RunId = Annotated[str, typer.Argument(help="A run id, as `weightfit runs list` shows.")]


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


@runs_app.command("list")
@one_line_errors
def runs_list(
    data: Annotated[
        str | None, typer.Option(help="Only runs on data with this fingerprint.")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Only runs that evaluated this model.")] = None,
    runs: RunsPath = None,
    as_json: Json = False,
) -> None:
    """The recorded runs, newest first.

    Example: weightfit runs list"""
    from weightfit.report.runs import render_runs

    found = _store(runs).runs(data=data, model=model)
    if as_json:
        print(json.dumps({"runs": [r.to_dict() for r in found]}, default=str))
        return
    render_runs(found, out)


@runs_app.command("show")
@one_line_errors
def runs_show(run_id: RunId, runs: RunsPath = None, as_json: Json = False) -> None:
    """One run: what it ran on, its settings, leaderboard and verdict.

    Example: weightfit runs show 1"""
    from weightfit.report.runs import render_run

    run = _store(runs).get(run_id)
    if as_json:
        print(json.dumps(run.to_dict(), default=str))
        return
    render_run(run, out)


@runs_app.command("compare")
@one_line_errors
def runs_compare(
    a: Annotated[str, typer.Argument(help="The reference run's id.")],
    b: Annotated[str, typer.Argument(help="The challenger run's id.")],
    model: Annotated[
        str | None, typer.Option(help="B's model to test (default: B's best).")
    ] = None,
    model_a: Annotated[str | None, typer.Option(help="A's model (default: A's best).")] = None,
    force: Annotated[bool, typer.Option(help="Pair runs on different data anyway.")] = False,
    runs: RunsPath = None,
    as_json: Json = False,
) -> None:
    """Does run B beat run A? Diebold-Mariano per series (Benjamini-Hochberg) and pooled.

    Example: weightfit runs compare 1 2"""
    from weightfit.report.runs import render_run_comparison
    from weightfit.runs import compare_runs

    result = compare_runs(_store(runs), a, b, model_a=model_a, model_b=model, force=force)
    if as_json:
        print(json.dumps(result.to_dict()))
        return
    render_run_comparison(result, out)


@runs_app.command("export")
@one_line_errors
def runs_export(
    run_id: RunId,
    output: Annotated[str, typer.Option("--output", "-o", help="A .parquet or .csv file.")],
    runs: RunsPath = None,
) -> None:
    """Every forecast of a run, long: unique_id, ds, cutoff, model, y, y_hat, loss.

    Example: weightfit runs export 1 -o forecasts.csv"""
    from weightfit.report.files import FRAME_SUFFIXES, write_frame

    _check_outputs(files={output: FRAME_SUFFIXES})
    path = write_frame(_store(runs).losses(run_id), output)
    out.print(f"wrote {path}", highlight=False)


@runs_app.command("delete")
@one_line_errors
def runs_delete(run_id: RunId, runs: RunsPath = None) -> None:
    """Remove a run and its files.

    Example: weightfit runs delete 1"""
    run = _store(runs).delete(run_id)
    out.print(f"deleted run {run.id} ({run.time}, {run.command})", highlight=False)


@app.command("report")
@one_line_errors
def report_command(
    run_id: RunId,
    output: Annotated[str, typer.Option("--output", "-o", help="The HTML file to write.")],
    runs: RunsPath = None,
) -> None:
    """One self-contained HTML file of a recorded run: read, leaderboard, verdict, plots.

    Example: weightfit report 1 -o report.html"""
    from weightfit.report.html import write_html

    _check_outputs(files={output: (".html", ".htm")})
    store = _store(runs)
    run = store.get(run_id)
    path = write_html(store.report(run.id), output, read=store.read_record(run.id), run=run)
    out.print(f"wrote {path}", highlight=False)


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
