"""``GoldenSection``: Kiefer's (1953) golden-section search for one weight.

The bracket ``[a, b]`` shrinks by the golden ratio each iteration, and each iteration costs
exactly one evaluation: one of its two interior points is reused. It assumes one minimum in the
bracket (true for a linear model under MSE); it stops when the bracket is narrower than ``tol``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor

from weightfit.search._bracket import OneWeightSearch, bracket, one_weight
from weightfit.search.base import ObjectiveFn

INVPHI = (math.sqrt(5) - 1) / 2  # 1 / golden ratio, 0.618...


class GoldenState(NamedTuple):
    """The bracket [a, b] (S,), its interior points c < d and their losses, the better one."""

    weights: Tensor  # (S, 1) the better interior point
    loss: Tensor  # (S,)
    a: Tensor  # (S,) bracket ends
    b: Tensor
    c: Tensor  # (S,) interior points, c < d
    d: Tensor
    fc: Tensor
    fd: Tensor
    iteration: int


def _best(c: Tensor, d: Tensor, fc: Tensor, fd: Tensor) -> tuple[Tensor, Tensor]:
    """The better interior point (S, 1) and its loss (S,); a tie goes to c."""
    left = fc <= fd
    return torch.where(left, c, d)[:, None], torch.where(left, fc, fd)


class GoldenSection(OneWeightSearch):
    """Shrink the bracket around the minimum by 0.618 an evaluation.

    One weight only (k = 1). Two evaluations to start, one per iteration.

    Args:
        low: the bracket's lower end, for every series (default ``None``: the start weight
            minus ``radius``).
        high: the bracket's upper end (default ``None``: the start plus ``radius``); it must be
            above ``low``. The minimum should lie inside: the search never leaves the bracket.
        radius: the half-width of the default bracket, in weight units (default 1.0); > 0.
        tol: stop (``"tolerance"``) when every bracket is narrower than this, in weight units
            (default 1.5e-8, about sqrt(machine epsilon)); > 0.
        iterations: the most iterations (default 200); then ``stop == "iterations"``.

    Source: Kiefer (1953), "Sequential minimax search for a maximum", Proc. Amer. Math. Soc.
    4(3), 502-506.
    """

    name = "golden"

    def start(self, objective: ObjectiveFn, weights: Tensor) -> GoldenState:
        """The bracket and its two golden interior points, both scored in one call."""
        one_weight(self.name, weights)
        a, b = bracket(weights, self.low, self.high, self.radius)
        c, d = b - INVPHI * (b - a), a + INVPHI * (b - a)
        fc, fd = objective(torch.stack([c, d])[:, :, None])  # two evaluations to start
        w, f = _best(c, d, fc, fd)
        return GoldenState(w, f, a, b, c, d, fc, fd, 0)

    def step(self, objective: ObjectiveFn, state: GoldenState) -> GoldenState:
        """Drop the bracket's end beyond the worse interior point; score one new point."""
        a, b, c, d, fc, fd = state.a, state.b, state.c, state.d, state.fc, state.fd
        left = fc < fd  # the minimum lies in [a, d]: d becomes b, c becomes d
        a2, b2 = torch.where(left, a, c), torch.where(left, d, b)
        new = torch.where(left, b2 - INVPHI * (b2 - a2), a2 + INVPHI * (b2 - a2))
        fnew = objective(new[:, None])  # (S,): one evaluation
        c2 = torch.where(left, new, d)
        d2 = torch.where(left, c, new)
        fc2 = torch.where(left, fnew, fd)
        fd2 = torch.where(left, fc, fnew)
        w, f = _best(c2, d2, fc2, fd2)
        return GoldenState(w, f, a2, b2, c2, d2, fc2, fd2, state.iteration + 1)

    def done(self, state: GoldenState) -> str | None:
        """``"tolerance"`` once every bracket is narrower than ``tol``, or ``"iterations"``."""
        if bool(((state.b - state.a) < self.tol).all()):
            return "tolerance"
        return "iterations" if state.iteration >= self.iterations else None
