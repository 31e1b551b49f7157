"""Recorded runs in the terminal: the list, one run, two runs compared. Nothing computed here."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from weightfit.report.tables import Column, compact, p_value, print_table
from weightfit.report.text import safe

_fmt = compact


def _cell(x: Any) -> str:
    return safe(x) if isinstance(x, str) else compact(x)


def render_runs(runs: list[Any], console: Console) -> None:
    """One line per run, newest first: id, time, what ran, on what data, the verdict."""
    if not runs:
        console.print("no runs recorded yet: `weightfit fit FILES` records one")
        return
    columns = [
        Column("id", [str(r.id) for r in runs]),
        Column("time", [r.time.replace("T", " ")[:16] for r in runs], justify="left"),
        Column("kind", [r.kind for r in runs], 2, "left"),
        Column("data", [r.fingerprint[:8] for r in runs], 2, "left"),
        Column("series", [f"{r.n_series:,}" for r in runs], 1),
        Column("models", [safe(", ".join(r.fitted or r.models)) for r in runs], 1, "left", True),
        Column(
            "verdict",
            [safe(_short(r)) if r.complete else "[red]incomplete[/]" for r in runs],
            justify="left",
            wrap=True,
        ),
    ]
    print_table(console, columns)


def _short(run: Any) -> str:
    """The best model's numbers in a few words: 'Scale: skill 0.012, beats naive on 3/10'."""
    models = run.overall.get("models", {})
    if not models:
        return run.kind if run.kind != "fit" else "measures only"
    name, o = max(models.items(), key=lambda kv: kv[1].get("mean_skill") or float("-inf"))
    return (
        f"{name}: skill {_fmt(o.get('mean_skill'))}, p {_fmt(o.get('p_value'))}, beats naive "
        f"on {o.get('beats_naive_on', 0):,}/{run.overall.get('series', run.n_series):,}"
    )


def render_run(run: Any, console: Console) -> None:
    """One run: when, how, on what, its leaderboard and verdict."""
    state = "" if run.complete else " [red](incomplete: killed while recording)[/]"
    console.print(f"[bold]run {run.id}[/]{state}  {run.time}  weightfit {run.version}")
    console.print(f"command: {safe(run.command)}", highlight=False)
    if run.git_commit:
        console.print(f"git commit: {run.git_commit}", highlight=False)
    console.print(
        f"data: {run.fingerprint} (of the {run.fingerprint_of}), {run.n_series:,} series, "
        f"{run.n_forecasts:,} forecasts",
        highlight=False,
    )
    read = run.read
    if read.get("files"):
        formats = ", ".join(f"{k} ({v})" for k, v in read.get("formats", {}).items())
        console.print(f"read: {read['files']} file(s): {safe(formats)}", highlight=False)
    for key in ("notes", "warnings"):
        for line in read.get(key, []):
            console.print(f"  {key[:-1]}: {safe(line)}", highlight=False)
        more = read.get(f"{key}_total", 0) - len(read.get(key, []))
        if more > 0:
            console.print(f"  ... and {more} more {key}", highlight=False)
    settings = ", ".join(f"{k}={v}" for k, v in run.settings.items())
    console.print(f"settings: {safe(settings)}", highlight=False)
    if run.leaderboard:
        first = "model" if run.kind == "fit" else next(iter(run.leaderboard[0]))
        cols = [c for c in run.leaderboard[0] if c != first]
        rows = run.leaderboard
        columns = [Column(first, [safe(str(r[first])) for r in rows], justify="left")]
        measures = [c for c in cols if not isinstance(rows[0][c], str)]
        for c in cols:
            cells = [p_value(r[c]) if c == "p_value" else _cell(r[c]) for r in rows]
            important = c in ("skill", "p_value", "verdict") or c == (measures or [c])[0]
            columns.append(Column(c, cells, 0 if important else 1))
        styles = ["bold" if r.get(first) in run.fitted else None for r in rows]
        print_table(console, columns, title="leaderboard", styles=styles)
    for name, o in run.overall.get("models", {}).items():
        console.print(f"[bold]overall[/] {safe(name)}: {safe(o['verdict'])}", highlight=False)
    if "verdict" in run.overall:
        console.print(f"[bold]verdict[/] {safe(run.overall['verdict'])}", highlight=False)


def render_run_comparison(result: Any, console: Console, top: int = 10) -> None:
    """The sentence, then the series where the two runs differ most."""
    series = result.series.sort_values("skill", ascending=False)
    shown = (
        series if len(series) <= 2 * top else series.iloc[list(range(top)) + list(range(-top, 0))]
    )
    rows = list(shown.itertuples())
    words = {"b_better": "[green]B better[/]", "a_better": "[red]A better[/]", "same": "same"}
    columns = [
        Column("series", [safe(str(r.unique_id)) for r in rows], justify="left"),
        Column("forecasts", [f"{r.forecasts:,}" for r in rows], 2),
        Column("MSE A", [_fmt(r.mse_a) for r in rows], 1),
        Column("MSE B", [_fmt(r.mse_b) for r in rows], 1),
        Column("skill", [_fmt(r.skill) for r in rows]),
        Column("DM", [_fmt(r.dm) for r in rows], 2),
        Column("p", [p_value(r.p_value) for r in rows]),
        Column("BH q", [p_value(r.q_value) for r in rows]),
        Column("", [words[str(r.status)] for r in rows], justify="left"),
    ]
    title = f"{result.b} ({result.model_b}) against {result.a} ({result.model_a}), per series"
    caption = None
    if len(shown) < len(series):
        caption = f"the {top} series where B gains most and the {top} where it loses most"
    print_table(console, columns, title=title, caption=caption)
    console.print(f"[bold]{safe(result.summary())}[/]", highlight=False)
