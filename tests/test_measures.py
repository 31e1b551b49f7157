"""Measures against libraries, by value: scikit-learn for Theil's U2 and directional accuracy
(no library has them under those names, so each is rebuilt from a scikit-learn measure on
transformed data, not re-typed from our formula), and utilsforecast for MASE and RMSSE with a
season longer than one step and for cross-validation measures with h > 1."""

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

import weightfit as wf
from weightfit.data import read_prices

from .test_baselines import panel

utilsforecast = pytest.importorskip("utilsforecast")
from utilsforecast import losses as ufl  # noqa: E402


def test_theil_u2_is_the_rmse_of_relative_errors_over_naives():
    report = wf.fit(panel(lengths=(160, 200), seed=3), ["scale", "ar:3"], test=0.3,
                    metrics=["theil_u2", "direction"])  # fmt: skip
    for (uid, model), row in report.scores.set_index(["unique_id", "model"]).iterrows():
        one = report.forecasts[report.forecasts.unique_id == uid]
        y, f, last = (one[c].to_numpy() for c in ("y", model, "Naive"))
        # Theil (1966): forecast and actual as relative changes from the last value
        model_err = skm.mean_squared_error(y / last - 1, f / last - 1)
        naive_err = skm.mean_squared_error(y / last - 1, np.zeros_like(y))
        assert row["theil_u2"] == pytest.approx(np.sqrt(model_err / naive_err), rel=1e-10)


def test_direction_is_the_accuracy_of_the_predicted_sign():
    report = wf.fit(panel(lengths=(160, 200), seed=4), ["scale", "affine"], test=0.3,
                    metrics=["direction"])  # fmt: skip
    for (uid, model), row in report.scores.set_index(["unique_id", "model"]).iterrows():
        one = report.forecasts[report.forecasts.unique_id == uid]
        y, f, last = (one[c].to_numpy() for c in ("y", model, "Naive"))
        called = np.where(f == last, 9, np.sign(f - last))  # a flat call is never right
        expected = skm.accuracy_score(np.sign(y - last), called)
        assert row["direction"] == pytest.approx(expected, abs=1e-12), (uid, model)


@pytest.mark.parametrize("season", [5, 7])
@pytest.mark.parametrize(("ours", "theirs"), [("mase", ufl.mase), ("rmsse", ufl.rmsse)])
def test_scaled_measures_with_a_season_equal_utilsforecast(season, ours, theirs):
    df = panel(lengths=(120, 150, 200), seed=5)
    report = wf.fit(df, ["scale", "ar:3"], test=0.25, metrics=[ours], seasonality=season)
    n = df.groupby("unique_id")["y"].transform("size")
    train = df[df.groupby("unique_id").cumcount() < n - np.round(0.25 * n)]
    forecasts = report.forecasts.drop(columns="cutoff")
    expected = theirs(forecasts, models=report.models, seasonality=season, train_df=train)
    got = report.scores.pivot(index="unique_id", columns="model", values=ours)
    expected = expected.set_index("unique_id")
    for model in report.models:
        np.testing.assert_allclose(got[model], expected[model], rtol=1e-9, err_msg=model)


@pytest.mark.parametrize("h", [2, 5])
def test_cross_validation_measures_with_h_above_one_equal_utilsforecast(h):
    df = panel(lengths=(150, 180, 210), seed=6)
    metrics = ["mse", "mae", "rmse", "mape", "smape", "mase", "rmsse"]
    report = wf.fit(df, ["scale", "ar:2"], cv=4, h=h, metrics=metrics)
    first = report.forecasts.groupby("unique_id", sort=False)["cutoff"].transform("min")
    cut = report.forecasts.assign(first=first).groupby("unique_id")["first"].first()
    train = df[df["ds"] <= df["unique_id"].map(cut)]  # what each series had at its first cutoff
    forecasts = report.forecasts.drop(columns="cutoff")
    for name in metrics:
        fn = getattr(ufl, name)
        extra = {"seasonality": 1, "train_df": train} if name in ("mase", "rmsse") else {}
        expected = fn(forecasts, models=report.models, **extra).set_index("unique_id")
        got = report.scores.pivot(index="unique_id", columns="model", values=name)
        for model in report.models:
            np.testing.assert_allclose(
                got[model], expected[model], rtol=1e-9, err_msg=f"{name} {model}"
            )


def test_partitions_combined_equal_one_run_over_all_series(tmp_path):
    """The partitioned path (three files in three partitions) against one wf.fit on the frame
    of all series: the same forecasts, scores and overall verdict. Equal to rounding: one
    series alone is fitted from its lag moments, three of different lengths in a padded
    block, so the sums run in another order."""
    df = panel(lengths=(130, 160, 190), seed=7)
    for uid, part in df.groupby("unique_id"):
        part.rename(columns={"ds": "Date", "y": "Close"})[["Date", "Close"]].to_csv(
            tmp_path / f"{uid}.csv", index=False
        )
    settings = {"model": ["scale", "ar:3"], "test": 0.25}
    parts = wf.fit_files(tmp_path, settings=settings, files_per_partition=1)
    whole = wf.fit(read_prices(tmp_path), **settings)
    pd.testing.assert_frame_equal(parts.forecasts, whole.forecasts, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(parts.scores, whole.scores, check_exact=False, rtol=1e-9)
    assert parts.overall["verdict"] == whole.overall["verdict"]
    for name, got in parts.overall["models"].items():
        assert got["p_value"] == pytest.approx(whole.overall["models"][name]["p_value"], rel=1e-9)
