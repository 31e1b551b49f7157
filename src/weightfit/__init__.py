"""weightfit: find a price model's weights, step by step, and ask whether it beats naive."""

from weightfit.errors import ConfigError, DataError, WeightfitError
from weightfit.evaluate.audit import AuditResult, as_forecaster, audit, sklearn_forecaster
from weightfit.evaluate.cv import cross_validation
from weightfit.evaluate.report import Report, fit
from weightfit.lesson import LessonResult, lesson
from weightfit.losses import mae, mse
from weightfit.models import MLP, Affine, AutoRegressive, Model, Naive, Scale, Windows
from weightfit.objective import Objective
from weightfit.search import STRATEGIES, Fit, Guess, Step, get_strategy, minimize
from weightfit.tutorial import TutorialResult, tutorial, tutorial_dtype

__version__ = "0.1.0"

__all__ = [
    "MLP",
    "STRATEGIES",
    "Affine",
    "AuditResult",
    "AutoRegressive",
    "ConfigError",
    "DataError",
    "Fit",
    "Guess",
    "LessonResult",
    "Model",
    "Naive",
    "Objective",
    "Report",
    "Scale",
    "Step",
    "TutorialResult",
    "WeightfitError",
    "Windows",
    "as_forecaster",
    "audit",
    "cross_validation",
    "fit",
    "get_strategy",
    "lesson",
    "mae",
    "minimize",
    "mse",
    "sklearn_forecaster",
    "tutorial",
    "tutorial_dtype",
]
