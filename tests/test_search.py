"""Every strategy crossed with every model, against the closed-form least-squares optimum.

One table (optax's _OPTIMIZERS_UNDER_TEST): a new strategy is tested by adding a row. Each row
states the settings and the tolerance the strategy promises: the relative excess loss over the
closed-form optimum, (L - L*) / L*. The oracle is numpy's lstsq, independent of weightfit's own
closed form.
"""

import numpy as np
import pytest
import torch

import weightfit as wf
from weightfit.models import MLP, Affine, AutoRegressive, Scale, Windows
from weightfit.objective import Objective
from weightfit.search import (
    LBFGS,
    Brent,
    GoldenSection,
    Gradient,
    Guess,
    LeastSquares,
    OnePlusOne,
    PatternSearch,
    RandomSearch,
    get_strategy,
)
from weightfit.search import STRATEGIES as REGISTRY

# strategy factory, relative tolerance, models it applies to (None: all)
STRATEGIES = {
    "guess": (lambda opt: Guess(step=2e-4, iterations=6000), 1e-3, None),
    "pattern": (lambda opt: PatternSearch(), 1e-9, None),
    "oneplusone": (lambda opt: OnePlusOne(seed=1, iterations=5000), 1e-9, None),
    # bounds around the start (naive), not the answer: 102,400 uniform draws in a box of 3
    "random": (
        lambda opt: RandomSearch(radius=1.5, batch=256, iterations=400, seed=1),
        0.2,
        None,
    ),
    "golden": (lambda opt: GoldenSection(low=0.0, high=3.0), 1e-9, {"scale"}),
    "brent": (lambda opt: Brent(low=0.0, high=3.0), 1e-9, {"scale"}),
    "adam": (
        lambda opt: Gradient(optimizer="adam", lr=0.02, epochs=5000, patience=200),
        1e-8,
        None,
    ),
    "sgd": (lambda opt: Gradient(optimizer="sgd", lr=0.3, epochs=20000, patience=500), 1e-6, None),
    "adam-minibatch": (
        lambda opt: Gradient(optimizer="adam", lr=0.01, epochs=400, batch_size=32, patience=None),
        1e-3,
        None,
    ),
    # the other torch.optim optimizers by their registry names (weightfit.search.STRATEGIES)
    "adamw": (lambda opt: get_strategy("adamw", lr=0.02, epochs=5000, patience=300), 1e-5, None),
    "nadam": (lambda opt: get_strategy("nadam", lr=0.02, epochs=5000, patience=300), 1e-9, None),
    "radam": (lambda opt: get_strategy("radam", lr=0.02, epochs=5000, patience=300), 1e-9, None),
    "adamax": (lambda opt: get_strategy("adamax", lr=0.05, epochs=5000, patience=300), 1e-9, None),
    "rmsprop": (
        lambda opt: get_strategy("rmsprop", lr=0.01, epochs=5000, patience=300),
        1e-9,
        None,
    ),
    "adagrad": (lambda opt: get_strategy("adagrad", lr=0.5, epochs=5000, patience=300), 1e-9, None),
    "lbfgs": (lambda opt: LBFGS(), 1e-10, None),
    "lstsq": (lambda opt: LeastSquares(), 1e-12, None),
}
MODELS = {
    "scale": lambda: Scale(),
    "affine": lambda: Affine(),
    "ar": lambda: AutoRegressive(lags=3),
}


def windows_problem(seed=0, n=60):
    """Two series of (3 prices, next price) pairs with a known linear answer plus noise."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 1.5, (2 * n, 3))
    beta = np.array([[0.2, -0.3, 1.1], [-0.1, 0.4, 0.8]])
    series = np.repeat([0, 1], n)
    y = (x * beta[series]).sum(1) + 0.1 + rng.normal(0, 0.05, 2 * n)
    return Windows.from_pairs(x, y, series)


def oracle(model, data):
    """Per series: numpy lstsq of y - offset on the model's features (the closed form)."""
    features, offset = model.design(data)
    out = []
    for s in range(data.n_series):
        rows = (data.series == s).numpy()
        w, *_ = np.linalg.lstsq(features.numpy()[rows], (data.y - offset).numpy()[rows], rcond=None)
        out.append(w)
    return torch.tensor(np.array(out), dtype=torch.float64)


def test_every_registered_strategy_is_in_the_table():
    # "gradient" is the class behind adam, sgd, ...: its rows are theirs
    assert set(REGISTRY) - {"gradient"} <= set(STRATEGIES)


CASES = [
    (s, m) for s, (_, _, only) in STRATEGIES.items() for m in MODELS if only is None or m in only
]


@pytest.mark.parametrize(("strategy", "model_name"), CASES, ids=[f"{s}-{m}" for s, m in CASES])
def test_reaches_the_closed_form_optimum(strategy, model_name):
    make, tol, _ = STRATEGIES[strategy]
    model, data = MODELS[model_name](), windows_problem()
    objective = Objective(model, data)
    best = oracle(model, data)
    np.testing.assert_allclose(objective.optimum, best, rtol=1e-8, atol=1e-10)  # fast path
    fit = wf.minimize(objective, model.initial_weights(2), make(best), max_evaluations=200_000)
    floor = objective.direct(best)  # the loss at the optimum, predicted row by row
    excess = ((fit.loss - floor) / floor).max().item()
    assert excess <= tol, f"{strategy} on {model_name}: excess {excess:.3g} > {tol} ({fit.stop})"
    assert torch.allclose(fit.loss, objective.direct(fit.weights), rtol=1e-9)  # honest loss


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_evaluations_equal_an_independent_counter(strategy):
    make, _, only = STRATEGIES[strategy]
    model = MODELS["scale" if only else "affine"]()
    objective = Objective(model, windows_problem())
    calls = []

    class Counted:  # an independent counter around the objective, minibatches included
        rows = objective.rows
        optimum = objective.optimum

        def __call__(self, w):
            calls.append(1 if w.ndim == 2 else w.shape[0])
            return objective(w)

        def subset(self, rows):
            part = objective.subset(rows)

            def counted(w):
                calls.append(1)
                return part(w)

            return counted

    fit = wf.minimize(
        Counted(), model.initial_weights(2), make(objective.optimum), max_evaluations=5000
    )
    assert fit.evaluations == sum(calls) > 0


@pytest.mark.parametrize("strategy", ["oneplusone", "random", "adam-minibatch"])
def test_seeded_strategies_repeat_exactly(strategy):
    make, _, _ = STRATEGIES[strategy]
    objective = Objective(Affine(), windows_problem())
    runs = [
        wf.minimize(
            objective, Affine().initial_weights(2), make(objective.optimum), max_evaluations=3000
        )
        for _ in range(2)
    ]
    assert torch.equal(runs[0].weights, runs[1].weights)
    assert runs[0].evaluations == runs[1].evaluations


def test_golden_section_costs_one_evaluation_per_iteration():
    objective = Objective(Scale(), windows_problem())
    fit = wf.minimize(objective, [[1.0], [1.0]], GoldenSection(low=0, high=3, iterations=40))
    assert fit.evaluations == 2 + fit.iterations  # two to start, then one an iteration
    assert [b.evaluations for b in fit.history] == [2 + i for i in range(fit.iterations + 1)]


def test_brent_is_cheaper_than_golden_on_a_parabola():
    objective = Objective(Scale(), windows_problem())
    brent = wf.minimize(objective, [[1.0], [1.0]], Brent(low=0, high=3))
    golden = wf.minimize(objective, [[1.0], [1.0]], GoldenSection(low=0, high=3))
    assert brent.evaluations < golden.evaluations / 2


def test_pattern_search_on_the_tutorial():
    objective = Objective(Scale(), Windows.from_pairs([420.0], [425.0]))
    fit = wf.minimize(objective, [[1.01]], PatternSearch(step=1e-4))
    first = next(s for s in fit.history if float(s.loss) < 1e-9)
    assert first.evaluations < 60  # guessing spent 2000 and ended at 0.0016


@pytest.mark.parametrize("strategy", ["guess", "pattern", "oneplusone", "random", "adam", "lbfgs"])
def test_every_strategy_trains_the_mlp(strategy):
    # no closed form: each must improve on the naive start; the strong ones get near AR's optimum
    make, _, _ = STRATEGIES[strategy]
    data = windows_problem()
    model = MLP(lags=3, hidden=(4,))
    objective = Objective(model, data, fast=False)
    start = model.initial_weights(2)
    # pattern scores 2k candidates an iteration: 3,000 evaluations reach AR's optimum already
    budget = {"pattern": 3_000, "adam": 20_000, "lbfgs": 20_000, "oneplusone": 20_000}
    budget = budget.get(strategy, 2_000)
    best_ar = Objective(AutoRegressive(3), data).stats.residual / 60
    fit = wf.minimize(objective, start, make(start), max_evaluations=budget)
    assert (fit.loss < objective(start)).all()
    if strategy in ("pattern", "adam", "lbfgs", "oneplusone"):
        assert (fit.loss < 1.25 * best_ar).all(), (fit.loss, best_ar)


def test_mlp_starts_as_naive_and_is_scale_free():
    data = windows_problem()
    model = MLP(lags=3)
    w = model.initial_weights(2)
    assert torch.allclose(model.predict(data, w), data.x[:, -1])
    w = w + 0.01 * torch.randn(w.shape, generator=torch.Generator().manual_seed(0), dtype=w.dtype)
    scaled = Windows(data.x * 1000, data.y * 1000, data.series, data.n_series)
    assert torch.allclose(model.predict(scaled, w), 1000 * model.predict(data, w))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: PatternSearch(step=0), "Invalid step: 0"),
        (lambda: PatternSearch(contract=1.5), "Invalid contract: 1.5"),
        (lambda: OnePlusOne(sigma=-1), "Invalid sigma: -1"),
        (lambda: RandomSearch(batch=0), "Invalid batch: 0"),
        (lambda: GoldenSection(tol=0), "Invalid tol: 0"),
        (lambda: Gradient(optimizer="adamm"), "Unknown optimizer 'adamm'"),
        (lambda: Gradient(lr=0), "Invalid lr: 0"),
        (lambda: LBFGS(lr=-1), "Invalid lr: -1"),
        (lambda: wf.get_strategy("hill-climb"), "Unknown search 'hill-climb'"),
        (lambda: MLP(lags=1), "Invalid lags: 1"),
        (lambda: MLP(activation="swish"), "Unknown activation 'swish'"),
    ],
)
def test_bad_settings_raise_clear_errors(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        make()


def test_one_weight_searches_refuse_several_weights():
    objective = Objective(Affine(), windows_problem())
    for strategy in (GoldenSection(), Brent()):
        with pytest.raises(ValueError, match="searches a single weight; this model has 2"):
            wf.minimize(objective, Affine().initial_weights(2), strategy)


def test_lstsq_refuses_a_model_without_closed_form():
    objective = Objective(MLP(lags=3), windows_problem())
    with pytest.raises(ValueError, match="lstsq needs a linear model under MSE"):
        wf.minimize(objective, MLP(lags=3).initial_weights(2), "lstsq")


def test_fast_path_equals_direct_evaluation():
    # oracle: the loss predicted row by row, in float64, to 1e-9 relative
    rng = np.random.default_rng(4)
    values = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, 3000)))
    data = Windows.from_values(values, [0, 1000, 3000], window=5)
    for model in (Scale(), Affine(), AutoRegressive(5)):
        objective = Objective(model, data)
        assert objective.fast
        opt = objective.optimum
        candidates = (
            opt
            + torch.randn(
                (20, *opt.shape), dtype=opt.dtype, generator=torch.Generator().manual_seed(1)
            )
            * 0.01
        )
        for w in (opt, *candidates):
            torch.testing.assert_close(objective(w), objective.direct(w), rtol=1e-9, atol=0)
