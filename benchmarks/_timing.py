"""Timing helpers: best of several runs, and a ratio against a reference from the same run."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def best_of(fn: Callable[[], Any], repeat: int = 5) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed by the machine)."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


def figure(name: str, ours: float, reference: float, reference_name: str, **extra: Any) -> dict:
    """One benchmark figure: both timings and their ratio (reference / ours: > 1 means faster)."""
    return {
        "benchmark": name,
        "seconds": ours,
        "reference": reference_name,
        "reference_seconds": reference,
        "speedup": reference / ours,
        **extra,
    }
