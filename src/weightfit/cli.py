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
from typing import Annotated, Any, TypeVar

import click
import typer
from rich.console import Console

from weightfit.errors import WeightfitError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Find a price model's weights, and ask honestly whether it beats the naive baseline.",
)
out = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])
DEBUG = {"on": False}


@app.callback()
def main_options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Print the traceback of an internal error.")
    ] = False,
) -> None:
    """Find a price model's weights, and ask honestly whether it beats the naive baseline."""
    DEBUG["on"] = debug


def one_line_errors(command: F) -> F:
    """The error boundary. Our errors (bad input, bad settings) are one line on stderr and exit
    code 2; Ctrl-C is "interrupted" and 130; a closed pipe ends quietly. Anything else is a
    bug: "internal error", the traceback saved to a file (printed with --debug), exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except WeightfitError as e:
            print(f"weightfit: error: {e}", file=sys.stderr)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            print("weightfit: interrupted", file=sys.stderr)
            raise typer.Exit(130) from None
        except BrokenPipeError:  # `weightfit ... | head`: the reader has all it wanted
            _quiet_stdout()
            raise typer.Exit(0) from None
        except (click.exceptions.Exit, click.exceptions.ClickException, click.exceptions.Abort):
            raise
        except Exception:
            _internal_error()
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


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
    last = text.strip().splitlines()[-1]
    print(
        f"weightfit: internal error (a bug): {last}; the traceback is in {path} "
        "(or run again with --debug); please report it",
        file=sys.stderr,
    )


Files = Annotated[
    list[str], typer.Argument(help="Price files, folders or globs (CSV, TXT, .gz, .zip, Parquet).")
]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
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
    iterations: Annotated[int, typer.Option(help="How many guessing iterations.")] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Walk through the tutorial: one price, one weight, the guessing method."""
    from weightfit.report.console import render_tutorial, search_progress
    from weightfit.tutorial import tutorial as run

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
    """Show what was read from price files: per series, rows, dates, frequency, price column."""
    from weightfit.data import read_prices
    from weightfit.report.console import render_inspect

    frame = read_prices(files, **read)
    if as_json:
        print(json.dumps(frame.attrs["weightfit"], default=str))
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
    """Download a price history through yfinance (needs the 'fetch' extra)."""
    from weightfit.data.fetch import fetch as download
    from weightfit.report.console import render_inspect
    from weightfit.report.files import write_frame

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
) -> None:
    """Fit a model, forecast the test part, and say whether it beats the naive baseline."""
    from weightfit.engine.partitions import Interrupted, fit_files
    from weightfit.report.console import progress_bar, render_report
    from weightfit.report.files import write_frame
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
            print(f"weightfit: {e}; run the same command with --resume to finish", file=sys.stderr)
            raise typer.Exit(130) from None
    written = _keep(report, record, runs, html)
    if output:
        written.append(write_frame(report.to_frame(), output))
    if forecasts:
        written.append(write_frame(report.forecasts, forecasts))
    if plot:
        written += plot_report(report, plot)
    if as_json:
        print(json.dumps(report.to_dict(series=json_series or None), default=str))
        return
    render_report(report, out)
    for path in written:
        out.print(f"wrote {path}", highlight=False)


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
    """Run several strategies on the same data: loss, distance to the optimum, cost."""
    from weightfit.data import read_prices
    from weightfit.report.console import render_comparison
    from weightfit.report.plots import plot_search
    from weightfit.search.compare import compare_prices

    names = [n.strip() for n in strategies.split(",") if n.strip()]
    frame = read_prices(files, **read)
    with err.status("searching", spinner="dots"):
        result = compare_prices(frame, model, names, max_evaluations=max_evaluations)
    if record:
        command = shlex.join(["weightfit", *sys.argv[1:]])
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
) -> None:
    """The main job on the bundled MSFT sample: fit, leaderboard, verdict and plots."""
    from weightfit.data import sample
    from weightfit.evaluate.fit import fit
    from weightfit.report.console import render_inspect, render_report
    from weightfit.report.plots import plot_report

    frame = sample("msft")
    render_inspect(frame.attrs["weightfit"], out)
    with err.status("fitting Scale, Affine and AutoRegressive(5) on MSFT", spinner="dots"):
        report = fit(frame, ["scale", "affine", "ar:5"], "lstsq", test=0.2)
    render_report(report, out)
    paths = plot_report(report, plot)
    out.print(
        f"Plots of the test window and the errors are in ./{plot}/: "
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
    3: not reproducible (seed it)."""
    from weightfit.data import read_prices
    from weightfit.evaluate.audit import audit
    from weightfit.report.audit import render_audit

    frame = read_prices(files, **read)
    spec: Any = int(cutoffs) if cutoffs.strip().isdigit() else cutoffs.split(",")
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
    """The tutorial's next step: an LSTM as usually published, then scored honestly."""
    from weightfit.lesson import lesson
    from weightfit.report.lesson import render_lesson

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


def _store(path: str | None) -> Any:
    from weightfit.runs import Store

    return Store(path)


def _keep(report: Any, record: bool, runs: str | None, html: str | None) -> list[Any]:
    """Record the run (unless --no-record) and write the HTML report (with --report)."""
    written: list[Any] = []
    command = shlex.join(["weightfit", *sys.argv[1:]])
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
    """The recorded runs, newest first."""
    from weightfit.report.runs import render_runs

    found = _store(runs).runs(data=data, model=model)
    if as_json:
        print(json.dumps({"runs": [r.to_dict() for r in found]}, default=str))
        return
    render_runs(found, out)


@runs_app.command("show")
@one_line_errors
def runs_show(run_id: RunId, runs: RunsPath = None, as_json: Json = False) -> None:
    """One run: what it ran on, its settings, leaderboard and verdict."""
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
    """Does run B beat run A? Diebold-Mariano per series (Benjamini-Hochberg) and pooled."""
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
    """Every forecast of a run, long: unique_id, ds, cutoff, model, y, y_hat, loss."""
    from weightfit.report.files import write_frame

    path = write_frame(_store(runs).losses(run_id), output)
    out.print(f"wrote {path}", highlight=False)


@runs_app.command("delete")
@one_line_errors
def runs_delete(run_id: RunId, runs: RunsPath = None) -> None:
    """Remove a run and its files."""
    run = _store(runs).delete(run_id)
    out.print(f"deleted run {run.id} ({run.time}, {run.command})", highlight=False)


@app.command("report")
@one_line_errors
def report_command(
    run_id: RunId,
    output: Annotated[str, typer.Option("--output", "-o", help="The HTML file to write.")],
    runs: RunsPath = None,
) -> None:
    """One self-contained HTML file of a recorded run: read, leaderboard, verdict, plots."""
    from weightfit.report.html import write_html

    store = _store(runs)
    run = store.get(run_id)
    path = write_html(store.report(run.id), output, read=store.read_record(run.id), run=run)
    out.print(f"wrote {path}", highlight=False)


def main() -> None:
    """Entry point of the ``weightfit`` console script and ``python -m weightfit``."""
    app()
