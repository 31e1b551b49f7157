"""Strategies by name: a plain dict of presets (optax style), ``get_strategy`` to look one up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from weightfit.errors import ConfigError
from weightfit.search.base import Strategy
from weightfit.search.brent import Brent
from weightfit.search.evolution import OnePlusOne
from weightfit.search.golden import GoldenSection
from weightfit.search.gradient import Gradient, preset
from weightfit.search.guess import Guess
from weightfit.search.lbfgs import LBFGS
from weightfit.search.lstsq import LeastSquares
from weightfit.search.pattern import PatternSearch
from weightfit.search.random_search import RandomSearch

STRATEGIES: dict[str, Callable[..., Any]] = {
    "guess": Guess,
    "pattern": PatternSearch,
    "oneplusone": OnePlusOne,
    "random": RandomSearch,
    "golden": GoldenSection,
    "brent": Brent,
    "lbfgs": LBFGS,
    "lstsq": LeastSquares,
    "gradient": Gradient,
    # torch.optim by name, with the learning rates that suit each
    "sgd": preset("sgd", 1e-3),
    "adam": preset("adam", 1e-2),
    "adamw": preset("adamw", 1e-2),
    "nadam": preset("nadam", 1e-2),
    "radam": preset("radam", 1e-2),
    "adamax": preset("adamax", 1e-2),
    "rmsprop": preset("rmsprop", 1e-3),
    "adagrad": preset("adagrad", 1e-1),
}


def get_strategy(strategy: Strategy | str, **settings: Any) -> Strategy:
    """A strategy by registry name (``"guess"``) with its settings, or the object itself.

    Args:
        strategy: a key of ``STRATEGIES`` (``"guess"``, ``"pattern"``, ``"adam"``, ...) or a
            strategy object, returned as it is (``settings`` are then ignored).
        **settings: the strategy's keyword settings (``step=1e-3``, ``iterations=50``).

    Raises ``ConfigError`` for an unknown name, listing the known ones.

    >>> get_strategy("guess", step=0.5)
    Guess(step=0.5, iterations=1000)
    """
    if not isinstance(strategy, str):
        return strategy
    if strategy not in STRATEGIES:
        raise ConfigError(f"Unknown search {strategy!r}: expected one of {', '.join(STRATEGIES)}")
    return STRATEGIES[strategy](**settings)
