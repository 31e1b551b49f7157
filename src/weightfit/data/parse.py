"""Cells to values: dates (day-first or month-first decided from the data) and numbers.

Every failure names the line and column, what was found, and the flag that fixes it.
"""

from __future__ import annotations

import datetime
import re
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from weightfit.data.text import shown
from weightfit.errors import DataError

MISSING = {"", "null", "nan", "na", "n/a", "#n/a", "-", "--", "—", "none", "nil", "."}
# the tokens as they appear in files, so the common case needs no strip() or lower()
_TOKENS = sorted(
    MISSING | {m.upper() for m in MISSING} | {m.title() for m in MISSING} | {" ", "  "}
)

Where = Callable[[int], str]  # row position -> "file: line N"

_DMY = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{2}|\d{4})(?=$|[ T,])")
_ISO = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}")
_YMD_SLASH = re.compile(r"^\s*\d{4}[/.]\d{1,2}[/.]\d{1,2}")
_DIGITS = re.compile(r"^\d+$")
# An exponent of four or more digits: out of float range, and pandas' number parsers (the C
# tokenizer's xstrtod and to_numeric) crash the process (SIGSEGV) on some, e.g. "1e3086712159".
HUGE_EXPONENT = re.compile(r"[eE][+-]?\d{4,}")


def to_numbers(text: pd.Series) -> pd.Series:
    """``pd.to_numeric(text, errors="coerce")`` as floats, without handing pandas a number with
    a huge exponent: those few cells are read by Python's ``float`` (inf or 0.0, never a crash).
    """
    risky = text.astype("string").str.contains(HUGE_EXPONENT, na=False).to_numpy(dtype=bool)
    if not risky.any():
        return pd.to_numeric(text, errors="coerce").astype(float)
    out = pd.Series(np.nan, index=text.index, dtype=float)
    out[~risky] = pd.to_numeric(text[~risky], errors="coerce").astype(float).to_numpy()
    out[risky] = [_float(v) for v in text[risky]]
    return out


def _float(value: object) -> float:
    try:
        return float(str(value))
    except ValueError:
        return float("nan")


def is_missing(values: pd.Series) -> pd.Series:
    """True where a cell is empty or a missing-value token (``null``, ``-``, ``N/A``, ...)."""
    if values.dtype != object:
        return values.isna()
    missing = values.isna() | values.isin(_TOKENS)
    rest = ~missing
    if bool(rest.any()):  # " N/A ", "Null ": compare stripped and in lower case
        text = values[rest].astype("string").str.strip().str.lower()
        missing[rest] = text.isin(MISSING).fillna(True).astype(bool).to_numpy()
    return missing


def missing_where(values: pd.Series, unread: pd.Series) -> pd.Series:
    """``is_missing``, looked at only where a cell could not be read (usually a few cells)."""
    if bool(unread.all()):
        return is_missing(values)
    out = pd.Series(False, index=values.index)
    if bool(unread.any()):
        out[unread] = is_missing(values[unread]).to_numpy()
    return out


def _sample(values: pd.Series, n: int = 400) -> list[str]:
    v = values.dropna().astype(str)
    return [*v.iloc[: n // 2], *v.iloc[-n // 2 :]] if len(v) > n else list(v)


def _time_format(rest: str) -> str | None:
    """strptime format of the time part after a date (``" 09:30"``, ``"T09:30:00"``)."""
    rest = rest.strip()
    if not rest:
        return ""
    for pattern, fmt in (
        (r"^\d{1,2}:\d{2}$", " %H:%M"),
        (r"^\d{1,2}:\d{2}:\d{2}$", " %H:%M:%S"),
        (r"^\d{1,2}:\d{2}:\d{2}\.\d+$", " %H:%M:%S.%f"),
        (r"^\d{1,2}:\d{2}\s*[AaPp][Mm]$", " %I:%M %p"),
        (r"^\d{1,2}:\d{2}:\d{2}\s*[AaPp][Mm]$", " %I:%M:%S %p"),
    ):
        if re.match(pattern, rest):
            return fmt
    return None


def _dmy_format(sample: list[str], where_hint: str) -> tuple[str, str]:
    """Day-first or month-first for ``01/02/2020``-style dates, decided from the data."""
    parts = [_DMY.match(s) for s in sample]
    matched = [m for m in parts if m]
    first = max(int(m.group(1)) for m in matched)
    second = max(int(m.group(3)) for m in matched)
    sep = matched[0].group(2)
    year = "%Y" if len(matched[0].group(4)) == 4 else "%y"
    times = {_time_format(s[m.end() :]) for s, m in zip(sample, parts, strict=True) if m}
    time = times.pop() if len(times) == 1 else None
    tail = time if time is not None else ""
    day_first = f"%d{sep}%m{sep}{year}{tail}"
    month_first = f"%m{sep}%d{sep}{year}{tail}"
    if first > 12 and second <= 12:
        return day_first, f"day-first: a first field of {first} cannot be a month"
    if second > 12 and first <= 12:
        return month_first, f"month-first: a second field of {second} cannot be a month"
    if first > 12 and second > 12:
        raise DataError(
            f"{where_hint}: dates like {shown(sample[0])} have values above 12 in both the day and "
            "the month place; pass --date-format, for example --date-format '%d/%m/%Y'"
        )
    # every field <= 12: decide from what the dates would mean
    readings = {}
    for fmt in (day_first, month_first):
        parsed = pd.to_datetime(pd.Series(sample), format=fmt.strip(), errors="coerce")
        if parsed.notna().all():
            step = parsed.sort_values().diff().dropna()
            readings[fmt] = {
                "in order": parsed.is_monotonic_increasing or parsed.is_monotonic_decreasing,
                "weekend": int((parsed.dt.dayofweek >= 5).sum()),
                "step": step.median() if len(step) else pd.Timedelta(0),
            }
    name = {day_first: "day-first", month_first: "month-first"}
    ordered = [f for f, r in readings.items() if r["in order"]]
    if len(ordered) == 1:
        return ordered[0], f"{name[ordered[0]]}: the only reading that puts the dates in order"
    if len(ordered) == 2:
        a, b = ordered
        wa, wb = readings[a]["weekend"], readings[b]["weekend"]
        if (wa == 0) != (wb == 0):
            pick = a if wa == 0 else b
            return pick, f"{name[pick]}: the other reading puts prices on weekends"
        sa, sb = readings[a]["step"], readings[b]["step"]
        if min(sa, sb) > pd.Timedelta(0) and max(sa, sb) >= 5 * min(sa, sb):
            pick = a if sa < sb else b
            return pick, (
                f"{name[pick]}: it gives a steady spacing of {min(sa, sb).days} day(s) (ambiguous; "
                f"pass --date-format to override)"
            )
    raise DataError(
        f"{where_hint}: dates like {shown(sample[0])} read both day-first and month-first; pass "
        f"--date-format {day_first.strip()!r} (day first) or {month_first.strip()!r} (month first)"
    )


def date_format_of(sample: list[str], where_hint: str) -> tuple[str, str]:
    """The format of a date column, and why: a strptime format, ``ISO8601``, ``epoch-ms``, ..."""
    sample = [s.strip() for s in sample if s.strip()]
    if not sample:
        raise DataError(f"{where_hint}: the date column is empty; pass --date NAME")
    if all(_DIGITS.match(s) for s in sample):
        widths = {len(s) for s in sample}
        if widths == {8} and all(s[:2] in ("19", "20") for s in sample):
            return "%Y%m%d", "YYYYMMDD"
        if widths == {14}:
            return "%Y%m%d%H%M%S", "YYYYMMDDHHMMSS"
        if widths == {12}:
            return "%Y%m%d%H%M", "YYYYMMDDHHMM"
        units = {10: "s", 13: "ms", 16: "us", 19: "ns"}
        if len(widths) == 1 and (w := widths.pop()) in units:
            return f"epoch-{units[w]}", f"seconds since 1970 ({units[w]})"
        raise DataError(
            f"{where_hint}: cannot read {shown(sample[0])} as a date (digits only, but not "
            "YYYYMMDD nor an epoch time); pass --date-format"
        )
    if all(_ISO.match(s) for s in sample):
        return "ISO8601", "ISO 8601"
    if all(_YMD_SLASH.match(s) for s in sample):
        sep = re.sub(r"[\d\s]", "", sample[0])[0]
        time = _time_format(re.sub(r"^\s*\d{4}.\d{1,2}.\d{1,2}", "", sample[0]))
        return f"%Y{sep}%m{sep}%d{time or ''}", "year first"
    if all(_DMY.match(s) for s in sample):
        return _dmy_format(sample, where_hint)
    return "mixed", "month names or mixed layouts, read by pandas"


_NAMED_FORMATS = ("ISO8601", "mixed", "epoch-s", "epoch-ms", "epoch-us", "epoch-ns")


def check_date_format(date_format: str, where: str) -> None:
    """A strptime format that can read a date: ``%``-codes Python knows; ``DataError`` if not."""
    if date_format in _NAMED_FORMATS:
        return
    if "%" not in date_format:
        raise DataError(
            f"{where}: --date-format {date_format!r} has no %-code; write it with strptime codes, "
            "e.g. '%d/%m/%Y' or '%Y-%m-%d %H:%M'"
        )
    probe = datetime.datetime(2001, 2, 3, 4, 5, 6, 7, tzinfo=datetime.timezone.utc)
    try:
        datetime.datetime.strptime(probe.strftime(date_format), date_format)
    except ValueError as e:
        raise DataError(
            f"{where}: --date-format {date_format!r} is not a strptime format ({e}); use codes "
            "such as '%d/%m/%Y' or '%Y-%m-%d %H:%M'"
        ) from None


def parse_dates(
    values: pd.Series, date_format: str | None, column: str, where: Where, hint: str
) -> tuple[pd.Series, str, str]:
    """Dates of a column (missing cells stay NaT); the format used and why it was chosen."""
    text = values if values.dtype == object else values.astype(str)
    if date_format is None:
        head = pd.concat([text.head(300), text.tail(300)]) if len(text) > 600 else text
        date_format, why = date_format_of(_sample(head[~is_missing(head)]), hint)
    else:
        check_date_format(date_format, hint)  # names the file; read_prices checked it already
        why = "--date-format"
    if date_format.startswith("epoch-"):
        numbers = to_numbers(text)
        parsed = pd.to_datetime(numbers, unit=date_format[6:], errors="coerce")
    else:
        # offsets such as -05:00 or Z: read as UTC (offsets differ across summer time)
        zoned = bool(text.head(50).str.contains(r"(?:[+-]\d{2}:?\d{2}|Z)$", regex=True).any())
        fmt = None if date_format == "mixed" else date_format
        parsed = _to_datetime(text, zoned, fmt or "mixed")
    unread = parsed.isna()
    bad = unread & ~missing_where(values, unread)
    if bool(bad.any()):
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{where(i)}, column {column!r}: cannot read {shown(values.iloc[i])} as a date "
            f"({date_format}); fix the cell or pass --date-format"
        )
    return parsed, date_format, why


_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}


def detect_decimal(sample: list[str]) -> str:
    """``","`` when the numbers use a decimal comma (``1.234,56``, ``12,5``), else ``"."``."""
    comma = dot = 0
    for s in sample:
        s = re.sub(r"[^\d.,]", "", s)
        i_dot, i_comma = s.rfind("."), s.rfind(",")
        if i_comma > i_dot:
            if i_dot == -1 and len(s) - i_comma - 1 == 3:
                continue  # "1,234": a thousands group or three decimals, cannot tell
            comma += 1
        elif i_dot > i_comma:
            if i_comma == -1 and len(s) - i_dot - 1 == 3 and s.count(".") > 1:
                comma += 1  # "1.234.567": dots as thousands groups
            else:
                dot += 1
    return "," if comma > dot else "."


def parse_numbers(
    values: pd.Series, decimal: str, column: str, where: Where
) -> tuple[pd.Series, pd.Series]:
    """Floats of a column: ``$``, thousands separators, decimal commas and ``K``/``M``/``B``
    suffixes handled. Returns the numbers and a mask of the missing cells (NaN, never filled)."""
    missing = is_missing(values)
    if values.dtype != object:
        return values.astype(float, copy=False), missing  # the caller's own column: no copy
    text = values.astype("string").str.strip()
    text = text.str.replace(r"[\s\u00a0'$€£¥₹]|USD|EUR", "", regex=True)
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(",", "", regex=False)
    suffix = text.str[-1:].str.lower()
    scale = suffix.map(_SUFFIX).astype(float).fillna(1.0)
    text = text.where(~suffix.isin(list(_SUFFIX)), text.str[:-1])
    text = text.str.replace(r"^\((.*)\)$", r"-\1", regex=True)  # accounting negatives
    numbers = to_numbers(text.where(~missing)) * scale
    bad = numbers.isna() & ~missing
    if bool(bad.any()):
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{where(i)}, column {column!r}: {shown(values.iloc[i])} is not a number; fix the "
            "cell, or pass --price NAME if this is not the price column, or --decimal ','"
        )
    return numbers, missing


def _to_datetime(text: pd.Series, zoned: bool, fmt: str) -> pd.Series:
    """``pd.to_datetime``; UTC offsets that differ down the column (the first 50 rows have none,
    or several) are read as UTC rather than left as objects or refused."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' FutureWarning on mixed offsets
        try:
            parsed = pd.to_datetime(text, errors="coerce", utc=zoned, format=fmt)
        except (ValueError, TypeError):  # "Mixed timezones detected", tz-aware and naive
            parsed = None
        if parsed is None or not pd.api.types.is_datetime64_any_dtype(parsed):
            parsed = pd.to_datetime(text, errors="coerce", utc=True, format=fmt)
    return parsed
