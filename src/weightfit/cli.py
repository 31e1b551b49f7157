"""The command-line face: parse, call the library, render. No logic lives only here."""

from __future__ import annotations

import functools
import json
import shlex
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
Record = Annotated[bool, typer.Option(help="Keep this run in the run store (weightfit runs).")]
RunsPath = Annotated[
    str | None,
    typer.Option(
        "--runs", help="The run store (default: $WEIGHTFIT_RUNS, else .weightfit/runs.sqlite)."
    ),
]


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
    html: Annotated[
        str | None, typer.Option("--report", help="Write a one-file HTML report here.")
    ] = None,
    record: Record = True,
    runs: RunsPath = None,
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
    report, frame = _fit_files(files, read, settings, dask, resume, files_per_partition)
    written = _keep(report, frame, record, runs, html)
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
            report = run_fit(frame, **settings, callback=lambda w: status.update(f"fitting: {w}"))
            return report, frame
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
    return report, None


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
    record: Record = True,
    runs: RunsPath = None,
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
    if record:
        command = shlex.join(["weightfit", *sys.argv[1:]])
        settings = {"model": model, "strategies": names, "max_evaluations": max_evaluations}
        _store(runs).record_search(result.table, settings, data=frame, command=command)
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


# -- runs: every fit and search kept; listed, shown, compared; one HTML report ---------------

runs_app = typer.Typer(
    no_args_is_help=True, help="Recorded runs: list, show, compare with a test, export, delete."
)
app.add_typer(runs_app, name="runs")
RunId = Annotated[str, typer.Argument(help="A run id, as `weightfit runs list` shows.")]


def _store(path: str | None) -> Any:
    from weightfit.runs import Store

    return Store(path)


def _keep(report: Any, frame: Any, record: bool, runs: str | None, html: str | None) -> list[Any]:
    """Record the run (unless --no-record) and write the HTML report (with --report)."""
    written: list[Any] = []
    command = shlex.join(["weightfit", *sys.argv[1:]])
    run = _store(runs).record(report, data=frame, command=command) if record else None
    if html:
        from weightfit.report.html import write_html

        read = frame.attrs.get("weightfit") if frame is not None else None
        written.append(write_html(report, html, read=read, run=run))
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
