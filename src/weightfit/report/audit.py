"""The look-ahead audit in the terminal (rich): a row per cutoff and series, then the outcome."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from weightfit.report.text import safe

ROWS = 40  # checks listed; --json has them all


def render_audit(result: Any, console: Console, title: str = "Look-ahead audit") -> None:
    """Per cutoff and series: did a forecast move when only the future changed, and by how much."""
    summary = result.summary()
    table = Table(
        title=f"{title}: h = {result.h}, the future {', '.join(result.alterations)}",
        header_style="bold",
        box=box.SIMPLE_HEAD,
    )
    for col in ("cutoff", "series", "forecasts moved", "largest move", "relative", "under"):
        table.add_column(col, justify="right" if col in ("largest move", "relative") else "left")
    for row in summary.head(ROWS).itertuples():
        moved = "[bold red]yes[/]" if row.moved else "no"
        table.add_row(
            str(row.cutoff.date()),
            safe(row.unique_id),
            moved,
            f"{row.max_change:.4g}",
            f"{row.relative:.2%}" if row.relative == row.relative else "-",
            safe(row.moved_by or "-"),
        )
    if len(summary) > ROWS:
        table.caption = f"{len(summary) - ROWS} more; --json lists every check"
    console.print(table)
    colour = {"clean": "green", "leak": "bold red", "unseeded": "yellow"}[result.outcome]
    console.print(f"[{colour}]{safe(result.message)}[/]", highlight=False)
