"""Predict functions: ``predict(data, weights)``, each a ``torch.nn.Module``."""

from weightfit.models.base import LinearModel, Model
from weightfit.models.linear import Affine, AutoRegressive, Naive, Scale
from weightfit.models.mlp import MLP
from weightfit.models.recurrent import GRU, LSTM, Recurrent
from weightfit.models.registry import MODELS, get_model
from weightfit.models.windows import Windows

__all__ = [
    "GRU",
    "LSTM",
    "MLP",
    "MODELS",
    "Affine",
    "AutoRegressive",
    "LinearModel",
    "Model",
    "Naive",
    "Recurrent",
    "Scale",
    "Windows",
    "get_model",
]
