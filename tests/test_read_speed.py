"""The fast paths of the data layer against straightforward oracles: the same answers, found in
a few passes over big panels (issue 11). Speed itself is measured in ``benchmarks/``."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from weightfit.data import read_prices
from weightfit.data.arrow import Rows, read_parquet, series_starts
from weightfit.data.checks import _texts
from weightfit.data.panel import SeriesRecords, run_starts, where_set
from weightfit.data.sessions import DAY, gap_mask, modal_steps, regular_steps, wall_ns
from weightfit.data.splits import _step_sigma, robust_sigma, segment_median


def _series(rng: np.random.Generator, kind: str, uid: str) -> pd.DataFrame:
    """One series of a random panel: its bars, with missing rows and gaps."""
    if kind == "every day":
        ds = pd.date_range("2021-01-01", periods=int(rng.integers(3, 60)), freq="D")
    elif kind == "weekdays":  # holidays: a few weekdays left out
        ds = pd.bdate_range("2021-01-01", periods=int(rng.integers(10, 80)))
        ds = ds.delete(rng.choice(len(ds) - 2, 3, replace=False) + 1)
    elif kind == "minutes":  # overnight and weekend gaps, a missing bar or two
        days = pd.bdate_range("2024-01-04", periods=3)
        bars = [pd.date_range(d + pd.Timedelta("9h30min"), periods=30, freq="min") for d in days]
        ds = pd.DatetimeIndex(np.concatenate([b.values for b in bars]))
        ds = ds.delete(rng.choice(len(ds) - 2, 2, replace=False) + 1)
    elif kind == "weekly":
        ds = pd.date_range("2020-01-03", periods=int(rng.integers(3, 30)), freq="W-FRI")
        ds = ds.delete([1]) if len(ds) > 4 else ds
    elif kind == "ties":  # as many 1-day as 2-day steps: the smallest is the mode
        ds = pd.DatetimeIndex(pd.Timestamp("2022-03-01") + pd.to_timedelta([0, 1, 3, 4, 6], "D"))
    else:  # "hours" with half-hour and two-hour steps mixed in
        steps = rng.choice([1800, 3600, 3600, 3600, 7200], int(rng.integers(2, 40)))
        ds = pd.Timestamp("2023-05-05 10:00") + pd.to_timedelta(np.r_[0, np.cumsum(steps)], "s")
    y = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(ds))))
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": y})


KINDS = ["every day", "weekdays", "minutes", "weekly", "ties", "hours"]


def _panel(seed: int, n: int = 60, zone: str | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = [_series(rng, KINDS[int(rng.integers(len(KINDS)))], f"S{i:03d}") for i in range(n)]
    frame = pd.concat(parts, ignore_index=True)
    if zone is not None:
        frame["ds"] = frame["ds"].dt.tz_localize(zone)
    return frame


def _oracle_regular(frame: pd.DataFrame, holidays: bool) -> np.ndarray:
    """oracle: each series on its own, its rule written out step by step."""
    out = []
    for _, g in frame.groupby("unique_id", sort=False):
        t = wall_ns(g["ds"])
        steps = pd.Series(np.diff(t))
        bar = int(steps.mode().min()) if len(steps) else 0  # Series.mode: ties, smallest
        weekend = bool((((t // DAY) + 3) % 7 >= 5).any())  # 1970-01-01: a Thursday
        ok = [False]
        for a, b in itertools.pairwise(t):
            step = b - a
            if bar <= 0:
                ok.append(False)
            elif bar == DAY and not weekend:
                days = np.array([a // DAY, b // DAY]).astype("datetime64[D]")
                closed = np.busday_count(days[0], days[1]) <= (1 if holidays else 2)
                ok.append(bool(closed and step % DAY == 0))
            elif bar < DAY:
                ok.append(step == bar)
            else:
                ok.append(step <= 1.5 * bar)
        out += ok
    return np.array(out, dtype=bool)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("holidays", [True, False])
def test_regular_steps_equal_the_rule_series_by_series(seed: int, holidays: bool) -> None:
    frame = _panel(seed, zone="America/New_York" if seed == 3 else None)
    expected = _oracle_regular(frame, holidays)
    np.testing.assert_array_equal(gap_mask(frame, holidays=holidays), ~expected)
    codes = pd.factorize(frame["unique_id"])[0]
    got = regular_steps(codes, wall_ns(frame["ds"]), holidays)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("seed", range(3))
def test_modal_steps_equal_the_mode_of_each_series(seed: int) -> None:
    frame = _panel(seed)
    codes = pd.factorize(frame["unique_id"])[0]
    t = wall_ns(frame["ds"])
    mode, weekend = modal_steps(codes, t, int(codes.max()) + 1)
    for s, (_, g) in enumerate(frame.groupby("unique_id", sort=False)):
        steps = pd.Series(np.diff(wall_ns(g["ds"])))
        assert mode[s] == int(steps.mode().min())  # oracle: pandas Series.mode
        assert weekend[s] == pytest.approx((steps == 3 * DAY).mean())
    shuffled = np.random.default_rng(seed).permutation(len(codes))  # rows in any order
    got = modal_steps(codes[shuffled], t[shuffled], int(codes.max()) + 1)
    same = codes[shuffled][1:] == codes[shuffled][:-1]
    steps = pd.Series(np.diff(t[shuffled])[same]).groupby(codes[shuffled][1:][same])
    np.testing.assert_array_equal(got[0][steps.size().index], steps.agg(lambda s: s.mode().min()))


def test_run_starts_equal_comparing_every_row() -> None:
    names = np.array(["".join(["id", x]) for x in "abc"], dtype=object)
    shared = names[np.repeat([0, 1, 0, 2], [30, 10, 20, 40])]  # one object per id
    copies = shared.copy()
    copies[35] = "".join(["id", "b"])  # an equal id in another object: not a new run
    copies[60] = "".join(["id", "x"])  # a new id, one row long
    odd = np.array([np.nan] * 50 + ["a"] * 30 + [1, 1.0], dtype=object)  # NaN != NaN
    for uid in (shared, copies, odd, shared[::2], np.array([3, 3, 4]), shared[:0]):
        oracle = np.flatnonzero(np.r_[True, uid[1:] != uid[:-1]])  # oracle: every row compared
        np.testing.assert_array_equal(run_starts(uid), oracle[: len(uid)])


def _records() -> SeriesRecords:
    ids = [f"S{i}" for i in range(50)]
    split = {"date": "2021-01-05", "ratio": "2:1", "acted_on": True}
    extra: dict[str, dict[str, Any]] = {
        "S7": {"splits": [split], "split_handling": "exclude"},
        "S3": {"splits": [{**split, "acted_on": False}]},
        "S1": {"notes": ["x"]},
        "S30": {"splits": [split]},
    }
    common = {"split_handling": "keep", "splits": [], "notes": []}
    return SeriesRecords(ids, {"rows": list(range(50))}, common, extra)


def test_where_set_builds_only_the_entries_that_set_the_key() -> None:
    records = _records()
    everything = [(u, e) for u, e in records.items() if e.get("splits")]  # oracle: all entries
    records = _records()
    assert list(records.where_set("splits")) == everything
    assert records.to_columns()["extra"].keys() == _records().to_columns()["extra"].keys()
    records["S2"]["splits"] = ["edited"]  # an entry read and edited counts too, in id order
    assert [u for u, _ in where_set(records, "splits")] == ["S2", "S3", "S7", "S30"]
    assert [u for u, _ in where_set(dict(records.items()), "splits")] == ["S2", "S3", "S7", "S30"]


@pytest.mark.parametrize("lengths", [[5] * 40, [4] * 39 + [5], [1, 6, 2, 2, 9] * 8])
def test_segment_medians_equal_pandas(lengths: list[int]) -> None:
    rng = np.random.default_rng(len(lengths) + sum(lengths))
    codes = np.repeat(np.arange(len(lengths)), lengths)
    x = rng.normal(size=len(codes)).round(1)  # ties too
    oracle = pd.Series(x).groupby(codes).median()  # oracle: pandas groupby median
    np.testing.assert_array_equal(segment_median(x, codes, len(lengths)), oracle.to_numpy())
    size = np.r_[np.abs(x[1:] - x[:-1]), 0.0]  # as split detection hands it: (T,), last unused
    same = codes[1:] == codes[:-1]
    expected = robust_sigma(size[:-1][same], codes[1:][same], len(lengths))
    np.testing.assert_array_equal(_step_sigma(size.copy(), codes, len(lengths)), expected)


def test_dates_as_text_equal_pandas() -> None:
    rng = np.random.default_rng(5)
    days = pd.Series(pd.to_datetime(rng.integers(-5000, 60000, 30), unit="D"))
    moments = days + pd.to_timedelta(rng.integers(0, 86400, 30), unit="s")
    for stamps in (days, days.dt.as_unit("s"), moments, days.dt.tz_localize("Europe/Paris")):
        assert _texts(stamps) == stamps.astype(str).tolist()  # oracle: pandas astype(str)


def _long_file(path: Path, rng: np.random.Generator) -> pd.DataFrame:
    """A long Parquet file: ids out of order, one written with spaces, a shuffled series."""
    parts = []
    for i in rng.permutation(30):
        ds = pd.date_range("2022-01-03", periods=int(rng.integers(5, 40)), freq="B")
        y = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, len(ds))))
        part = pd.DataFrame({"unique_id": f"T{i:02d}", "ds": ds, "y": y})
        parts.append(part.sample(frac=1, random_state=1) if i == 7 else part)
    frame = pd.concat(parts, ignore_index=True)
    frame.loc[frame.unique_id == "T03", "unique_id"] = " T03 "
    frame.to_parquet(path, index=False, row_group_size=97)
    return frame


def test_a_dictionary_read_equals_pandas_read_and_sort(tmp_path: Path) -> None:
    frame = _long_file(tmp_path / "long.parquet", np.random.default_rng(3))
    got = read_prices(tmp_path / "long.parquet")
    # oracle: pandas' own reader, the ids stripped, sorted by (id, date)
    expected = pd.read_parquet(tmp_path / "long.parquet")
    expected["unique_id"] = expected["unique_id"].str.strip()
    expected = expected.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got["unique_id"].dtype == object
    record = got.attrs["weightfit"]["series"]
    assert list(record) == sorted(frame.unique_id.str.strip().unique())
    assert record["T07"]["notes"] == ["rows not in date order in the file: sorted by date"]
    assert [record[u]["rows"] for u in record] == expected.groupby("unique_id").size().tolist()
    rows = read_parquet(Rows(tmp_path / "long.parquet", 100, 300))  # a range across row groups
    pd.testing.assert_frame_equal(
        rows.astype({"unique_id": object}), frame.iloc[100:300].reset_index(drop=True)
    )


def test_files_joined_equal_one_file(tmp_path: Path) -> None:
    frame = _long_file(tmp_path / "all.parquet", np.random.default_rng(4))
    (tmp_path / "parts").mkdir()
    for k, (_, part) in enumerate(frame.groupby(frame.unique_id.str.strip().str[1] == "1")):
        part.to_parquet(tmp_path / "parts" / f"p{k}.parquet", index=False)
    one, many = read_prices(tmp_path / "all.parquet"), read_prices(tmp_path / "parts")
    pd.testing.assert_frame_equal(one, many, check_exact=True)  # oracle: the one-file read


IDS = {
    "grouped": ["a"] * 40 + ["b"] * 30 + ["c"] * 50,
    "interleaved": ["a"] * 20 + ["b"] * 30 + ["a"] * 10,
    "missing": ["a"] * 20 + [None] * 30 + ["c"] * 10,
}


@pytest.mark.parametrize("case", list(IDS))
def test_series_starts_equal_comparing_every_row(tmp_path: Path, case: str) -> None:
    path = tmp_path / "ids.parquet"
    pd.DataFrame({"unique_id": IDS[case], "y": 1.0}).to_parquet(path, row_group_size=7)
    column = np.array(IDS[case], dtype=object)
    starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])  # oracle: every row
    got = series_starts(path, "unique_id")
    if case == "interleaved":
        assert got is None
    else:
        assert got is not None
        np.testing.assert_array_equal(got, np.r_[starts, len(column)])
