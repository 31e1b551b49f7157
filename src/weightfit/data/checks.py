"""Per-series checks on the long frame: order, duplicates, positive prices, enough rows,
suspected unadjusted splits, and the frequency. Nothing is filled, dropped or reordered
without being counted in the record. Every check runs on all series at once."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from weightfit.errors import DataError

SPLITS = (2, 3, 4, 5, 10, 15, 20)
SPLIT_TOLERANCE = 0.05  # a one-step ratio within 5% of 1/k or k
MIN_ROWS = 3
NS = {"s": 10**9, "min": 60 * 10**9, "h": 3600 * 10**9, "day": 86400 * 10**9}


def frequency(step_ns: int, weekend_share: float) -> str:
    """A name for the typical spacing (the most common step): ``1min``, ``1h``, ``daily``..."""
    if step_ns <= 0:
        return "unknown"
    if step_ns < NS["min"]:
        return f"{step_ns / NS['s']:g}s"
    if step_ns < NS["h"]:
        return f"{step_ns / NS['min']:g}min"
    if step_ns < NS["day"]:
        return f"{step_ns / NS['h']:g}h"
    days = step_ns / NS["day"]
    if days == 1:
        return "daily (Mon-Fri)" if weekend_share > 0.05 else "daily"
    if 6 <= days <= 8:
        return "weekly"
    if 27 <= days <= 32:
        return "monthly"
    if 88 <= days <= 93:
        return "quarterly"
    return f"{days:g} days"


def _steps(codes: np.ndarray, ds: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per series (sorted rows): the most common step in ns (the smallest on ties, as
    ``Series.mode``) and the share of 3-day steps (weekends), all series at once."""
    same = codes[1:] == codes[:-1]
    step = np.diff(ds)[same]  # int64 ns
    owner = codes[1:][same]
    mode = np.zeros(n, dtype=np.int64)
    weekend = np.zeros(n)
    if len(step):
        order = np.lexsort((step, owner))
        o, s = owner[order], step[order]
        new = np.r_[True, (o[1:] != o[:-1]) | (s[1:] != s[:-1])]
        starts = np.flatnonzero(new)
        counts = np.diff(np.r_[starts, len(s)])
        run_owner, run_step = o[starts], s[starts]
        # for each series, the run with the most steps; the first such (smallest) on ties
        best = np.lexsort((run_step, -counts, run_owner))
        first = np.r_[True, run_owner[best][1:] != run_owner[best][:-1]]
        mode[run_owner[best][first]] = run_step[best][first]
        total = np.bincount(owner, minlength=n)
        three = np.bincount(owner, weights=step == 3 * NS["day"], minlength=n)
        weekend = np.divide(three, total, out=np.zeros(n), where=total > 0)
    return mode, weekend


def _ns(ds: pd.Series) -> np.ndarray:
    """Timestamps as int64 nanoseconds (UTC for zoned ones): cheap to compare and subtract."""
    return pd.DatetimeIndex(ds).asi8


def _split_warnings(y: np.ndarray, ds: pd.Series, codes: np.ndarray) -> dict[int, list[str]]:
    """Suspected unadjusted splits: a one-step ratio near 1/k or k, per series."""
    same = codes[1:] == codes[:-1]
    ratio = y[1:] / y[:-1]
    out: dict[int, list[str]] = {}
    for k in SPLITS:
        for r, name in ((1 / k, f"1:{k}"), (k, f"{k}:1")):
            for i in np.flatnonzero(same & (np.abs(ratio / r - 1) < SPLIT_TOLERANCE)):
                day = pd.Timestamp(ds.iloc[i + 1]).date()
                out.setdefault(int(codes[i]), []).append(
                    f"suspected unadjusted stock split on {day}: the price moved by a "
                    f"ratio of {ratio[i]:.4f} (about {name}); use an adjusted price column"
                )
    return out


def finish(frame: pd.DataFrame, records: list[dict[str, Any]], duplicates: str) -> pd.DataFrame:
    """Sort, check and describe each series; the record goes to ``attrs["weightfit"]``."""
    by_source = {rec["source"]: rec for rec in records}
    frame = frame.reset_index(drop=True)
    frame["unique_id"] = frame["unique_id"].astype(str)
    codes, uniques = pd.factorize(frame["unique_id"], sort=True)  # code order = sorted ids
    n = len(uniques)
    ds_file = _ns(frame["ds"])
    # the order in the file, per series: rows of a series in file order (a stable sort)
    in_file = np.argsort(codes, kind="stable")
    c, t = codes[in_file], ds_file[in_file]
    same = c[1:] == c[:-1]
    up = np.bincount(c[1:][same & (t[1:] < t[:-1])], minlength=n) == 0  # never went back
    down = np.bincount(c[1:][same & (t[1:] > t[:-1])], minlength=n) == 0  # never went forward
    if not (up.all() and (np.diff(codes) >= 0).all()):
        frame = frame.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
        codes = pd.factorize(frame["unique_id"], sort=True)[0]
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
        gone = frame.loc[~keep]
        for (source, uid), count in gone.groupby(["source", "unique_id"]).size().items():
            rec = by_source[source]
            rec["dropped"][note] = rec["dropped"].get(note, 0) + int(count)
            rec["dropped_by_series"].setdefault(str(uid), {})[note] = int(count)
        frame = frame.loc[keep].reset_index(drop=True)
        codes, ds = codes[keep], ds[keep]
    y = frame["y"].to_numpy()
    bad = ~(y > 0) | ~np.isfinite(y)
    if bad.any():
        row = frame.loc[bad].iloc[0]
        unit = by_source[row["source"]].get("unit", "line")
        raise DataError(
            f"{row['source']}: {unit} {row['line']}: the price {float(row['y'])!r} is not "
            "positive; prices must be > 0 (fix the row, or pick another column with --price)"
        )
    rows = np.bincount(codes, minlength=n)
    first_row = np.r_[0, np.cumsum(rows)[:-1]]
    last_row = first_row + rows - 1
    source = frame["source"].to_numpy()[first_row]
    short = np.flatnonzero(rows < MIN_ROWS)
    if len(short):
        s = int(short[0])
        rec = by_source[source[s]]
        raise DataError(
            f"{rec['source']}: series {uniques[s]!r} has {int(rows[s])} rows after cleaning; "
            f"at least {MIN_ROWS} are needed (dropped: {rec['dropped'] or 'none'})"
        )
    step, weekend = _steps(codes, ds, n)
    names = {
        (int(a), float(b)): frequency(int(a), float(b)) for a, b in zip(step, weekend, strict=True)
    }
    splits = _split_warnings(y, frame["ds"], codes)
    zoned = getattr(frame["ds"].dt, "tz", None) is not None
    minute = (frame["ds"].dt.hour * 60 + frame["ds"].dt.minute).to_numpy()
    lo = np.minimum.reduceat(minute, first_row) if len(minute) else minute
    hi = np.maximum.reduceat(minute, first_row) if len(minute) else minute
    start_text = frame["ds"].iloc[first_row].astype(str).to_numpy()
    end_text = frame["ds"].iloc[last_row].astype(str).to_numpy()
    series: dict[str, dict[str, Any]] = {}
    for s, uid in enumerate(uniques):
        rec = by_source[source[s]]
        notes = []
        if not up[s]:
            notes.append(
                "newest first in the file: sorted oldest first"
                if down[s]
                else "rows not in date order in the file: sorted by date"
            )
        warnings = splits.get(s, [])
        price = rec["price_column"]
        info: dict[str, Any] = {
            "rows": int(rows[s]),
            "start": start_text[s],
            "end": end_text[s],
            "frequency": names[(int(step[s]), float(weekend[s]))],
            "price_column": price if isinstance(price, str) else _column_of(rec, uid),
            "source": rec["source"],
            "format": rec["format"],
            "dropped": rec["dropped_by_series"].get(uid, {}),
            "notes": notes,
            "warnings": warnings,
        }
        if zoned or lo[s] or hi[s]:
            info["time_of_day"] = (
                f"{lo[s] // 60:02d}:{lo[s] % 60:02d}..{hi[s] // 60:02d}:{hi[s] % 60:02d}"
            )
        series[uid] = info
        rec["warnings"] += [f"{uid}: {w}" for w in warnings]
    out = frame[["unique_id", "ds", "y"]].copy()
    out.attrs["weightfit"] = {"sources": records, "series": series}
    return out


def _column_of(rec: dict[str, Any], uid: str) -> str:
    columns = rec["price_column"]
    for c in columns:
        if c == uid or c.endswith(f"|{uid}"):
            return c.split("|")[0]
    return str(columns[0])
