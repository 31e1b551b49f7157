"""Error measures, per series, for every model column of a forecasts frame at once.

Definitions follow utilsforecast (tests check equality to 1e-9 where it has the measure):

- ``mse``, ``rmse``, ``mae``;
- ``mape``: mean |e| / |y| (a fraction, as utilsforecast; x100 for percent);
- ``smape``: mean |e| / (|y| + |ŷ|), between 0 and 1 (utilsforecast's form);
- ``mase``: MAE over the in-sample MAE of the seasonal naive forecast (seasonality m) on the
  training data (Hyndman & Koehler 2006); ``rmsse``: its squared counterpart, square-rooted;
- ``theil_u2``: sqrt(sum ((ŷ - y) / y0)^2 / sum ((y0 - y) / y0)^2), y0 the last value seen at the
  cutoff: below 1 beats naive;
- ``skill``: 1 - MSE / MSE of naive (0 is naive, 1 is perfect, below 0 is worse than naive);
- ``direction``: the share of forecasts whose move from the last value has the sign of the
  actual move (directional accuracy; a flat forecast gets no credit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

DEFAULT = ("mse", "rmse", "mae", "mase", "skill")
LOWER_IS_BETTER = {"mse", "rmse", "mae", "mape", "smape", "mase", "rmsse", "theil_u2"}


@dataclass(frozen=True)
class Context:
    """What a measure may use: one row per forecast, all series concatenated."""

    y: np.ndarray  # (N,) actual values
    last: np.ndarray  # (N,) the last value seen at each forecast's cutoff (naive's forecast)
    series: np.ndarray  # (N,) int series code
    n_series: int
    scale_mae: np.ndarray  # (S,) in-sample seasonal-naive MAE of the training data
    scale_mse: np.ndarray  # (S,) in-sample seasonal-naive MSE of the training data

    def mean(self, values: np.ndarray) -> np.ndarray:  # (N,) -> (S,)
        total = np.bincount(self.series, weights=values, minlength=self.n_series)
        return total / np.bincount(self.series, minlength=self.n_series)


Measure = Callable[[Context, np.ndarray], np.ndarray]


def _mse(c: Context, f: np.ndarray) -> np.ndarray:
    return c.mean((c.y - f) ** 2)


def _mape(c: Context, f: np.ndarray) -> np.ndarray:
    return c.mean(np.abs(c.y - f) / np.abs(c.y))


def _smape(c: Context, f: np.ndarray) -> np.ndarray:
    denominator = np.abs(f) + np.abs(c.y)
    ratio = np.divide(np.abs(c.y - f), denominator, out=np.zeros_like(f), where=denominator > 0)
    return c.mean(ratio)


def _theil(c: Context, f: np.ndarray) -> np.ndarray:
    model = c.mean(((f - c.y) / c.last) ** 2)
    naive = c.mean(((c.last - c.y) / c.last) ** 2)
    return np.sqrt(np.divide(model, naive, out=np.full_like(model, np.nan), where=naive > 0))


def _skill(c: Context, f: np.ndarray) -> np.ndarray:
    naive = _mse(c, c.last)
    return 1 - np.divide(_mse(c, f), naive, out=np.full(c.n_series, np.nan), where=naive > 0)


def _direction(c: Context, f: np.ndarray) -> np.ndarray:
    return c.mean((np.sign(f - c.last) == np.sign(c.y - c.last)) & (f != c.last))


MEASURES: dict[str, Measure] = {
    "mse": _mse,
    "rmse": lambda c, f: np.sqrt(_mse(c, f)),
    "mae": lambda c, f: c.mean(np.abs(c.y - f)),
    "mape": _mape,
    "smape": _smape,
    "mase": lambda c, f: c.mean(np.abs(c.y - f)) / c.scale_mae,
    "rmsse": lambda c, f: np.sqrt(_mse(c, f) / c.scale_mse),
    "theil_u2": _theil,
    "skill": _skill,
    "direction": _direction,
}


def check_metrics(names: list[str] | tuple[str, ...]) -> list[str]:
    from weightfit.errors import ConfigError

    out = [n.strip().lower() for n in names]
    unknown = [n for n in out if n not in MEASURES]
    if unknown:
        raise ConfigError(f"Unknown measure {unknown[0]!r}: expected one of {', '.join(MEASURES)}")
    return out
