"""weightfit: find a price model's weights, step by step, and ask whether it beats naive.

The package is a stack of layers; a module imports only from layers below it (lazy imports
inside functions included), and ``make test`` checks it with import-linter (the contract in
``pyproject.toml``). Bottom to top:

1. ``errors``, ``atomic``: the error types and atomic file writes;
2. ``data``: price files in, a long frame (``unique_id, ds, y``) and a ``Panel`` out;
3. ``models``: weight models (``predict(data, weights)``) and the baselines, by name;
4. ``linear``: batched least squares, the one solver of every closed form;
5. ``losses``, then ``objective``: ``objective(weights) -> loss`` per series;
6. ``search``: the one driver (``minimize``) and its strategies;
7. ``tutorial``, ``sklearn`` and ``evaluate`` (side by side, independent): the tutorial's
   steps; a scikit-learn estimator; cutoffs, cross-validation, measures, tests, ``fit``;
8. ``engine`` and ``lesson`` (independent): many files, partitions, resume and Dask
   (``fit_files``); the LSTM lesson, as published and done honestly;
9. ``report``: renderers (console, plots, files); they compute nothing;
10. ``cli``: the face: parse, call one library function, render.
"""

import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The public names load on first use (PEP 562): `import weightfit` (and so the command line's
# start-up, where a Ctrl-C must still read "interrupted") does not import torch and pandas.
_LAZY = {
    "fit_files": "weightfit.engine.partitions",
    "ConfigError": "weightfit.errors",
    "DataError": "weightfit.errors",
    "WeightfitError": "weightfit.errors",
    "AuditResult": "weightfit.evaluate.audit",
    "as_forecaster": "weightfit.evaluate.audit",
    "audit": "weightfit.evaluate.audit",
    "sklearn_forecaster": "weightfit.evaluate.audit",
    "cross_validation": "weightfit.evaluate.cv",
    "fit": "weightfit.evaluate.fit",
    "Report": "weightfit.evaluate.report",
    "LessonResult": "weightfit.lesson",
    "lesson": "weightfit.lesson",
    "mae": "weightfit.losses",
    "mse": "weightfit.losses",
    **dict.fromkeys(
        ["MLP", "Affine", "AutoRegressive", "Model", "RandomWalk", "Scale", "Windows"],
        "weightfit.models",
    ),
    "Objective": "weightfit.objective",
    **dict.fromkeys(
        ["STRATEGIES", "Fit", "Guess", "Step", "get_strategy", "minimize"], "weightfit.search"
    ),
    **dict.fromkeys(["TutorialResult", "tutorial", "tutorial_dtype"], "weightfit.tutorial"),
}


_SUBPACKAGES = {"data", "engine", "evaluate", "models", "report", "runs", "search"}


class _Package(types.ModuleType):
    """``wf.tutorial`` and ``wf.lesson`` are functions, though modules of the same names exist:
    importing such a module binds it on the package, which must not hide the function."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("tutorial", "lesson") and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    import importlib

    if name in _SUBPACKAGES:  # wf.data, wf.runs, ... as after the eager imports of old
        return importlib.import_module(f"weightfit.{name}")
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'weightfit' has no attribute {name!r}")


if TYPE_CHECKING:
    from weightfit import runs
    from weightfit.engine.partitions import fit_files
    from weightfit.errors import ConfigError, DataError, WeightfitError
    from weightfit.evaluate.audit import AuditResult, as_forecaster, audit, sklearn_forecaster
    from weightfit.evaluate.cv import cross_validation
    from weightfit.evaluate.fit import fit
    from weightfit.evaluate.report import Report
    from weightfit.lesson import LessonResult, lesson
    from weightfit.losses import mae, mse
    from weightfit.models import MLP, Affine, AutoRegressive, Model, RandomWalk, Scale, Windows
    from weightfit.objective import Objective
    from weightfit.search import STRATEGIES, Fit, Guess, Step, get_strategy, minimize
    from weightfit.tutorial import TutorialResult, tutorial, tutorial_dtype

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
    "Objective",
    "RandomWalk",
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
    "fit_files",
    "get_strategy",
    "lesson",
    "mae",
    "minimize",
    "mse",
    "runs",
    "sklearn_forecaster",
    "tutorial",
    "tutorial_dtype",
]
