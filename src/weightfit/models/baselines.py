"""The baselines a price model must beat, for every series and cutoff at once.

Each forecast uses only the series up to its cutoff. They equal statsforecast's models of the
same names (tests check this to 1e-6):

- ``Naive``: the last value (the random walk);
- ``SeasonalNaive(m)``: the value one season back;
- ``Drift``: the last value plus the average step so far (``RandomWalkWithDrift``);
- ``HistoricAverage``: the mean of all values so far;
- ``WindowAverage(k)``: the mean of the last ``k`` values.
"""

from __future__ import annotations

import numpy as np

from weightfit.data.panel import Panel
from weightfit.errors import ConfigError

Arr = np.ndarray


class Baseline:
    """A forecast from the history alone, with no weights to fit.

    A subclass sets ``name`` and ``needs`` (the fewest values a history must hold) and writes
    ``forecast``.
    """

    name = "baseline"
    needs = 1  # values the history must hold
    # Does it nest naive (at some value of what it estimates, it is the last price)? Then it is
    # tested against naive with Clark-West (2007), else with Diebold-Mariano.
    nests_naive = False
    nests_naive_why = "no value of what it estimates gives the last price"

    def forecast(self, panel: Panel, series: np.ndarray, cutoff: np.ndarray, h: int) -> np.ndarray:
        """(W, h) forecasts; window w forecasts series ``series[w]`` from local index
        ``cutoff[w]`` (the last value it may see) for the ``h`` steps after it."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.name


class Naive(Baseline):
    """The last value, for every step ahead (statsforecast's ``Naive``)."""

    name = "Naive"
    nests_naive, nests_naive_why = True, "it is naive"

    def forecast(self, panel: Panel, series: Arr, cutoff: Arr, h: int) -> Arr:
        last = panel.values[panel.offsets[series] + cutoff]
        return np.repeat(last[:, None], h, axis=1)


class SeasonalNaive(Baseline):
    """The value one season back (statsforecast's ``SeasonalNaive``).

    Args:
        season_length: m, the season in steps (5 is a trading week of daily prices); an
            integer >= 1. The history must hold m values.
    """

    def __init__(self, season_length: int) -> None:
        if int(season_length) != season_length or season_length < 1:
            raise ConfigError(f"Invalid season_length: {season_length!r} (must be an integer >= 1)")
        self.m = self.needs = int(season_length)
        self.name = f"SeasonalNaive({self.m})"
        self.nests_naive = self.m == 1  # one step back is the last value
        if self.nests_naive:
            self.nests_naive_why = "a season of 1 is naive"

    def forecast(self, panel: Panel, series: Arr, cutoff: Arr, h: int) -> Arr:
        end = panel.offsets[series] + cutoff  # (W,)
        back = self.m - 1 - (np.arange(h) % self.m)  # (h,) how far before the cutoff
        return panel.values[end[:, None] - back[None, :]]


class Drift(Baseline):
    """The last value plus h times the average step so far (``RandomWalkWithDrift``)."""

    name = "Drift"
    needs = 2
    nests_naive, nests_naive_why = True, "an average step of 0 gives the last price"

    def forecast(self, panel: Panel, series: Arr, cutoff: Arr, h: int) -> Arr:
        start = panel.offsets[series]
        last, first = panel.values[start + cutoff], panel.values[start]
        slope = (last - first) / cutoff  # the average step over the history
        return last[:, None] + slope[:, None] * np.arange(1, h + 1)[None, :]


class HistoricAverage(Baseline):
    """The mean of every value so far (statsforecast's ``HistoricAverage``)."""

    name = "HistoricAverage"

    def forecast(self, panel: Panel, series: Arr, cutoff: Arr, h: int) -> Arr:
        # a growing history per cutoff: each series' running sum, linear in its length
        total = panel.running_sum()[panel.offsets[series] + cutoff]
        return np.repeat((total / (cutoff + 1))[:, None], h, axis=1)


class WindowAverage(Baseline):
    """The mean of the last ``window_size`` values (statsforecast's ``WindowAverage``).

    Args:
        window_size: k, the values averaged; an integer >= 1. The history must hold k values.
    """

    def __init__(self, window_size: int) -> None:
        if int(window_size) != window_size or window_size < 1:
            raise ConfigError(f"Invalid window_size: {window_size!r} (must be an integer >= 1)")
        self.k = self.needs = int(window_size)
        self.name = f"WindowAverage({self.k})"
        self.nests_naive = self.k == 1  # the mean of the last value is the last value
        if self.nests_naive:
            self.nests_naive_why = "a window of 1 is naive"

    def forecast(self, panel: Panel, series: Arr, cutoff: Arr, h: int) -> Arr:
        end = panel.offsets[series] + cutoff + 1
        mean = panel.segment_sum(end - self.k, end) / self.k
        return np.repeat(mean[:, None], h, axis=1)


def default_baselines(season_length: int = 5, window_size: int = 7) -> list[Baseline]:
    """Naive, SeasonalNaive(5) (a trading week), Drift, HistoricAverage, WindowAverage(7).

    Args:
        season_length: ``SeasonalNaive``'s season (default 5).
        window_size: ``WindowAverage``'s window (default 7).

    >>> default_baselines()
    [Naive, SeasonalNaive(5), Drift, HistoricAverage, WindowAverage(7)]
    """
    return [
        Naive(),
        SeasonalNaive(season_length),
        Drift(),
        HistoricAverage(),
        WindowAverage(window_size),
    ]
