"""Terminal rendering with rich. Nothing here computes; it shows what the library returned."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from weightfit.report.tables import Column, compact, p_value, print_table
from weightfit.report.text import plain as one_line
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
    columns = [
        Column("", ["before", "after"]),
        Column("weight", [f"{r.initial_weight:.10g}", f"{r.final_weight:.10g}"]),
        Column("prediction (USD)", [f"{r.initial_prediction:.10g}", f"{r.final_prediction:.10g}"]),
        Column("error (MSE)", [f"{r.initial_error:.6g}", f"{r.final_error:.6g}"]),
    ]
    print_table(console, columns)
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


def _when(stamp: str) -> str:
    """A timestamp without what is zero: '2024-03-04 09:30', '2017-11-10'."""
    return stamp.removesuffix(" 00:00:00").removesuffix(":00")


def _dropped(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {why}" for why, n in counts.items()) or "none"


def render_inspect(meta: dict[str, Any], console: Console) -> None:
    """What was read: one row per series, then each file's notes and warnings."""
    shown = list(meta["series"].items())
    rows = shown[:ROWS]
    columns = [
        Column("series", [safe(uid) for uid, _ in rows], justify="left"),
        Column("rows", [str(s["rows"]) for _, s in rows]),
        Column("first", [_when(s["start"]) for _, s in rows], justify="left"),
        Column("last", [_when(s["end"]) for _, s in rows], justify="left"),
        Column("frequency", [s["frequency"] for _, s in rows], 1, "left", wrap=True),
        Column("price column", [safe(str(s["price_column"])) for _, s in rows], 2, "left"),
        Column("dropped", [_dropped(s["dropped"]) for _, s in rows], 2, "left", wrap=True),
    ]
    caption = None
    if len(shown) > ROWS:
        caption = f"... {len(shown) - ROWS:,} more series; --json lists every series"
    print_table(console, columns, title="What was read", caption=caption)
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
            console.print(f"  [yellow]warning[/]: {warning}", highlight=False)
    render_skipped(meta.get("skipped", []), console)


_fmt = compact


def render_read(read: dict[str, Any], console: Console) -> None:
    """What ``fit`` read: as ``render_inspect`` up to ``ROWS`` series; beyond, one line and the
    files' warnings (``--json`` has the whole record)."""
    if len(read["series"]) <= ROWS:
        render_inspect(read, console)
        return
    sources = read["sources"]
    console.print(
        f"read {len(read['series']):,} series from {len(sources):,} file(s); --json has what "
        "was read of each",
        highlight=False,
    )
    warnings = [w for src in sources for w in src["warnings"]]
    for w in warnings[:ROWS]:
        console.print(f"  [yellow]warning[/]: {safe(w)}", highlight=False)
    if len(warnings) > ROWS:
        console.print(f"  ... {len(warnings) - ROWS:,} more warnings", highlight=False)
    render_skipped(read.get("skipped", []), console)


def render_skipped(skipped: list[dict[str, str]], console: Console) -> None:
    """The files left out by --skip-bad, one line each with its reason."""
    if skipped:
        console.print(f"[yellow]skipped {len(skipped)} bad file(s)[/]:", highlight=False)
    for s in skipped:
        console.print(f"  {safe(_shown(s['file']))}: {safe(s['reason'])}", highlight=False)


def render_report(report: Any, console: Console, wide: bool = False) -> None:
    """The leaderboard (models by measures, the best of each marked) and the verdicts; with
    ``wide``, every measure whatever the width (stacked when they cannot fit)."""
    for entry in report.settings.get("set_aside", []):
        console.print(
            f"[yellow]set aside[/] {safe(entry['id'])}: {safe(entry['reason'])}", highlight=False
        )
    s = report.settings
    what = (
        f"hold-out: the last {s['test']} of each series"
        if s["protocol"] == "hold-out"
        else f"cross-validation: {s['windows']} windows, h = {s['h']}"
    )
    if "test_start" in report.describe:
        what += f", from {_boundary(report.describe['test_start'])}"
    n_series = len(report.describe["rows"])
    _render_gaps(report, console, wide)
    shown = report.series if n_series <= 6 and report.rows_kept else []  # else the summary
    for series in shown:
        uid = series["id"]
        title = f"{one_line(uid)}: {series['rows']} rows, {series['test_rows']} forecasts ({what})"
        _leaderboard(report, title, uid, console, wide)
        _returns_table(report, uid, console, wide)
        console.print(f"[bold]verdict[/] {safe(uid)}: {safe(series['verdict'])}", highlight=False)
        for warning in series["warnings"]:
            console.print(f"  [yellow]warning[/]: {safe(warning)}", highlight=False)
    if n_series > 1:
        title = f"all {n_series} series: scale-free aggregates ({what})"
        _overall_table(report, title, console, wide)
    if not report.rows_kept:
        where = s.get("rows_written_to")
        console.print(
            "the run was bigger than its memory budget: its per-series rows were "
            + (f"written to {safe(where)}" if where else "not kept (--output and --forecasts "
               "write them)"),
            highlight=False,
        )  # fmt: skip
    if n_series > 1 or not shown:
        for name, o in report.overall.get("models", {}).items():
            console.print(f"[bold]overall[/] {safe(name)}: {safe(o['verdict'])}", highlight=False)
        if "verdict" in report.overall:
            verdict = report.overall["verdict"]
            console.print(f"[bold]verdict[/] over all series: {safe(verdict)}", highlight=False)


def _boundary(starts: Any) -> str:
    """The first test date: the common one, or the range of the series' first test dates."""
    first = [_when(str(pd.Timestamp(t))) for t in (min(starts), max(starts))]
    return first[0] if first[0] == first[1] else f"{first[0]} .. {first[1]} by series"


def _render_gaps(report: Any, console: Console, wide: bool) -> None:
    """One line on the forecasts across gaps (and a small table of them when scored apart),
    one on those across excluded splits; nothing when there are none."""
    g = report.gaps
    gap, split = g["gap"], g["split"]
    if split["count"]:
        where = ", ".join(
            f"a suspected {sp['ratio']} split on {sp['date']} ({safe(sp['series'])})"
            for sp in split["splits"][:3]
        )
        more = f" and {len(split['splits']) - 3:,} more" if len(split["splits"]) > 3 else ""
        n = split["count"]
        console.print(
            f"splits: {n:,} forecast{'s' * (n != 1)} across {where}{more} left out "
            "(--exclude-splits)",
            highlight=False,
        )
    if not gap or not gap["count"]:
        return
    share = gap["naive_error_share"]
    words = (
        f"gaps: {gap['count']:,} of {g['forecasts']:,} forecasts cross a night, weekend or "
        f"missing bars ({_share(share)} of naive's squared error)"
    )
    if g["mode"] == "exclude":
        console.print(f"{words}: left out (--gaps exclude)", highlight=False)
        return
    console.print(
        f"{words}: scored apart; the verdict is on the {g['scored']:,} in-session ones",
        highlight=False,
    )
    names = [n for n in gap["mse"] if n == "Naive" or n in report.fitted]  # --json: all
    columns = [
        Column("model", [safe(n) for n in names], justify="left"),
        Column("MSE across gaps", [_fmt(_nan(gap["mse"][n])) for n in names]),
        Column("MSE in session", [_fmt(_nan(gap["mse_scored"][n])) for n in names]),
    ]
    print_table(
        console,
        columns,
        title=f"forecasts across gaps ({gap['count']:,}), scored apart",
        caption="MSE pooled over series; --json has every model; --gaps include scores them "
        "with the rest",
        wide=wide,
    )


def _share(x: float | None) -> str:
    if x is None:
        return "-"
    return "<1%" if 0 < x < 0.005 else f"{x:.0%}"


def _nan(x: float | None) -> float:
    return math.nan if x is None else float(x)


def verdict_word(verdict: str | None) -> str:
    """The verdict's first words, short: 'beats', 'worse', 'no better', 'baseline'."""
    words = (verdict or "the baseline").split(" (")[0]
    return words.removesuffix(" naive").removesuffix(" than").removeprefix("the ")


def _leaderboard(report: Any, title: str, uid: str | None, console: Console, wide: bool) -> None:
    """Models by measures. Always shown: the model, the first measure, skill, the test's p and
    the verdict word; the other measures (and any further column) while the width allows."""
    frame = report.table(uid)
    best = report.best(uid)
    names = [str(n) for n in frame.index]
    columns = [Column("model", [safe(n) for n in names], justify="left")]
    for k, c in enumerate(report.metrics):
        cells = []
        for name, value in zip(names, frame[c], strict=True):
            text = _fmt(float(value))
            cells.append(f"[bold green]{text} *[/]" if best.get(c) == name else text)
        columns.append(Column(c, cells, priority=0 if k == 0 or c == "skill" else 1))
    dm = frame["p_dm"] if "p_dm" in frame else frame["p_value"]
    columns.append(Column("DM p", [p_value(float(p)) for p in dm]))
    if uid is not None:
        (entry,) = [s for s in report.series if s["id"] == uid]
        words = [verdict_word(entry["models"][n].get("verdict")) for n in names]
        columns.append(Column("vs naive", words, justify="left"))
    styles = ["bold" if n in report.fitted else None for n in names]
    caption = "* best of each measure. DM p: Diebold-Mariano test against naive (HLN)"
    print_table(
        console,
        columns,
        title=title,
        caption=caption,
        wide=wide,
        styles=styles,
        more="--full or --json",
    )


def _overall_table(report: Any, title: str, console: Console, wide: bool) -> None:
    """The all-series leaderboard: scale-free aggregates and the pooled test only (a mean of
    MSE across price levels, or of p-values, says nothing)."""
    frame = report.table()
    names = [str(n) for n in frame.index]
    n = len(report.describe["rows"])
    rows = list(frame.iterrows())

    def cells(column: str) -> list[str]:
        return [_fmt(float(row[column])) for _, row in rows]

    beats = [
        "-"
        if name == "Naive" or row["beats"] != row["beats"]
        else f"{int(row['beats']):,} of {n:,}"
        for name, row in rows
    ]
    columns = [
        Column("model", [safe(name) for name in names], justify="left"),
        Column("mean skill", cells("skill")),
        Column(
            "pooled p", ["-" if nm == "Naive" else p_value(float(r["p_value"])) for nm, r in rows]
        ),
        Column("beats (FDR 5%)", beats),
        Column("median skill", cells("median_skill"), 1),
        Column("rel. MSE", cells("relative_mse"), 1),
        Column("MASE", cells("mase"), 2),
        Column("RMSSE", cells("rmsse"), 2),
        Column("MCS", ["yes" if row["mcs"] is True else "" for _, row in rows], 1, "left"),
    ]
    styles = ["bold" if name in report.fitted else None for name in names]
    caption = (
        "skill: 1 - MSE/naive MSE; rel. MSE: geometric mean of MSE/naive MSE; pooled p: one test "
        "on scale-free differentials averaged per date (Clark-West for models that nest naive, "
        "else Diebold-Mariano); beats: series beaten at a 5% false-discovery rate "
        "(Benjamini-Hochberg); MCS: in the 90% model confidence set of the pooled losses"
    )
    print_table(
        console, columns, title=title, caption=caption, wide=wide, styles=styles,
        more="--full or --json",
    )  # fmt: skip


def _returns_table(report: Any, uid: str, console: Console, wide: bool) -> None:
    """One series' tests against naive (Clark-West beside Diebold-Mariano, the MCS) and its
    returns view: the price R² illusion beside return R², the hit rate against always calling
    the more frequent direction, Pesaran-Timmermann."""
    frame = report.table(uid)
    if "p_cw" not in frame:
        return
    names = [str(n) for n in frame.index]
    rows = [row for _, row in frame.iterrows()]
    columns = [
        Column("model", [safe(name) for name in names], justify="left"),
        Column("CW p", [p_value(float(r["p_cw"])) for r in rows]),
        Column("MCS", ["yes" if r["mcs"] is True else "" for r in rows], 0, "left"),
        Column("price R²", [_fmt(float(r["r2_price"])) for r in rows]),
        Column("return R²", [_fmt(float(r["r2_return"])) for r in rows]),
        Column("hit rate", [_fmt(float(r["hit_rate"])) for r in rows], 1),
        Column("majority", [_fmt(float(r["hit_base"])) for r in rows], 1),
        Column("PT p", [p_value(float(r["p_pt"])) for r in rows], 1),
    ]
    styles = ["bold" if name in report.fitted else None for name in names]
    caption = (
        "CW p: Clark-West, one-sided, for models that nest naive; MCS: in the 90% model "
        "confidence set; return R²: against the zero-return forecast (naive; Campbell & "
        "Thompson 2008); hit rate: direction (up / not up) called right; majority: always "
        "calling the more frequent one; PT p: Pesaran-Timmermann (1992), one-sided"
    )
    title = (
        f"{one_line(uid)}: tests against naive, and the forecasts as returns (y_hat / y_last - 1)"
    )
    print_table(
        console, columns, title=title, caption=caption, wide=wide, styles=styles,
        more="--full or --json",
    )  # fmt: skip


def render_comparison(run: Any, console: Console) -> None:
    """The strategies side by side (a ``PriceComparison``): final loss, distance to the closed
    form, cost."""
    result = run.comparison
    rows = list(result.table.itertuples())
    columns = [
        Column("strategy", [safe(r.strategy) for r in rows], justify="left"),
        Column("loss (MSE)", [f"{r.loss:.8g}" for r in rows]),
        Column("distance to optimum", [_fmt(r.distance) for r in rows]),
        Column("evaluations", [f"{r.evaluations:,}" for r in rows]),
        Column("stop", [safe(r.stop) for r in rows], 1, "left"),
        Column("seconds", [f"{r.seconds:.3f}" for r in rows], 2),
    ]
    title = (
        f"{type(run.model).__name__} on {len(run.ids)} series, "
        f"{run.prices} prices: every strategy from the same start"
    )
    print_table(console, columns, title=title)
    if result.optimum is None:
        console.print("no closed form for this model: the distance column is empty")
    for name, why in result.skipped.items():
        console.print(f"  skipped {safe(name)}: {safe(why)}", highlight=False)


def _render_better(r: TutorialResult, console: Console) -> None:
    console.print("[bold]6. Better ways to find the weight[/]   the same problem, other searches:")
    rows: list[tuple[Any, ...]] = [
        ("guess (above)", r.final_weight, r.final_error, r.evaluations, None)
    ] + [
        (str(b["strategy"]), b["weight"], b["error"], b["evaluations"], b["evaluations_to_1e-9"])
        for b in r.better
    ]
    rows[0] = (*rows[0][:4], "never")
    columns = [
        Column("strategy", [safe(row[0]) for row in rows], justify="left"),
        Column("weight", [f"{row[1]:.10g}" for row in rows]),
        Column("error (MSE)", [compact(float(row[2]), 3) for row in rows]),
        Column("evaluations", [f"{row[3]:,}" for row in rows]),
        Column("to reach 1e-9", ["never" if row[4] is None else str(row[4]) for row in rows], 1),
    ]
    print_table(console, columns)
