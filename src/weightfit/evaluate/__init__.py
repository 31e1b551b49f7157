"""Honest evaluation: splits, cross-validation, error measures, Diebold-Mariano, the verdict."""
