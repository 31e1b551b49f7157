"""Per-series checks on the long frame: order, duplicates, positive prices, enough rows,
suspected unadjusted splits (``splits.py``), bar size and sessions (``sessions.py``).
Nothing is filled, dropped or reordered without being counted in the record. Every check runs
on all series at once."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from weightfit.data import sessions
from weightfit.data import splits as splitting
from weightfit.data.panel import ReadRecord, SeriesRecords, run_starts
from weightfit.errors import DataError

MIN_ROWS = 3
SPLIT_HANDLING = ("adjust", "keep", "exclude")


def _ns(ds: pd.Series) -> np.ndarray:
    """Timestamps as int64 nanoseconds (UTC for zoned ones): cheap to compare and subtract."""
    return pd.DatetimeIndex(ds).asi8


def finish(
    frame: pd.DataFrame,
    records: list[dict[str, Any]],
    duplicates: str,
    *,
    splits: str = "adjust",
    session: str = "all",
    exchange: str | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Sort, check and describe each series; the record goes to ``attrs["weightfit"]``.

    ``frame``: the long rows with ``unique_id, ds, y, line, source`` and an optional
    ``volume``. ``splits``: ``"adjust"`` (back-adjust suspected splits), ``"keep"`` or
    ``"exclude"`` (kept, and ``weightfit.fit`` leaves out the forecasts across them);
    ``session``: ``"all"`` or ``"regular"`` (the rows inside ``exchange``'s sessions, naive
    timestamps read in ``tz``).
    """
    by_source = {rec["source"]: rec for rec in records}
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0:
        frame = frame.reset_index(drop=True)
    codes, uniques = _series_codes(frame["unique_id"])  # code order = sorted ids
    n = len(uniques)
    ds_file = _ns(frame["ds"])
    # the order in the file, per series: rows of a series in file order (a stable sort, where
    # the series are not already one after another)
    grouped = bool((codes[1:] >= codes[:-1]).all())
    in_file = None if grouped else np.argsort(codes, kind="stable")
    c, t = (codes, ds_file) if in_file is None else (codes[in_file], ds_file[in_file])
    same = c[1:] == c[:-1]
    up = np.ones(n, dtype=bool)  # never went back
    up[c[1:][same & (t[1:] < t[:-1])]] = False
    down = np.ones(n, dtype=bool)  # never went forward: looked at only where one went back
    if not up.all():
        down[c[1:][same & (t[1:] > t[:-1])]] = False
    del c, t, same, in_file
    if not (up.all() and grouped):  # by (id, ds), stable: of equal rows the last stays last
        sorted_rows = np.lexsort((ds_file, codes))
        frame = frame.take(sorted_rows).reset_index(drop=True)
        codes = codes[sorted_rows]
    ds = _ns(frame["ds"])
    # sorted: a duplicate is a row equal to its neighbour in id and time
    same_row = (codes[1:] == codes[:-1]) & (ds[1:] == ds[:-1])
    dup = np.zeros(len(frame), dtype=bool)
    dup[1:] |= same_row
    dup[:-1] |= same_row
    if dup.any():
        if duplicates == "error":
            first = frame.loc[dup].head(4)
            unit = by_source[first.iloc[0]["source"]].get("unit", "line")
            shown = ", ".join(f"{row.ds} ({unit} {row.line})" for row in first.itertuples())
            raise DataError(
                f"{first.iloc[0]['source']}: duplicated timestamps ({int(dup.sum())} rows): "
                f"{shown}; pass --keep-last to keep the last row of each"
            )
        keep = np.ones(len(frame), dtype=bool)
        keep[:-1] &= ~same_row  # of equal neighbours, the last in file order (the sort is stable)
        note = "duplicated timestamps (kept the last)"
        _count_gone(frame.loc[~keep], uniques[codes[~keep]], by_source, note)
        frame = frame.loc[keep].reset_index(drop=True)
        codes, ds = codes[keep], ds[keep]
    exchange_zone = None
    if session == "regular":
        if exchange is None:
            raise DataError("--session regular needs --exchange, e.g. --exchange XNYS")
        before = frame
        frame, kept, exchange_zone = sessions.filter_session(frame, exchange, tz)
        outside = f"outside the {exchange} regular session"
        _count_gone(before.loc[~kept], uniques[codes[~kept]], by_source, outside)
        codes, ds = codes[kept], ds[kept]
    y = frame["y"].to_numpy()
    bad = ~((y > 0) & (y < np.inf))  # NaN compares False: not positive, not finite
    if bad.any():
        row = frame.loc[bad].iloc[0]
        unit = by_source[row["source"]].get("unit", "line")
        value = float(row["y"])
        what = "out of the range of floating-point numbers" if np.isinf(value) else "not positive"
        raise DataError(
            f"{row['source']}: {unit} {row['line']}: the price {value!r} is {what}; prices must "
            "be finite and > 0 (fix the row, or pick another column with --price)"
        )
    if len(frame) == 0:
        rec = records[0]
        raise DataError(
            f"{rec['source']}: no row has both a date and a price (dropped: "
            f"{rec['dropped'] or 'none'}); check --price and --date"
        )
    rows = np.bincount(codes, minlength=n)
    first_row = np.r_[0, np.cumsum(rows)[:-1]]
    last_row = first_row + rows - 1
    source = frame["source"].take(first_row).to_numpy(dtype=object)
    short = np.flatnonzero(rows < MIN_ROWS)
    if len(short):
        s = int(short[0])
        rec = by_source[source[s]]
        raise DataError(
            f"{rec['source']}: series {uniques[s]!r} has {int(rows[s])} rows after cleaning; "
            f"at least {MIN_ROWS} are needed (dropped: {rec['dropped'] or 'none'})"
        )
    volume = frame["volume"].to_numpy(dtype=float) if "volume" in frame else None
    found, jump_notes = splitting.detect(y, codes, frame["ds"], volume)
    if splits == "adjust" and found:
        y = splitting.adjust(y, codes, found)
        frame["y"] = y
    wall = sessions.wall_ns(frame["ds"])
    bars = sessions.describe(codes, wall, n)
    zone = getattr(frame["ds"].dt, "tz", None)
    lo, hi = _time_of_day(wall, first_row, every=zone is not None)
    ds_first, ds_last = frame["ds"].iloc[first_row], frame["ds"].iloc[last_row]
    start_text, end_text = _texts(ds_first), _texts(ds_last)
    ids = uniques.tolist()
    recs = [by_source[x] for x in source.tolist()]
    if len(records) == 1 and isinstance(records[0]["price_column"], str):  # one file, one price
        one = records[0]
        price_column = [one["price_column"]] * n
        source_column, format_column = [one["source"]] * n, [one["format"]] * n
    else:
        price_column = [
            r["price_column"] if isinstance(r["price_column"], str) else _column_of(r, u)
            for r, u in zip(recs, ids, strict=True)
        ]
        source_column, format_column = [r["source"] for r in recs], [r["format"] for r in recs]
    columns: dict[str, Any] = {
        "rows": rows.tolist(),
        "start": start_text,
        "end": end_text,
        "frequency": bars["bar"],
        "bar_size": bars["bar_size"],
        "gaps": bars["gaps"].tolist(),
        "price_column": price_column,
        "source": source_column,
        "format": format_column,
    }
    common: dict[str, Any] = {
        "time_zone": _zone_text(zone, tz, exchange_zone),
        "dropped": {},
        "splits": [],
        "split_handling": splits,
        "notes": [],
        "warnings": [],
    }
    extra: dict[str, dict[str, Any]] = {}
    for r in records:
        for uid, counts in r["dropped_by_series"].items():
            extra.setdefault(uid, {})["dropped"] = counts
    odd = np.flatnonzero(~up).tolist() + list(found) + list(jump_notes)
    for s in sorted(set(odd)):  # the few series with notes or splits
        uid = ids[s]
        notes = list(jump_notes.get(s, []))
        if not up[s]:
            notes.append(
                "newest first in the file: sorted oldest first"
                if down[s]
                else "rows not in date order in the file: sorted by date"
            )
        suspected = found.get(s, [])
        warnings = [_split_warning(sp, splits) for sp in suspected if sp.acted_on]
        notes += [_split_warning(sp, splits) for sp in suspected if not sp.acted_on]
        more = extra.setdefault(uid, {})
        more.update(splits=[sp.record() for sp in suspected], notes=notes, warnings=warnings)
        recs[s]["warnings"] += [f"{uid}: {w}" for w in warnings]
    for s, text in enumerate(bars["session"]):
        if text is not None:
            extra.setdefault(ids[s], {})["session"] = text
    if zone is not None or (len(lo) and (lo.any() or hi.any())):
        for s in np.flatnonzero((lo != 0) | (hi != 0) | (zone is not None)).tolist():
            a, b = int(lo[s]), int(hi[s])
            clock = f"{a // 60:02d}:{a % 60:02d}..{b // 60:02d}:{b % 60:02d}"
            extra.setdefault(ids[s], {})["time_of_day"] = clock
    order = ["rows", "start", "end", "frequency", "bar_size", "gaps", "time_zone"]
    order += ["price_column", "source", "format", "dropped", "splits", "split_handling"]
    series = SeriesRecords(ids, columns, common, extra, order=[*order, "notes", "warnings"])
    unique_id = uniques[codes]  # (T,) one shared text object per series
    out = pd.DataFrame({"unique_id": unique_id, "ds": frame["ds"].array, "y": y}, copy=False)
    out.attrs["weightfit"] = ReadRecord(sources=records, series=series)  # shared, never copied
    return out


def _texts(stamps: pd.Series) -> list[str]:
    """``stamps.astype(str).tolist()``; naive dates at midnight (pandas then writes the date
    alone) by numpy, ten times faster."""
    values = stamps.to_numpy()
    if values.dtype.kind == "M":  # naive
        days = values.astype("datetime64[D]")
        if bool((days == values).all()):
            return np.datetime_as_string(days).tolist()
    return stamps.astype(str).tolist()


def _time_of_day(wall: np.ndarray, first: np.ndarray, every: bool) -> tuple[np.ndarray, ...]:
    """(S,) the first and last local minute of the day each series has a row at (``wall``:
    (T,) wall-clock ns; ``first``: (S,) each series' first row); zeros, without looking
    further, where every row is at midnight (daily bars) and ``every`` is not asked for."""
    clock = wall % sessions.DAY
    if not every and not clock.any():
        return np.zeros(len(first), dtype=np.int64), np.zeros(len(first), dtype=np.int64)
    minute = clock // sessions.NS["min"]  # local minute of the day
    return np.minimum.reduceat(minute, first), np.maximum.reduceat(minute, first)


def _series_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(T,) codes and (S,) ids: ``pd.factorize(ids, sort=True)``. A categorical's codes are
    renumbered (its names sorted, the unused left out); text ids are hashed only at the
    start of each run of equal ids (a long file holds each series in one run)."""
    if isinstance(ids.dtype, pd.CategoricalDtype):
        names = ids.cat.categories.to_numpy(dtype=object)
        codes = ids.cat.codes.to_numpy().astype(np.intp)
        sorted_names = names
        if not ids.cat.categories.is_monotonic_increasing:  # (ids are often written sorted)
            rank, _ = pd.factorize(names, sort=True)  # distinct names: rank is a permutation
            codes = rank[codes]
            sorted_names = np.empty(len(names), dtype=object)
            sorted_names[rank] = names
        used = np.bincount(codes, minlength=len(names)) > 0
        if used.all():
            return codes, sorted_names
        return (np.cumsum(used) - 1)[codes], sorted_names[used]
    uid = ids.to_numpy()
    if len(uid) == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=object)
    starts = run_starts(uid)
    run_codes, uniques = pd.factorize(uid[starts], sort=True)
    lengths = np.diff(np.r_[starts, len(uid)])
    return np.repeat(run_codes, lengths), np.asarray(uniques, dtype=object)


def _count_gone(
    gone: pd.DataFrame, ids: np.ndarray, by_source: dict[str, dict[str, Any]], note: str
) -> None:
    """Count dropped rows (``ids``: theirs) in their file's record, in total and per series."""
    keys = pd.DataFrame({"source": gone["source"].to_numpy(dtype=object), "unique_id": ids})
    for (source, uid), count in keys.groupby(["source", "unique_id"]).size().items():
        rec = by_source[source]
        rec["dropped"][note] = rec["dropped"].get(note, 0) + int(count)
        rec["dropped_by_series"].setdefault(str(uid), {})[note] = int(count)


def _split_warning(sp: splitting.Split, handling: str) -> str:
    what = splitting.describe(sp)
    if not sp.acted_on:
        return f"{what}; not acted on: a real move of that size looks the same"
    if handling == "adjust":
        return (
            f"{what}; ADJUSTED: prices before {sp.date} multiplied by {sp.factor:.4g} "
            "(pass --keep-splits to score the prices as they are)"
        )
    if handling == "exclude":
        return f"{what}; kept as is, and forecasts across it left out (--exclude-splits)"
    return f"{what}; kept as is (--keep-splits): forecasts across it are scored"


def _zone_text(zone: Any, tz: str | None, exchange_zone: str | None) -> str:
    if zone is not None:
        return str(zone)
    if tz is not None:
        return f"{tz} (--tz)"
    if exchange_zone is not None:
        return f"no zone; {exchange_zone} (the exchange's) assumed"
    return "no zone; exchange time assumed"


def _column_of(rec: dict[str, Any], uid: str) -> str:
    columns = rec["price_column"]
    for c in columns:
        if c == uid or c.endswith(f"|{uid}"):
            return c.split("|")[0]
    return str(columns[0])
