"""The main commands: tutorial, inspect, fetch, fit, search, demo. Each parses, calls one
library function and renders."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from weightfit.cli.app import (
    MAX_ITERATIONS,
    _check_outputs,
    _say_interrupted,
    app,
    dumps,
    err,
    one_line_errors,
    out,
    write_staged,
)
from weightfit.cli.options import Files, Full, Json, Record, RunsPath, read_files, reading
from weightfit.cli.record import _command_line, _keep, _store
from weightfit.errors import ConfigError
from weightfit.report.text import plain, safe


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
    from weightfit.report.console import render_inspect

    frame = read_files(files, read)
    if as_json:
        print(dumps(frame.attrs["weightfit"]))
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
    from weightfit.atomic import FRAME_SUFFIXES, write_frame
    from weightfit.data.fetch import fetch as download
    from weightfit.report.console import render_inspect

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
    gaps: Annotated[
        str,
        typer.Option(
            help="Forecasts across a night, weekend or missing bars: 'separate' (scored apart; "
            "the verdict on the in-session ones), 'exclude' (left out, counted) or 'include'."
        ),
    ] = "separate",
    pooled: Annotated[
        bool,
        typer.Option(
            "--global",
            help="One set of weights for all series, fitted on their pairs together "
            "(a global model, e.g. one LSTM for every ticker).",
        ),
    ] = False,
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
    from weightfit.atomic import FRAME_SUFFIXES, OutputSet
    from weightfit.engine.partitions import check_fit_files
    from weightfit.report.console import render_read, render_report
    from weightfit.report.plots import plot_report

    settings = {
        "model": model,
        "search": search,
        "test": test,
        "cv": cv,
        "h": h,
        "gaps": gaps,
        "pooled": pooled,
        "metrics": [m for m in metrics.split(",") if m.strip()],
        "max_evaluations": max_evaluations,
        "device": device,
    }
    if not settings["metrics"]:
        raise ConfigError(
            f"Invalid --metrics {metrics!r}: no measure named; e.g. --metrics mse,mae,skill"
        )
    check_fit_files(files, read, settings, files_per_partition, dask=dask, memory=memory)
    if record:
        _store(runs)  # a run store that cannot be opened fails now, not after the fit
    with OutputSet() as outputs:  # every output path checked before any work
        frame_out = outputs.add(output, suffixes=FRAME_SUFFIXES) if output else None
        forecasts_out = outputs.add(forecasts, suffixes=FRAME_SUFFIXES) if forecasts else None
        plot_out = outputs.add(plot, folder=True) if plot else None
        html_out = outputs.add(html, suffixes=(".html", ".htm")) if html else None
        staged = {  # written by the run, a partition at a time when it is big
            "output": outputs.stage(frame_out) if frame_out else None,
            "forecasts": outputs.stage(forecasts_out) if forecasts_out else None,
        }
        report = _fit_files(  # --json-series asks for every row: kept, however big the run
            files, read, settings, files_per_partition, memory, resume, dask, **staged,
            keep_rows=True if json_series else None,
        )  # fmt: skip
        if not report.rows_kept:  # say where the rows went by their final names
            where = [str(p) for p in (output, forecasts) if p]
            report.settings["rows_written_to"] = " and ".join(where)
        staged_html = outputs.stage(html_out) if html_out else None
        _keep(report, record, runs, staged_html)
        if plot_out:
            plot_report(report, outputs.stage(plot_out))
        written = outputs.commit()  # all renamed into place together, at the end
    if as_json:
        shown = report.to_dict(series=json_series or None)
        print(dumps({**shown, "skipped": report.read["skipped"]}))
        return
    render_read(report.read, out)
    render_report(report, out, wide=full)
    for path in written:
        out.print(f"wrote {safe(path)}", highlight=False)


def _fit_files(
    files: list[str],
    read: dict[str, Any],
    settings: dict[str, Any],
    files_per_partition: int | None,
    memory: str | None,
    resume: bool,
    dask: str | None,
    output: Any = None,
    forecasts: Any = None,
    keep_rows: bool | None = None,
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
                output=output,
                forecasts=forecasts,
                keep_rows=keep_rows,
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
    from weightfit.report.console import progress_bar, render_comparison
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
    frame = read_files(files, read)
    with progress_bar(err, len(names), "searching", "{task.fields[now]}", now="") as update:

        def tick(name: str, done: int, total: int) -> None:
            update(done, now=f"strategies; now {name}")

        result = compare_prices(frame, model, names, max_evaluations=max_evaluations, callback=tick)
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
        for path in write_staged(plot, lambda tmp: plot_search(result, tmp), folder=True):
            out.print(f"wrote {safe(path)}", highlight=False)


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
    drawn: list = []  # the figures in the order they were drawn
    write_staged(plot, lambda tmp: drawn.extend(plot_report(report, tmp)), folder=True)
    out.print(
        f"Plots of the test window and the errors are in {plot}/: "
        + ", ".join(p.name for p in drawn),
        highlight=False,
    )
