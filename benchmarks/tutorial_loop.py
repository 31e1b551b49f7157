"""The tutorial's own guessing loop (its code, as in the seed) against weightfit's ``Guess``.

Same problem (420 -> 425, weight 1.01, step 1e-4, 1000 iterations), same run, same answer.
"""

from __future__ import annotations

import weightfit as wf
from benchmarks._timing import best_of, figure, threads
from benchmarks.seed import seed_loop


def guess() -> float:
    """weightfit's Guess on the tutorial's problem, scored in float32 as the seed does."""
    data = wf.Windows.from_pairs([420.0], [425.0])
    objective = wf.Objective(wf.Scale(weight=1.01), data, "mse", dtype=wf.tutorial_dtype)
    return wf.minimize(objective, [[1.01]], wf.Guess(step=1e-4, iterations=1000)).weight


def run(quick: bool = False) -> list[dict]:
    repeat = 3 if quick else 7
    assert guess() == seed_loop() == wf.tutorial().final_weight  # same answer, bit for bit
    reference = best_of(seed_loop, repeat)
    ours = best_of(guess, repeat)
    return [
        figure(
            "tutorial: Guess vs the seed's loop",
            ours,
            reference,
            "the seed's own loop",
            threads=threads()["torch"],
        )
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row['benchmark']}: {row['speedup']:.2f}x")
