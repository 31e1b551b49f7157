"""Per-series checks on the long frame: order, duplicates, positive prices, enough rows,
suspected unadjusted splits, and the frequency. Nothing is filled, dropped or reordered
without being counted in the record."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from weightfit.errors import DataError

SPLITS = (2, 3, 4, 5, 10, 15, 20)
SPLIT_TOLERANCE = 0.05  # a one-step ratio within 5% of 1/k or k
MIN_ROWS = 3


def frequency(ds: pd.Series) -> str:
    """A name for the typical spacing: ``1min``, ``5min``, ``1h``, ``daily``, ``weekly``..."""
    d = ds.diff().dropna()
    if d.empty:
        return "unknown"
    step = d.mode().iloc[0]
    minutes = step / pd.Timedelta(minutes=1)
    if minutes < 60 * 24:
        if minutes < 1:
            return f"{step.total_seconds():g}s"
        return f"{minutes:g}min" if minutes < 60 else f"{minutes / 60:g}h"
    days = step / pd.Timedelta(days=1)
    if days == 1:
        weekend = (d == pd.Timedelta(days=3)).mean()
        return "daily (Mon-Fri)" if weekend > 0.05 else "daily"
    if 6 <= days <= 8:
        return "weekly"
    if 27 <= days <= 32:
        return "monthly"
    if 88 <= days <= 93:
        return "quarterly"
    return f"{days:g} days"


def _splits(y: np.ndarray, ds: pd.Series) -> list[str]:
    ratio = y[1:] / y[:-1]
    out = []
    for k in SPLITS:
        for r, name in ((1 / k, f"1:{k}"), (k, f"{k}:1")):
            hit = np.flatnonzero(np.abs(ratio / r - 1) < SPLIT_TOLERANCE)
            for i in hit:
                day = pd.Timestamp(ds.iloc[i + 1])
                out.append(
                    f"suspected unadjusted stock split on {day.date()}: the price moved by a "
                    f"ratio of {ratio[i]:.4f} (about {name}); use an adjusted price column"
                )
    return out


def finish(frame: pd.DataFrame, records: list[dict[str, Any]], duplicates: str) -> pd.DataFrame:
    """Sort, check and describe each series; the record goes to ``attrs["weightfit"]``."""
    series: dict[str, dict[str, Any]] = {}
    by_source = {rec["source"]: rec for rec in records}
    frame = frame.reset_index(drop=True)
    frame["unique_id"] = frame["unique_id"].astype(str)
    order = frame.groupby("unique_id", sort=False)["ds"]
    increasing = order.apply(lambda s: s.is_monotonic_increasing)
    decreasing = order.apply(lambda s: s.is_monotonic_decreasing)
    if not (increasing.all() and frame["unique_id"].is_monotonic_increasing):
        frame = frame.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    # sorted: a duplicate is a row equal to its neighbour in id and time
    uid, ds = frame["unique_id"].to_numpy(), frame["ds"].to_numpy()
    same = (uid[1:] == uid[:-1]) & (ds[1:] == ds[:-1])
    dup = np.zeros(len(frame), dtype=bool)
    dup[1:] |= same
    dup[:-1] |= same
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
        keep[:-1] &= ~same  # of equal neighbours, the last in file order (the sort is stable)
        for uid, n in frame.loc[~keep, "unique_id"].value_counts().items():
            source = frame.loc[frame["unique_id"] == uid, "source"].iloc[0]
            rec = by_source[source]
            rec["dropped"]["duplicated timestamps (kept the last)"] = rec["dropped"].get(
                "duplicated timestamps (kept the last)", 0
            ) + int(n)
            per = rec["dropped_by_series"].setdefault(str(uid), {})
            per["duplicated timestamps (kept the last)"] = int(n)
        frame = frame.loc[keep].reset_index(drop=True)
    bad = (frame["y"] <= 0) | ~np.isfinite(frame["y"])
    if bool(bad.any()):
        row = frame.loc[bad].iloc[0]
        unit = by_source[row["source"]].get("unit", "line")
        raise DataError(
            f"{row['source']}: {unit} {row['line']}: the price {float(row['y'])!r} is not "
            "positive; prices must be > 0 (fix the row, or pick another column with --price)"
        )
    for uid, group in frame.groupby("unique_id", sort=True):
        uid = str(uid)
        rec = by_source[group["source"].iloc[0]]
        notes, warnings = [], []
        if len(group) < MIN_ROWS:
            raise DataError(
                f"{rec['source']}: series {uid!r} has {len(group)} rows after cleaning; at least "
                f"{MIN_ROWS} are needed (dropped: {rec['dropped'] or 'none'})"
            )
        if not increasing.get(uid, True):
            if decreasing.get(uid, False):
                notes.append("newest first in the file: sorted oldest first")
            else:
                notes.append("rows not in date order in the file: sorted by date")
        warnings += _splits(group["y"].to_numpy(), group["ds"])
        ds = group["ds"]
        info: dict[str, Any] = {
            "rows": len(group),
            "start": str(ds.iloc[0]),
            "end": str(ds.iloc[-1]),
            "frequency": frequency(ds),
            "price_column": rec["price_column"]
            if isinstance(rec["price_column"], str)
            else _column_of(rec, uid),
            "source": rec["source"],
            "format": rec["format"],
            "dropped": rec["dropped_by_series"].get(uid, {}),
            "notes": notes,
            "warnings": warnings,
        }
        if ds.dt.tz is not None or (ds.dt.hour + ds.dt.minute).any():
            minute = (ds.dt.hour * 60 + ds.dt.minute).to_numpy()
            lo, hi = int(minute.min()), int(minute.max())
            info["time_of_day"] = f"{lo // 60:02d}:{lo % 60:02d}..{hi // 60:02d}:{hi % 60:02d}"
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
