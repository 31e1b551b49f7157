"""Recorded runs in the terminal: the list, one run, two runs compared. Nothing computed here."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from weightfit.report.text import safe


def _fmt(x: Any) -> str:
    if x is None or x != x:
        return "-"
    x = float(x)
    return f"{x:.4g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.2e}"


def render_runs(runs: list[Any], console: Console) -> None:
    """One line per run, newest first: id, time, what ran, on what data, the verdict."""
    if not runs:
        console.print("no runs recorded yet: `weightfit fit FILES` records one")
        return
    table = Table(header_style="bold", box=box.SIMPLE_HEAD)
    for col in ("id", "time", "kind", "data", "series", "models", "verdict"):
        table.add_column(col, no_wrap=col != "verdict", min_width=30 if col == "verdict" else None)
    for r in runs:
        verdict = safe(_short(r)) if r.complete else "[red]incomplete[/]"
        models = ", ".join(r.fitted or r.models)
        table.add_row(
            str(r.id),
            r.time.replace("T", " ")[:16],
            r.kind,
            r.fingerprint[:8],
            f"{r.n_series:,}",
            safe(models),
            verdict,
        )
    console.print(table)


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
        table = Table(title="leaderboard", header_style="bold", box=box.SIMPLE_HEAD)
        cols = [c for c in run.leaderboard[0] if c != "model"]
        table.add_column("model" if run.kind == "fit" else cols.pop(0))
        for c in cols:
            table.add_column(c, justify="right")
        first = "model" if run.kind == "fit" else next(iter(run.leaderboard[0]))
        for row in run.leaderboard:
            style = "bold" if row.get(first) in run.fitted else None
            cells = [_fmt(row[c]) if not isinstance(row[c], str) else row[c] for c in cols]
            table.add_row(safe(str(row[first])), *cells, style=style)
        console.print(table)
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
    table = Table(
        title=f"{result.b} ({safe(result.model_b)}) against {result.a} "
        f"({safe(result.model_a)}), per series",
        header_style="bold",
        box=box.SIMPLE_HEAD,
    )
    for col in ("series", "forecasts", "MSE A", "MSE B", "skill", "DM", "p", "BH q", ""):
        table.add_column(col, justify="left" if col in ("series", "") else "right")
    words = {"b_better": "[green]B better[/]", "a_better": "[red]A better[/]", "same": ""}
    for r in shown.itertuples():
        table.add_row(
            safe(str(r.unique_id)),
            f"{r.forecasts:,}",
            _fmt(r.mse_a),
            _fmt(r.mse_b),
            _fmt(r.skill),
            _fmt(r.dm),
            _fmt(r.p_value),
            _fmt(r.q_value),
            words[str(r.status)],
        )
    if len(shown) < len(series):
        table.caption = f"the {top} series where B gains most and the {top} where it loses most"
    console.print(table)
    console.print(f"[bold]{safe(result.summary())}[/]", highlight=False)
