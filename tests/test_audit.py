"""The look-ahead audit: a leaky forecaster is caught, an honest one passes exactly, an
unseeded one is told to seed itself, and bad input is one line and exit code 2."""

import json

import numpy as np
import pandas as pd
import pytest

import weightfit as wf
from weightfit.cli import app
from weightfit.data import sample

from .conftest import run_cli

FORECASTERS = '''
import numpy as np
import pandas as pd


def _parts(prices, cutoff, h):
    seen = prices[prices.ds <= cutoff]
    last = seen.groupby("unique_id").y.last()
    future = prices[prices.ds > cutoff].groupby("unique_id").head(h)
    return seen, last, future


def naive(prices, cutoff, h):
    """Honest: the last price seen, for each of the h rows after the cutoff."""
    _, last, future = _parts(prices, cutoff, h)
    return future.assign(y_hat=future.unique_id.map(last))[["unique_id", "ds", "y_hat"]]


def leaky(prices, cutoff, h):
    """The last price times the whole series' mean over the seen part's: reads the future."""
    seen, last, future = _parts(prices, cutoff, h)
    ratio = prices.groupby("unique_id").y.mean() / seen.groupby("unique_id").y.mean()
    y_hat = future.unique_id.map(last * ratio)
    return future.assign(y_hat=y_hat)[["unique_id", "ds", "y_hat"]]


def unseeded(prices, cutoff, h):
    out = naive(prices, cutoff, h)
    return out.assign(y_hat=out.y_hat * (1 + np.random.default_rng().normal(0, 1e-3, len(out))))


def not_a_frame(prices, cutoff, h):
    return [1.0]


def no_y_hat(prices, cutoff, h):
    return naive(prices, cutoff, h).rename(columns={"y_hat": "forecast"})


def the_past(prices, cutoff, h):
    return prices[prices.ds <= cutoff].tail(h).rename(columns={"y": "y_hat"})


NUMBER = 3
'''


@pytest.fixture(scope="module")
def prices():
    """Two series, 120 days each: MSFT's last 120 and a copy at a fifth of the price."""
    msft = sample("msft").tail(120)
    other = msft.assign(unique_id="HALF", y=msft.y / 5)
    return pd.concat([msft, other], ignore_index=True)


@pytest.fixture(scope="module")
def fc(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forecasters")
    (folder / "fc.py").write_text(FORECASTERS)
    namespace: dict = {}
    exec(FORECASTERS, namespace)
    namespace["folder"] = folder
    return namespace


def test_a_leaky_forecaster_is_flagged(prices, fc):
    result = wf.audit(fc["leaky"], prices, cutoffs=3, h=2)
    assert result.outcome == "leak" and result.leak
    summary = result.summary()
    assert len(summary) == 6 and summary.moved.all()  # 3 cutoffs x 2 series
    # the size of the move, by an independent computation: scaling the future by 2 moves the
    # whole-series mean, so the forecast moves by last * (mean' - mean) / mean(seen)
    cutoff = result.cutoffs[0]
    one = prices[prices.unique_id == "MSFT"]
    seen = one[one.ds <= cutoff].y
    future = one[one.ds > cutoff].y
    expected = seen.iloc[-1] * future.sum() / len(one) / seen.mean()  # oracle: pandas by hand
    row = result.checks.query("alteration == 'scale' and unique_id == 'MSFT'").iloc[0]
    assert row.max_change == pytest.approx(expected, rel=1e-9)
    assert "LEAK" in result.message and "reads the future" in result.message
    # shuffling the future keeps its mean: this leak hides from a shuffle
    assert not result.checks.query("alteration == 'shuffle'").moved.any()


@pytest.mark.parametrize("name", ["naive", "model", "sklearn"])
def test_an_honest_forecaster_passes_exactly(prices, fc, name):
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    forecaster = {
        "naive": fc["naive"],
        "model": wf.as_forecaster("ar:3"),
        "sklearn": wf.sklearn_forecaster(make_pipeline(StandardScaler(), Ridge()), window=4),
    }[name]
    result = wf.audit(forecaster, prices, cutoffs=2, h=3)
    assert result.outcome == "clean" and not result.leak
    assert (result.checks.max_change == 0).all()  # exactly, not nearly
    assert (result.checks.rows == 3).all()
    assert "no leak" in result.message


def test_the_model_adapter_forecasts_as_fit_does(prices):
    # oracle: wf.cross_validation's one window, fitted on the same history
    cv = wf.cross_validation(prices, ["ar:3"], h=2, n_windows=1)
    cutoff = cv.cutoff.iloc[0]
    out = wf.as_forecaster("ar:3")(prices, cutoff, 2)
    np.testing.assert_allclose(out.y_hat.to_numpy(), cv["AutoRegressive(3)"].to_numpy(), rtol=1e-9)


def test_an_unseeded_forecaster_is_told_to_seed_itself(prices, fc):
    result = wf.audit(fc["unseeded"], prices, cutoffs=1)
    assert result.outcome == "unseeded" and not result.leak
    assert "Seed its randomness" in result.message


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("not_a_frame", "the forecaster returned list; expected a DataFrame"),
        ("no_y_hat", "the forecaster's frame has no column y_hat"),
        ("the_past", "at or before the cutoff"),
    ],
)
def test_a_wrong_return_frame_is_a_config_error(prices, fc, name, message):
    with pytest.raises(wf.ConfigError, match=message):
        wf.audit(fc[name], prices, cutoffs=1)


def _csv(prices, folder):
    path = folder / "prices.csv"
    if not path.exists():
        prices[prices.unique_id == "MSFT"][["ds", "y"]].rename(
            columns={"ds": "date", "y": "close"}
        ).to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize(("name", "code"), [("naive", 0), ("leaky", 1), ("unseeded", 3)])
def test_cli_exit_codes(prices, fc, name, code, monkeypatch):
    csv = _csv(prices, fc["folder"])
    result = run_cli(app, ["audit", f"{fc['folder']}/fc.py:{name}", csv, "--json"])
    assert result.exit_code == code, result.stderr
    got = json.loads(result.stdout)
    assert got["leak"] is (code == 1)
    assert {"outcome", "message", "checks", "cutoffs"} <= set(got)
    monkeypatch.chdir(fc["folder"])  # a module on the current folder, as uvicorn finds it
    assert run_cli(app, ["audit", f"fc:{name}", "prices.csv"]).exit_code == code


def test_cli_renders_the_table(prices, fc):
    csv = _csv(prices, fc["folder"])
    result = run_cli(app, ["audit", f"{fc['folder']}/fc.py:leaky", csv, "--cutoffs", "2"])
    assert result.exit_code == 1
    assert "Look-ahead audit" in result.stdout and "LEAK" in result.stdout


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nowhere_such_module:f", "cannot import it"),
        ("fc.py", "expected module:function"),
        ("{folder}/fc.py:missing", "has no 'missing'"),
        ("{folder}/fc.py:NUMBER", "NUMBER is int, not a function"),
        ("{folder}/nope.py:f", "no file"),
        ("{folder}/fc.py:no_y_hat", "has no column y_hat"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(prices, fc, spec, message):
    csv = _csv(prices, fc["folder"])
    result = run_cli(app, ["audit", spec.format(folder=fc["folder"]), csv])
    assert result.exit_code == 2
    assert result.stderr.startswith("weightfit: error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_explicit_cutoffs_are_checked(prices, fc):
    with pytest.raises(wf.ConfigError, match="outside the prices"):
        wf.audit(fc["naive"], prices, cutoffs=["1990-01-01"])
    with pytest.raises(wf.ConfigError, match="Invalid cutoff 'soon'"):
        wf.audit(fc["naive"], prices, cutoffs=["soon"])
    done = wf.audit(fc["naive"], prices, cutoffs=[str(prices.ds.iloc[100].date())])
    assert done.cutoffs == [prices.ds.iloc[100]]
