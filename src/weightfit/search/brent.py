"""``Brent``: Brent's (1973) minimisation for one weight, every series at once.

Parabolic interpolation through the three best points when it is safe, a golden-section step
when it is not; one evaluation an iteration. The branches of the textbook loop (Brent 1973,
ch. 5; Press et al., Numerical Recipes, ``brent``) run for all series at once with masks.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from weightfit.search._bracket import OneWeightSearch, bracket, one_weight
from weightfit.search.base import ObjectiveFn

CGOLD = 0.3819660112501051  # 1 - 1 / golden ratio
EPS = 1e-12


class BrentState(NamedTuple):
    """Brent's x, w, v (best, second best, previous w) and losses, the bracket, the last steps."""

    weights: Tensor  # (S, 1) the best point x
    loss: Tensor  # (S,) f(x)
    a: Tensor  # (S,) bracket
    b: Tensor
    w: Tensor  # second best point, and f(w)
    fw: Tensor
    v: Tensor  # previous value of w, and f(v)
    fv: Tensor
    d: Tensor  # the last step, and the one before it
    e: Tensor
    iteration: int


class Brent(OneWeightSearch):
    """Parabolic steps where they are safe, golden-section steps where they are not.

    One weight only (k = 1). One evaluation to start and one per iteration.

    Args:
        low: the bracket's lower end, for every series (default ``None``: the start weight
            minus ``radius``).
        high: the bracket's upper end (default ``None``: the start plus ``radius``); it must be
            above ``low``. The search never leaves the bracket.
        radius: the half-width of the default bracket, in weight units (default 1.0); > 0.
        tol: the relative tolerance on the weight (default 1.5e-8, as scipy's ``xtol``): a
            series has converged when its best point is within ``2 (tol |x| + 1e-12)`` of the
            bracket's middle, less half the bracket; ``"tolerance"`` when all have.
        iterations: the most iterations (default 200); then ``stop == "iterations"``.

    Source: Brent (1973), "Algorithms for Minimization without Derivatives", ch. 5 (the
    method of ``scipy.optimize.minimize_scalar(method="brent")``; Press et al., Numerical
    Recipes, ``brent``).
    """

    name = "brent"

    def start(self, objective: ObjectiveFn, weights: Tensor) -> BrentState:
        """The bracket and its golden point ``a + 0.382 (b - a)`` as x = w = v, scored once."""
        one_weight(self.name, weights)
        a, b = bracket(weights, self.low, self.high, self.radius)
        x = a + CGOLD * (b - a)
        fx = objective(x[:, None])
        zero = torch.zeros_like(x)
        return BrentState(x[:, None], fx, a, b, x, fx, x, fx, zero, zero, 0)

    def _tol(self, x: Tensor) -> Tensor:
        """(S,) Brent's ``tol1``: the relative tolerance at ``x`` plus a small absolute one."""
        return self.tol * x.abs() + EPS

    def step(self, objective: ObjectiveFn, s: BrentState) -> BrentState:
        """Step to the parabola's minimum through x, w, v where safe, else a golden step into
        the larger part; score it, shrink the bracket, update x, w, v (converged series stay)."""
        x, fx, a, b, w, fw, v, fv, d, e = (
            s.weights[:, 0],
            s.loss,
            s.a,
            s.b,
            s.w,
            s.fw,
            s.v,
            s.fv,
            s.d,
            s.e,
        )
        xm = 0.5 * (a + b)
        tol1 = self._tol(x)
        tol2 = 2 * tol1
        # the parabola through x, w, v
        r = (x - w) * (fx - fv)
        q = (x - v) * (fx - fw)
        p = (x - v) * q - (x - w) * r
        q = 2 * (q - r)
        p = torch.where(q > 0, -p, p)
        q = q.abs()
        parabolic = (
            (e.abs() > tol1)
            & (p.abs() < (0.5 * q * e).abs())
            & (p > q * (a - x))
            & (p < q * (b - x))
        )
        safe_q = torch.where(q == 0, torch.ones_like(q), q)
        d_para = p / safe_q
        u_para = x + d_para
        near_end = ((u_para - a) < tol2) | ((b - u_para) < tol2)
        d_para = torch.where(near_end, torch.copysign(tol1, xm - x), d_para)
        e_gold = torch.where(x >= xm, a - x, b - x)
        d_gold = CGOLD * e_gold
        e_new = torch.where(parabolic, d, e_gold)
        d_new = torch.where(parabolic, d_para, d_gold)
        step = torch.where(d_new.abs() >= tol1, d_new, torch.copysign(tol1, d_new))
        u = x + step
        fu = objective(u[:, None])  # (S,): one evaluation
        better = fu <= fx
        # shrink the bracket
        a2 = torch.where(better, torch.where(u >= x, x, a), torch.where(u < x, u, a))
        b2 = torch.where(better, torch.where(u >= x, b, x), torch.where(u < x, b, u))
        # the three best points
        to_w = ~better & ((fu <= fw) | (w == x))
        to_v = ~better & ~to_w & ((fu <= fv) | (v == x) | (v == w))
        v2 = torch.where(better, w, torch.where(to_w, w, torch.where(to_v, u, v)))
        fv2 = torch.where(better, fw, torch.where(to_w, fw, torch.where(to_v, fu, fv)))
        w2 = torch.where(better, x, torch.where(to_w, u, w))
        fw2 = torch.where(better, fx, torch.where(to_w, fu, fw))
        x2 = torch.where(better, u, x)
        fx2 = torch.where(better, fu, fx)
        # series already converged keep their state
        done = self._converged(x, a, b)
        keep = lambda new, old: torch.where(done, old, new)  # noqa: E731
        return BrentState(
            keep(x2, x)[:, None],
            keep(fx2, fx),
            keep(a2, a),
            keep(b2, b),
            keep(w2, w),
            keep(fw2, fw),
            keep(v2, v),
            keep(fv2, fv),
            keep(d_new, d),
            keep(e_new, e),
            s.iteration + 1,
        )

    def _converged(self, x: Tensor, a: Tensor, b: Tensor) -> Tensor:
        """(S,) bool: Brent's test ``|x - m| <= 2 tol1 - (b - a) / 2``, m the bracket's middle."""
        tol1 = self._tol(x)
        return (x - 0.5 * (a + b)).abs() <= (2 * tol1 - 0.5 * (b - a))

    def done(self, state: BrentState) -> str | None:
        """``"tolerance"`` once every series has converged, or ``"iterations"``."""
        if bool(self._converged(state.weights[:, 0], state.a, state.b).all()):
            return "tolerance"
        return "iterations" if state.iteration >= self.iterations else None
