"""Forecasts across gaps and excluded splits: counted, measured apart, left out of the verdict.

Oracles: the gap forecasts are found from the timestamps with numpy (a step that is not one
minute), and the measures recomputed with numpy on the rows the mode keeps."""

import json

import numpy as np
import pandas as pd
import pytest

import weightfit as wf
from weightfit.cli import app
from weightfit.data import read_prices

from .conftest import run_cli

DAYS = ["2024-01-04", "2024-01-05", "2024-01-08"]  # Thu, Fri, (weekend), Mon


@pytest.fixture(scope="module")
def minute_file(tmp_path_factory):
    """1-minute bars 04:00..19:59 (extended hours) on three weekdays around a weekend, with
    overnight moves far larger than the ones within a session."""
    ds = pd.DatetimeIndex([])
    for day in DAYS:
        ds = ds.append(pd.date_range(f"{day} 04:00", f"{day} 19:59", freq="1min"))
    rng = np.random.default_rng(3)
    r = rng.normal(0, 2e-4, len(ds))
    night = np.r_[False, np.diff(ds.asi8) != 60 * 10**9]
    r[night] = [0.03, -0.04]  # the two nights: 3% up, 4% down
    y = 100 * np.exp(np.cumsum(r))
    path = tmp_path_factory.mktemp("gaps") / "bars.csv"
    pd.DataFrame({"Datetime": ds, "Close": y.round(4)}).to_csv(path, index=False)
    return path


def _oracle(path, test=0.7):
    frame = pd.read_csv(path, parse_dates=["Datetime"])
    y, ds = frame["Close"].to_numpy(), frame["Datetime"].to_numpy()
    n = len(y)
    target = np.arange(n - round(test * n), n)  # the hold-out's targets
    gap = np.diff(ds)[target - 1] != np.timedelta64(1, "m")  # oracle: not one minute later
    naive_sq = (y[target] - y[target - 1]) ** 2
    return gap, naive_sq


@pytest.fixture(scope="module")
def reports(minute_file):
    frame = read_prices(minute_file)
    return {g: wf.fit(frame, "scale", test=0.7, gaps=g) for g in ("separate", "exclude", "include")}


def test_gap_forecasts_are_counted_and_measured_apart(reports, minute_file):
    gap, naive_sq = _oracle(minute_file)
    assert gap.sum() == 2  # Thu -> Fri overnight, Fri -> Mon over the weekend
    g = reports["separate"].gaps
    assert g["mode"] == "separate" and g["forecasts"] == len(gap) and g["scored"] == (~gap).sum()
    assert g["gap"]["count"] == 2 and g["gap"]["share"] == pytest.approx(2 / len(gap))
    share = naive_sq[gap].sum() / naive_sq.sum()
    assert share > 0.5  # the nights carry most of naive's error
    assert g["gap"]["naive_error_share"] == pytest.approx(share)
    assert g["gap"]["mse"]["Naive"] == pytest.approx(naive_sq[gap].mean())


def test_the_verdict_is_on_the_in_session_forecasts(reports, minute_file):
    gap, naive_sq = _oracle(minute_file)
    for mode in ("separate", "exclude"):
        report = reports[mode]
        entry = report.series[0]
        assert entry["test_rows"] == (~gap).sum()
        assert entry["models"]["Naive"]["mse"] == pytest.approx(naive_sq[~gap].mean())
        assert entry["models"]["Scale"]["tests"]["diebold_mariano"]["n"] == (~gap).sum()
        assert len(report.apart) == 2 and set(report.apart["across"]) == {"gap"}
    include = reports["include"]
    assert include.series[0]["test_rows"] == len(gap) and include.gaps["gap"] is None
    assert include.series[0]["models"]["Naive"]["mse"] == pytest.approx(naive_sq.mean())


def test_fit_text_says_what_it_read_and_the_gaps(minute_file):
    result = run_cli(app, ["fit", str(minute_file), "--test", "0.7", "--no-record"])
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())  # the words, whatever the wrapping
    assert "What was read" in text and "format: a date and a price column" in text
    assert "1min, 2 of 2,879 steps longer: gaps" in text
    assert "04:00..19:59 Mon,Thu,Fri, 960 bars a day" in text
    assert "from 2024-01-04 18:24" in text  # the train/test boundary
    assert (
        "gaps: 2 of 2,016 forecasts cross a night, weekend or missing bars (" in text
        and "scored apart; the verdict is on the 2,014 in-session ones" in text
    )
    assert "forecasts across gaps (2), scored apart" in text
    excluded = run_cli(app, ["fit", str(minute_file), "--test", "0.7", "--gaps", "exclude"])
    words = " ".join(excluded.stdout.split())
    assert "left out (--gaps exclude)" in words and "forecasts across gaps (2)" not in words


def test_json_carries_the_gaps_and_what_was_read(minute_file):
    result = run_cli(app, ["fit", str(minute_file), "--test", "0.7", "--json", "--no-record"])
    out = json.loads(result.stdout)
    assert out["settings"]["gaps"] == "separate"
    assert out["gaps"]["gap"]["count"] == 2 and out["gaps"]["scored"] == 2014
    assert out["read"]["sources"][0]["format"] == "a date and a price column"
    assert out["read"]["series"]["bars"]["session"] == "04:00..19:59 Mon,Thu,Fri, 960 bars a day"


def test_a_bad_gaps_mode_names_the_choices(minute_file):
    result = run_cli(app, ["fit", str(minute_file), "--gaps", "skip"])
    assert result.exit_code == 2
    assert "Invalid --gaps 'skip': expected one of separate, exclude, include" in result.stderr


def test_a_one_day_holiday_on_daily_bars_is_not_a_gap():
    days = pd.bdate_range("2024-01-01", periods=120)  # day 100 is a Monday
    y = 100 + np.cumsum(np.random.default_rng(1).normal(0, 1, 118))
    one = pd.DataFrame({"unique_id": "A", "ds": days.delete([100, 119]), "y": y[:118]})
    report = wf.fit(one, "scale", test=0.3)  # Friday -> Tuesday: as after a weekend
    assert report.gaps["gap"]["count"] == 0 and report.apart is None
    two = pd.DataFrame({"unique_id": "A", "ds": days.delete([100, 101]), "y": y})
    assert wf.fit(two, "scale", test=0.3).gaps["gap"]["count"] == 1  # Friday -> Wednesday


@pytest.fixture(scope="module")
def split_file(tmp_path_factory):
    """Daily prices with an unadjusted 5:1 split on the 171st day (in the test part)."""
    ds = pd.bdate_range("2023-01-02", periods=200)
    y = 100 * np.exp(np.cumsum(np.random.default_rng(5).normal(0, 0.01, 200)))
    y[170:] /= 5
    path = tmp_path_factory.mktemp("split") / "split.csv"
    pd.DataFrame({"Date": ds.strftime("%Y-%m-%d"), "Close": y.round(4)}).to_csv(path, index=False)
    return path, str(ds[170].date())


def test_forecasts_across_an_excluded_split_are_left_out(split_file):
    path, day = split_file
    frame = read_prices(path, splits="exclude")
    (split,) = frame.attrs["weightfit"]["series"]["split"]["splits"]
    assert split["ratio"] == "5:1" and split["date"] == day and split["acted_on"]
    assert frame["y"].iloc[169] > 4 * frame["y"].iloc[170]  # kept as is, not adjusted
    report = wf.fit(frame, "scale", test=0.2)
    g = report.gaps
    assert g["split"]["count"] == 1 and g["scored"] == 39 and g["forecasts"] == 40
    assert g["split"]["splits"] == [{"series": "split", "date": day, "ratio": "5:1"}]
    assert list(report.apart["across"]) == ["split"]
    assert str(report.apart["ds"].iloc[0].date()) == day
    # oracle: naive's MSE over the test part without the split's step
    y = frame["y"].to_numpy()
    steps = np.delete(np.arange(160, 200), 170 - 160)
    assert report.series[0]["models"]["Naive"]["mse"] == pytest.approx(
        np.mean((y[steps] - y[steps - 1]) ** 2)
    )
    result = run_cli(app, ["fit", str(path), "--exclude-splits", "--no-record"])
    text = " ".join(result.stdout.split())
    assert f"splits: 1 forecast across a suspected 5:1 split on {day} (split) left out" in text
    assert "forecasts across it left out (--exclude-splits)" in text  # the read warning


def test_training_pairs_follow_the_gap_rule():
    """Scale fitted with gaps separate (or excluded) equals numpy's lstsq on the training pairs
    whose step is one bar within a session; with gaps included, on every pair."""
    import numpy as np
    import pandas as pd

    import weightfit as wf
    from weightfit.data import gap_mask

    rng = np.random.default_rng(5)
    days = pd.bdate_range("2024-03-04", periods=3)
    stamps = pd.DatetimeIndex(
        [t for d in days for t in pd.date_range(d + pd.Timedelta(hours=9.5), periods=120,
                                                 freq="1min")]
    )  # fmt: skip
    y = 50 * np.exp(np.cumsum(rng.normal(0, 0.001, len(stamps))))
    y[120:] *= 1.05  # an overnight jump the fit must not learn from
    y[240:] *= 0.97
    frame = pd.DataFrame({"unique_id": "X", "ds": stamps, "y": y})
    frame.attrs["weightfit"] = {"sources": [], "series": {}}
    n_train = len(y) - round(0.2 * len(y))
    pairs = np.arange(1, n_train)  # target rows of the training pairs
    step_ok = ~gap_mask(frame, holidays=False)[pairs]
    for gaps, rows in (("separate", pairs[step_ok]), ("include", pairs)):
        report = wf.fit(frame, "scale", test=0.2, gaps=gaps)
        (w,), *_ = np.linalg.lstsq(y[rows - 1][:, None], y[rows], rcond=None)
        got = report.series[0]["models"]["Scale"]["weight"]
        assert got == pytest.approx(w, rel=1e-12), gaps
    assert step_ok.sum() == len(pairs) - 2  # two nights in the training part
