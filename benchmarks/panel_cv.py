"""b) ``wf.fit(df, "scale", cv=7, metrics=["mse", "mae", "mase"])``, the public path with its
default settings (the five default baselines, the tests and the verdicts on), against
statsforecast's ``cross_validation`` of the same five baselines (``n_jobs`` = every core) plus
``utilsforecast.evaluate`` for the same three measures.

Both sides run on the same series (``SIZES``: 100,000 x 100, the issue's target of 50x, and
10,000 x 100 for continuity with earlier results; ``--quick``: 2,000), with the same warm-up and
repeats (``_timing.timed``). weightfit does more than the reference: it also fits Scale seven
times per series and runs the tests. The forecasts of the last timed call of each side are
compared: the five baselines must agree to 1e-8 (relative) and the three measures to 1e-6.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

import weightfit as wf
from benchmarks._timing import figure, peak_mb, target, threads, timed
from benchmarks.panels import long_frame, walks

SIZES = (10_000, 100_000)
QUICK_SIZES = (2_000,)
# ours -> statsforecast's column
NAMES = {
    "Naive": "Naive",
    "SeasonalNaive(5)": "SeasonalNaive",
    "Drift": "RWD",
    "HistoricAverage": "HistoricAverage",
    "WindowAverage(7)": "WindowAverage",
}


def ours(df):
    """The public path, default settings: Scale and the five baselines, tests on."""
    return wf.fit(df, "scale", cv=7, metrics=["mse", "mae", "mase"])


def reference(df):
    """The same five baselines' 7-window cross-validation and the three measures, pooled over
    each series' windows as weightfit pools them."""
    from statsforecast import StatsForecast
    from statsforecast.models import (
        HistoricAverage,
        Naive,
        RandomWalkWithDrift,
        SeasonalNaive,
        WindowAverage,
    )
    from utilsforecast.evaluation import evaluate
    from utilsforecast.losses import mae, mase, mse

    models = [
        Naive(),
        SeasonalNaive(season_length=5),
        RandomWalkWithDrift(),
        HistoricAverage(),
        WindowAverage(window_size=7),
    ]
    sf = StatsForecast(models=models, freq="B", n_jobs=-1)
    cv = sf.cross_validation(df=df, h=1, n_windows=7, step_size=1)
    first = cv.groupby("unique_id")["cutoff"].transform("min")
    train = df.merge(first.groupby(cv.unique_id).first().rename("first").reset_index())
    train = train[train.ds <= train["first"]].drop(columns="first")
    pooled = cv.drop(columns="cutoff")  # one value per series over all windows, as ours
    scores = evaluate(pooled, metrics=[mse, mae, partial(mase, seasonality=1)], train_df=train)
    return cv, scores


def agree(mine, cv, scores) -> float:
    """Assert the same forecasts (1e-8) and measures (1e-6); the largest relative forecast
    difference."""
    cv = cv.sort_values(["unique_id", "cutoff"]).reset_index(drop=True)
    assert len(mine.forecasts) == len(cv)
    worst = 0.0
    for a, b in NAMES.items():
        got, expected = mine.forecasts[a].to_numpy(), cv[b].to_numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-8, atol=0, err_msg=a)
        worst = max(worst, float(np.max(np.abs(got / expected - 1))))
        for metric in ("mse", "mae", "mase"):
            theirs = scores[scores.metric == metric].set_index("unique_id")[b]
            mine_metric = mine.scores[mine.scores.model == a].set_index("unique_id")[metric]
            np.testing.assert_allclose(mine_metric.loc[theirs.index], theirs, rtol=1e-6)
    return worst


def keep_last(fn: Callable[[], Any], box: list) -> Callable[[], None]:
    """``fn`` that keeps its latest result in ``box`` (compared after timing, not re-run)."""

    def call() -> None:
        box[:] = [fn()]

    return call


def run(quick: bool = False) -> list[dict]:
    sizes = QUICK_SIZES if quick else SIZES
    repeat = 1 if quick else 2
    prices = walks(max(sizes), 100)
    rows = []
    for n_series in sizes:
        df = long_frame(prices[:n_series])
        theirs: list = []
        mine: list = []
        t_ref = timed(keep_last(partial(reference, df), theirs), repeat)
        t_ours = timed(keep_last(partial(ours, df), mine), repeat)
        worst = agree(mine[0], *theirs[0])
        theirs.clear(), mine.clear()
        setup = (
            "from benchmarks.panels import long_frame, walks\n"
            "from benchmarks.panel_cv import ours, reference\n"
            f"df = long_frame(walks({max(sizes)}, 100)[:{n_series}])"
        )
        memory = {  # each side once more in a fresh process: the memory the call adds
            "peak_added_mb": peak_mb(setup, "ours(df.head(2000))", "ours(df)"),
            "reference_peak_added_mb": peak_mb(setup, "reference(df.head(2000))", "reference(df)"),
        }
        goal = target(
            f"(b) wf.fit / statsforecast speed at {n_series:,} series", t_ref / t_ours, 50
        )
        rows.append(
            figure(
                f"wf.fit cv=7 (Scale + 5 baselines, MSE/MAE/MASE, tests), {n_series:,} series"
                " x 100",
                t_ours,
                t_ref,
                "statsforecast (5 baselines) + utilsforecast, same series",
                series=n_series,
                threads=threads()["torch"],
                reference_processes=os.cpu_count(),
                forecast_max_relative_difference=worst,
                repeat=repeat,
                **memory,
                **({"targets": [goal]} if n_series == max(sizes) else {}),
            )
        )
    return rows
