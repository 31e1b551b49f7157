"""Evaluation against oracles: utilsforecast and scikit-learn for the measures, the
dieboldmariano package for the DM test, numpy lstsq for fitted models, and a look-ahead trap."""

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

import weightfit as wf
from weightfit.evaluate import metrics as m
from weightfit.evaluate.cv import cross_validation
from weightfit.evaluate.dm import diebold_mariano

from .test_baselines import panel

utilsforecast = pytest.importorskip("utilsforecast")
from utilsforecast import losses as ufl  # noqa: E402
from utilsforecast.evaluation import evaluate as uf_evaluate  # noqa: E402


def holdout(seed=1):
    """A hold-out report on three tickers, plus its forecasts and training part."""
    df = panel(lengths=(120, 150, 200), seed=seed)
    report = wf.fit(df, ["scale", "ar:3"], test=0.25, metrics=list(m.MEASURES))
    n = df.groupby("unique_id")["y"].transform("size")
    train = df[df.groupby("unique_id").cumcount() < n - np.round(0.25 * n)]
    return df, report, report.forecasts.drop(columns="cutoff"), train


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("mse", ufl.mse),
        ("rmse", ufl.rmse),
        ("mae", ufl.mae),
        ("mape", ufl.mape),
        ("smape", ufl.smape),
    ],
)
def test_measures_equal_utilsforecast(ours, theirs):
    _, report, forecasts, _ = holdout()
    expected = theirs(forecasts, models=report.models).set_index("unique_id")  # oracle
    got = report.scores.pivot(index="unique_id", columns="model", values=ours)
    for model in report.models:
        np.testing.assert_allclose(got[model], expected[model], rtol=1e-9, atol=0, err_msg=model)


@pytest.mark.parametrize(("ours", "theirs"), [("mase", ufl.mase), ("rmsse", ufl.rmsse)])
def test_scaled_measures_equal_utilsforecast(ours, theirs):
    _, report, forecasts, train = holdout()
    expected = theirs(forecasts, models=report.models, seasonality=1, train_df=train)
    got = report.scores.pivot(index="unique_id", columns="model", values=ours)
    expected = expected.set_index("unique_id")
    for model in report.models:
        np.testing.assert_allclose(got[model], expected[model], rtol=1e-9, err_msg=model)


def test_measures_equal_scikit_learn():
    _, report, forecasts, _ = holdout()
    one = forecasts[forecasts.unique_id == "S1"]
    row = report.scores[(report.scores.unique_id == "S1") & (report.scores.model == "Scale")].iloc[
        0
    ]
    y, f = one["y"], one["Scale"]
    assert row["mse"] == pytest.approx(skm.mean_squared_error(y, f), rel=1e-9)
    assert row["mae"] == pytest.approx(skm.mean_absolute_error(y, f), rel=1e-9)
    assert row["mape"] == pytest.approx(skm.mean_absolute_percentage_error(y, f), rel=1e-9)
    # skill is R^2 with the naive forecast as the reference instead of the mean
    naive = one["Naive"]
    assert row["skill"] == pytest.approx(
        1 - skm.mean_squared_error(y, f) / skm.mean_squared_error(y, naive), rel=1e-9
    )


def test_theil_u2_and_direction_by_hand():
    _, report, forecasts, _ = holdout()
    one = forecasts[forecasts.unique_id == "S0"]
    row = report.scores[(report.scores.unique_id == "S0") & (report.scores.model == "Drift")].iloc[
        0
    ]
    y, f, last = one["y"].to_numpy(), one["Drift"].to_numpy(), one["Naive"].to_numpy()
    u2 = np.sqrt(np.sum(((f - y) / last) ** 2) / np.sum(((last - y) / last) ** 2))
    assert row["theil_u2"] == pytest.approx(u2, rel=1e-12)
    hit = (np.sign(f - last) == np.sign(y - last)) & (f != last)
    assert row["direction"] == pytest.approx(hit.mean(), rel=1e-12)
    naive = report.scores[(report.scores.unique_id == "S0") & (report.scores.model == "Naive")]
    assert naive["direction"].iloc[0] == 0.0 and naive["theil_u2"].iloc[0] == 1.0


def test_utilsforecast_evaluate_reads_our_cross_validation():
    df = panel()
    cv = cross_validation(df, ["naive", "drift", "scale"], h=2, n_windows=4)
    result = uf_evaluate(cv, metrics=[ufl.mae, ufl.mse], models=["Naive", "Drift", "Scale"])
    assert set(result["metric"]) == {"mae", "mse"} and len(result) == 2 * 3 * 4


@pytest.mark.parametrize("h", [1, 3])
@pytest.mark.parametrize("power", [1, 2])
def test_diebold_mariano_equals_the_dieboldmariano_package(h, power):
    from dieboldmariano import dm_test  # oracle: an independent implementation

    rng = np.random.default_rng(h * 10 + power)
    actual = np.cumsum(rng.normal(size=200)) + 100
    p1 = actual + rng.normal(0, 1.0, 200)
    p2 = actual + rng.normal(0, 1.2, 200)
    stat, p = diebold_mariano(actual - p1, actual - p2, h=h, power=power)
    loss = (lambda u, v: (u - v) ** 2) if power == 2 else (lambda u, v: abs(u - v))
    their_stat, their_p = dm_test(actual, p1, p2, loss=loss, h=h, harvey_correction=True)
    assert stat[0] == pytest.approx(their_stat, rel=1e-9)
    assert p[0] == pytest.approx(their_p, rel=1e-9)


def test_diebold_mariano_per_series_equals_one_at_a_time():
    rng = np.random.default_rng(3)
    e1, e2 = rng.normal(size=300), rng.normal(size=300) * 1.1
    series = np.repeat([0, 1, 2], 100)
    stat, p = diebold_mariano(e1, e2, series, h=2)
    for s in range(3):
        one_stat, one_p = diebold_mariano(e1[series == s], e2[series == s], h=2)
        assert stat[s] == pytest.approx(one_stat[0]) and p[s] == pytest.approx(one_p[0])


def test_fitted_scale_equals_numpy_lstsq_on_the_training_part():
    df = panel(lengths=(80,), seed=5)
    report = wf.fit(df, ["scale", "affine", "ar:3"], test=0.25)
    y = df["y"].to_numpy()
    n_train = 80 - 20
    x, t = y[: n_train - 1], y[1:n_train]  # pairs whose targets lie in the training part
    (w,), *_ = np.linalg.lstsq(x[:, None], t, rcond=None)  # oracle: numpy lstsq
    assert report.series[0]["models"]["Scale"]["weight"] == pytest.approx(w, rel=1e-10)
    a = np.linalg.lstsq(np.c_[x, np.ones_like(x)], t, rcond=None)[0]
    got = report.series[0]["models"]["Affine"]["weights"]
    assert [got["weight"], got["bias"]] == pytest.approx(list(a), rel=1e-8)
    # AR(3) predicts like a regression on the last 3 prices without intercept
    lags = np.c_[y[0 : n_train - 3], y[1 : n_train - 2], y[2 : n_train - 1]]
    b = np.linalg.lstsq(lags, y[3:n_train], rcond=None)[0]
    test_lags = np.c_[y[n_train - 3 : 79 - 2], y[n_train - 2 : 79 - 1], y[n_train - 1 : 79]]
    np.testing.assert_allclose(report.forecasts["AutoRegressive(3)"], test_lags @ b, rtol=1e-9)


def test_no_look_ahead_in_cross_validation():
    # poison everything after each cutoff: forecasts made at that cutoff must not change
    df = panel(lengths=(90,), seed=7)
    models = [
        "naive",
        "seasonal_naive:5",
        "drift",
        "historic_average",
        "window_average:7",
        "scale",
        "affine",
        "ar:4",
    ]
    cv = cross_validation(df, models, h=2, n_windows=5, step_size=3)
    for cutoff, rows in cv.groupby("cutoff"):
        poisoned = df.copy()
        poisoned.loc[poisoned.ds > cutoff, "y"] = 1e6  # the future, made absurd
        one = cross_validation(
            poisoned[poisoned.ds <= cutoff + pd.Timedelta(days=2)], models, h=2, n_windows=1
        )
        for name in cv.columns[4:]:
            np.testing.assert_allclose(
                one[name].to_numpy(),
                rows[name].to_numpy(),
                rtol=1e-12,
                err_msg=f"{name} at {cutoff}",
            )


def test_refit_false_fits_once():
    df = panel(lengths=(90,), seed=8)
    refit = cross_validation(df, ["scale"], n_windows=5, refit=True)
    once = cross_validation(df, ["scale"], n_windows=5, refit=False)
    assert not np.allclose(refit["Scale"], once["Scale"], rtol=1e-12)
    first = cross_validation(df.iloc[:86], ["scale"], n_windows=1)
    assert once["Scale"].iloc[0] == pytest.approx(first["Scale"].iloc[0])


def test_verdict_words():
    from weightfit.evaluate.verdict import judge, summarise

    assert judge(0.05, 0.001) == ("beats", "beats naive (skill 0.05, Diebold-Mariano p = 0.001)")
    assert judge(0.0003, 0.41, "Clark-West") == (
        "no_better",
        "no better than naive (skill 0.0003, Clark-West p = 0.41)",
    )
    assert judge(-0.2, 0.0001)[0] == "worse"
    assert summarise(
        {
            "Scale": {
                "status": "no_better",
                "skill": 0.0003,
                "verdict": "no better than naive (skill 0.0003, p = 0.41)",
            }
        }
    ) == ("no model beats naive: the best, Scale, is no better than naive (skill 0.0003, p = 0.41)")


def test_a_model_with_real_skill_beats_naive():
    # a mean-reverting series: AR catches it, and the verdict must say so
    rng = np.random.default_rng(11)
    n = 1500
    r = np.zeros(n)
    for t in range(1, n):
        r[t] = -0.5 * r[t - 1] + rng.normal(0, 0.01)
    y = 100 * np.exp(np.cumsum(r))
    df = pd.DataFrame({"unique_id": "MR", "ds": pd.date_range("2000-01-01", periods=n), "y": y})
    report = wf.fit(df, ["ar:3", "scale"], test=0.3)
    ar = report.series[0]["models"]["AutoRegressive(3)"]
    assert ar["status"] == "beats" and ar["skill"] > 0.1 and ar["p_value"] < 0.001
    assert report.series[0]["verdict"].startswith("AutoRegressive(3) beats naive")
    assert any("Scale tracks the last price" in w for w in report.series[0]["warnings"])


def test_bad_settings():
    df = panel()
    with pytest.raises(ValueError, match=r"Invalid --test 1\.5"):
        wf.fit(df, test=1.5)
    with pytest.raises(ValueError, match="Unknown measure 'r2'"):
        wf.fit(df, metrics=["r2"])
    with pytest.raises(ValueError, match="Unknown model 'transformer'"):
        wf.fit(df, "transformer")
    with pytest.raises(ValueError, match="too few for these windows"):
        wf.fit(df, "ar:5", cv=58)
    with pytest.raises(ValueError, match="lstsq needs a linear model under MSE"):
        from weightfit.data.panel import Panel
        from weightfit.evaluate.cv import Fitted

        Fitted("scale", "lstsq", loss="mae").fit(Panel.from_frame(df), np.array([50, 50, 50]))


def test_overall_verdict_counts_wins_at_a_false_discovery_rate():
    # 40 random walks: a model no better than naive wins a few series by chance; the count
    # of wins is Benjamini-Hochberg adjusted (tests/test_stats.py checks the q-values)
    df = panel(lengths=(80,) * 40, seed=3)
    report = wf.fit(df, "scale", test=0.25)
    o = report.overall["models"]["Scale"]
    assert o["verdict"].endswith(
        f"beats naive on {o['beats_naive_on']} of 40 series at a 5% false-discovery rate "
        f"({o['beats_naive_unadjusted']} unadjusted)"
    )
    assert o["beats_naive_on"] <= o["beats_naive_unadjusted"]


def test_a_constant_series_is_set_aside_and_said(tmp_path):
    """Among others, a series whose test part never moves (naive is exact there) is set aside
    with its reason, in the report, the JSON and the text; the others are fitted as usual."""
    from weightfit.cli import app

    from .conftest import run_cli

    df = panel(lengths=(120, 150), seed=3)
    flat = pd.DataFrame({"unique_id": "FLAT", "ds": df.ds.iloc[:100].to_numpy(), "y": 7.0})
    both = pd.concat([df, flat], ignore_index=True)
    report = wf.fit(both, "scale", test=0.25)
    assert [s["id"] for s in report.series] == ["S0", "S1"]
    assert [a["id"] for a in report.settings["set_aside"]] == ["FLAT"]
    alone = wf.fit(df, "scale", test=0.25)
    pd.testing.assert_frame_equal(report.scores, alone.scores)
    with pytest.raises(wf.DataError, match="'FLAT' is constant over its test part"):
        wf.fit(flat, "scale", test=0.25)
    path = tmp_path / "prices.csv"
    both.rename(columns={"unique_id": "ticker", "ds": "date", "y": "close"}).to_csv(path)
    result = run_cli(app, ["fit", str(path), "--id", "ticker", "--no-record"])
    assert result.exit_code == 0, result.stderr
    assert "set aside FLAT: constant over its test part" in " ".join(result.stdout.split())


def test_a_pooled_model_has_one_set_of_weights_for_every_series():
    """``pooled=True`` (``--global``): one weight for all series, the least-squares answer on
    every series' training pairs together (numpy's lstsq), shared by all forecasts."""
    df = panel(lengths=(120, 150, 200), seed=8)
    report = wf.fit(df, ["scale"], "pattern", test=0.25, pooled=True)
    (name,) = report.fitted
    assert name == "Scale, global" and report.settings["pooled"] is True
    weights = {s["id"]: s["models"][name]["weight"] for s in report.series}
    assert len(set(weights.values())) == 1
    x, y = [], []
    for _, part in df.groupby("unique_id", sort=False):
        v = part["y"].to_numpy()
        train = len(v) - round(0.25 * len(v))
        x.append(v[: train - 1])
        y.append(v[1:train])
    (w,), *_ = np.linalg.lstsq(np.concatenate(x)[:, None], np.concatenate(y), rcond=None)
    assert next(iter(weights.values())) == pytest.approx(w, rel=1e-8)
    alone = wf.fit(df, ["scale"], "pattern", test=0.25)
    assert len({s["models"]["Scale"]["weight"] for s in alone.series}) == 3
