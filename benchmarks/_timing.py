"""Timing helpers, one rule for both sides of every figure: ``WARMUP`` untimed calls, then the
best of ``repeat`` timed calls; the thread counts each side could use are recorded."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

WARMUP = 1


def timed(fn: Callable[[], Any], repeat: int = 3, warmup: int = WARMUP) -> float:
    """Seconds: ``warmup`` untimed calls (imports, compilation, caches), then the fastest of
    ``repeat`` calls (the least disturbed by the machine). Use the same for both sides."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


best_of = timed  # the older name


def threads() -> dict[str, int]:
    """The threads numpy's BLAS, OpenMP and torch may use in this process (threadpoolctl)."""
    import torch
    from threadpoolctl import threadpool_info

    out = {"torch": torch.get_num_threads()}
    for pool in threadpool_info():
        out[pool["user_api"]] = max(out.get(pool["user_api"], 0), int(pool["num_threads"]))
    return out


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


def target(what: str, measured: float, limit: float, *, at_most: bool = False, unit: str = "x"):
    """One of issue 11's targets: ``measured`` against ``limit`` (at least, or ``at_most``),
    in ``unit``; ``run.py`` prints every target of a run in one table at the end."""
    met = measured <= limit if at_most else measured >= limit
    sign = "<=" if at_most else ">="
    return {
        "target": f"{what} {sign} {limit:g}{unit}",
        "measured": f"{measured:.3g}{unit}",
        "met": bool(met),
    }
