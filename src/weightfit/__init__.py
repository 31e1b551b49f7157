"""weightfit: find a price model's weights, step by step, and ask whether it beats naive."""

from weightfit.errors import ConfigError, DataError, WeightfitError
from weightfit.evaluate.cv import cross_validation
from weightfit.evaluate.report import Report, fit
from weightfit.losses import mae, mse
from weightfit.models import MLP, Affine, AutoRegressive, Model, Naive, Scale, Windows
from weightfit.objective import Objective
from weightfit.search import STRATEGIES, Fit, Guess, Step, get_strategy, minimize
from weightfit.tutorial import TutorialResult, tutorial, tutorial_dtype

__version__ = "0.1.0"

from weightfit import runs

__all__ = [
    "MLP",
    "STRATEGIES",
    "Affine",
    "AutoRegressive",
    "ConfigError",
    "DataError",
    "Fit",
    "Guess",
    "Model",
    "Naive",
    "Objective",
    "Report",
    "Scale",
    "Step",
    "TutorialResult",
    "WeightfitError",
    "Windows",
    "cross_validation",
    "fit",
    "get_strategy",
    "mae",
    "minimize",
    "mse",
    "runs",
    "tutorial",
    "tutorial_dtype",
]
