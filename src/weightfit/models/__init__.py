"""Predict functions: weight models (``predict(data, weights)``, each a ``torch.nn.Module``)
and the baselines they must beat; both by name through one registry."""

from weightfit.models.base import LinearModel, Model
from weightfit.models.baselines import (
    Baseline,
    Drift,
    HistoricAverage,
    Naive,
    SeasonalNaive,
    WindowAverage,
    default_baselines,
)
from weightfit.models.linear import Affine, AutoRegressive, RandomWalk, Scale
from weightfit.models.mlp import MLP
from weightfit.models.recurrent import GRU, LSTM, Recurrent
from weightfit.models.registry import BASELINES, MODELS, get_baseline, get_model, is_baseline
from weightfit.models.windows import Windows

__all__ = [
    "BASELINES",
    "GRU",
    "LSTM",
    "MLP",
    "MODELS",
    "Affine",
    "AutoRegressive",
    "Baseline",
    "Drift",
    "HistoricAverage",
    "LinearModel",
    "Model",
    "Naive",
    "RandomWalk",
    "Recurrent",
    "Scale",
    "SeasonalNaive",
    "WindowAverage",
    "Windows",
    "default_baselines",
    "get_baseline",
    "get_model",
    "is_baseline",
]
