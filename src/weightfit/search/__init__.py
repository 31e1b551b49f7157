"""Searches for weights: one driver (``minimize``) and its strategies, by name or object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from weightfit.search.driver import Fit, Step, Strategy, minimize
from weightfit.search.guess import Guess
from weightfit.search.lstsq import LeastSquares

STRATEGIES: dict[str, Callable[..., Any]] = {
    "guess": Guess,
    "lstsq": LeastSquares,
}


def get_strategy(strategy: Strategy | str, **settings: Any) -> Strategy:
    """A strategy by registry name (``"guess"``) with its settings, or the object itself."""
    if not isinstance(strategy, str):
        return strategy
    if strategy not in STRATEGIES:
        raise ValueError(f"Unknown search {strategy!r}: expected one of {', '.join(STRATEGIES)}")
    return STRATEGIES[strategy](**settings)


__all__ = [
    "STRATEGIES",
    "Fit",
    "Guess",
    "LeastSquares",
    "Step",
    "Strategy",
    "get_strategy",
    "minimize",
]
