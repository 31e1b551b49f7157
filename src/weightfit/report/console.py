"""Terminal rendering with rich. Nothing here computes; it shows what the library returned."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from weightfit.report.text import safe
from weightfit.search import Step
from weightfit.tutorial import TutorialResult


@contextmanager
def progress_bar(
    console: Console, total: int, label: str, detail: str = "", **fields: Any
) -> Iterator[Callable[..., None]]:
    """The one progress display of the CLI: label, bar, done/total, a detail line (a rich
    template over ``fields``, e.g. ``"loss {task.fields[loss]}"``), the time. Yields
    ``update(completed, **fields)``; shown from the first update on, gone when done, and
    not at all when ``console`` is not a terminal (a pipe, a log file)."""
    if not console.is_terminal:
        yield lambda completed, **values: None
        return
    progress = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(detail),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task(label, total=total, **fields)
    started = [False]

    def update(completed: int, **values: Any) -> None:
        if not started[0]:
            progress.start()
            started[0] = True
        progress.update(task, completed=completed, **values)

    try:
        yield update
    finally:
        if started[0]:
            progress.stop()


@contextmanager
def search_progress(
    console: Console, total: int, label: str, every: int = 1
) -> Iterator[Callable[[Step], None]]:
    """``progress_bar`` for a search: yields a ``minimize`` callback, updated every few steps."""
    with progress_bar(console, total, label, "loss {task.fields[loss]}", loss="-") as update:
        seen = [0]

        def advance(step: Step) -> None:
            seen[0] += 1
            if seen[0] == 1 or seen[0] % every == 0 or seen[0] == total:
                update(seen[0], loss=f"{float(step.loss.max()):.6g}")

        yield advance


def render_tutorial(result: TutorialResult, console: Console) -> None:
    r = result
    step = r.fit.history[1].weights - r.fit.history[0].weights if len(r.fit.history) > 1 else None
    size = abs(float(step.reshape(-1)[0])) if step is not None else float("nan")
    console.print("[bold]1. The model[/]   predict(price, weight) = price * weight")
    console.print(
        f"[bold]2. A first guess[/]   weight {r.initial_weight}: {r.price:g} -> "
        f"{r.initial_prediction:.6g} USD; the real next price is {r.target:g} USD"
    )
    console.print(
        f"   Its error (MSE, as torch's F.mse_loss): ({r.initial_prediction:.6g} - {r.target:g})^2"
        f" = [bold]{r.initial_error:.6g}[/]"
    )
    console.print(f"[bold]3. The guessing method[/]   {r.iterations} times: try weight ± {size:g},")
    console.print("   keep the side with the lower error")
    table = Table(show_header=True, header_style="bold")
    for col in ("", "weight", "prediction (USD)", "error (MSE)"):
        table.add_column(col, justify="right")
    table.add_row(
        "before", f"{r.initial_weight!r}", f"{r.initial_prediction:.10g}", f"{r.initial_error:.6g}"
    )
    table.add_row(
        "after", f"{r.final_weight!r}", f"{r.final_prediction:.10g}", f"{r.final_error:.6g}"
    )
    console.print(table)
    console.print(
        f"[bold]4. What it cost[/]   {r.evaluations} loss evaluations "
        f"({r.iterations} iterations x 2) in {r.fit.seconds * 1000:.1f} ms"
    )
    tail = sorted({round(float(s.weights.reshape(-1)[0]), 12) for s in r.fit.history[-6:]})
    digits = max(0, round(-math.log10(size))) if size > 0 else 6
    console.print(
        f"[bold]5. Why it stalls[/]   the weight it looks for is {r.target:g}/{r.price:g} = "
        f"{r.best_weight:.10g},"
    )
    console.print(f"   but it can only move in steps of {size:g}.")
    if len(tail) == 2:
        console.print(
            f"   The step is a floor: it ends oscillating between {tail[0]:.{digits}f} and "
            f"{tail[1]:.{digits}f},"
        )
        console.print(f"   never at {r.best_weight:.10g}.")
    else:
        console.print(
            f"   It ran out of iterations {abs(r.final_weight - r.best_weight):.3g} away from it: "
            "a step this small needs many more iterations, a larger one cannot get close."
        )
    _render_better(r, console)


ROWS = 40  # series listed in a table; --json has them all


def _shown(source: str) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(Path(source).resolve().relative_to(Path.cwd()))
    except ValueError:
        return source


def _dropped(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {why}" for why, n in counts.items()) or "none"


def render_inspect(meta: dict[str, Any], console: Console) -> None:
    """What was read: one row per series, then each file's notes and warnings."""
    table = Table(header_style="bold", title="What was read")
    for col in ("series", "rows", "first", "last", "frequency", "price column", "dropped"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    shown = list(meta["series"].items())
    for uid, s in shown[:ROWS]:
        table.add_row(
            safe(uid),
            str(s["rows"]),
            s["start"].removesuffix(" 00:00:00"),
            s["end"].removesuffix(" 00:00:00"),
            s["frequency"],
            safe(s["price_column"]),
            safe(_dropped(s["dropped"])),
        )
    if len(shown) > ROWS:
        table.add_row(f"... {len(shown) - ROWS:,} more", "", "", "", "", "", "", style="dim")
        table.caption = "--json lists every series"
    console.print(table)
    for src in meta["sources"]:
        sep = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(
            src.get("separator", ""), src.get("separator")
        )
        bits = [f"format: {safe(src['format'])}"]
        if sep:
            bits.append(f"{sep}-separated, decimal {src['decimal']!r}, {src['encoding']}")
        bits.append(
            f"dates: {safe(src['date_column'])} ({safe(src['date_format'])}; "
            f"{safe(src['date_format_reason'])})"
        )
        console.print(
            f"[bold]{safe(_shown(src['source']))}[/]: " + "; ".join(bits), highlight=False
        )
        for note in src["notes"]:
            console.print(f"  note: {safe(note)}", highlight=False)
        for rank, (uid, s) in enumerate(meta["series"].items()):
            if s["source"] != src["source"]:
                continue
            time = [s.get("bar_size"), s.get("session"), s.get("time_zone")]
            time = time if rank < ROWS else []  # beyond the table's rows, --json has them
            if s.get("time_of_day") and not s.get("session"):
                time.append(f"times of day {s['time_of_day']}")
            if any(time):
                line = "; ".join(t for t in time if t)
                console.print(f"  {safe(uid)}: {safe(line)}", highlight=False)
            for note in s["notes"]:
                console.print(f"  note: {safe(uid)}: {safe(note)}", highlight=False)
        for warning in src["warnings"]:
            console.print(f"  [yellow]warning[/]: {safe(warning)}", highlight=False)


def _fmt(x: float) -> str:
    if x != x:
        return "-"
    if abs(x) >= 1e5 or (abs(x) < 1e-3 and x != 0):
        return f"{x:.2e}"
    return f"{x:.4g}"


def render_report(report: Any, console: Console) -> None:
    """The leaderboard (models by measures, the best of each marked) and the verdicts."""
    s = report.settings
    what = (
        f"hold-out: the last {s['test']} of each series"
        if s["protocol"] == "hold-out"
        else f"cross-validation: {s['windows']} windows, h = {s['h']}"
    )
    n_series = len(report.describe["rows"])
    shown = report.series if n_series <= 6 else []  # beyond a few, the summary alone
    for series in shown:
        uid = series["id"]
        title = f"{safe(uid)}: {series['rows']} rows, {series['test_rows']} forecasts ({what})"
        console.print(_leaderboard(report, title, uid))
        console.print(f"[bold]verdict[/] {safe(uid)}: {safe(series['verdict'])}", highlight=False)
        for warning in series["warnings"]:
            console.print(f"  [yellow]warning[/]: {safe(warning)}", highlight=False)
    if n_series > 1:
        title = f"all {n_series} series: the mean of each measure ({what})"
        console.print(_leaderboard(report, title, None))
    if n_series > 1 or not shown:
        for name, o in report.overall.get("models", {}).items():
            console.print(f"[bold]overall[/] {safe(name)}: {safe(o['verdict'])}", highlight=False)
        if "verdict" in report.overall:
            verdict = report.overall["verdict"]
            console.print(f"[bold]verdict[/] over all series: {safe(verdict)}", highlight=False)


def _leaderboard(report: Any, title: str, uid: str | None) -> Table:
    table = Table(title=title, header_style="bold", box=box.SIMPLE_HEAD)
    frame = report.table(uid)
    best = report.best(uid)
    table.add_column("model", no_wrap=True)
    for c in report.metrics:
        table.add_column(c, justify="right", no_wrap=True)
    table.add_column("DM p", justify="right", no_wrap=True)
    if uid is not None:
        table.add_column("vs naive", no_wrap=True, min_width=9)
    verdicts = None
    if uid is not None:
        (entry,) = [s for s in report.series if s["id"] == uid]
        verdicts = {n: m.get("verdict", "the baseline") for n, m in entry["models"].items()}
    for name, row in frame.iterrows():
        cells = []
        for c in report.metrics:
            text = _fmt(float(row[c]))
            cells.append(f"[bold green]{text} *[/]" if best.get(c) == name else text)
        cells.append(_fmt(float(row["p_value"])))
        if verdicts is not None:
            words = verdicts[name].split(" (")[0]
            words = words.removesuffix(" naive").removesuffix(" than").removeprefix("the ")
            cells.append(safe(words))
        style = "bold" if name in report.fitted else None
        table.add_row(safe(name), *cells, style=style)
    table.caption = "* best of each measure. DM p: Diebold-Mariano test against naive (HLN)"
    return table


def render_comparison(run: Any, console: Console) -> None:
    """The strategies side by side (a ``PriceComparison``): final loss, distance to the closed
    form, cost."""
    result = run.comparison
    table = Table(
        title=f"{type(run.model).__name__} on {len(run.ids)} series, "
        f"{run.prices} prices: every strategy from the same start",
        header_style="bold",
        box=box.SIMPLE_HEAD,
    )
    for col in ("strategy", "loss (MSE)", "distance to optimum", "evaluations", "stop", "seconds"):
        table.add_column(col, justify="left" if col in ("strategy", "stop") else "right")
    for row in result.table.itertuples():
        table.add_row(
            row.strategy,
            f"{row.loss:.10g}",
            _fmt(row.distance),
            str(row.evaluations),
            row.stop,
            f"{row.seconds:.3f}",
        )
    console.print(table)
    if result.optimum is None:
        console.print("no closed form for this model: the distance column is empty")
    for name, why in result.skipped.items():
        console.print(f"  skipped {safe(name)}: {safe(why)}", highlight=False)


def _render_better(r: TutorialResult, console: Console) -> None:
    console.print("[bold]6. Better ways to find the weight[/]   the same problem, other searches:")
    table = Table(header_style="bold", box=box.SIMPLE_HEAD)
    for col in ("strategy", "weight", "error (MSE)", "evaluations", "to reach 1e-9"):
        table.add_column(col, justify="left" if col == "strategy" else "right")
    table.add_row(
        "guess (above)", repr(r.final_weight), f"{r.final_error:.3g}", str(r.evaluations), "never"
    )
    for row in r.better:
        reach = row["evaluations_to_1e-9"]
        table.add_row(
            str(row["strategy"]),
            f"{row['weight']!r}",
            f"{row['error']:.3g}",
            str(row["evaluations"]),
            "never" if reach is None else str(reach),
        )
    console.print(table)
