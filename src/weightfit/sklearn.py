"""``WeightRegressor``: any weightfit model and search as a scikit-learn regressor.

``X`` holds windows of past prices, oldest first, one row per sample; ``y`` the price that came
next. The model reads the last ``model.window`` columns (``AutoRegressive`` with ``lags=None``
reads them all). Learned attributes end in an underscore, as scikit-learn's do.

>>> import numpy as np
>>> X = np.array([[420.0], [421.0], [419.0]]); y = np.array([425.0, 426.2, 424.0])
>>> WeightRegressor(model="scale", search="lstsq").fit(X, y).weights_.round(4)
array([1.0121])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from weightfit.errors import ConfigError
from weightfit.models import AutoRegressive, Model, Windows, get_model
from weightfit.models.windows import DTYPE
from weightfit.objective import Objective
from weightfit.search import Fit, get_strategy, minimize


class WeightRegressor(RegressorMixin, BaseEstimator):
    """Fit a weightfit model's weights with a weightfit search.

    Args:
        model: a name such as ``"scale"``, ``"affine"``, ``"ar:5"``, ``"mlp:5"``, or a
            ``Model`` (default ``"ar"``: an autoregression on every column of ``X``). It must
            not read more columns than ``X`` has.
        search: a strategy name or object (default ``"lstsq"``, exact for linear models).
        loss: ``"mse"`` (default) or ``"mae"``.
        max_evaluations: the search's budget in loss evaluations (default 100_000).

    Attributes (after ``fit``):
        model_: the fitted model (its ``weight`` (1, k) set).
        fit_: the search's ``Fit``.
        weights_: (k,) the weights.
        loss_: the training loss.
        n_iter_: the search's iterations.
    """

    def __init__(
        self,
        model: str | Model = "ar",
        search: Any = "lstsq",
        loss: str = "mse",
        max_evaluations: int | None = 100_000,
    ) -> None:
        self.model = model
        self.search = search
        self.loss = loss
        self.max_evaluations = max_evaluations

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        # a price model reads the last few columns only: on arbitrary regression data (the
        # estimator checks' own) it cannot score well, and says so
        tags.regressor_tags.poor_score = self.model != "ar"
        return tags

    def _model(self, n_features: int) -> Model:
        """The model for ``X`` with ``n_features`` columns; ``ConfigError`` if it reads more."""
        if self.model == "ar":
            return AutoRegressive(lags=n_features)
        model = get_model(self.model)
        if model.window > n_features:
            raise ConfigError(
                f"model {self.model!r} reads {model.window} past prices; X has {n_features} columns"
            )
        return model

    def _windows(self, X: np.ndarray, y: np.ndarray | None = None) -> Windows:
        """``X`` (N, W) and ``y`` (N,) (zeros when predicting) as one series' windows."""
        x = torch.tensor(X, dtype=DTYPE)  # a copy: X may be read-only
        target = torch.zeros(len(x), dtype=DTYPE) if y is None else torch.tensor(y, dtype=DTYPE)
        return Windows(x, target, torch.zeros(len(x), dtype=torch.int64), 1)

    def fit(self, X: Any, y: Any) -> WeightRegressor:
        """Search the weights on ``X`` (N, W) past prices, oldest first, and ``y`` (N,).

        One series: the same weights for every row. Returns the estimator.
        """
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        model = self._model(X.shape[1])
        data = self._windows(X[:, -model.window :], y)
        objective = Objective(model, data, self.loss)
        fit: Fit = minimize(
            objective,
            model.initial_weights(1),
            get_strategy(self.search),
            max_evaluations=self.max_evaluations,
            history=False,
        )
        with torch.no_grad():
            model.weight.copy_(fit.weights)
        self.model_ = model
        self.fit_ = fit
        self.weights_ = fit.weights[0].numpy().copy()
        self.loss_ = float(fit.loss[0])
        self.n_iter_ = fit.iterations
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The next price (N,) for each row of ``X`` (N, W), with the fitted weights."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        data = self._windows(X[:, -self.model_.window :])
        with torch.no_grad():
            return self.model_(data).numpy()
