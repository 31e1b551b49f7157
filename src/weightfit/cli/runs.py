"""``weightfit runs`` (list, show, compare, export, delete) and ``weightfit report``."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from weightfit.cli.app import (
    _check_outputs,
    app,
    dumps,
    one_line_errors,
    out,
    write_staged,
)
from weightfit.cli.options import Json, RunsPath
from weightfit.cli.record import _store

# -- runs: every fit and search kept; listed, shown, compared; one HTML report ---------------

runs_app = typer.Typer(
    no_args_is_help=True, help="Recorded runs: list, show, compare with a test, export, delete."
)
app.add_typer(runs_app, name="runs")
RunId = Annotated[str, typer.Argument(help="A run id, as `weightfit runs list` shows.")]


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
        print(dumps({"runs": [r.to_dict() for r in found]}))
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
        print(dumps(run.to_dict()))
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
    from weightfit.atomic import FRAME_SUFFIXES, write_frame

    _check_outputs(files={output: FRAME_SUFFIXES})
    losses = _store(runs).losses(run_id)
    (path,) = write_staged(output, lambda tmp: write_frame(losses, tmp), suffixes=FRAME_SUFFIXES)
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
    report, read = store.report(run.id), store.read_record(run.id)
    (path,) = write_staged(
        output, lambda tmp: write_html(report, tmp, read=read, run=run), suffixes=(".html", ".htm")
    )
    out.print(f"wrote {path}", highlight=False)
