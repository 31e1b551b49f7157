"""Unadjusted stock splits: find them in a price series, and back-adjust or keep them.

A split multiplies the price by ``1/k`` (a ``k:1`` split) or by ``k`` (a ``1:k`` reverse split)
overnight, on top of whatever the stock did that day. A one-step log move ``r`` is judged against
the series' own ordinary moves: the robust volatility ``sigma = median(|r|) / 0.6745`` (the
median absolute log return, scaled to a normal SD). A move is a candidate when it is at least
``JUMP_SDS`` robust SDs and ``MIN_MOVE`` in size; the split ratios ``q`` whose residual
``r - log q`` stays within ``RESIDUAL`` (a day's own move of up to about +-20%) are admissible.
Evidence, best first:

* volume: a split multiplies the share count, so the volume after the split is about ``k`` times
  the volume before (median of ``VOLUME_WINDOW`` rows each side); the admissible ratio the
  volume agrees with is taken (``high`` confidence), and a volume that did not move like a split
  clears the jump (a real move, noted);
* no reversal: a move undone by the next step is a bad tick, not a split;
* without volume, an ordinary ratio (``2:1`` ... ``20:1``, ``1:2`` ... ``1:20``) is ``medium``;
* a ``3:2``-like ratio is always ``low`` and only warned about: a -33% day looks the same, and a
  crash lifts the volume about as much (MSFT on 1987-10-19 fell 30% on 1.4 times the volume).

Splits of ``medium`` or ``high`` confidence are acted on (adjusted or excluded); ``low`` ones are
reported only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from weightfit.data.panel import where_set

FORWARD = (2, 3, 4, 5, 8, 10, 15, 20)  # k:1 splits and 1:k reverse splits
ODD = ((3, 2), (2, 3), (5, 4), (4, 5), (5, 2), (2, 5))  # 3:2 etc: told apart only by volume
JUMP_SDS = 8.0
MIN_MOVE = float(np.log(1.3))  # a smaller move is never read as a split
RESIDUAL = float(np.log(1.25))  # the day's own move allowed on top of the split
VOLUME_AGREES = float(np.log(1.8))  # volume ratio within this factor of k: confirmed
VOLUME_WINDOW = 20
SIGMA_FLOOR = 1e-3  # a series that barely moves: 0.1% a step


def _ratios() -> list[tuple[str, float, bool]]:
    """``(name, price ratio new/old, ordinary)`` for every split ratio considered."""
    out = [(f"{k}:1", 1 / k, True) for k in FORWARD] + [(f"1:{k}", float(k), True) for k in FORWARD]
    out += [(f"{a}:{b}", b / a, False) for a, b in ODD]
    return out


RATIOS = _ratios()


def ordinary_ratio(name: str) -> bool:
    """``k:1`` or ``1:k``: the ratios acted on (a 3:2 split and a -33% day look alike, and a
    crash lifts the volume by about as much as a 3:2 split does: 1987-10-19 in the sample)."""
    return any(n == name for n, _, ok in RATIOS if ok)


@dataclass(frozen=True)
class Split:
    """A suspected split: ``row`` is the first row (of the sorted frame) after it."""

    row: int
    date: str
    ratio: str  # "5:1": five new shares for one; "1:10": a reverse split
    factor: float  # the price ratio the split alone causes (new / old): 0.2 for 5:1
    observed: float  # the price ratio seen (the split and the day's own move)
    move_sds: float  # the jump in robust SDs
    volume_ratio: float | None  # volume after / before, where there is volume
    confidence: str  # "high" (volume agrees), "medium" (ordinary ratio), "low" (3:2-like)

    @property
    def acted_on(self) -> bool:
        return self.confidence in ("high", "medium")

    def record(self) -> dict[str, object]:
        """The split as the read record lists it (JSON-ready)."""
        out = asdict(self)
        out["acted_on"] = self.acted_on
        return out


def robust_sigma(r: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    """Per series, ``median(|r|) / 0.6745`` of its log returns (``r`` and ``codes`` aligned).

    >>> robust_sigma(np.array([0.01, -0.01, 0.02]), np.array([0, 0, 0]), 1).round(4)
    array([0.0148])
    """
    return np.maximum(segment_median(np.abs(r), codes, n) / 0.6745, SIGMA_FLOOR)


def segment_median(x: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    """(n,) per code the median of ``x`` (as ``groupby(codes).median()``: the mean of the two
    middle values for an even count), 0 for a code without values. ``codes``: (N,) sorted.
    Values are sorted within their segment: in one padded (n, longest) array when that is
    small, else by one ``lexsort``.

    >>> segment_median(np.array([3.0, 1, 2, 5, 4]), np.array([0, 0, 0, 2, 2]), 3)
    array([2. , 0. , 4.5])
    """
    out = np.zeros(n)
    if len(x) == 0:
        return out
    count = np.bincount(codes, minlength=n)
    longest = int(count.max())
    if int(count.min()) == longest:  # as long as each other: one row each of an (n, longest)
        return _row_medians(np.array(x).reshape(n, longest), longest)
    first = np.r_[0, np.cumsum(count)[:-1]]
    if longest * n <= 4 * len(x) + n:
        pad = np.full((n, longest), np.inf)
        pad[codes, np.arange(len(x)) - first[codes]] = x
        pad.sort(axis=1)
        flat, base = pad.ravel(), np.arange(n) * longest
    else:
        flat, base = x[np.lexsort((x, codes))], first
    has = count > 0
    lo = base + np.maximum(count - 1, 0) // 2
    hi = base + count // 2
    out[has] = (flat[lo[has]] + flat[hi[has]]) / 2
    return out


def _row_medians(x: np.ndarray, k: int) -> np.ndarray:
    """(n,) the median of the ``k`` smallest values of each row of ``x`` (n, >= k), the rest
    of a row being larger (``inf``): its one or two middle values, as ``segment_median`` takes
    them. ``x`` is partitioned in place (``np.partition``: no full sort)."""
    lo, hi = (k - 1) // 2, k // 2
    x.partition(sorted({lo, hi}), axis=1)
    return (x[:, lo] + x[:, hi]) / 2


def _step_sigma(size: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    """(n,) ``robust_sigma`` of each series' steps. ``size``: (T,) the absolute log return from
    row i to i + 1 (the last entry unused), reordered here; ``codes``: (T,) sorted. Series of
    one length are rows of a reshape, the step out of each series' last row set to ``inf``."""
    length = len(codes) // n if n else 0
    if length >= 2 and len(codes) == n * length:
        each = np.arange(n)  # sorted codes: series s on rows s * length .. (s + 1) * length - 1
        if bool((codes[::length] == each).all() and (codes[length - 1 :: length] == each).all()):
            steps = size.reshape(n, length)  # (n, length): a series' steps, then one out of it
            steps[:, -1] = np.inf
            return np.maximum(_row_medians(steps, length - 1) / 0.6745, SIGMA_FLOOR)
    same = codes[1:] == codes[:-1]
    return robust_sigma(size[:-1][same], codes[1:][same], n)


def detect(
    y: np.ndarray,
    codes: np.ndarray,
    ds: pd.Series,
    volume: np.ndarray | None = None,
) -> tuple[dict[int, list[Split]], dict[int, list[str]]]:
    """Suspected splits per series code, and notes on jumps cleared by volume or reversal.

    ``y``: (T,) positive prices sorted by ``(codes, ds)``; ``codes``: (T,) series codes 0..S-1;
    ``volume``: (T,) volumes or ``None`` (NaN where missing).

    >>> y = np.array([100.0, 101, 99, 100, 20.5, 20.2, 20.4, 20.1])
    >>> found, _ = detect(y, np.zeros(8, int), pd.Series(pd.date_range("2024-01-01", periods=8)))
    >>> [(s.date, s.ratio, s.confidence) for s in found[0]]
    [('2024-01-05', '5:1', 'medium')]
    """
    n = int(codes.max()) + 1 if len(codes) else 0
    size = np.zeros(len(y))  # (T,) the log return from row i to i + 1, the last entry unused
    steps = len(y) - 1
    log_return = size[:steps]
    np.divide(y[1:], y[:-1], out=log_return)
    np.log(log_return, out=log_return)
    big = np.flatnonzero((log_return >= MIN_MOVE) | (log_return <= -MIN_MOVE))  # few
    big = big[codes[big + 1] == codes[big]]  # within a series
    near = np.unique(np.clip(np.r_[big - 1, big, big + 1], 0, max(steps - 1, 0)))
    r = dict(zip(near.tolist(), log_return[near].tolist(), strict=True))  # the few returns used
    np.abs(log_return, out=log_return)
    big_size = size[big]
    sigma = _step_sigma(size, codes, n)  # reorders size
    jumps = big[big_size >= JUMP_SDS * sigma[codes[big + 1]]].tolist()
    found: dict[int, list[Split]] = {}
    notes: dict[int, list[str]] = {}
    for i in jumps:
        code, row = int(codes[i]), int(i + 1)
        day = str(pd.Timestamp(ds.iloc[row]).date())
        if _reverted(r, steps, codes, i):
            notes.setdefault(code, []).append(
                f"a one-step jump on {day} (ratio {np.exp(r[i]):.4f}) undone next step: a bad "
                "tick, not a split; check that row"
            )
            continue
        admissible = [(nm, q, ok) for nm, q, ok in RATIOS if abs(r[i] - np.log(q)) <= RESIDUAL]
        if not admissible:
            continue
        ordinary = [a for a in admissible if a[2]]
        admissible = ordinary or admissible  # a 2:1 split on a +20% day, not a 3:2 on -10%
        vol = _volume_ratio(volume, codes, row) if volume is not None else None
        if vol is not None:
            name, q, _ = min(admissible, key=lambda a: abs(np.log(vol) + np.log(a[1])))
            if abs(np.log(vol) + np.log(q)) > VOLUME_AGREES:
                notes.setdefault(code, []).append(
                    f"a jump of {np.exp(r[i]):.4f} on {day} looks like a split, but the volume "
                    f"moved by {vol:.2f}, not about {1 / q:.3g}: read as a real move"
                )
                continue
            confidence = "high" if ordinary_ratio(name) else "low"
        else:
            name, q, usual = min(admissible, key=lambda a: abs(r[i] - np.log(a[1])))
            confidence = "medium" if usual else "low"
        split = Split(
            row=row,
            date=day,
            ratio=name,
            factor=float(q),
            observed=float(np.exp(r[i])),
            move_sds=float(abs(r[i]) / sigma[code]),
            volume_ratio=None if vol is None else float(vol),
            confidence=confidence,
        )
        found.setdefault(code, []).append(split)
    return found, notes


def _reverted(r: dict[int, float], steps: int, codes: np.ndarray, i: int) -> bool:
    """The jump ``r[i]`` undone (within half its size) by the step after it or before it
    (``r``: the log returns next to each jump, of ``steps``)."""
    for j in (i + 1, i - 1):
        same = 0 <= j < steps and codes[j + 1] == codes[j]
        if same and abs(r[i] + r[j]) < 0.5 * abs(r[i]):
            return True
    return False


def _volume_ratio(volume: np.ndarray, codes: np.ndarray, row: int) -> float | None:
    """Median volume of the ``VOLUME_WINDOW`` rows from ``row`` over that of the rows before."""
    code = codes[row]
    lo = max(row - VOLUME_WINDOW, 0)
    hi = min(row + VOLUME_WINDOW, len(volume))
    before = volume[lo:row][codes[lo:row] == code]
    after = volume[row:hi][codes[row:hi] == code]
    before, after = before[before > 0], after[after > 0]  # NaN compares False: dropped too
    if len(before) < 2 or len(after) < 2:
        return None
    return float(np.median(after) / np.median(before))


def adjust(y: np.ndarray, codes: np.ndarray, splits: dict[int, list[Split]]) -> np.ndarray:
    """Prices back-adjusted for the acted-on splits: every price before a split times its factor.

    >>> adjust(np.array([100.0, 20.0, 21.0]), np.zeros(3, int),
    ...        {0: [Split(1, "d", "5:1", 0.2, 0.2, 50.0, None, "medium")]})
    array([20., 20., 21.])
    """
    out = y.astype(float).copy()
    for code, found in splits.items():
        start = int(np.searchsorted(codes, code, side="left"))
        for s in found:
            if s.acted_on:
                out[start : s.row] *= s.factor
    return out


def describe(s: Split) -> str:
    """A warning line for one suspected split."""
    volume = f", volume x{s.volume_ratio:.2f}" if s.volume_ratio is not None else ""
    return (
        f"suspected unadjusted {s.ratio} stock split on {s.date}: the price moved by a ratio of "
        f"{s.observed:.4f} ({s.move_sds:.0f} robust SDs{volume}; {s.confidence} confidence)"
    )


def excluded_rows(frame: pd.DataFrame) -> tuple[np.ndarray, list[dict[str, object]]]:
    """The rows right after a split the reader was told to exclude (``splits="exclude"``).

    ``frame``: a long frame sorted by ``(unique_id, ds)`` with the read record in
    ``attrs["weightfit"]``. Returns the (T,) bool mask (True on the first row on or after each
    acted-on split's date, per series) and one ``{"series", "date", "ratio", "row"}`` per split
    (``row``: the frame's row). A forecast whose path reaches such a row straddles the split.

    >>> f = pd.DataFrame({"unique_id": "A", "y": 1.0, "ds": pd.date_range("2024-01-01", periods=4)})
    >>> f.attrs["weightfit"] = {"series": {"A": {"split_handling": "exclude", "splits": [
    ...     {"date": "2024-01-03", "ratio": "5:1", "acted_on": True}]}}}
    >>> excluded_rows(f)[0].tolist()
    [False, False, True, False]
    """
    out = np.zeros(len(frame), dtype=bool)
    found: list[dict[str, object]] = []
    meta = frame.attrs.get("weightfit", {}).get("series", {})
    wanted = {  # only the series that list splits are looked at (a few of a million)
        uid: [sp for sp in rec.get("splits", []) if sp.get("acted_on")]
        for uid, rec in where_set(meta, "splits")
        if rec.get("split_handling") == "exclude"
    }
    if not any(wanted.values()):
        return out, found
    uid = frame["unique_id"].astype(str).to_numpy()
    ds = pd.DatetimeIndex(frame["ds"])
    wall = (ds.tz_localize(None) if ds.tz is not None else ds).asi8
    for name, splits in wanted.items():
        rows = np.flatnonzero(uid == name)
        for sp in splits:
            i = int(np.searchsorted(wall[rows], pd.Timestamp(str(sp["date"])).value))
            if 0 < i < len(rows):  # the first row of a series has no step before it
                out[rows[i]] = True
                found.append(
                    {"series": name, "date": sp["date"], "ratio": sp["ratio"], "row": int(rows[i])}
                )
    return out, found
