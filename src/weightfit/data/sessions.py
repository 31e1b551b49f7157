"""Bars and sessions: each series' bar size, its trading session, and the steps that are gaps.

The bar size is the most common step. A step is *regular* when it is one bar within a session:
for intraday bars exactly the bar size; for daily bars the next day (the next weekday when the
series never trades on weekends); for weekly and longer bars at most 1.5 bars. Every other step
(overnight, weekend, holiday, missing bars) is a gap, so a forecast across it is not a one-bar
forecast. ``filter_session`` keeps the rows inside an exchange's regular session
(``exchange_calendars``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from weightfit.data.panel import run_starts
from weightfit.errors import DataError

DAY = 86400 * 10**9
NS = {"s": 10**9, "min": 60 * 10**9, "h": 3600 * 10**9, "day": DAY}
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


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


def modal_steps(codes: np.ndarray, ds: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per series (sorted rows): the most common step in ns (the smallest on ties, as
    ``Series.mode``) and the share of 3-day steps (weekends), all series at once."""
    if len(codes) > 1 and bool((codes[1:] >= codes[:-1]).all()):  # each series' rows together
        first, rows = _bounds(codes, n)
        return _modes(ds, first, rows, weekends=True)
    return _modes_any(codes, ds, n)


def _bounds(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(n,) the first row and the rows of each series; ``codes``: (T,) non-decreasing."""
    first = np.searchsorted(codes, np.arange(n), side="left")
    return first, np.diff(np.r_[first, len(codes)])


def _segment_sums(x: np.ndarray, first: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """(S,) ``x[first[s] : first[s] + rows[s]].sum()`` as integers, for series in row order."""
    out = np.zeros(len(rows), dtype=np.int64)
    some = rows > 0
    if some.any():
        out[some] = np.add.reduceat(x, first[some], dtype=np.int64)
    return out


def _modes(
    t: np.ndarray, first: np.ndarray, rows: np.ndarray, weekends: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """``modal_steps`` for series whose rows are together (series s: rows ``first[s]`` to
    ``first[s] + rows[s] - 1``, in order), in a few passes: a series' middle step is its
    mode when more than half its steps equal it (nearly always: a bar, rarely a gap), and the
    general count decides the others. The weekend shares (``weekends``) or zeros."""
    s_count = len(rows)
    mode = np.zeros(s_count, dtype=np.int64)
    weekend = np.zeros(s_count)
    if len(t) < 2:
        return mode, weekend
    step = np.empty(len(t), dtype=np.int64)  # (T,) row i -> i + 1; none after a series' last
    np.subtract(t[1:], t[:-1], out=step[:-1])
    last = (first + rows - 1)[rows > 0]
    many = rows >= 2
    middle = np.zeros(s_count, dtype=np.int64)
    at = first[many] + (rows[many] - 2) // 2
    middle[many] = step[at]
    three = rows >= 5  # the median of three steps in the middle: a weekend is one step in five
    if three.any():
        at = first[three] + (rows[three] - 2) // 2
        middle[three] = np.sort(np.stack([step[at - 1], step[at], step[at + 1]]), axis=0)[1]
    same = step == np.repeat(middle, rows)
    same[last] = False
    sure = many & (2 * _segment_sums(same, first, rows) > rows - 1)
    mode[sure] = middle[sure]
    rest = many & ~sure
    if rest.any():  # the general count, on those series' rows only
        sub = np.repeat(rest, rows)
        codes = np.repeat(np.arange(int(rest.sum())), rows[rest])
        mode[rest] = _modes_any(codes, t[sub], int(rest.sum()))[0]
    if weekends:
        three = step == 3 * DAY
        three[last] = False
        total = np.maximum(rows - 1, 0)
        counts = _segment_sums(three, first, rows).astype(float)
        weekend = np.divide(counts, total, out=weekend, where=total > 0)
    return mode, weekend


def _modes_any(codes: np.ndarray, ds: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``modal_steps`` by counting every (series, step) pair: any order of rows."""
    same = codes[1:] == codes[:-1]
    step = np.diff(ds)[same]  # int64 ns
    owner = codes[1:][same]
    mode = np.zeros(n, dtype=np.int64)
    weekend = np.zeros(n)
    if len(step):
        # few distinct steps (one bar, a weekend, a night): count them per series by hashing,
        # O(rows), with the distinct steps ranked so that ties go to the smallest
        inv, uniq = pd.factorize(step)
        k = len(uniq)
        if n * k <= 20_000_000:
            rank = np.empty(k, dtype=np.int64)
            rank[np.argsort(uniq, kind="stable")] = np.arange(k)
            counts = np.bincount(owner * k + rank[inv], minlength=n * k).reshape(n, k)
            has = counts.any(axis=1)
            mode[has] = np.sort(uniq)[counts[has].argmax(axis=1)]
            total = counts.sum(axis=1)
            three = np.bincount(owner, weights=step == 3 * DAY, minlength=n)
            weekend = np.divide(three, total, out=np.zeros(n), where=total > 0)
            return mode, weekend
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
        three = np.bincount(owner, weights=step == 3 * DAY, minlength=n)
        weekend = np.divide(three, total, out=np.zeros(n), where=total > 0)
    return mode, weekend


def wall_ns(ds: pd.Series) -> np.ndarray:
    """Wall-clock time as int64 ns: local time for zoned timestamps, as read for naive ones."""
    values = pd.DatetimeIndex(ds)
    if values.tz is not None:
        values = values.tz_localize(None)
    return values.asi8


def _codes(frame: pd.DataFrame) -> np.ndarray:
    starts = run_starts(frame["unique_id"].to_numpy())
    return np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(frame)]))


def regular_steps(codes: np.ndarray, t: np.ndarray, holidays: bool = True) -> np.ndarray:
    """(T,) bool: the step from the previous row of the same series is one regular bar.
    The first row of each series has no step: False. ``codes``: (T,) series codes, each
    series' rows together; ``t``: wall-clock ns, sorted per series.
    ``holidays=False``: on weekday-only daily bars a step over one closed weekday (a holiday)
    is regular too, as a weekend is."""
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    rows = np.diff(np.r_[starts, len(codes)])
    return _regular(t, starts, rows, _modes(t, starts, rows)[0], holidays)


def _regular(
    t: np.ndarray, first: np.ndarray, rows: np.ndarray, mode: np.ndarray, holidays: bool
) -> np.ndarray:
    """``regular_steps`` for series s on rows ``first[s]`` .. ``first[s] + rows[s] - 1`` with
    the modal steps ``mode`` (S,). A step of exactly one bar is regular (one compare per row);
    the rule is looked up only for the other steps: for intraday bars none is regular; for
    daily and longer bars a step of at most 1.5 bars is; on daily bars of a series that never
    trades on a weekend, a step of whole days over closed days only (``np.busday_count``; over
    one weekday more with ``holidays=False``)."""
    out = np.zeros(len(t), dtype=bool)
    if len(t) < 2:
        return out
    bar = np.repeat(mode, rows)[1:]  # (T - 1,) the bar of row i + 1's series
    step = np.diff(t)
    ok = step == bar
    ok[first[rows > 0][1:] - 1] = True  # the step into a series' first row: set False below
    i = np.flatnonzero(~ok)  # the few steps that are not one bar
    b = bar[i]
    i, b = i[b >= DAY], b[b >= DAY]
    s = step[i]
    good = s <= 1.5 * b
    daily = b == DAY
    if daily.any():
        series = np.searchsorted(first, i + 1, side="right") - 1  # the series of row i + 1
        weekdays_only = daily & ~_trades_weekends(t, first, rows, series[daily])[series]
        if weekdays_only.any():
            at = i[weekdays_only]
            day = (t[at] // DAY).astype("datetime64[D]"), (t[at + 1] // DAY).astype("datetime64[D]")
            closed = np.busday_count(*day) <= (1 if holidays else 2)
            good[weekdays_only] = closed & (s[weekdays_only] % DAY == 0)
    ok[i] = good
    if not (mode > 0).all():
        ok &= bar > 0
    out[1:] = ok
    out[first[rows > 0]] = False  # a series' first row has no step
    return out


def _trades_weekends(
    t: np.ndarray, first: np.ndarray, rows: np.ndarray, series: np.ndarray
) -> np.ndarray:
    """(S,) bool: the series has a row on a Saturday or Sunday; looked at only for ``series``."""
    wanted = np.zeros(len(rows), dtype=bool)
    wanted[series] = True
    if wanted.all():
        code_of, tt = np.repeat(np.arange(len(rows)), rows), t
    else:
        code_of, tt = np.repeat(np.flatnonzero(wanted), rows[wanted]), t[np.repeat(wanted, rows)]
    out = np.zeros(len(rows), dtype=bool)
    out[code_of[(tt // DAY + 3) % 7 >= 5]] = True  # 1970-01-01 was a Thursday
    return out


def gap_mask(
    frame: pd.DataFrame, holidays: bool = True, starts: np.ndarray | None = None
) -> np.ndarray:
    """(T,) bool per row of a long frame sorted by ``(unique_id, ds)``: True where the step from
    the previous row of the same series is not one regular bar within a session (overnight,
    weekend, holiday, missing bars), and on each series' first row (no previous row).

    A forecast whose target row is True is not a next-bar forecast. ``holidays`` (default
    True): a one-day holiday on weekday-only daily bars is a gap; with False it is not (the
    next session is the next bar, as after a weekend: ``weightfit.fit`` reads it so).
    ``starts``: each series' first row, when the caller has them (default: found from the ids).

    >>> f = pd.DataFrame({"unique_id": "A", "y": 1.0, "ds": pd.to_datetime(
    ...     ["2024-01-05 15:58", "2024-01-05 15:59", "2024-01-08 09:30", "2024-01-08 09:31"])})
    >>> gap_mask(f).tolist()
    [True, False, True, False]
    """
    if len(frame) == 0:
        return np.zeros(0, dtype=bool)
    if starts is None:
        starts = run_starts(frame["unique_id"].to_numpy())  # a series: a run of one id
    first = np.asarray(starts)
    rows = np.diff(np.r_[first, len(frame)])
    t = wall_ns(frame["ds"])
    return ~_regular(t, first, rows, _modes(t, first, rows)[0], holidays)


def describe(codes: np.ndarray, t: np.ndarray, n: int) -> dict[str, Any]:
    """Per series, as columns of length ``n``: ``bar`` (the bar's name), ``bar_size`` (it and
    its gaps as text), ``gaps`` (int array) and ``session`` (for intraday bars the time of day of
    the first and last bar, the days traded, bars a day; ``None`` for others). ``codes``: (T,)
    sorted series codes; ``t``: (T,) wall-clock ns."""
    first, rows = _bounds(codes, n)
    mode, weekend = _modes(t, first, rows, weekends=True)
    regular = _regular(t, first, rows, mode, holidays=True)
    steps = rows - 1
    gaps = steps - _segment_sums(regular, first, rows)
    # the texts per distinct (bar, weekends, gaps, steps): a few, however many series
    which, kinds = _kinds([mode, weekend > 0.05, gaps, steps])
    bar_of, size_of = [], []
    for m, w, g, k in kinds:
        name = frequency(m, 1.0 if w else 0.0)
        if g == 0:
            size = f"{name}, every step one bar"
        elif m < DAY:
            size = f"{name}, {g:,} of {k:,} steps longer: gaps"
        else:
            size = f"{name}, {g:,} of {k:,} steps skip bars: holidays or missing days"
        bar_of.append(name)
        size_of.append(size)
    bar = np.asarray(bar_of, dtype=object)[which].tolist()
    bar_size = np.asarray(size_of, dtype=object)[which].tolist()
    session: list[str | None] = [None] * n
    intraday = np.flatnonzero((mode > 0) & (mode < DAY))
    if len(intraday):
        for s in intraday.tolist():
            session[s] = _session(t[first[s] : first[s] + rows[s]])
    return {"bar": bar, "bar_size": bar_size, "gaps": gaps, "session": session}


def _kinds(columns: list[np.ndarray]) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """(S,) the kind of each row of the given (S,) integer columns, and each kind's values
    (a few distinct rows of many): ``np.unique(axis=0)``, by hashing instead of sorting."""
    which = np.zeros(len(columns[0]), dtype=np.int64)
    for c in columns:
        codes, values = pd.factorize(c)
        which = pd.factorize(which * len(values) + codes)[0]
    first = np.full(int(which.max()) + 1 if len(which) else 0, len(which))
    np.minimum.at(first, which, np.arange(len(which)))  # a row of each kind
    kinds = list(zip(*(np.asarray(c)[first].tolist() for c in columns), strict=True))
    return which, kinds


def _session(t: np.ndarray) -> str:
    """``"09:30..15:59 Mon-Fri, 390 bars a day"`` from one series' wall-clock times."""
    day = t // DAY
    minute = (t % DAY) // NS["min"]
    starts = np.r_[True, day[1:] != day[:-1]]
    ends = np.r_[day[1:] != day[:-1], True]
    first = int(pd.Series(minute[starts]).mode().iloc[0])
    last = int(pd.Series(minute[ends]).mode().iloc[0])
    bars = int(pd.Series(np.diff(np.r_[np.flatnonzero(starts), len(t)])).mode().iloc[0])
    weekdays = sorted({int(w) for w in (day[starts] + 3) % 7})
    days = "Mon-Fri" if weekdays == [0, 1, 2, 3, 4] else ",".join(DAYS[w] for w in weekdays)
    if len(weekdays) == 7:
        days = "every day"
    hours = f"{first // 60:02d}:{first % 60:02d}..{last // 60:02d}:{last % 60:02d}"
    return f"{hours} {days}, {bars} bars a day"


def filter_session(
    frame: pd.DataFrame, exchange: str, tz: str | None
) -> tuple[pd.DataFrame, np.ndarray, str]:
    """Keep the rows inside ``exchange``'s regular sessions (``exchange_calendars``).

    Naive timestamps are read in ``tz`` (default: the exchange's own zone). Intraday rows are
    kept when a session is open at the bar's time (open <= t < close); daily rows when their
    date is a session. Returns the kept frame, the (T,) kept mask and the zone used.
    """
    try:
        import exchange_calendars as xcals
    except ImportError:  # pragma: no cover - a declared dependency
        raise DataError(
            "--exchange needs exchange_calendars: pip install exchange_calendars"
        ) from None
    ds = pd.DatetimeIndex(frame["ds"])
    try:
        start = (ds.min() - pd.Timedelta(days=7)).tz_localize(None).normalize()
        end = (ds.max() + pd.Timedelta(days=7)).tz_localize(None).normalize()
        cal = xcals.get_calendar(exchange, start=start, end=end)
    except xcals.errors.InvalidCalendarName:
        raise DataError(
            f"--exchange {exchange!r}: no such exchange calendar; use an ISO MIC such as XNYS, "
            "XLON, XETR, XTKS"
        ) from None
    except ValueError as e:
        raise DataError(f"--exchange {exchange}: {e}") from None
    zone = tz or str(cal.tz)
    try:
        local = ds.tz_localize(zone) if ds.tz is None else ds
    except Exception as e:  # unknown zone names, ambiguous summer-time hours
        raise DataError(f"--tz {zone!r}: cannot place the timestamps in this zone ({e})") from None
    t = local.tz_convert("UTC").asi8
    wall = wall_ns(frame["ds"])
    codes = _codes(frame)
    mode, _ = modal_steps(codes, wall, int(codes.max()) + 1)
    daily = mode[codes] >= DAY
    sessions = cal.sessions
    opens = pd.DatetimeIndex(cal.opens.loc[sessions]).as_unit("ns").asi8  # UTC ns
    closes = pd.DatetimeIndex(cal.closes.loc[sessions]).as_unit("ns").asi8
    i = np.searchsorted(opens, t, side="right") - 1
    intraday_ok = (i >= 0) & (t < closes[np.maximum(i, 0)])
    session_days = pd.DatetimeIndex(sessions).tz_localize(None).normalize()
    day_ok = pd.DatetimeIndex(wall.astype("datetime64[ns]")).normalize().isin(session_days)
    keep = np.where(daily, day_ok, intraday_ok)
    return frame.loc[keep].reset_index(drop=True), keep, zone
