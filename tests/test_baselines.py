"""Every baseline against statsforecast's model of the same name (the oracle), to 1e-6."""

import numpy as np
import pandas as pd
import pytest

from weightfit.evaluate.cv import cross_validation

statsforecast = pytest.importorskip("statsforecast")
from statsforecast import StatsForecast  # noqa: E402
from statsforecast.models import (  # noqa: E402
    HistoricAverage,
    Naive,
    RandomWalkWithDrift,
    SeasonalNaive,
    WindowAverage,
)


def panel(lengths=(60, 75, 90), seed=0):
    """Seeded geometric random walks of different lengths, daily."""
    rng = np.random.default_rng(seed)
    parts = []
    for i, n in enumerate(lengths):
        y = 50 * (i + 1) * np.exp(np.cumsum(rng.normal(0.0005, 0.02, n)))
        ds = pd.date_range("2020-01-01", periods=n, freq="D")
        parts.append(pd.DataFrame({"unique_id": f"S{i}", "ds": ds, "y": y}))
    return pd.concat(parts, ignore_index=True)


ORACLE = {  # our name -> (our spec, statsforecast model)
    "Naive": ("naive", Naive()),
    "SeasonalNaive(5)": ("seasonal_naive:5", SeasonalNaive(season_length=5)),
    "Drift": ("drift", RandomWalkWithDrift()),
    "HistoricAverage": ("historic_average", HistoricAverage()),
    "WindowAverage(7)": ("window_average:7", WindowAverage(window_size=7)),
}


@pytest.mark.parametrize(("h", "n_windows", "step_size"), [(1, 7, 1), (3, 4, 2), (7, 2, 7)])
def test_baselines_equal_statsforecast(h, n_windows, step_size):
    df = panel()
    ours = cross_validation(
        df, [spec for spec, _ in ORACLE.values()], h=h, n_windows=n_windows, step_size=step_size
    )
    sf = StatsForecast(models=[m for _, m in ORACLE.values()], freq="D", n_jobs=1)
    theirs = sf.cross_validation(df=df, h=h, n_windows=n_windows, step_size=step_size)
    theirs = theirs.sort_values(["unique_id", "cutoff", "ds"]).reset_index(drop=True)
    assert len(ours) == len(theirs) == 3 * n_windows * h
    for column in ("unique_id", "ds", "cutoff"):
        assert (ours[column].to_numpy() == theirs[column].to_numpy()).all(), column
    np.testing.assert_allclose(ours["y"], theirs["y"], rtol=0, atol=1e-9)
    names = {"Drift": "RWD"}
    for ours_name in ORACLE:
        theirs_name = names.get(ours_name, ours_name.split("(")[0])
        np.testing.assert_allclose(
            ours[ours_name], theirs[theirs_name], rtol=1e-6, atol=1e-6, err_msg=ours_name
        )
