"""b) Naive, Drift, HistoricAverage, WindowAverage and Scale with 7-window rolling
cross-validation (h=1) and MSE, MAE and MASE, against statsforecast's ``cross_validation`` plus
``utilsforecast.evaluate`` doing the same work with all cores (the four baselines; statsforecast
has no Scale, so the reference does less work).

Both sides run on the same series, with the same warm-up and repeats (``_timing.timed``); the
ratio is taken there. weightfit also runs on ``n_series`` (its own figure, no ratio: the
reference is not run at that size). On the shared series the forecasts and the measures must
agree to 1e-6.
"""

from __future__ import annotations

import numpy as np

import weightfit as wf
from benchmarks._timing import figure, timed
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
    from functools import partial

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
    pooled = cv.drop(columns="cutoff")  # one value per series over all windows, as ours
    scores = evaluate(pooled, metrics=[mse, mae, partial(mase, seasonality=1)], train_df=train)
    return cv, scores


def agree(mine, cv, scores) -> None:
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


def run(quick: bool = False) -> list[dict]:
    n_series = 10_000 if quick else 100_000
    shared = 1_000 if quick else 10_000  # both sides; the reference's cost per series is flat
    repeat = 2
    df = long_frame(walks(n_series, 100))
    small = df[df.unique_id.isin(df.unique_id.unique()[:shared])].reset_index(drop=True)
    t_ref = timed(lambda: reference(small), repeat)
    t_small = timed(lambda: ours(small), repeat)
    agree(ours(small), *reference(small))  # the same answers on the shared series
    t_ours = timed(lambda: ours(df), repeat)
    t_tested = timed(lambda: ours(df, tests=True), repeat)
    return [
        figure(
            f"rolling CV (7 windows) + MSE/MAE/MASE, {shared:,} series x 100, both sides",
            t_small,
            t_ref,
            "statsforecast + utilsforecast, all cores, same series",
            series=shared,
        ),
        figure(
            f"the same, weightfit alone on {n_series:,} series x 100",
            t_ours,
            t_ours,
            "(no reference run at this size)",
            series=n_series,
            with_diebold_mariano_and_verdicts_seconds=t_tested,
        ),
    ]
