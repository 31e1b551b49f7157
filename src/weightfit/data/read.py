"""``read_prices``: the price files people have, in; a long ``unique_id, ds, y`` frame, out.

What was detected (format, columns, separator, date format, frequency, rows dropped and why,
notes and warnings) travels with the frame in ``frame.attrs["weightfit"]``.
"""

from __future__ import annotations

import glob as globbing
import io
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from weightfit.data import arrow, content, excel, parse
from weightfit.data.checks import SPLIT_HANDLING, finish
from weightfit.data.columns import (
    ADJUSTED,
    CLOSE,
    DATE,
    HIGH,
    ID,
    LOW,
    OPEN,
    TIME,
    VOLUME,
    find,
    is_known,
    normalise,
)
from weightfit.data.panel import run_starts
from weightfit.data.text import Layout, decode, read_bytes, regular_file, sniff, split_rows
from weightfit.errors import DataError

TEXT = (".csv", ".tsv", ".txt", ".dat", ".prn")
PARQUET = (".parquet", ".pq")
NA_TOKENS = sorted(parse.MISSING | {m.upper() for m in parse.MISSING} | {"NaN", "N/A", "Null"})
_TICKER = re.compile(r"^(?=.*[A-Z])[A-Z0-9.\-^=_:/]{1,20}$")  # AAPL, BRK.B, BTC-USD, ^GSPC
BINANCE = [
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "trades",
    "taker_buy_base",
    "taker_buy_quote",
    "ignore",
]


@dataclass
class Roles:
    date: str
    prices: list[str]
    time: str | None = None
    id: str | None = None
    ids: list[str] | None = None  # one per price column, for wide files
    notes: list[str] = field(default_factory=list)
    volume: str | None = None  # the volume column of a one-price layout (split evidence)


def read_prices(
    source: Any,
    *,
    price: str | int | None = None,
    date: str | int | None = None,
    id: str | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    skiprows: int | None = None,
    date_format: str | None = None,
    duplicates: str = "error",
    splits: str = "adjust",
    session: str = "all",
    exchange: str | None = None,
    tz: str | None = None,
    wide: bool = False,
    sheet: str | int | None = None,
    on_bad: str = "raise",
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Read prices into a long frame ``unique_id, ds, y`` sorted by ``(unique_id, ds)``.

    ``source`` is a path (CSV/TSV/TXT, plain, ``.gz`` or ``.zip``, or Parquet; ``"sample:msft"``
    names a bundled sample), a directory or
    glob (one series per file, the id from a ticker column or the file name), a list of those,
    or a DataFrame.
    Formats are recognised without flags; the flags override what was detected: ``price`` and
    ``date`` (a column name or 0-based position), ``id`` (the ticker column), ``sep``,
    ``decimal``, ``encoding``, ``skiprows`` (lines before the header), ``date_format`` (a
    strptime format such as ``"%d/%m/%Y"``), ``duplicates`` (``"error"`` or ``"last"``).

    ``splits``: what to do with suspected unadjusted stock splits (listed, with date, ratio and
    confidence, in ``attrs["weightfit"]["series"][id]["splits"]``): ``"adjust"`` (default:
    back-adjust the prices before each, with a warning), ``"keep"`` (score as they are) or
    ``"exclude"`` (keep them, and ``weightfit.fit`` leaves out the forecasts across them).
    ``session``: ``"all"`` (default) or ``"regular"``: keep only rows inside ``exchange``'s
    regular sessions (an ISO MIC such as ``"XNYS"``, via ``exchange_calendars``), naive
    timestamps read in ``tz`` (default the exchange's zone). ``wide``: one series per numeric
    column, whatever the names. ``sheet``: the sheet of an Excel/ODS workbook (name or 0-based
    position; default the first).
    ``on_bad``: with several files, ``"raise"`` (default: one ``DataError`` listing every file
    that cannot be read, one line each) or ``"skip"`` (read the others; each skipped file and
    its reason in ``attrs["weightfit"]["skipped"]``, a list of ``{"file", "reason"}``; an error
    still when none can be read). ``progress``: called with (files read, files) after each file.

    >>> from weightfit.data import sample_path
    >>> frame = read_prices(sample_path("msft"))
    >>> len(frame), frame.attrs["weightfit"]["series"]["msft"]["price_column"]
    (7983, 'Close')
    """
    where = "<DataFrame>" if isinstance(source, pd.DataFrame) else str(source)
    sep = check_reading(sep=sep, skiprows=skiprows, date_format=date_format, where=where)["sep"]
    if duplicates not in ("error", "last"):
        raise DataError(f"Invalid duplicates: {duplicates!r} (expected 'error' or 'last')")
    if decimal not in (None, ".", ","):
        raise DataError(f"Invalid decimal: {decimal!r} (expected '.' or ',')")
    if splits not in SPLIT_HANDLING:
        raise DataError(f"Invalid splits: {splits!r} (expected one of {SPLIT_HANDLING})")
    if session not in ("all", "regular"):
        raise DataError(f"Invalid session: {session!r} (expected 'all' or 'regular')")
    if on_bad not in ("raise", "skip"):
        raise DataError(f"Invalid on_bad: {on_bad!r} (expected 'raise' or 'skip')")
    flags: dict[str, Any] = {
        "price": price,
        "date": date,
        "id": id,
        "date_format": date_format,
        "wide": wide,
    }
    text_flags = {
        "sep": sep,
        "decimal": decimal,
        "encoding": encoding,
        "skiprows": skiprows,
        "sheet": sheet,
    }
    if isinstance(source, pd.DataFrame):
        parts = [_from_frame(source.copy(), "<DataFrame>", None, **flags, decimal=decimal)]
        skipped: list[dict[str, str]] = []
    else:
        files = expand_paths(source)
        parts, skipped = _read_each(files, on_bad, progress, **flags, **text_flags)
    frames = [p[0] for p in parts]
    records = [p[1] for p in parts]
    owners: dict[str, str] = {}
    for frame, record in zip(frames, records, strict=True):
        for uid in _distinct(frame["unique_id"]):
            if uid in owners and owners[uid] != record["source"]:
                raise DataError(
                    f"{record['source']}: series {uid!r} is also in {owners[uid]}; give each "
                    "ticker one file, or rename one"
                )
            owners[uid] = record["source"]
    frame = _concat(frames)
    frame = finish(
        frame, records, duplicates, splits=splits, session=session, exchange=exchange, tz=tz
    )
    if skipped:
        frame.attrs["weightfit"]["skipped"] = skipped
    return frame


def _distinct(ids: pd.Series) -> list[Any]:
    """The distinct ids in order of appearance (``Series.unique``); a categorical's from its
    codes, by runs: a long file holds each series in one run."""
    if not isinstance(ids.dtype, pd.CategoricalDtype):
        return list(ids.unique())
    codes = ids.cat.codes.to_numpy()
    runs = codes[run_starts(codes)]
    names = ids.cat.categories.to_numpy(dtype=object)
    return [names[c] if c >= 0 else np.nan for c in pd.unique(runs).tolist()]


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The long rows of every file (frames of this reader's own, emptied here), one after
    another; categorical columns (the ids and the source: one small list of names each) stay
    categorical, with their categories joined."""
    if len(frames) == 1:
        return frames[0]
    joined = {}
    for column in ("unique_id", "source"):
        arrays = [f[column].array for f in frames]
        if all(isinstance(a, pd.Categorical) for a in arrays):
            joined[column] = union_categoricals(arrays)
            for f in frames:
                del f[column]  # no copy of the other columns
    frame = pd.concat(frames, ignore_index=True)
    for column, values in joined.items():
        frame[column] = values
    return frame


def _read_each(
    files: list[Path], on_bad: str, progress: Callable[[int, int], None] | None, **flags: Any
) -> tuple[list[tuple[pd.DataFrame, dict[str, Any]]], list[dict[str, str]]]:
    """Read every file; the bad ones are listed (all of them, not only the first), then raised
    as one ``DataError`` (``on_bad="raise"``, or when none is good) or skipped."""
    if len(files) == 1:
        return [_read_file(files[0], many=False, **flags)], []
    parts, bad = [], []
    for done, f in enumerate(files, 1):
        try:
            parts.append(_read_file(f, many=True, **flags))
        except DataError as e:
            bad.append({"file": str(f), "reason": str(e).removeprefix(f"{f}: ")})
        if progress is not None:
            progress(done, len(files))
    if bad and (on_bad == "raise" or not parts):
        fix = "" if parts else "; none can be read"
        fix = fix or "; --skip-bad (on_bad='skip') reads the others"
        lines = "".join(f"\n  {b['file']}: {b['reason']}" for b in bad)
        raise DataError(f"{len(bad)} of {len(files)} files cannot be read{fix}:{lines}")
    return parts, bad


_SEP_NAMES = {"\\t": "\t", "tab": "\t", "space": " "}  # --sep '\t' from a shell is two characters


def check_reading(
    *,
    sep: str | None = None,
    skiprows: int | None = None,
    date_format: str | None = None,
    where: str = "read_prices",
) -> dict[str, Any]:
    """Validate the reading flags that need no file; returns them normalised (``--sep tab``).
    ``where``: the files, named in the message of a bad ``date_format``.

    >>> check_reading(sep=";;")
    Traceback (most recent call last):
    ...
    weightfit.errors.DataError: Invalid --sep ';;': one character, e.g. --sep ';' or --sep tab
    """
    if sep is not None:
        sep = _SEP_NAMES.get(sep, sep)
        if len(sep) != 1 or sep in '\r\n"' or sep.isalnum():
            raise DataError(f"Invalid --sep {sep!r}: one character, e.g. --sep ';' or --sep tab")
    if skiprows is not None and (isinstance(skiprows, bool) or skiprows < 0):
        raise DataError(f"Invalid --skiprows {skiprows!r}: the lines before the header, >= 0")
    if date_format is not None:
        parse.check_date_format(date_format, where)
    return {"sep": sep, "skiprows": skiprows, "date_format": date_format}


def expand_paths(source: Any) -> list[Path]:
    """The files of ``source`` (a path, folder, glob or list of them), folders and globs in
    sorted order; the same file twice is an error."""
    if isinstance(source, arrow.Rows):  # a row range of a Parquet file (engine partitions)
        return [source]  # type: ignore[list-item]
    if isinstance(source, list | tuple):
        files = [f for s in source for f in expand_paths(s)]
        # realpath, not resolve(): a symlink loop is the reader's error to name, not a crash
        seen = {str(f) if isinstance(f, arrow.Rows) else os.path.realpath(f) for f in files}
        if len(seen) != len(files):
            raise DataError("the same file is given twice; give each file once")
        return files
    text = str(source)
    if text.startswith("sample:"):  # a bundled sample by name: `weightfit fit sample:msft`
        from weightfit.data.bundled import sample_path

        return [sample_path(text.removeprefix("sample:"))]
    path = Path(text)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if _readable(p))
        if not files:
            raise DataError(f"{path}: the folder holds no CSV, TXT or Parquet files")
        return files
    # an existing path is a path even with glob characters in its name ("prices [1].csv")
    if any(ch in text for ch in "*?[") and not path.exists() and not path.is_symlink():
        files = sorted(Path(p) for p in globbing.glob(text) if _readable(Path(p)))
        if not files:
            raise DataError(f"{text}: no such file, and no price files match it as a pattern")
        return files
    return [path]


def _readable(p: Path) -> bool:
    name = p.name.lower()
    for ext in (".gz", ".zip"):
        name = name.removesuffix(ext)
    readable = TEXT + PARQUET + excel.SUFFIXES
    return p.is_file() and not p.name.startswith(".") and name.endswith(readable)


def _stem(path: Path) -> str:
    name = path.name
    for ext in (".gz", ".zip", *TEXT, *PARQUET, *excel.SUFFIXES):
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
    return name


def _read_file(path: Path, many: bool, **flags: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    if isinstance(path, arrow.Rows):  # --- fast reader (data/arrow.py): a Parquet row range
        flags = {k: v for k, v in flags.items() if k not in ("sep", "encoding", "skiprows")}
        flags.pop("sheet")
        return _from_frame(arrow.read_parquet(path), str(path), _stem(path.path), **flags)
    regular_file(path)  # before anything opens it: a FIFO blocks, /dev/zero never ends
    name = path.name.lower().removesuffix(".gz").removesuffix(".zip")
    text_flags = {k: flags.pop(k) for k in ("sep", "encoding", "skiprows")}
    sheet = flags.pop("sheet")
    book = excel.kind(path)
    if book is not None:
        raw, sheet_name = excel.to_csv(path, book, sheet)
        frame, record = _read_text(
            path, **flags, sep=",", encoding="utf-8", skiprows=text_flags["skiprows"], raw=raw
        )
        record["format"] = f"{book} workbook, sheet {sheet_name!r}: {record['format']}"
        return frame, record
    if name.endswith(PARQUET):
        return _from_frame(arrow.read_parquet(path), str(path), _stem(path), **flags)
    return _read_text(path, **flags, **text_flags)


def _headerless(first: list[str], where: str) -> list[str]:
    """Column names for files without a header: Binance klines and bar files."""
    n, cell = len(first), first[0].strip()
    if n == 12 and cell.isdigit() and len(cell) in (13, 16):
        return BINANCE
    if n >= 3 and re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", first[1].strip()):
        names = ["date", "time", "open", "high", "low", "close", "volume"]
        if n in (6, 7):
            return names[:n] if n == 7 else ["date", "time", "open", "high", "low", "close"]
    if n == 2:
        return ["date", "close"]
    if n in (5, 6):
        names = ["datetime", "open", "high", "low", "close", "volume"]
        return names[:n]
    raise DataError(
        f"{where}: no header line, and {n} columns match no known headerless layout "
        "(Binance klines, date,time,open,high,low,close,volume bars); add a header line"
    )


def _pick(columns: list[str], wanted: str | int, what: str, where: str) -> str:
    if isinstance(wanted, int) or (isinstance(wanted, str) and wanted.isdigit()):
        i = int(wanted)
        if not 0 <= i < len(columns):
            raise DataError(f"{where}: --{what} {i}: there are {len(columns)} columns (0-based)")
        return columns[i]
    matches = [c for c in columns if c == wanted] or [
        c for c in columns if normalise(c) == normalise(wanted)
    ]
    if not matches:
        raise DataError(
            f"{where}: no column {wanted!r} for --{what}; the columns are {_list(columns)}"
        )
    return matches[0]


def _list(columns: list[str]) -> str:
    return ", ".join(repr(c) for c in columns)


def _numeric(values: pd.Series) -> bool:
    if values.dtype != object:
        return bool(pd.api.types.is_numeric_dtype(values))
    text = values[~parse.is_missing(values)].astype(str).str.replace(r"[\s$€£,.']", "", regex=True)
    return len(text) > 0 and bool(text.str.fullmatch(r"-?\d+(\.\d+)?[KMBkmb]?").all())


def roles(
    columns: list[str],
    sample: pd.DataFrame,
    *,
    price: str | int | None,
    date: str | int | None,
    id: str | None,
    where: str,
    tickers: list[str] | None = None,
    wide: bool = False,
) -> Roles:
    """Which columns hold the date, the time, the ticker and the price(s).

    ``wide``: every numeric column (other than the date, time and ticker) is a series.
    """
    notes: list[str] = []
    if date is not None:
        date_col = _pick(columns, date, "date", where)
    else:
        found = find(columns, DATE)
        if (
            found is None
            and columns
            and (normalise(columns[0]) == "" or normalise(columns[0]).startswith("unnamed"))
        ):
            found = columns[0]
            notes.append("the dates are in the first, unnamed column (an index)")
        if found is None:
            raise DataError(f"{where}: no date column among {_list(columns)}; pass --date NAME")
        date_col = found
    rest = [c for c in columns if c != date_col]
    time_col = find(rest, TIME) if normalise(date_col) != "time" else None
    if time_col is not None:
        rest = [c for c in rest if c != time_col]
    id_col = _pick(rest, id, "id", where) if id is not None else find(rest, ID)
    if id_col is not None:
        rest = [c for c in rest if c != id_col]
    if tickers is not None:  # yfinance: "Field|TICKER" columns
        fields = {c.split("|")[0] for c in rest}
        want = (
            _pick(sorted(fields), price, "price", where)
            if price is not None
            else find(sorted(fields), ADJUSTED) or find(sorted(fields), CLOSE)
        )
        if want is None:
            raise DataError(f"{where}: no price among {_list(sorted(fields))}; pass --price NAME")
        cols = [c for c in rest if c.split("|")[0] == want]
        return Roles(date_col, cols, time_col, None, [c.split("|", 1)[1] for c in cols], notes)
    volume = find(rest, VOLUME)
    if price is not None:
        picked = _pick(columns, price, "price", where)
        return Roles(date_col, [picked], time_col, id_col, None, notes, volume)
    if wide:
        numeric = [c for c in rest if c in sample and _numeric(sample[c])]
        if id_col is not None or not numeric:
            what = f"the ticker column {id_col!r}" if id_col else "no numeric column"
            raise DataError(f"{where}: --wide: {what}; a wide file has a date and price columns")
        notes.append(f"wide layout (--wide): one series per numeric column ({len(numeric)})")
        return Roles(date_col, numeric, time_col, None, list(numeric), notes)
    for vocabulary in (ADJUSTED, CLOSE):
        found = find(rest, vocabulary)
        if found is not None:
            return Roles(date_col, [found], time_col, id_col, None, notes, volume)
    unknown = [c for c in rest if not is_known(c) and normalise(c) != ""]
    numeric = [c for c in unknown if c in sample and _numeric(sample[c])]
    if len(numeric) == 1:
        notes.append(f"price column {numeric[0]!r}: the only numeric column")
        return Roles(date_col, numeric, time_col, id_col, None, notes, volume)
    if len(numeric) >= 2 and id_col is None:
        if all(_TICKER.match(c) for c in numeric):
            notes.append(f"wide layout: one price column per ticker ({len(numeric)} tickers)")
        else:
            notes.append(
                f"wide layout: {len(numeric)} numeric columns and no price column by name, read "
                f"as one series each ({_list(numeric)}); pass --price NAME to pick one"
            )
        return Roles(date_col, numeric, time_col, None, list(numeric), notes)
    if numeric:
        raise DataError(
            f"{where}: cannot tell which column is the price among {_list(numeric)}; "
            "pass --price NAME"
        )
    raise DataError(f"{where}: no price column among {_list(columns)}; pass --price NAME")


def _format_name(columns: list[str], layout: Layout | None, r: Roles) -> str:
    """A vendor's name only where the layout identifies it; else the layout, described."""
    names = {normalise(c) for c in columns}
    raw = " ".join(columns).lower()
    if layout is not None and layout.tickers is not None:
        return "yfinance export"
    if layout is not None and layout.header is None:
        return "Binance klines" if r.date == "open_time" else "headerless bars"
    if "<ticker>" in raw or "<date>" in raw:
        return "Stooq bulk text"
    if "close/last" in names:
        return "Nasdaq.com"
    if "change %" in names and "price" in names:
        return "Investing.com"
    if any(re.match(r"^\d\. ", c.strip()) for c in columns):
        return "Alpha Vantage (JSON-style headers)"
    case = "lower-case " if all(c == c.lower() for c in columns) else ""
    ohlc = {find(columns, v) for v in (OPEN, HIGH, LOW, CLOSE)}
    if None not in ohlc:
        what = "OHLCV" if find(columns, VOLUME) else "OHLC"
        extras = []
        if "adj close" in names:
            extras.append("an Adj Close column")
        if "openint" in names:
            extras.append("an OpenInt column")
        date_name = normalise(r.date)
        extras.append(f"a {date_name!r} column" if date_name != "date" else "a date column")
        return f"{case}{what} with " + " and ".join(extras)
    if r.id is not None:
        return "long (one row per ticker and date)"
    if r.ids is not None:
        return "wide (one column per series)"
    return "a date and a price column"


def _read_text(
    path: Path,
    *,
    price: Any,
    date: Any,
    id: Any,
    date_format: str | None,
    decimal: str | None,
    sep: str | None,
    encoding: str | None,
    skiprows: int | None,
    wide: bool = False,
    raw: bytes | None = None,
    where: str | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    where = where or str(path)
    raw = read_bytes(path) if raw is None else raw
    text, used_encoding, notes = decode(raw, encoding, where, start_only=True)  # the start
    if not text.strip():
        raise DataError(f"{where}: the file is empty; nothing to read")
    layout = sniff(text, sep, skiprows, where)
    notes += layout.notes
    sample_lines = layout.head[layout.first_data_line :][:200]
    sample_rows = [r for r in split_rows(sample_lines, layout.sep) if "".join(r).strip()]
    if layout.header is None:
        header = _headerless(sample_rows[0], where) if sample_rows else []
    elif layout.tickers is not None:
        header = ["Date"] + [
            f"{f.strip()}|{t.strip()}"
            for f, t in zip(layout.header[1:], layout.tickers, strict=False)
        ]
    else:
        header = _unique(layout.header)
    if not sample_rows:
        raise DataError(f"{where}: the file has a header but no data rows")
    width = len(header)
    sample = pd.DataFrame([(r + [""] * width)[:width] for r in sample_rows], columns=header)
    alerts: list[str] = []
    if layout.header is not None and layout.tickers is None and date is None and price is None:
        names, realigned, date_at = content.realign(header, sample, where)
        if names != header:
            header = _unique(names)
            sample.columns = header
        if date_at is not None:
            date = date_at
        alerts += realigned
    r = roles(
        header,
        sample,
        price=price,
        date=date,
        id=id,
        where=where,
        tickers=[""] if layout.tickers is not None else None,
        wide=wide,
    )
    if price is not None and len(r.prices) == 1:
        warning = content.price_warning(header, sample, r.prices[0])
        alerts += [warning] if warning else []
    if layout.tickers is not None and r.ids is not None:
        r.ids = [i.strip() or _stem(path) for i in r.ids]
    if decimal is None:
        decimal = parse.detect_decimal([v for c in r.prices for v in sample[c].tolist()])
    keep = [r.date] + ([r.time] if r.time else []) + ([r.id] if r.id else []) + r.prices
    strings = {c: str for c in keep if c not in r.prices}
    # --- the fast reader (data/arrow.py) where the layout allows; else the careful path
    fast: pd.DataFrame | None = None
    date_head: list[str] = []
    if (
        decimal == "."
        and date_format is None
        and layout.header is not None
        and layout.tickers is None
        and r.time is None
        and used_encoding in ("utf-8", "utf-8-sig", "ascii")
    ):
        fast, date_head = arrow.read_csv(
            raw,
            sep=layout.sep,
            skip=layout.first_data_line,
            header=header,
            date=r.date,
            prices=r.prices,
            ids=r.id,
            na=NA_TOKENS,
            also=[r.volume] if r.volume is not None and len(r.prices) == 1 else [],
        )
    try:
        if fast is not None:
            table = fast
        else:
            with warnings.catch_warnings():
                # a row with more fields than the header: pandas would drop the extra ones
                warnings.simplefilter("error", pd.errors.ParserWarning)
                table = _read_csv(raw, used_encoding, layout, header, strings, r.prices, decimal)
    except pd.errors.ParserWarning:
        at = _wider_line(decode(raw, encoding, where)[0], layout, width)
        raise DataError(
            f"{where}: {at} has more fields than the header's {width}; every row must have "
            "the header's fields (fix the line, or pass --sep)"
        ) from None
    except (pd.errors.ParserError, ValueError) as e:
        if _interrupted(e):  # Ctrl-C inside the C parser's read() comes back as a ParserError
            raise KeyboardInterrupt from None
        message = str(e).strip().replace("\n", " ")[:300]
        m = re.search(r"line (\d+)", message)
        at = f"line {int(m.group(1))}" if m else "a line"
        raise DataError(
            f"{where}: {at}: {message}; every row must have the header's {width} fields"
        ) from None
    first_line = layout.first_data_line + 1  # 1-based line of table row 0
    meta = {
        "source": where,
        "format": None,
        "separator": layout.sep,
        "decimal": decimal,
        "encoding": used_encoding,
        "header_line": layout.first_data_line if layout.header is not None else None,
        "columns": [c for c in header],
    }
    frame, record = _assemble(
        table, r, meta, notes, first_line, "line", date_format, decimal, default_id=_stem(path)
    )
    record["format"] = _format_name(header, layout, r)
    record["warnings"] += alerts
    if fast is not None:  # the format the careful path would have chosen, from the same cells
        text = pd.Series(date_head, dtype=object)
        _, record["date_format"], record["date_format_reason"] = parse.parse_dates(
            text, None, r.date, lambda i: where, where
        )
    return frame, record


def _read_csv(
    raw: bytes,
    encoding: str,
    layout: Layout,
    header: list[str],
    strings: dict[str, Any],
    prices: list[str],
    decimal: str,
) -> pd.DataFrame:
    """The whole file by pandas' C parser, the role columns other than prices as strings.

    A number with a huge exponent ("1e3086712159") crashes pandas' C number parser (SIGSEGV),
    in any column it infers: when the bytes hold one, every column is read as text, and
    ``parse.to_numbers`` reads the prices safely. The check is one ``bytes.translate`` and
    three ``find`` (~0.2 s per 50 MB).
    """
    if _huge_exponent(raw):
        strings = dict.fromkeys(header, str)
    return pd.read_csv(
        io.BytesIO(raw),
        encoding=encoding,
        sep=layout.sep,
        header=None,
        names=header,
        skiprows=layout.first_data_line,
        usecols=None,  # all columns, so that a row with extra fields is an error
        dtype=strings,
        keep_default_na=False,
        na_values={c: NA_TOKENS for c in prices},
        skip_blank_lines=False,
        decimal=decimal,
        thousands="." if decimal == "," and layout.sep != "." else None,
        index_col=False,
        engine="c",
        skipinitialspace=True,
    )


_DIGITS_TO_0 = bytes.maketrans(b"123456789E", b"000000000e")


def _huge_exponent(raw: bytes) -> bool:
    """True when the bytes may hold an exponent of four or more digits (``e1234``, ``E-0312``);
    a false alarm only costs the slower, safe path."""
    folded = raw.translate(_DIGITS_TO_0)
    return any(p in folded for p in (b"e0000", b"e+0000", b"e-0000"))


def _interrupted(error: BaseException) -> bool:
    """Whether a KeyboardInterrupt is in the chain of ``error`` (pandas wraps it)."""
    seen: BaseException | None = error
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _wider_line(text: str, layout: Layout, width: int) -> str:
    """'line N' of the first data row with more fields than the header (an error path)."""
    lines = text.splitlines()[layout.first_data_line :]
    for i, row in enumerate(split_rows(lines, layout.sep)):
        if len(row) > width:
            return f"line {layout.first_data_line + i + 1}"
    return "a line"


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, n in enumerate(names):
        n = n if n else f"Unnamed: {i}"
        if n in seen:
            seen[n] += 1
            n = f"{n}.{seen[n]}"
        else:
            seen[n] = 0
        out.append(n)
    return out


def _from_frame(
    frame: pd.DataFrame,
    where: str,
    default_id: str | None,
    *,
    price: Any,
    date: Any,
    id: Any,
    date_format: str | None,
    decimal: str | None,
    wide: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    df = frame  # the caller's own: a copy of the user's frame, or one just read
    tickers = None
    if isinstance(df.columns, pd.MultiIndex):  # yfinance.download: (Price, Ticker) columns
        levels = [normalise(n) for n in df.columns.names]
        field_level = levels.index("price") if "price" in levels else 0
        ticker_level = 1 - field_level
        df.columns = [f"{c[field_level]}|{c[ticker_level]}" for c in df.columns]
        tickers = [""]
    if isinstance(df.index, pd.DatetimeIndex) or not isinstance(df.index, pd.RangeIndex):
        df = df.reset_index()
    df.columns = _unique([str(c) for c in df.columns])
    columns = list(df.columns)
    if df.empty:
        raise DataError(f"{where}: the frame has no rows")
    r = roles(
        columns,
        df.head(200),
        price=price,
        date=date,
        id=id,
        where=where,
        tickers=tickers,
        wide=wide,
    )
    meta = {"source": where, "format": "DataFrame", "columns": columns}
    record_frame, record = _assemble(
        df, r, meta, [], 0, "row", date_format, decimal or ".", default_id=default_id or "series"
    )
    return record_frame, record


def _assemble(
    table: pd.DataFrame,
    r: Roles,
    meta: dict[str, Any],
    notes: list[str],
    first_line: int,
    unit: str,
    date_format: str | None,
    decimal: str,
    default_id: str,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Parse dates and prices, go long, count what is dropped. Per-series checks come later."""
    dropped: dict[str, int] = {}
    role_cols = [r.date] + ([r.time] if r.time else []) + ([r.id] if r.id else []) + r.prices
    blank = np.ones(len(table), dtype=bool)
    for c in role_cols[::-1]:  # prices first: most rows leave the candidates at once
        blank &= parse.missing_where(table[c], pd.Series(blank, index=table.index)).to_numpy()
        if not blank.any():
            break
    if blank.any():
        dropped["blank lines"] = int(blank.sum())
    line = np.arange(first_line, first_line + len(table))  # the file's line (1-based) or row
    if blank.any():
        table, line = table.loc[~blank], line[~blank]
    if len(table) == 0:
        raise DataError(f"{meta['source']}: the file has a header but no data rows")
    dates = table[r.date]
    if r.time is not None:
        dates = dates.astype(str).str.strip() + " " + table[r.time].astype(str).str.strip()
        if bool(dates.str.fullmatch(r"\d{8} \d{6}").all()):  # Stooq: YYYYMMDD HHMMSS
            dates = dates.str.replace(" ", "", regex=False)
    at = _rows_at(meta["source"], unit, line)
    if pd.api.types.is_datetime64_any_dtype(dates):
        ds, used, why = dates, "datetime", "already dates"
    else:
        ds, used, why = parse.parse_dates(dates, date_format, r.date, at, meta["source"])
    no_date = ds.isna().to_numpy()
    long_parts = []
    by_series: dict[str, dict[str, int]] = {}
    ids: list[str | None] = list(r.ids) if r.ids else [None] * len(r.prices)
    stamps = _stamps(ds)
    for column, uid in zip(r.prices, ids, strict=True):
        y, missing = parse.parse_numbers(table[column], decimal, column, at)
        if r.id is not None:
            unique_id = _ids(table[r.id])
        else:
            unique_id = _constant(uid if uid is not None else default_id, len(table))
        columns = {"unique_id": unique_id, "ds": stamps, "y": y.to_numpy(), "line": line}
        if r.volume is not None and len(r.prices) == 1:
            columns["volume"] = _volume(table[r.volume], decimal, at)
        columns["source"] = _constant(meta["source"], len(table))
        part = pd.DataFrame(columns, copy=False)  # arrays of different types: none copied
        bad = missing.to_numpy() | no_date
        if bad.any():
            key = "missing price" if not no_date.any() else "missing price or date"
            _count(dropped, key, int(bad.sum()))
            gone = part.loc[bad, "unique_id"].astype(object)  # no zero counts of categories
            for uid_value, n in gone.value_counts().items():
                _count(by_series.setdefault(str(uid_value), {}), key, int(n))
        long_parts.append(part.loc[~bad].copy() if bad.any() else part)
    frame = long_parts[0] if len(long_parts) == 1 else _concat(long_parts)
    meta["unit"] = unit
    record = {
        **meta,
        "date_column": r.date if r.time is None else f"{r.date} + {r.time}",
        "date_format": used,
        "date_format_reason": why,
        "price_column": _price_names(r.prices),
        "id_column": r.id,
        "layout": "long" if r.id else ("wide" if r.ids and len(r.prices) > 1 else "single"),
        "rows_read": int(len(table) + int(blank.sum())),
        "dropped": dropped,
        "dropped_by_series": by_series,
        "notes": notes + r.notes,
        "warnings": [],
    }
    return frame, record


def _ids(column: pd.Series) -> pd.Categorical | np.ndarray:
    """(T,) ids as stripped text. A categorical (the fast reader's) stays one: each distinct id
    stripped once (two that differ only in spaces become one)."""
    if isinstance(column.dtype, pd.CategoricalDtype) and not column.isna().any():
        names = column.cat.categories.astype(str).str.strip()
        codes = column.cat.codes.to_numpy()
        if not names.is_unique:
            merged, names = pd.factorize(names)
            codes = merged[codes]
        return pd.Categorical.from_codes(codes, pd.Index(names, dtype=object), validate=False)
    return column.astype(str).str.strip().to_numpy()


def _constant(value: str, rows: int) -> pd.Categorical:
    """(rows,) one text value as a categorical: one small code per row, not one pointer."""
    return pd.Categorical.from_codes(
        np.zeros(rows, dtype=np.int8), pd.Index([value], dtype=object), validate=False
    )


def _stamps(ds: pd.Series) -> Any:
    """(T,) the parsed dates as the long frame holds them, without a copy where it can:
    zoned stamps that are not in nanoseconds go through Timestamps, as they always have."""
    zoned = isinstance(ds.dtype, pd.DatetimeTZDtype)
    if zoned and ds.dtype.unit != "ns":
        return ds.to_numpy()
    return ds.array if zoned else ds.to_numpy()


def _volume(values: pd.Series, decimal: str, at: parse.Where) -> np.ndarray:
    """The volume as floats, NaN where unreadable: only evidence for split checks."""
    try:
        volume, _ = parse.parse_numbers(values, decimal, "volume", at)
    except DataError:
        return np.full(len(values), np.nan)
    return volume.to_numpy(dtype=float)


def _price_names(columns: list[str]) -> str | list[str]:
    fields = list(dict.fromkeys(c.split("|")[0] for c in columns))
    return fields[0] if len(fields) == 1 else fields


def _count(d: dict[str, int], key: str, n: int) -> None:
    d[key] = d.get(key, 0) + n


def _rows_at(source: str, unit: str, line: np.ndarray) -> parse.Where:
    return lambda i: f"{source}: {unit} {int(line[i])}"
