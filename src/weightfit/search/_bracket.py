"""The bracket of the one-weight searches: where the minimum is looked for."""

from __future__ import annotations

from torch import Tensor

from weightfit.errors import ConfigError


def one_weight(name: str, weights: Tensor) -> None:
    """Refuse weights (S, k) with k != 1, naming the searches that take several weights."""
    if weights.shape[1] != 1:
        raise ConfigError(
            f"{name} searches a single weight; this model has {weights.shape[1]}: use pattern, "
            "oneplusone, adam, lbfgs or lstsq"
        )


def bracket(
    weights: Tensor, low: float | None, high: float | None, radius: float
) -> tuple[Tensor, Tensor]:
    """(S,) ends: ``[low, high]`` when given, else the start ± ``radius``."""
    w = weights[:, 0]
    a = w - radius if low is None else w * 0 + low
    b = w + radius if high is None else w * 0 + high
    if bool((b <= a).any()):
        raise ConfigError(f"Invalid bracket: low {low!r} must be below high {high!r}")
    return a, b


class OneWeightSearch:
    """The settings the one-weight searches share: the bracket and when to stop.

    Args:
        low: the bracket's lower end, for every series (default ``None``: the start - radius).
        high: its upper end (default ``None``: the start + radius); above ``low``.
        radius: the half-width of the default bracket, in weight units (default 1.0); > 0.
        tol: the bracket width at which to stop (default 1.5e-8, about sqrt(machine epsilon));
            > 0. Each search says whether it is absolute or relative.
        iterations: the most iterations (default 200).
    """

    name = "one-weight"

    def __init__(
        self,
        *,
        low: float | None = None,
        high: float | None = None,
        radius: float = 1.0,
        tol: float = 1.5e-8,  # about sqrt(machine epsilon): below it the loss cannot tell
        iterations: int = 200,
    ) -> None:
        if not tol > 0:
            raise ConfigError(f"Invalid tol: {tol!r} (must be > 0)")
        if not radius > 0:
            raise ConfigError(f"Invalid radius: {radius!r} (must be > 0)")
        self.low, self.high, self.radius, self.tol = low, high, radius, tol
        self.iterations = iterations
