"""Models by name: ``"scale"``, ``"affine"``, ``"ar:5"``, ``"mlp:5"``, ``"lstm:10"``, ``"gru:10"``;
a plain dict of presets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from weightfit.errors import ConfigError
from weightfit.models.base import Model
from weightfit.models.linear import Affine, AutoRegressive, Naive, Scale
from weightfit.models.mlp import MLP
from weightfit.models.recurrent import GRU, LSTM

MODELS: dict[str, Callable[..., Model]] = {
    "scale": lambda: Scale(),
    "affine": lambda: Affine(),
    "ar": lambda lags=5: AutoRegressive(lags=lags),
    "mlp": lambda lags=5: MLP(lags=lags),
    "lstm": lambda lags=10: LSTM(lags=lags),
    "gru": lambda lags=10: GRU(lags=lags),
    "naive-model": lambda: Naive(),
}


def get_model(spec: str | Model) -> Model:
    """A model from ``name[:argument]``, e.g. ``"ar:5"``, or the model itself."""
    if isinstance(spec, Model):
        return spec
    name, _, arg = str(spec).strip().lower().partition(":")
    if name not in MODELS:
        raise ConfigError(f"Unknown model {spec!r}: expected one of {', '.join(MODELS)}")
    args: list[Any] = []
    if arg:
        try:
            args = [int(arg)]
        except ValueError:
            raise ConfigError(
                f"Invalid model {spec!r}: the part after ':' must be an integer"
            ) from None
    return MODELS[name](*args)
