"""The command-line face: parse, call the library, render. No logic lives only here."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from weightfit.errors import WeightfitError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Find a price model's weights, and ask honestly whether it beats the naive baseline.",
)
out = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def one_line_errors(command: F) -> F:
    """Our errors, and invalid settings, become one line on stderr and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (WeightfitError, ValueError) as e:
            print(f"weightfit: error: {e}", file=sys.stderr)
            raise typer.Exit(2) from None
        except OSError as e:  # a folder that cannot be written, a full disk
            print(f"weightfit: error: {e.filename or ''}: {e.strerror or e}", file=sys.stderr)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            print("weightfit: interrupted", file=sys.stderr)
            raise typer.Exit(130) from None

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
    from weightfit.report.console import progress_bar, render_tutorial
    from weightfit.tutorial import tutorial as run

    if as_json:
        result = run(price, target, weight, step, iterations)
        print(json.dumps(result.to_dict()))
        return
    with progress_bar(err, iterations, "guessing", every=max(1, iterations // 100)) as tick:
        result = run(price, target, weight, step, iterations, callback=tick)
    render_tutorial(result, out)


Files = Annotated[
    list[str], typer.Argument(help="Price files, folders or globs (CSV, TXT, .gz, .zip, Parquet).")
]
Price = Annotated[str | None, typer.Option(help="The price column, by name or 0-based position.")]
Date = Annotated[str | None, typer.Option(help="The date column, by name or 0-based position.")]
Id = Annotated[str | None, typer.Option("--id", help="The ticker column of a long file.")]
Sep = Annotated[str | None, typer.Option(help="The field separator (detected if not given).")]
Decimal = Annotated[str | None, typer.Option(help="The decimal mark, '.' or ','.")]
Encoding = Annotated[str | None, typer.Option(help="The text encoding (detected if not given).")]
Skiprows = Annotated[int | None, typer.Option(help="Lines to skip before the header.")]
DateFormat = Annotated[str | None, typer.Option(help="A strptime date format, e.g. '%d/%m/%Y'.")]
KeepLast = Annotated[
    bool, typer.Option(help="Keep the last row of duplicated timestamps instead of stopping.")
]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _reading(
    price: str | None,
    date: str | None,
    id: str | None,
    sep: str | None,
    decimal: str | None,
    encoding: str | None,
    skiprows: int | None,
    date_format: str | None,
    keep_last: bool,
) -> dict[str, Any]:
    """The reading flags, as ``read_prices`` takes them."""
    return {
        "price": price,
        "date": date,
        "id": id,
        "sep": sep,
        "decimal": decimal,
        "encoding": encoding,
        "skiprows": skiprows,
        "date_format": date_format,
        "duplicates": "last" if keep_last else "error",
    }


def _read(files: list[str], options: dict[str, Any]) -> Any:
    from weightfit.data import read_prices

    return read_prices(files, **options)


@app.command()
@one_line_errors
def inspect(
    files: Files,
    price: Price = None,
    date: Date = None,
    id: Id = None,
    sep: Sep = None,
    decimal: Decimal = None,
    encoding: Encoding = None,
    skiprows: Skiprows = None,
    date_format: DateFormat = None,
    keep_last: KeepLast = False,
    as_json: Json = False,
) -> None:
    """Show what was read from price files: per series, rows, dates, frequency, price column."""
    from weightfit.report.console import render_inspect

    options = _reading(price, date, id, sep, decimal, encoding, skiprows, date_format, keep_last)
    frame = _read(files, options)
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
def fit_command(
    files: Files,
    model: Annotated[
        list[str],
        typer.Option(help="Weight model(s): scale, affine, ar:5, mlp:5. Repeat for several."),
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
        int, typer.Option(help="Files per partition, the unit of parallel work.")
    ] = 64,
    device: Annotated[
        str, typer.Option(help="Where the batched closed-form fits run: cpu or cuda.")
    ] = "cpu",
    price: Price = None,
    date: Date = None,
    id: Id = None,
    sep: Sep = None,
    decimal: Decimal = None,
    encoding: Encoding = None,
    skiprows: Skiprows = None,
    date_format: DateFormat = None,
    keep_last: KeepLast = False,
    as_json: Json = False,
) -> None:
    """Fit a model, forecast the test part, and say whether it beats the naive baseline."""
    from weightfit.report.console import render_report
    from weightfit.report.files import write_frame

    read = _reading(price, date, id, sep, decimal, encoding, skiprows, date_format, keep_last)
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
    report = _fit_files(files, read, settings, dask, resume, files_per_partition)
    written = []
    if output:
        written.append(write_frame(report.to_frame(), output))
    if forecasts:
        written.append(write_frame(report.forecasts, forecasts))
    if plot:
        written += report.plot(plot)
    if as_json:
        print(json.dumps(report.to_dict(), default=str))
        return
    render_report(report, out)
    for path in written:
        out.print(f"wrote {path}", highlight=False)


def _fit_files(
    files: list[str],
    read: dict[str, Any],
    settings: dict[str, Any],
    dask: str | None,
    resume: bool,
    files_per_partition: int,
) -> Any:
    """One file: fit it here. Several files, --dask or --resume: partition by partition, with a
    progress bar, finished partitions kept so that Ctrl-C loses nothing."""
    from weightfit.data import read_prices
    from weightfit.engine import partitions as parts
    from weightfit.evaluate.report import fit as run_fit

    groups = parts.partitions(files, files_per_partition)
    if len(groups) == 1 and len(groups[0]) == 1 and dask is None and not resume:
        with err.status("fitting", spinner="dots") as status:
            frame = read_prices(files, **read)
            return run_fit(frame, **settings, callback=lambda w: status.update(f"fitting: {w}"))
    checkpoints = parts.Checkpoints(".weightfit-resume")
    progress = Progress(
        TextColumn("fitting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("partitions, {task.fields[series]} series, {task.fields[speed]} rows/s"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )

    def tick(p: Any) -> None:
        progress.update(
            task, completed=p.done, series=f"{p.series:,}", speed=f"{p.rows_per_second:,.0f}"
        )

    with progress:
        task = progress.add_task("fit", total=len(groups), series="0", speed="-")
        try:
            if dask is None:
                report = parts.run(
                    groups,
                    read,
                    settings,
                    checkpoints=checkpoints if resume else _fresh(checkpoints),
                    callback=tick,
                )
            else:
                from weightfit.engine.cluster import connect

                with connect(dask) as client:
                    report = parts.run(
                        groups,
                        read,
                        settings,
                        client=client,
                        checkpoints=checkpoints if resume else _fresh(checkpoints),
                        callback=tick,
                    )
        except parts.Interrupted as e:
            progress.stop()
            print(f"weightfit: {e}; run the same command with --resume to finish", file=sys.stderr)
            raise typer.Exit(130) from None
    checkpoints.clear()
    return report


def _fresh(checkpoints: Any) -> Any:
    checkpoints.clear()
    return checkpoints


@app.command()
@one_line_errors
def search(
    files: Files,
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
    price: Price = None,
    date: Date = None,
    id: Id = None,
    sep: Sep = None,
    decimal: Decimal = None,
    encoding: Encoding = None,
    skiprows: Skiprows = None,
    date_format: DateFormat = None,
    keep_last: KeepLast = False,
    as_json: Json = False,
) -> None:
    """Run several strategies on the same data: loss, distance to the optimum, cost."""
    from weightfit.evaluate.panel import Panel
    from weightfit.models import Windows, get_model
    from weightfit.objective import Objective
    from weightfit.report.console import render_comparison
    from weightfit.search.compare import compare

    options = _reading(price, date, id, sep, decimal, encoding, skiprows, date_format, keep_last)
    frame = _read(files, options)
    chosen = get_model(model)
    panel = Panel.from_frame(frame)
    data = Windows.from_values(panel.values, panel.offsets, chosen.window)
    objective = Objective(chosen, data)
    names = [n.strip() for n in strategies.split(",") if n.strip()]
    with err.status("searching", spinner="dots"):
        result = compare(
            objective,
            chosen.initial_weights(panel.n_series),
            names,
            max_evaluations=max_evaluations,
        )
    if as_json:
        print(
            json.dumps(
                {
                    "model": model,
                    "series": panel.n_series,
                    "strategies": result.table.to_dict("records"),
                    "skipped": result.skipped,
                }
            )
        )
        return
    render_comparison(result, chosen, panel, out)
    if plot:
        from pathlib import Path

        from weightfit.report.plots import plot_search

        title = f"{panel.ids[0]}, {type(chosen).__name__}"
        for path in plot_search(result, objective, chosen.weight_names(), Path(plot), title):
            out.print(f"wrote {path}", highlight=False)


@app.command()
@one_line_errors
def demo(
    plot: Annotated[str, typer.Option(help="Where to write the plots.")] = "weightfit-demo",
) -> None:
    """The main job on the bundled MSFT sample: fit, leaderboard, verdict and plots."""
    from weightfit.data import sample
    from weightfit.evaluate.report import fit as run_fit
    from weightfit.report.console import render_inspect, render_report

    frame = sample("msft")
    render_inspect(frame.attrs["weightfit"], out)
    with err.status("fitting Scale, Affine and AutoRegressive(5) on MSFT", spinner="dots"):
        report = run_fit(frame, ["scale", "affine", "ar:5"], "lstsq", test=0.2)
    render_report(report, out)
    paths = report.plot(plot)
    out.print(
        f"Plots of the test window and the errors are in ./{plot}/: "
        + ", ".join(p.name for p in paths),
        highlight=False,
    )


def main() -> None:
    """Entry point of the ``weightfit`` console script and ``python -m weightfit``."""
    app()


@app.command("audit")
def audit_command(
    forecaster: Annotated[
        str,
        typer.Argument(help="The forecaster, module:function (on the current folder or a path)."),
    ],
    files: Files,
    cutoffs: Annotated[
        str,
        typer.Option(help="How many cutoffs (3), or comma-separated dates (2017-01-03,...)."),
    ] = "3",
    h: Annotated[int, typer.Option(help="Forecast horizon: the rows after each cutoff.")] = 1,
    seed: Annotated[int, typer.Option(help="Seeds the altered futures.")] = 0,
    price: Price = None,
    date: Date = None,
    id: Id = None,
    keep_last: KeepLast = False,
    as_json: Json = False,
) -> None:
    """Does a forecaster read the future? Exit 0: no leak, 1: a leak, 2: bad input,
    3: not reproducible (seed it)."""
    from weightfit.evaluate.audit import audit
    from weightfit.report.audit import render_audit

    @one_line_errors
    def run() -> Any:
        read = _reading(price, date, id, None, None, None, None, None, keep_last)
        frame = _read(files, read)
        spec: Any = int(cutoffs) if cutoffs.strip().isdigit() else cutoffs.split(",")
        if as_json:
            return audit(forecaster, frame, spec, h, seed=seed)
        with err.status("auditing", spinner="dots") as status:
            return audit(forecaster, frame, spec, h, seed=seed, callback=status.update)

    result = run()
    if as_json:
        print(json.dumps(result.to_dict(), default=str))
    else:
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
