"""The fast path: the tutorial's ``Guess`` on a 2,000-point series, against the tutorial's loop.

Two references, measured in the same run on the same seeded geometric random walk:

- the seed's code as written, for one price at a time, looped over the series' 1,999 (price,
  next price) pairs to score each guess: what the tutorial's method costs on a real series;
- the seed's loop given the whole series as torch tensors (one vectorised ``F.mse_loss`` a guess).

weightfit's ``Guess`` scores each guess from three sufficient statistics (O(1), not O(n)).
All three follow the same rule from the same start; the vectorised reference must end at the
same weight, bit for bit. The per-point reference is slow, so it runs ``SLOW_ITERATIONS``
iterations and is compared per iteration.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

import weightfit as wf
from benchmarks._timing import best_of, figure, threads
from benchmarks.seed import seed_loop

ITERATIONS = 1000
SLOW_ITERATIONS = 5


def series(n: int = 2000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 100 * np.exp(np.cumsum(rng.normal(0.0002, 0.01, n)))


def seed_loop_per_point(prices: list[float], targets: list[float], iterations: int) -> float:
    """The seed's code, one price at a time, averaged over the pairs to score a guess."""

    def predict(data, weight):
        return data * weight

    weight, change = 1.0, 0.0001
    for _ in range(iterations):
        error_up = error_down = 0.0
        for price, real_next_price in zip(prices, targets, strict=True):
            target = torch.tensor(real_next_price)
            guess_up = torch.tensor(predict(price, weight + change))
            guess_down = torch.tensor(predict(price, weight - change))
            error_up += float(F.mse_loss(guess_up, target))
            error_down += float(F.mse_loss(guess_down, target))
        if error_up < error_down:
            weight += change
        else:
            weight -= change
    return weight


def _ours(data: wf.Windows) -> float:
    objective = wf.Objective(wf.Scale(), data)  # sufficient statistics, built once
    fit = wf.minimize(objective, [[1.0]], wf.Guess(iterations=ITERATIONS), history=False)
    return fit.weight


def run(quick: bool = False) -> list[dict]:
    repeat = 3 if quick else 5
    rows = []
    for n in (2000, 20_000 if quick else 200_000):
        y = series(n)
        x_t, y_t = torch.tensor(y[:-1]), torch.tensor(y[1:])
        data = wf.Windows.from_pairs(y[:-1], y[1:])
        assert _ours(data) == seed_loop(x_t, y_t, 1.0, 0.0001, ITERATIONS)  # same rule, same end
        t_ours = best_of(lambda data=data: _ours(data), repeat)
        t_vec = best_of(
            lambda x_t=x_t, y_t=y_t: seed_loop(x_t, y_t, 1.0, 0.0001, ITERATIONS), repeat
        )
        if n == 2000:
            slow = 2 if quick else SLOW_ITERATIONS
            pairs = (y[:-1].tolist(), y[1:].tolist())
            t_slow = best_of(lambda p=pairs, k=slow: seed_loop_per_point(*p, k), 1)
            per_iteration = t_ours / ITERATIONS
            rows.append(
                figure(
                    "Guess on 2,000 points vs the seed's per-price loop (per iteration)",
                    per_iteration,
                    t_slow / slow,
                    f"the seed's code per price ({slow} iterations)",
                    fraction=per_iteration / (t_slow / slow),
                    threads=threads()["torch"],
                )
            )
        rows.append(
            figure(
                f"Guess on {n:,} points vs the seed's loop on tensors ({ITERATIONS} iterations)",
                t_ours,
                t_vec,
                "the seed's loop, vectorised",
                fraction=t_ours / t_vec,
                threads=threads()["torch"],
            )
        )
    return rows
