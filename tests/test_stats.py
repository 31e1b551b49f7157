"""The honest verdict's statistics (issue 12), each against an independent oracle: Clark-West
against statsmodels' HAC regression, the pooled test likewise, Benjamini-Hochberg against
statsmodels' multipletests, the studentized SPA against a from-scratch bootstrap, the returns
view against numpy / scikit-learn and a scalar Pesaran-Timmermann; plus a seeded simulation of
Clark-West's size and power, the nesting table, the JSON and partitions."""

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from sklearn.metrics import r2_score
from statsmodels.stats.multitest import multipletests

import weightfit as wf
from weightfit.data import sample
from weightfit.evaluate.cw import clark_west
from weightfit.evaluate.multiple import block_size, pooled_lags, spa_mcs
from weightfit.evaluate.report import combine
from weightfit.evaluate.returns import returns_view
from weightfit.models import (
    GRU,
    LSTM,
    MLP,
    Affine,
    AutoRegressive,
    Drift,
    HistoricAverage,
    Naive,
    RandomWalk,
    Scale,
    SeasonalNaive,
    WindowAverage,
)


def walks(n_series=5, n=160, seed=0, phi=0.0, drift=0.0):
    """Geometric random walks (or, with ``phi``, AR(1) returns), daily, one frame."""
    rng = np.random.default_rng(seed)
    eps = rng.normal(drift, 0.01, (n_series, n))
    r = np.zeros_like(eps)
    for t in range(n):
        r[:, t] = eps[:, t] + (phi * r[:, t - 1] if t else 0)
    y = 20 * np.exp(np.cumsum(r, axis=1)) * np.arange(1, n_series + 1)[:, None]
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"S{i:03d}" for i in range(n_series)], n),
            "ds": np.tile(pd.date_range("2020-01-01", periods=n, freq="D"), n_series),
            "y": y.ravel(),
        }
    )


# --- Clark-West --------------------------------------------------------------------------------


def cw_oracle(e_model, e_naive, h):
    """oracle: statsmodels OLS of the CW-adjusted differential on a constant, HAC covariance."""
    gap = e_model - e_naive
    f = e_naive**2 - (e_model**2 - gap**2)
    fit = sm.OLS(f, np.ones(len(f))).fit(cov_type="HAC", cov_kwds={"maxlags": h - 1})
    t = float(fit.tvalues[0])
    return t, float(stats.norm.sf(t))


@pytest.mark.parametrize("h", [1, 3])
def test_clark_west_equals_statsmodels_hac_regression(h):
    rng = np.random.default_rng(h)
    lengths = [40, 55, 70]
    e_naive = [rng.normal(0, 1, n) for n in lengths]
    e_model = [0.9 * e + rng.normal(0, 0.3, len(e)) for e in e_naive]
    codes = np.repeat(np.arange(3), lengths)
    stat, p = clark_west(np.concatenate(e_model), np.concatenate(e_naive), codes, h=h)
    for s in range(3):
        t, p_oracle = cw_oracle(e_model[s], e_naive[s], h)
        assert stat[s] == pytest.approx(t, rel=1e-10)
        assert p[s] == pytest.approx(p_oracle, rel=1e-9)


def test_clark_west_in_fit_uses_the_h_step_errors():
    df = walks(2, 120, seed=3)
    report = wf.fit(df, "ar:3", cv=30, h=2, baselines=[])
    f = report.forecasts
    at_h = np.arange(len(f)) % 2 == 1
    for s, uid in enumerate(["S000", "S001"]):
        rows = (f.unique_id == uid).to_numpy() & at_h
        e_model = (f.y - f["AutoRegressive(3)"]).to_numpy()[rows]
        e_naive = (f.y - f.Naive).to_numpy()[rows]
        t, p = cw_oracle(e_model, e_naive, h=2)
        row = report.scores[(report.scores.model == "AutoRegressive(3)")].iloc[s]
        assert row.cw == pytest.approx(t, rel=1e-10) and row.p_cw == pytest.approx(p, rel=1e-9)


def rejection_rates(phi):
    """Per-series one-sided rejection rates at 5% on 400 series: CW, DM one-sided, and the
    verdict's own 'beats' (CW for this nested model)."""
    report = wf.fit(walks(400, 160, seed=42, phi=phi), "ar:2", test=0.5, baselines=[])
    s = report.scores[report.scores.model == "AutoRegressive(2)"]
    cw = float((s.p_cw < 0.05).mean())
    dm = float(((s.dm < 0) & (s.p_dm < 0.10)).mean())  # one-sided at 5%: the model better
    return cw, dm


def test_clark_west_size_and_power_where_dm_is_undersized():
    # a random walk: AR(2) on prices nests naive and has nothing to add (the null)
    cw_size, dm_size = rejection_rates(0.0)
    print(f"size at 5%: Clark-West {cw_size:.3f}, Diebold-Mariano {dm_size:.3f}")
    assert 0.02 <= cw_size <= 0.10
    assert dm_size < cw_size / 2  # DM is far undersized for nested models
    # returns that are AR(1) with phi = 0.3: the model knows something
    cw_power, dm_power = rejection_rates(0.3)
    print(f"power at 5% (phi 0.3): Clark-West {cw_power:.3f}, Diebold-Mariano {dm_power:.3f}")
    assert cw_power > 0.5 and cw_power > dm_power


# --- which models nest naive -------------------------------------------------------------------

NESTS = [
    (Scale(), True),
    (Affine(), True),
    (AutoRegressive(3), True),
    (MLP(), True),
    (LSTM(), True),
    (GRU(), True),
    (RandomWalk(), True),
    (Naive(), True),
    (Drift(), True),
    (HistoricAverage(), False),
    (WindowAverage(7), False),
    (WindowAverage(1), True),
    (SeasonalNaive(5), False),
    (SeasonalNaive(1), True),
]


@pytest.mark.parametrize(("model", "nests"), NESTS, ids=lambda x: repr(x)[:20])
def test_every_model_says_whether_it_nests_naive_and_why(model, nests):
    assert model.nests_naive is nests
    assert model.nests_naive_why


# --- many series -------------------------------------------------------------------------------


def test_benjamini_hochberg_and_the_count():
    report = wf.fit(walks(30, 120, seed=5, phi=0.25), ["scale", "ar:2"], test=0.4)
    s = report.scores
    for name in ("AutoRegressive(2)", "Drift", "SeasonalNaive(5)"):
        rows = s[s.model == name]
        q = multipletests(rows.p_value, method="fdr_bh")[1]  # oracle: statsmodels
        np.testing.assert_allclose(rows.q_value, q, rtol=1e-12)
        expected = int(((q < 0.05) & (rows.skill > 0)).sum())
        assert report.overall["models"][name]["beats_naive_on"] == expected
    words = report.overall["models"]["AutoRegressive(2)"]["verdict"]
    assert "of 30 series at a 5% false-discovery rate" in words


def test_pooled_test_equals_a_hac_regression_on_the_date_means():
    df = walks(25, 100, seed=9)
    report = wf.fit(df, "scale", test=0.3)
    f = report.forecasts
    naive_mse = ((f.y - f.Naive) ** 2).groupby(f.unique_id).transform("mean")
    for name, key in (("Scale", "clark_west"), ("SeasonalNaive(5)", "diebold_mariano")):
        e, ne = f.y - f[name], f.y - f.Naive
        d = ne**2 - (e**2 - (e - ne) ** 2) if key == "clark_west" else ne**2 - e**2
        per_date = (d / naive_mse).groupby(f.ds).mean().sort_index().to_numpy()
        lags = pooled_lags(len(per_date))
        fit = sm.OLS(per_date, np.ones(len(per_date))).fit(  # oracle: statsmodels HAC
            cov_type="HAC", cov_kwds={"maxlags": lags}
        )
        got = report.overall["models"][name]["pooled"][key]
        assert got["statistic"] == pytest.approx(float(fit.tvalues[0]), rel=1e-10)
        assert got["n"] == len(per_date) and got["lags"] == lags
        t, df_ = float(fit.tvalues[0]), len(per_date) - 1
        p = stats.t.sf(t, df_) if key == "clark_west" else 2 * stats.t.sf(abs(t), df_)
        assert got["p_value"] == pytest.approx(p, rel=1e-9)


def test_the_all_series_table_is_scale_free():
    report = wf.fit(walks(25, 100, seed=9), "scale", test=0.3)
    table = report.table()
    assert table[["mse", "rmse", "mae"]].isna().all().all()  # no mean across price scales
    s = report.scores[report.scores.model == "Scale"]
    row = table.loc["Scale"]
    assert row["skill"] == pytest.approx(s.skill.mean())
    assert row["median_skill"] == pytest.approx(s.skill.median())
    assert row["relative_mse"] == pytest.approx(stats.gmean(1 - s.skill))
    assert row["p_value"] == report.overall["models"]["Scale"]["p_value"]


# --- many models: SPA and MCS ------------------------------------------------------------------


def spa_oracle(losses, block, reps=1000, seed=0):
    """From scratch: Hansen's (2005) studentized SPA, consistent p-value, with arch's
    stationary bootstrap indices (same seed) and a loop for the kernel variance."""
    from arch.bootstrap import StationaryBootstrap

    d = losses[:, :1] - losses[:, 1:]
    t = len(d)
    c = d - d.mean(0)
    q = 1 / block
    var = (c**2).sum(0) / t
    for i in range(1, t):
        k = (1 - i / t) * (1 - q) ** i + (i / t) * (1 - q) ** (t - i)
        var += 2 * k * (c[i:] * c[:-i]).sum(0) / t
    z = d / np.sqrt(var)  # each differential over its standard deviation
    mean = z.mean(0)
    c_z = z - mean
    var_z = (c_z**2).sum(0) / t
    for i in range(1, t):
        k = (1 - i / t) * (1 - q) ** i + (i / t) * (1 - q) ** (t - i)
        var_z += 2 * k * (c_z[i:] * c_z[:-i]).sum(0) / t
    keep = mean >= -np.sqrt(var_z / t * 2 * np.log(np.log(t)))
    centre = np.where(keep, mean, 0.0)
    bs = StationaryBootstrap(block, z, seed=seed)
    sims = np.array([(data[0][0].mean(0) - centre).max() for data in bs.bootstrap(reps)])
    return float((sims > mean.max()).mean())


def test_spa_is_hansens_studentized_test():
    rng = np.random.default_rng(4)
    t = 300
    naive = rng.normal(0, 1, t) ** 2
    losses = np.column_stack(
        [naive, naive - 0.15 + rng.normal(0, 0.3, t), naive + rng.normal(0, 3, t), naive + 0.5]
    )
    got = spa_mcs(losses, ["Naive", "good", "noisy", "bad"])
    block = block_size(t)
    assert got["spa"]["block_size"] == block and got["spa"]["seed"] == 0
    assert got["spa"]["p_value"] == pytest.approx(spa_oracle(losses, block), abs=1e-12)
    assert got["spa"]["p_value"] < 0.05  # the noisy model no longer sets the bar
    assert "bad" not in got["mcs"]["members"] and "good" in got["mcs"]["members"]


# --- returns -----------------------------------------------------------------------------------


def pt_oracle(r, r_hat):
    """From scratch, one series: Pesaran & Timmermann (1992), eq. (1)-(4)."""
    n = len(r)
    y, x = (r > 0).astype(float), (r_hat > 0).astype(float)
    p = np.mean(y == x)
    py, px = y.mean(), x.mean()
    ps = py * px + (1 - py) * (1 - px)
    vp = ps * (1 - ps) / n
    vps = (
        (2 * py - 1) ** 2 * px * (1 - px) / n
        + (2 * px - 1) ** 2 * py * (1 - py) / n
        + 4 * py * px * (1 - py) * (1 - px) / n**2
    )
    return (p - ps) / np.sqrt(vp - vps)


def test_returns_view_against_numpy_sklearn_and_a_scalar_pt():
    rng = np.random.default_rng(2)
    lengths = [80, 500]
    y, last, f, codes = [], [], [], []
    for s, n in enumerate(lengths):
        prev = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
        r = rng.normal(0, 0.01, n)
        y.append(prev * (1 + r))
        last.append(prev)
        f.append(prev * (1 + 0.5 * r + rng.normal(0, 0.01, n)))
        codes.append(np.full(n, s))
    view = returns_view(*map(np.concatenate, (y, f, last, codes)), 2)
    for s in range(2):
        r, r_hat = y[s] / last[s] - 1, f[s] / last[s] - 1
        assert view["r2_price"][s] == pytest.approx(r2_score(y[s], f[s]))  # oracle: sklearn
        assert view["r2_return"][s] == pytest.approx(1 - ((r - r_hat) ** 2).sum() / (r**2).sum())
        assert view["hit_rate"][s] == pytest.approx(np.mean((r > 0) == (r_hat > 0)))
        assert view["hit_base"][s] == pytest.approx(max(np.mean(r > 0), np.mean(r <= 0)))
        assert view["pt"][s] == pytest.approx(pt_oracle(r, r_hat), rel=1e-12)
        assert view["p_pt"][s] == pytest.approx(stats.norm.sf(pt_oracle(r, r_hat)), rel=1e-12)
    # PT is asymptotically the 2x2 chi-square test of independence (no continuity correction)
    r, r_hat = y[1] / last[1] - 1, f[1] / last[1] - 1
    table = pd.crosstab(r > 0, r_hat > 0).to_numpy()
    chi2 = stats.chi2_contingency(table, correction=False)[0]
    assert view["pt"][1] ** 2 == pytest.approx(chi2, rel=0.02)


def test_a_forecast_that_never_calls_a_direction_has_no_pt():
    y, last = np.array([1.0, 2.0, 3.0, 2.0]), np.array([1.5, 1.0, 2.0, 3.0])
    view = returns_view(y, last, last, np.zeros(4, int), 1)  # naive
    assert view["r2_return"][0] == 0 and np.isnan(view["pt"][0])


# --- the verdict, the JSON and partitions ------------------------------------------------------


@pytest.fixture(scope="module")
def msft():
    return wf.fit(sample("msft"), ["scale", "affine", "ar:5"], test=0.2)


def test_msft_names_drift_with_clark_west_and_the_spa(msft):
    verdict = msft.series[0]["verdict"]
    assert verdict.startswith("Drift beats naive (skill 0.001352, Clark-West p = ")
    assert "no fitted model does: the best, Scale, is worse than naive" in verdict
    assert "after accounting for the 7 models tried" in verdict and "SPA p = " in verdict
    assert "model confidence set: " in verdict
    drift = msft.series[0]["models"]["Drift"]
    assert drift["test"] == "Clark-West" and drift["nests_naive"]
    assert msft.overall["verdict"] == verdict  # one series: one answer


def test_every_test_is_in_the_json_and_the_frame(msft):
    entry = json.loads(json.dumps(msft.to_dict()))["series"][0]
    scale = entry["models"]["Scale"]["tests"]
    for name in ("diebold_mariano", "clark_west", "pesaran_timmermann"):
        assert {"statistic", "p_value", "n", "alternative"} <= set(scale[name])
    assert scale["clark_west"]["n"] == 1596 and scale["clark_west"]["lags"] == 0
    assert "clark_west" not in entry["models"]["HistoricAverage"]["tests"]
    spa = entry["multiple"]["spa"]
    assert {"p_value", "block_size", "reps", "seed", "n", "bootstrap"} <= set(spa)
    assert entry["models"]["Drift"]["in_mcs"] is True
    frame = msft.to_frame()
    for col in ("test", "dm", "p_dm", "cw", "p_cw", "q_value", "n", "lags", "spa_p", "in_mcs"):
        assert col in frame
    for col in ("r2_price", "r2_return", "hit_rate", "hit_base", "pt", "p_pt"):
        assert col in frame
    assert (frame.bootstrap_block == spa["block_size"]).all()


def test_combined_partitions_give_the_same_overall():
    df = walks(6, 90, seed=8)
    whole = wf.fit(df, "scale", test=0.3)
    ids = sorted(df.unique_id.unique())
    parts = [wf.fit(df[df.unique_id.isin(ids[:4])], "scale", test=0.3)]
    parts.append(wf.fit(df[df.unique_id.isin(ids[4:])], "scale", test=0.3))
    joined = combine(parts)
    np.testing.assert_allclose(joined.scores.q_value, whole.scores.q_value)
    assert joined.overall == whole.overall


def test_mcs_takes_identical_models_as_one():
    """A network that never left its naive start has naive's losses to the last digit; arch's
    MCS would divide their zero differential by a zero variance. Twins share one result."""
    from weightfit.evaluate.multiple import spa_mcs

    rng = np.random.default_rng(0)
    naive = rng.gamma(2.0, 1.0, 300)
    better = naive * 0.7
    losses = np.c_[naive, naive.copy(), better]  # Naive, a stuck network, a real improvement
    out = spa_mcs(losses, ["Naive", "Stuck", "Better"])
    assert out["mcs"]["p_values"]["Naive"] == out["mcs"]["p_values"]["Stuck"]
    assert ("Naive" in out["mcs"]["members"]) == ("Stuck" in out["mcs"]["members"])
    assert "Better" in out["mcs"]["members"]


def test_spa_and_mcs_on_a_very_long_series_stay_bounded():
    """Beyond MAX_LENGTH losses the bootstrap runs on means of consecutive chunks, said in the
    options; a clear improvement is still found, and the time does not grow with the length."""
    import time

    from weightfit.evaluate.multiple import MAX_LENGTH, spa_mcs

    rng = np.random.default_rng(1)
    naive = rng.gamma(2.0, 1.0, 12 * MAX_LENGTH + 7)
    losses = np.c_[naive, naive * 0.9, naive * rng.uniform(0.9, 1.2, len(naive))]
    began = time.perf_counter()
    out = spa_mcs(losses, ["Naive", "Better", "Noisy"])
    assert time.perf_counter() - began < 20
    assert out["spa"]["means_of"] == 13 and out["spa"]["n"] == len(naive)
    assert out["spa"]["p_value"] < 0.01 and out["mcs"]["members"] == ["Better"]
