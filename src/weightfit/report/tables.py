"""Tables that fit the terminal: columns chosen by priority, nothing ever cut.

A renderer describes its table as ``Column``s (header, cells, priority); ``print_table`` keeps
every column of priority 0 and adds the others, most important first, while they fit the
console's width. A number, name or date is never wrapped or shortened; only free text (a
``wrap`` column) wraps, and only between words. When even the priority-0 columns do not fit,
the rows are stacked: one block per row, one ``header: value`` per line. What was left out is
said under the table, with the flag that shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

GAP = 2  # between columns: one space of padding and the box's (blank) divider


@dataclass
class Column:
    """One column: ``header``, ``cells`` (rich markup, one per row), ``priority`` (0: always
    shown; higher numbers are left out first when the width is short), ``justify``, and
    ``wrap`` (free text that may wrap between words; default False: never wrapped)."""

    header: str
    cells: list[str] = field(default_factory=list)
    priority: int = 0
    justify: str = "right"
    wrap: bool = False

    def widths(self) -> tuple[int, int]:
        """(narrowest, natural) width in cells: a wrap column can go down to its longest word,
        any other needs its longest cell; a header wraps between its words."""
        texts = [Text.from_markup(c).plain for c in self.cells]
        natural = max([len(t) for t in texts] + [len(self.header)])
        words = [w for t in [self.header, *texts] for w in t.split()] or [""]
        header = max(len(w) for w in self.header.split()) if self.header.strip() else 0
        least = max(len(w) for w in words) if self.wrap else max([len(t) for t in texts] + [header])
        return least, natural


def compact(x: float | None, digits: int = 4) -> str:
    """A number in at most about nine characters: ``digits`` significant digits, a short
    exponent beyond 1e5 and below 1e-3 (``8.81e-5``), ``-`` for a missing value."""
    if x is None or x != x:
        return "-"
    x = float(x)
    if x == 0:
        return "0"
    if abs(x) >= 1e5 or abs(x) < 1e-3:
        mantissa, exponent = f"{x:.{max(digits - 2, 1)}e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    return f"{x:.{digits}g}"


def p_value(p: float | None) -> str:
    """A p-value as papers print it: two significant digits, ``<0.001`` below, ``-`` if none."""
    if p is None or p != p:
        return "-"
    return "<0.001" if p < 0.001 else f"{p:.2g}"


def choose(columns: Sequence[Column], width: int, wide: bool = False) -> list[int] | None:
    """The indices of the columns shown at ``width``: every priority-0 column (every column
    with ``wide``), then the others by priority while they fit. None: even those do not fit."""
    least = [c.widths()[0] for c in columns]
    natural = [c.widths()[1] for c in columns]

    def need(chosen: list[int]) -> int:
        return sum(natural[i] if not columns[i].wrap else least[i] for i in chosen) + GAP * (
            len(chosen) - 1
        )

    chosen = [i for i, c in enumerate(columns) if wide or c.priority == 0]
    if need(chosen) > width:
        return None
    for i in sorted(range(len(columns)), key=lambda i: columns[i].priority):
        if i not in chosen and need(sorted([*chosen, i])) <= width:
            chosen = sorted([*chosen, i])
    return chosen


def print_table(
    console: Console,
    columns: Sequence[Column],
    *,
    title: str | None = None,
    caption: str | None = None,
    wide: bool = False,
    styles: Sequence[str | None] | None = None,
    more: str = "--json",
) -> list[str]:
    """Print ``columns`` as a table that fits ``console.width`` (see the module's docstring):
    the title above and the caption below as wrapped text. ``styles``: one rich style per row.
    ``more``: the flag named for the left-out columns. Returns the left-out headers."""
    width = console.width
    if title:
        console.print(Text(title, style="bold"))
    n_rows = len(columns[0].cells) if columns else 0
    styles = list(styles) if styles is not None else [None] * n_rows
    chosen = choose(columns, width, wide)
    if chosen is None:
        _stacked(console, columns, styles)
        left: list[str] = []
    else:
        _table(console, [columns[i] for i in chosen], styles, width)
        left = [c.header for i, c in enumerate(columns) if i not in chosen]
    if caption:
        console.print(Text(caption, style="dim"))
    if left:
        console.print(
            Text(f"not shown at {width} columns: {', '.join(left)} ({more} shows them)", "dim")
        )
    return left


def _table(console: Console, columns: list[Column], styles: list[str | None], width: int) -> None:
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        header_style="bold",
        expand=False,
    )
    sizes = [c.widths() for c in columns]
    fixed = [n if not c.wrap else least for c, (least, n) in zip(columns, sizes, strict=True)]
    spare = width - sum(fixed) - GAP * (len(columns) - 1)
    while spare > 0:  # wrap columns share what is left, one cell at a time, the most wanting first
        wanting = [i for i, c in enumerate(columns) if c.wrap and fixed[i] < sizes[i][1]]
        if not wanting:
            break
        i = max(wanting, key=lambda i: (sizes[i][1] - fixed[i]) / sizes[i][1])
        fixed[i] += 1
        spare -= 1
    for c, w in zip(columns, fixed, strict=True):
        table.add_column(
            c.header,
            justify=c.justify,  # type: ignore[arg-type]
            width=w,
            no_wrap=not c.wrap,
            overflow="fold",
        )
    for r, style in enumerate(styles):
        table.add_row(*[c.cells[r] for c in columns], style=style)
    console.print(table)


def _stacked(console: Console, columns: Sequence[Column], styles: list[str | None]) -> None:
    """One block per row: the first cell in bold, then ``header: value`` lines."""
    first, rest = columns[0], columns[1:]
    for r, style in enumerate(styles):
        console.print(Text.from_markup(first.cells[r], style=style or "bold"))
        for c in rest:
            line = Text.assemble(f"  {c.header}: ", Text.from_markup(c.cells[r]))
            console.print(line)
