"""``WeightRegressor`` passes scikit-learn's estimator checks and matches lstsq."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import cross_val_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from weightfit.sklearn import WeightRegressor


@parametrize_with_checks([WeightRegressor(), WeightRegressor(model="affine", search="lbfgs")])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def windows(seed=0, n=300):
    rng = np.random.default_rng(seed)
    prices = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n + 5)))
    X = np.lib.stride_tricks.sliding_window_view(prices[:-1], 5)
    return X, prices[5:]


def test_equals_linear_regression_without_intercept():
    X, y = windows()
    ours = WeightRegressor(model="ar").fit(X, y)
    oracle = LinearRegression(fit_intercept=False).fit(X, y)  # oracle: scikit-learn's lstsq
    np.testing.assert_allclose(ours.predict(X), oracle.predict(X), rtol=1e-9)
    assert ours.score(X, y) == pytest.approx(oracle.score(X, y), rel=1e-9)


def test_params_and_learned_attributes():
    X, y = windows()
    est = WeightRegressor(model="scale", search="golden")
    assert est.get_params() == {
        "model": "scale",
        "search": "golden",
        "loss": "mse",
        "max_evaluations": 100_000,
    }
    est.set_params(search="pattern").fit(X, y)
    assert est.weights_.shape == (1,) and est.n_features_in_ == 5 and est.n_iter_ > 0
    assert clone(est).get_params()["search"] == "pattern"
    scores = cross_val_score(WeightRegressor(model="affine"), X, y, cv=3)
    assert np.isfinite(scores).all()


def test_a_model_wider_than_x_is_a_clear_error():
    X, y = windows()
    with pytest.raises(ValueError, match="reads 8 past prices; X has 5 columns"):
        WeightRegressor(model="ar:8").fit(X, y)
