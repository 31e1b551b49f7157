"""Predict functions: ``predict(data, weights)``, each a ``torch.nn.Module``."""

from weightfit.models.base import LinearModel, Model
from weightfit.models.linear import Affine, AutoRegressive, Naive, Scale
from weightfit.models.windows import Windows

__all__ = ["Affine", "AutoRegressive", "LinearModel", "Model", "Naive", "Scale", "Windows"]
