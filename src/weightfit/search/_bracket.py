"""The bracket of the one-weight searches: where the minimum is looked for."""

from __future__ import annotations

from torch import Tensor

from weightfit.errors import ConfigError


def one_weight(name: str, weights: Tensor) -> None:
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
        raise ValueError(f"Invalid bracket: low {low!r} must be below high {high!r}")
    return a, b
