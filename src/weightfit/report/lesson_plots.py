"""The lesson's pictures (matplotlib, Agg), each written atomically: the published "perfect"
plot, and the same curve with the naive forecast laid over it."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from weightfit.atomic import atomic_write
from weightfit.report.plots import time_axis


def _save(fig: Any, path: Path) -> Path:
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    plt.close(fig)
    return path


def plot_lesson(result: Any, directory: str | Path) -> list[Path]:
    """``lesson_published.png`` and ``lesson_naive.png`` in ``directory``; their paths."""
    folder = Path(directory)
    f, p, d = result.forecasts, result.published, result.data
    sa, naive = result.scores, result.scores["Naive"]
    (name_a,) = [n for n in sa if "whole" in n]
    (name_b,) = [n for n in sa if "train part" in n]

    x = np.arange(len(f))  # the bar index: no line drawn across a weekend
    fig, ax = plt.subplots(figsize=(10, 5.5), layout="constrained")
    ax.plot(x, f.y, color="0.2", lw=2.2, label="actual")
    ax.plot(x, f.a, color="tab:orange", lw=1.6, label="predicted (LSTM)")
    ax.set_title(
        f"(a) as published: {d['ticker']}, the last {d['test_rows']} days (5% test)\n"
        f"test MSE {p['scaled_mse']:.2e} (scaled units), R² {p['r2']:.3f}: it looks perfect",
        fontsize=11,
    )
    ax.set_ylabel("price (USD)")
    ax.legend(loc="best")
    ax.grid(alpha=0.3)
    time_axis(ax, f.ds)
    paths = [_save(fig, folder / "lesson_published.png")]

    fig, ax = plt.subplots(figsize=(10, 6.5), layout="constrained")
    ax.plot(x, f.y, color="0.2", lw=2.2, label="actual")
    ax.plot(x, f.a, color="tab:orange", lw=1.6, label=f"(a) LSTM, RMSE {sa[name_a]['rmse']:.2f}")
    ax.plot(
        x,
        f.b,
        color="tab:blue",
        lw=1.2,
        alpha=0.8,
        label=f"(b) LSTM, RMSE {sa[name_b]['rmse']:.2f}",
    )
    ax.plot(
        x,
        f.Naive,
        color="black",
        ls="--",
        lw=1.3,
        label=f"naive: yesterday's price, RMSE {naive['rmse']:.2f}",
    )
    ax.set_title(
        f"the 'perfect' curve is yesterday's price, one day late\nnaive: R² {p['naive_r2']:.3f}, "
        f"scaled MSE {p['naive_scaled_mse']:.2e}; (a) {sa[name_a]['verdict']}",
        fontsize=11,
    )
    words = result.warnings or [
        f"(a)'s forecasts are {p['mae_to_yesterday']:.2f} USD from yesterday's price on average "
        f"and {p['mae_to_today']:.2f} from today's: it follows the last price, and a curve that "
        "follows the price one day late always looks like a perfect fit at this zoom."
    ]
    ax.set_xlabel("\n".join(textwrap.fill(w, 130) for w in words), fontsize=8.5, loc="left")
    ax.set_ylabel("price (USD)")
    ax.legend(loc="best", fontsize=9)
    ax.grid(alpha=0.3)
    time_axis(ax, f.ds)
    paths.append(_save(fig, folder / "lesson_naive.png"))
    return paths
