"""Data text is data: a ticker, file name, column name, note or error message shown in the
terminal is never read as rich markup nor as terminal control codes."""

from __future__ import annotations

import re

from rich.markup import escape

# ANSI escape sequences (CSI, OSC, single-character), then any other control character
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def plain(text: object) -> str:
    """``text`` on one line, without terminal control: ANSI escapes removed, newlines, tabs
    and other control characters shown as one space each.

    >>> plain("AAPL\\x1b[2J\\nx")
    'AAPL x'
    """
    return _CONTROL.sub(" ", _ANSI.sub("", str(text)))


def safe(text: object) -> str:
    """``plain(text)`` with rich markup escaped: what a renderer passes to rich for any
    string that came from data (tickers, paths, columns, notes, messages).

    >>> safe("[red]x[/red]\\n")
    '\\\\[red]x\\\\[/red] '
    """
    return escape(plain(text))
