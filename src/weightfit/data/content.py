"""Column roles checked by what the columns hold, not only by their names.

A date column parses as dates, a ticker column holds short repeated strings, price columns hold
numbers, and in OHLC bars the high is the row maximum and the low the row minimum. When the
header contradicts the content (every name shifted by one, so that "Date" holds tickers), the
names are realigned by content, loudly; when the content is ambiguous the reader refuses.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from weightfit.data import parse
from weightfit.data.columns import ADJUSTED, CLOSE, DATE, HIGH, ID, LOW, OPEN, find
from weightfit.errors import DataError

_TICKERISH = re.compile(r"^[A-Za-z0-9.\-^=_:/ ]{1,24}$")
AGREE = 0.9  # the share of rows an invariant must hold in (real bars have a few bad rows)


def _cells(values: pd.Series) -> pd.Series:
    v = values[~parse.is_missing(values)]
    return v.astype(str).str.strip()


def is_dates(values: pd.Series) -> bool:
    """Most cells read as dates (in one detected format)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    cells = _cells(values)
    if len(cells) == 0 or not cells.str.contains(r"\d").all():
        return False
    try:
        fmt, _ = parse.date_format_of(list(cells), "")
    except DataError as e:  # day-first or month-first undecided: dates all the same
        if "day-first" not in str(e) and "above 12" not in str(e):
            return False
        fmt = "mixed"
    if fmt.startswith("epoch-"):
        return False  # plain integers (volumes, counts) are not taken for epoch times here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(cells, errors="coerce", utc=True, format=fmt)
    return bool(parsed.notna().mean() >= AGREE)


_PLAIN = re.compile(r"\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d{1,3})?\s*")


def numbers(values: pd.Series) -> pd.Series | None:
    """The cells as floats, or None when most are not numbers."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    cells = values.tolist()
    if (  # plain decimals, none missing (the common case): read as they are
        cells
        and all(isinstance(c, str) and _PLAIN.fullmatch(c) for c in cells)
        and parse.detect_decimal([c.strip() for c in cells[:50]]) != ","
    ):
        return pd.Series([float(c) for c in cells], index=values.index, dtype=float)
    text = values.astype(str).str.strip().str.replace(r"[\s$€£']", "", regex=True)
    comma = parse.detect_decimal(list(text.head(50))) == ","
    if comma:
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(",", "", regex=False)
    out = parse.to_numbers(text)  # never pd.to_numeric directly: it crashes on "1e3086712159"
    missing = parse.is_missing(values)
    if (~missing).sum() == 0 or out[~missing].notna().mean() < AGREE:
        return None
    return out.astype(float)


def is_tickers(values: pd.Series) -> bool:
    """Short strings, not numbers nor dates, repeated (a long file) or constant."""
    cells = _cells(values)
    if len(cells) == 0 or numbers(values) is not None or is_dates(values):
        return False
    return bool(cells.str.match(_TICKERISH).mean() >= AGREE) and cells.nunique() <= max(
        1, len(cells) // 2
    )


def problems(names: list[str], sample: pd.DataFrame) -> list[str]:
    """What the content says against the names (``sample``'s columns in file order)."""
    cols = dict(zip(names, sample.columns, strict=True))
    out = []
    date = find(names, DATE)
    if date is not None and not is_dates(sample[cols[date]]):
        out.append(f"the {date!r} column holds {_first(sample[cols[date]])}, not dates")
    ident = find(names, ID)
    if ident is not None and not is_tickers(sample[cols[ident]]):
        out.append(f"the {ident!r} column holds {_first(sample[cols[ident]])}, not tickers")
    price = find(names, ADJUSTED) or find(names, CLOSE)
    if price is not None and numbers(sample[cols[price]]) is None:
        out.append(f"the {price!r} column holds {_first(sample[cols[price]])}, not prices")
    out += ohlc_problems(names, sample)
    return out


def ohlc_problems(names: list[str], sample: pd.DataFrame) -> list[str]:
    """High not the row maximum or low not the row minimum of open/high/low/close."""
    cols = dict(zip(names, sample.columns, strict=True))
    found = [find(names, v) for v in (OPEN, HIGH, LOW, CLOSE)]
    if any(f is None for f in found):
        return []
    values = [numbers(sample[cols[f]]) for f in found if f is not None]
    if any(v is None for v in values):
        return []
    table = np.column_stack([v.to_numpy() for v in values if v is not None])  # (rows, 4)
    ok = np.isfinite(table).all(axis=1)
    if ok.sum() == 0:
        return []
    table = table[ok]
    out = []
    high, low = found[1], found[2]
    share_high = float((table[:, 1] >= table.max(axis=1)).mean())
    share_low = float((table[:, 2] <= table.min(axis=1)).mean())
    if share_high < AGREE:
        out.append(f"the {high!r} column is the row maximum in only {share_high:.0%} of rows")
    if share_low < AGREE:
        out.append(f"the {low!r} column is the row minimum in only {share_low:.0%} of rows")
    return out


def _first(values: pd.Series) -> str:
    cells = _cells(values)
    return repr(cells.iloc[0]) if len(cells) else "nothing"


def realign(
    names: list[str], sample: pd.DataFrame, where: str
) -> tuple[list[str], list[str], int | None]:
    """The header names, realigned by content when they contradict it; loud warnings; and the
    date column's position when only it was moved.

    Tries the names as given, then shifted by one either way (the names rotate; a name shifted
    off the end comes back at the start). Refuses when the date column holds no dates and the
    content does not say which does, naming the flag that fixes it.
    """
    found = problems(names, sample)
    if not found:
        return names, [], None
    fits = []
    for shift in (1, -1):
        rotated = names[-shift:] + names[:-shift]
        if not problems(rotated, sample):
            fits.append((shift, rotated))
    if len(fits) == 1:
        shift, rotated = fits[0]
        side = "right" if shift == 1 else "left"
        return (
            rotated,
            [
                f"REALIGNED the header by content: {'; '.join(found)}; the names fit the "
                f"columns shifted one place to the {side}: {', '.join(map(repr, rotated))}"
            ],
            None,
        )
    if any("not dates" in p for p in found):
        dated = [i for i, c in enumerate(sample.columns) if is_dates(sample[c])]
        if len(dated) == 1:
            i = dated[0]
            return (
                names,
                [
                    f"REALIGNED the date by content: {'; '.join(found)}; the dates are in "
                    f"column {i} ({names[i]!r}), read as the date (--date {i} says so)"
                ],
                i,
            )
        if not dated:  # no column holds dates: the date parser names the bad cell
            return names, [], None
        hint = f"one of {dated}"
        raise DataError(
            f"{where}: {'; '.join(found)}; cannot tell which column holds the dates "
            f"({hint}); pass --date N (0-based position) and --price N"
        )
    return names, [f"the header may not match the columns: {'; '.join(found)}"], None


def price_warning(names: list[str], sample: pd.DataFrame, picked: str) -> str | None:
    """A warning when ``--price`` picked a column that is by content the high or the low."""
    cols = dict(zip(names, sample.columns, strict=True))
    ohlc = [f for f in (find(names, v) for v in (OPEN, HIGH, LOW, CLOSE)) if f is not None]
    if picked not in ohlc or len(ohlc) < 3:
        return None
    values = [numbers(sample[cols[c]]) for c in ohlc]
    if any(v is None for v in values):
        return None
    table = np.column_stack([v.to_numpy() for v in values if v is not None])
    table = table[np.isfinite(table).all(axis=1)]
    i = ohlc.index(picked)
    spread = table.max(axis=1) > table.min(axis=1)
    if len(table) == 0 or not spread.any():
        return None
    for what, extreme in (("highest", table.max(axis=1)), ("lowest", table.min(axis=1))):
        if (table[spread, i] == extreme[spread]).mean() >= AGREE:
            close = find(names, CLOSE)
            instead = f"; the close is {close!r}" if close and close != picked else ""
            return (
                f"--price {picked!r}: that column is the {what} of {', '.join(map(repr, ohlc))} "
                f"in every row: a {'high' if what == 'highest' else 'low'}, not a close{instead}"
            )
    return None
