"""Timing helpers, one rule for both sides of every figure: ``WARMUP`` untimed calls, then the
best of ``repeat`` timed calls; the thread counts each side could use are recorded."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path
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


def peak_mb(setup: str, warm: str, call: str) -> float:
    """MB by which ``call`` raises the resident memory of a fresh Python process and its
    children (worker processes too) above what they hold after ``setup`` (imports, the input)
    and ``warm`` (a small call that loads the code and starts any workers): polled every 5 ms
    (psutil). A fresh process for each side, so neither inherits the other's heap."""
    import subprocess
    import sys

    import psutil

    script = (
        f"{setup}\n{warm}\nimport sys\nprint('ready', flush=True)\nsys.stdin.readline()\n{call}\n"
    )
    root = str(Path(__file__).resolve().parents[1])
    env = {
        "PYTHONPATH": os.pathsep.join([root, os.path.join(root, "src")]),
        "PATH": "/usr/bin:/bin",
    }
    child = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=env)  # fmt: skip
    me = psutil.Process(child.pid)

    def rss() -> int:
        total = 0
        for p in [me, *me.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):  # a worker ended while being read
                total += p.memory_info().rss
        return total

    assert child.stdout is not None and child.stdin is not None
    if child.stdout.readline().strip() != "ready":
        raise RuntimeError(f"the measuring process failed: {child.wait()}")
    before = peak = rss()
    child.stdin.write("\n")
    child.stdin.flush()
    while child.poll() is None:
        peak = max(peak, rss())
        time.sleep(0.005)
    if child.returncode != 0:
        raise RuntimeError(f"the measuring process failed: exit {child.returncode}")
    return max(peak - before, 0) / 2**20


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
