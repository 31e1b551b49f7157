"""b) Naive, Drift, HistoricAverage, WindowAverage and Scale with 7-window rolling
cross-validation (h=1) and MSE, MAE and MASE, on 100,000 series of 100 points, against
statsforecast's ``cross_validation`` plus ``utilsforecast.evaluate`` doing the same work with
all cores (the four baselines; statsforecast has no Scale, so the reference does less work).

statsforecast runs on a subset of the series (its cost per series is flat) and both are
compared in series per second; on that subset the forecasts and the measures must agree to 1e-6.
"""

from __future__ import annotations

import time

import numpy as np

import weightfit as wf
from benchmarks._timing import best_of, figure
from benchmarks.panels import long_frame, walks
from weightfit.models.baselines import Drift, HistoricAverage, Naive, WindowAverage


def ours(df, tests=False):
    """The same work as the reference: forecasts and three measures (``tests=True`` adds the
    Diebold-Mariano tests and the verdicts, which the reference does not do)."""
    return wf.fit(
        df,
        "scale",
        cv=7,
        metrics=["mse", "mae", "mase"],
        baselines=[Naive(), Drift(), HistoricAverage(), WindowAverage(7)],
        tests=tests,
    )


def reference(df):
    from statsforecast import StatsForecast
    from statsforecast.models import HistoricAverage as HA
    from statsforecast.models import Naive as N
    from statsforecast.models import RandomWalkWithDrift
    from statsforecast.models import WindowAverage as WA
    from utilsforecast.evaluation import evaluate
    from utilsforecast.losses import mae, mase, mse

    sf = StatsForecast(
        models=[N(), RandomWalkWithDrift(), HA(), WA(window_size=7)], freq="B", n_jobs=-1
    )
    cv = sf.cross_validation(df=df, h=1, n_windows=7, step_size=1)
    first = cv.groupby("unique_id")["cutoff"].transform("min")
    train = df.merge(first.groupby(cv.unique_id).first().rename("first").reset_index())
    train = train[train.ds <= train["first"]].drop(columns="first")
    from functools import partial

    pooled = cv.drop(columns="cutoff")  # one value per series over all windows, as ours
    scores = evaluate(pooled, metrics=[mse, mae, partial(mase, seasonality=1)], train_df=train)
    return cv, scores


def run(quick: bool = False) -> list[dict]:
    n_series = 10_000 if quick else 100_000
    subset = 1_000 if quick else 10_000  # enough that statsforecast's start-up is amortised
    df = long_frame(walks(n_series, 100))
    report = ours(df)
    t_ours = best_of(lambda: ours(df), 2)
    t_tested = best_of(lambda: ours(df, tests=True), 2)
    small = df[df.unique_id.isin(df.unique_id.unique()[:subset])].reset_index(drop=True)
    ours(small)  # warm
    reference(small.iloc[: 100 * 20])  # warm numba/compiled paths
    began = time.perf_counter()
    cv, scores = reference(small)
    t_ref = time.perf_counter() - began
    # the same answers on the subset
    mine = ours(small)
    cv = cv.sort_values(["unique_id", "cutoff"]).reset_index(drop=True)
    for a, b in (
        ("Naive", "Naive"),
        ("Drift", "RWD"),
        ("HistoricAverage", "HistoricAverage"),
        ("WindowAverage(7)", "WindowAverage"),
    ):
        np.testing.assert_allclose(mine.forecasts[a], cv[b], rtol=1e-6, atol=1e-6)
        for metric in ("mse", "mae", "mase"):
            theirs = scores[scores.metric == metric].set_index("unique_id")[b]
            got = mine.scores[mine.scores.model == a].set_index("unique_id")[metric]
            np.testing.assert_allclose(got.loc[theirs.index], theirs, rtol=1e-6)
    assert len(report.scores) == n_series * 5
    per_series_ours = t_ours / n_series
    per_series_ref = t_ref / subset
    return [
        figure(
            f"rolling CV (7 windows) + MSE/MAE/MASE, {n_series:,} series x 100 (per series)",
            per_series_ours,
            per_series_ref,
            f"statsforecast + utilsforecast, all cores ({subset:,} series)",
            ours_total_seconds=t_ours,
            reference_total_seconds=t_ref,
            with_diebold_mariano_and_verdicts_seconds=t_tested,
        )
    ]
