"""Searches for weights: one driver (``minimize``) and its strategies, by name or object."""

from __future__ import annotations

from weightfit.search.base import Fit, ObjectiveFn, Step, Strategy
from weightfit.search.brent import Brent
from weightfit.search.driver import minimize
from weightfit.search.evolution import OnePlusOne
from weightfit.search.golden import GoldenSection
from weightfit.search.gradient import OPTIMIZERS, Gradient
from weightfit.search.guess import Guess
from weightfit.search.lbfgs import LBFGS
from weightfit.search.lstsq import LeastSquares
from weightfit.search.pattern import PatternSearch
from weightfit.search.random_search import RandomSearch
from weightfit.search.registry import STRATEGIES, get_strategy

__all__ = [
    "LBFGS",
    "OPTIMIZERS",
    "STRATEGIES",
    "Brent",
    "Fit",
    "GoldenSection",
    "Gradient",
    "Guess",
    "LeastSquares",
    "ObjectiveFn",
    "OnePlusOne",
    "PatternSearch",
    "RandomSearch",
    "Step",
    "Strategy",
    "get_strategy",
    "minimize",
]
