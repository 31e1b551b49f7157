"""The look-ahead audit in the terminal (rich): a row per cutoff and series, then the outcome."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from weightfit.report.tables import Column, compact, print_table
from weightfit.report.text import safe

ROWS = 40  # checks listed; --json has them all


def _when(stamp: Any) -> str:
    """A cutoff: the date alone at midnight, else date and time to the minute."""
    text = str(stamp)
    return text.removesuffix(" 00:00:00").removesuffix(":00")


def _percent(x: float) -> str:
    return f"{x:.2%}" if x == x else "-"


def render_audit(result: Any, console: Console, title: str = "Look-ahead audit") -> None:
    """Per cutoff and series: did a forecast move when only the future changed, and by how much."""
    summary = result.summary()
    rows = list(summary.head(ROWS).itertuples())
    columns = [
        Column("cutoff", [_when(r.cutoff) for r in rows], justify="left"),
        Column("series", [safe(str(r.unique_id)) for r in rows], justify="left"),
        Column("moved", ["[bold red]yes[/]" if r.moved else "no" for r in rows], justify="left"),
        Column("largest move", [compact(r.max_change) for r in rows], 1),
        Column(
            "relative", [f"{r.relative:.2%}" if r.relative == r.relative else "-" for r in rows]
        ),
        Column("under", [safe(r.moved_by or "-") for r in rows], 2, "left", wrap=True),
    ]
    caption = (
        f"{len(summary) - ROWS} more; --json lists every check" if len(summary) > ROWS else None
    )
    title = f"{title}: h = {result.h}, the future {', '.join(result.alterations)}"
    print_table(console, columns, title=title, caption=caption)
    colour = {"clean": "green", "leak": "bold red", "unseeded": "yellow"}[result.outcome]
    console.print(f"[{colour}]{safe(result.message)}[/]", highlight=False)
