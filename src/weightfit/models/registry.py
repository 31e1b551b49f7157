"""Models and baselines by name: ``"scale"``, ``"ar:5"``, ``"naive"``, ``"seasonal_naive:5"``.

One parser for every ``name[:argument]`` the package accepts, and two plain dicts of presets:
``MODELS`` (weight models, whose weights a search finds) and ``BASELINES`` (forecasts from the
history alone). A name is in one of them, never both.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from weightfit.errors import ConfigError
from weightfit.models.base import Model
from weightfit.models.baselines import (
    Baseline,
    Drift,
    HistoricAverage,
    Naive,
    SeasonalNaive,
    WindowAverage,
)
from weightfit.models.linear import Affine, AutoRegressive, RandomWalk, Scale
from weightfit.models.mlp import MLP
from weightfit.models.recurrent import GRU, LSTM


def _ar(lags: int = 5) -> Model:
    """``"ar[:lags]"``."""
    return AutoRegressive(lags=lags)


def _mlp(lags: int = 5) -> Model:
    """``"mlp[:lags]"``."""
    return MLP(lags=lags)


def _lstm(lags: int = 10) -> Model:
    """``"lstm[:lags]"``."""
    return LSTM(lags=lags)


def _gru(lags: int = 10) -> Model:
    """``"gru[:lags]"``."""
    return GRU(lags=lags)


MODELS: dict[str, Callable[..., Model]] = {
    "scale": lambda: Scale(),
    "affine": lambda: Affine(),
    "ar": _ar,
    "mlp": _mlp,
    "lstm": _lstm,
    "gru": _gru,
    "random_walk": lambda: RandomWalk(),
}

BASELINES: dict[str, Callable[..., Baseline]] = {
    "naive": Naive,
    "seasonal_naive": SeasonalNaive,
    "drift": Drift,
    "historic_average": HistoricAverage,
    "window_average": WindowAverage,
}


def parse(spec: str) -> tuple[str, list[int]]:
    """``"ar:5"`` -> ``("ar", [5])``: a known name and the integer arguments its preset takes.

    Raises ``ConfigError`` for an unknown name, a non-integer argument, or an argument the
    preset does not take (``"scale:3"``)."""
    name, _, arg = str(spec).strip().lower().partition(":")
    factory = MODELS.get(name) or BASELINES.get(name)
    if factory is None:
        known = ", ".join([*MODELS, *BASELINES])
        raise ConfigError(f"Unknown model {spec!r}: expected one of {known}")
    params = [
        p
        for p in inspect.signature(factory).parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.POSITIONAL_ONLY)
    ]
    if not arg:
        if params and params[0].default is inspect.Parameter.empty:
            raise ConfigError(f"Invalid model {spec!r}: give {name}:N, e.g. {name}:5")
        return name, []
    if not params:
        raise ConfigError(f"Invalid model {spec!r}: {name} takes no argument; write {name}")
    try:
        value = int(arg)
    except ValueError:
        raise ConfigError(
            f"Invalid model {spec!r}: the part after ':' must be an integer"
        ) from None
    if value < 1:
        raise ConfigError(f"Invalid model {spec!r}: the part after ':' must be >= 1")
    return name, [value]


def is_baseline(spec: Any) -> bool:
    """Whether ``spec`` (a name or an object) is a baseline rather than a weight model.

    Args:
        spec: a ``Baseline``, a ``Model``, or a ``name[:argument]`` string.

    Raises ``ConfigError`` for an unknown or malformed name.

    >>> is_baseline("seasonal_naive:5"), is_baseline("ar:5")
    (True, False)
    """
    if isinstance(spec, Baseline):
        return True
    if isinstance(spec, Model):
        return False
    return parse(str(spec))[0] in BASELINES


def get_model(spec: str | Model) -> Model:
    """A weight model from ``name[:argument]``, e.g. ``"ar:5"``, or the model itself.

    Args:
        spec: a key of ``MODELS`` with its optional integer argument (``"scale"``, ``"ar:5"``,
            ``"mlp:5"``, ``"lstm:10"``; without one, the preset's default), or a ``Model``.

    Raises ``ConfigError`` for an unknown or malformed name, or a baseline's name.

    >>> get_model("ar:3")
    AutoRegressive(lags=3, bias=True, series=1, weights=3)
    """
    if isinstance(spec, Model):
        return spec
    name, args = parse(spec)
    if name in BASELINES:
        raise ConfigError(
            f"{spec!r} is a baseline, not a weight model: it has no weights to search"
        )
    return MODELS[name](*args)


def get_baseline(spec: str | Baseline) -> Baseline:
    """A baseline from ``name[:argument]``, e.g. ``"seasonal_naive:5"``, or the object.

    Args:
        spec: a key of ``BASELINES`` with its integer argument where it takes one
            (``"naive"``, ``"seasonal_naive:5"``, ``"window_average:7"``), or a ``Baseline``.

    Raises ``ConfigError`` for an unknown or malformed name, or a weight model's name.

    >>> get_baseline("seasonal_naive:5")
    SeasonalNaive(5)
    """
    if isinstance(spec, Baseline):
        return spec
    name, args = parse(spec)
    if name not in BASELINES:
        raise ConfigError(f"{spec!r} is a weight model, not a baseline")
    return BASELINES[name](*args)
