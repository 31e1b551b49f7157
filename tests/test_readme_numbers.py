"""The numbers in the README's `weightfit demo` block, recomputed from the raw sample with
pandas, numpy's lstsq and the dieboldmariano package: none of weightfit's code runs here, so a
README that shows a wrong number fails even if the program prints the same wrong number."""

import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
SAMPLE = ROOT / "src" / "weightfit" / "data" / "samples" / "msft.csv.gz"


def demo_rows():
    """Model name -> {column: printed number} from the README's demo leaderboard."""
    block = re.search(r"```console\n\$ weightfit demo\n(.*?)```", README, flags=re.S).group(1)
    lines = block.splitlines()
    head = next(i for i, line in enumerate(lines) if re.match(r"model +mse\b", line))
    columns = lines[head].split()
    rows = {}
    for line in lines[head + 1 :]:
        cells = line.replace("*", " ").split()
        if not cells or not re.match(r"^[A-Z]\w*(\(\d+\))?$", cells[0]):
            if rows:
                break
            continue
        values = {}
        for name, cell in zip(columns[1:], cells[1:], strict=False):
            try:
                values[name] = Printed(cell)
            except ValueError:
                values[name] = cell
        rows[cells[0]] = values
    return rows


@pytest.fixture(scope="module")
def truth():
    with gzip.open(SAMPLE, "rt") as f:
        raw = pd.read_csv(f)
    y = raw["Close"].to_numpy(dtype=float)
    days = pd.to_datetime(raw["Date"]).to_numpy().astype("datetime64[D]")
    n = len(y)
    n_test = round(0.2 * n)
    origin = np.arange(n - n_test - 1, n - 1)  # the last price seen before each target
    # fit's default gaps="separate" scores the forecasts across more than a weekend and one
    # closed weekday apart (2012-10-31, after Hurricane Sandy): weekdays counted by numpy
    origin = origin[np.busday_count(days[origin], days[origin + 1]) <= 2]
    target = y[origin + 1]
    forecasts = {"Naive": y[origin]}

    def lstsq(features, stop, window=1):  # pairs whose targets lie in the training part
        rows = np.arange(len(y) - 1)
        rows = rows[(rows + 1 < stop) & (rows >= window - 1)]
        # training pairs follow the same rule: no step across more than one closed weekday
        rows = rows[np.busday_count(days[rows], days[rows + 1]) <= 2]
        w, *_ = np.linalg.lstsq(features(rows), y[rows + 1], rcond=None)
        return w

    stop = n - n_test
    scale = lstsq(lambda r: y[r][:, None], stop)
    forecasts["Scale"] = scale[0] * y[origin]
    affine = lstsq(lambda r: np.c_[y[r], np.ones(len(r))], stop)
    forecasts["Affine"] = affine[0] * y[origin] + affine[1]
    lags = lambda r: np.c_[tuple(y[r - j] for j in range(5))]  # noqa: E731
    ar = lstsq(lags, stop, window=5)
    forecasts["AutoRegressive(5)"] = lags(origin) @ ar
    forecasts["Drift"] = y[origin] + (y[origin] - y[0]) / origin
    forecasts["HistoricAverage"] = np.cumsum(y)[origin] / (origin + 1)
    forecasts["WindowAverage(7)"] = np.array([y[o - 6 : o + 1].mean() for o in origin])
    forecasts["SeasonalNaive(5)"] = y[origin - 4]
    mse = {k: float(np.mean((target - f) ** 2)) for k, f in forecasts.items()}
    return target, forecasts, mse


class Printed(float):
    """A number as the README prints it, with the precision its digits carry."""

    def __new__(cls, text):
        number = super().__new__(cls, float(text))
        mantissa = re.sub(r"[eE].*", "", text)
        number.digits = len(re.sub(r"\D", "", mantissa).lstrip("0")) or 1
        return number


def close(printed, value):
    """``value`` rounds to what is printed: within half a unit of the last printed digit."""
    return value == pytest.approx(float(printed), rel=0.51 * 10 ** (1 - printed.digits))


def test_the_demo_leaderboard_shows_true_measures(truth):
    _, _, mse = truth
    rows = demo_rows()
    assert {"Naive", "Scale", "Drift"} <= set(rows)
    for model, values in rows.items():
        if model not in mse:
            continue
        if "mse" in values:
            assert close(values["mse"], mse[model]), (model, values["mse"], mse[model])
        if "skill" in values and model != "Naive":
            skill = 1 - mse[model] / mse["Naive"]
            assert close(values["skill"], skill), (model, values["skill"], skill)


def test_the_demo_p_values_are_diebold_marianos(truth):
    from dieboldmariano import dm_test  # an independent implementation (HLN-corrected)

    target, forecasts, _ = truth
    rows = demo_rows()
    column = next(c for c in ("DM p", "DM", "p") if any(c in v for v in rows.values()))
    for model in ("Scale", "Drift"):
        printed = rows[model].get(column)
        if not isinstance(printed, Printed):
            continue
        _, p = dm_test(target, forecasts["Naive"], forecasts[model], h=1, one_sided=False)
        assert close(printed, p), (model, printed, p)
