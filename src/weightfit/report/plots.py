"""Pictures of a report (matplotlib, Agg): forecasts over the test window, and the errors.

Each file is written atomically. One figure per series (up to ``max_series``), plus a skill
chart across series when there are several.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from weightfit.atomic import atomic_write

if TYPE_CHECKING:
    from weightfit.evaluate.report import Report

ZOOM = 60  # the last forecasts, where a one-step lag is visible


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def _save(fig: plt.Figure, path: Path) -> Path:
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    plt.close(fig)
    return path


def _colours(names: list[str]) -> dict[str, str]:
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return {n: ("black" if n == "Naive" else cycle[i % len(cycle)]) for i, n in enumerate(names)}


def plot_forecasts(report: Report, uid: str, path: Path) -> Path:
    frame = report.forecasts[report.forecasts.unique_id == uid]
    shown = ["Naive", *[n for n in report.models if n != "Naive" and n in report.fitted]]
    others = [n for n in report.models if n not in shown]
    colour = _colours(report.models)
    fig, (full, zoom) = plt.subplots(2, 1, figsize=(11, 7.5), height_ratios=[3, 2])
    for ax, part in ((full, frame), (zoom, frame.tail(ZOOM))):
        ax.plot(part.ds, part.y, color="0.25", lw=2.2, label="actual", zorder=5)
        for n in shown:
            ls = "--" if n == "Naive" else "-"
            ax.plot(part.ds, part[n], lw=1.1, ls=ls, color=colour[n], label=n, alpha=0.9)
        if ax is full:
            for n in others:
                ax.plot(part.ds, part[n], lw=0.8, color=colour[n], alpha=0.45, label=n)
        ax.grid(alpha=0.3)
        ax.set_ylabel("price")
    s = next(x for x in report.series if x["id"] == uid)
    full.set_title(
        f"{uid}: forecasts over the test window ({len(frame)} forecasts)\n{s['verdict']}"
    )
    zoom.set_title(f"the last {min(ZOOM, len(frame))}: does a model lead the price or trail it?")
    full.legend(loc="upper left", fontsize=8, ncol=2)
    fig.tight_layout()
    return _save(fig, path)


def plot_errors(report: Report, uid: str, path: Path) -> Path:
    frame = report.forecasts[report.forecasts.unique_id == uid]
    names = report.models
    errors = {n: (frame["y"] - frame[n]).to_numpy() for n in names}
    colour = _colours(names)
    fig, (hist, box) = plt.subplots(1, 2, figsize=(12, 5), width_ratios=[3, 2])
    close = ["Naive", *report.fitted]
    spread = np.concatenate([errors[n] for n in close])
    lo, hi = np.percentile(spread, [0.5, 99.5])
    bins = np.linspace(lo, hi, 60)
    for n in close:
        hist.hist(errors[n], bins=bins, histtype="step", lw=1.4, color=colour[n], label=n)
    hist.set_title(f"{uid}: forecast errors (actual - forecast)")
    hist.set_xlabel("error (price units)")
    hist.legend(fontsize=8)
    hist.grid(alpha=0.3)
    box.boxplot([errors[n] for n in names], orientation="horizontal", showfliers=False)
    box.set_yticks(range(1, len(names) + 1), names, fontsize=8)
    box.axvline(0, color="0.5", lw=0.8)
    box.set_xscale("symlog", linthresh=max(abs(lo), abs(hi), 1e-12))  # linear near 0, log beyond
    box.set_title("all models (whiskers 1.5 IQR; log scale beyond the naive range)")
    box.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return _save(fig, path)


def plot_skill(report: Report, path: Path) -> Path:
    scores = report.scores[report.scores.model.isin(report.fitted)]
    fig, ax = plt.subplots(figsize=(max(6, 0.5 * scores.unique_id.nunique() + 3), 4.5))
    ids = list(dict.fromkeys(scores.unique_id))
    width = 0.8 / max(1, len(report.fitted))
    for i, n in enumerate(report.fitted):
        mine = scores[scores.model == n].set_index("unique_id").loc[ids]
        bars = ax.bar(np.arange(len(ids)) + i * width, mine["skill"], width, label=n)
        for bar, status in zip(bars, mine["status"], strict=True):
            if status == "beats":
                bar.set_edgecolor("black")
                bar.set_linewidth(1.5)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(np.arange(len(ids)) + width * (len(report.fitted) - 1) / 2, ids, rotation=45)
    ax.set_ylabel("skill against naive (1 - MSE / MSE naive)")
    ax.set_title("skill per series (outlined: beats naive, DM p < 0.05)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return _save(fig, path)


def plot_report(report: Report, directory: str | Path, max_series: int = 12) -> list[Path]:
    """PNGs of a ``Report``: for each of the first ``max_series`` series the test window with
    every model's forecasts and each model's errors; with several series, the skill chart."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for s in report.series[:max_series]:
        uid = s["id"]
        paths.append(plot_forecasts(report, uid, directory / f"{_safe(uid)}-forecasts.png"))
        paths.append(plot_errors(report, uid, directory / f"{_safe(uid)}-errors.png"))
    if len(report.series) > 1:
        paths.append(plot_skill(report, directory / "skill.png"))
    return paths


def plot_search(run: Any, directory: str | Path) -> list[Path]:
    """For a ``PriceComparison``: the loss curve (one weight) or its contours (two) with each
    strategy's path of accepted steps, and loss against evaluations for all of them. Series 0
    is drawn."""
    import torch

    comparison, objective, names = run.comparison, run.objective, run.model.weight_names()
    title = f"{run.ids[0]}, {type(run.model).__name__}"
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    fits = comparison.fits
    k = next(iter(fits.values())).weights.shape[1]
    paths = []
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colour = {n: cycle[i % len(cycle)] for i, n in enumerate(fits)}
    points = torch.cat([torch.stack([s.weights[0] for s in f.history]) for f in fits.values()])
    centre = comparison.optimum[0] if comparison.optimum is not None else points[-1]
    span = (points - centre).abs().max(0).values.clamp(min=1e-6) * 1.15  # (k,)
    if k == 1:
        fig, axes = plt.subplots(1, 2, figsize=(13, 5.5))
        start = next(iter(fits.values())).history[0].weights[0]
        near = (start - centre).abs().clamp(min=1e-9) * 1.6  # the start and the optimum
        for ax, half in zip(axes, (span, near), strict=True):
            lo, hi = float(centre[0] - half[0]), float(centre[0] + half[0])
            grid = torch.linspace(lo, hi, 400, dtype=torch.float64)
            w = grid[:, None, None].expand(-1, objective.n_series, 1).clone()
            with torch.no_grad():
                curve = objective(w)[:, 0]
            ax.plot(grid, curve, color="0.3", lw=1.5, label="loss")
            for n, f in fits.items():
                ws = np.array([float(s.weights[0, 0]) for s in f.history])
                ls = np.array([float(s.loss[0]) for s in f.history])
                inside = (ws >= lo) & (ws <= hi)
                ax.plot(
                    ws[inside], ls[inside], "o-", ms=3, lw=0.8, color=colour[n], alpha=0.8, label=n
                )
            ax.set_xlim(lo, hi)
            ax.set_yscale("log")
            ax.set_xlabel(names[0])
            ax.grid(alpha=0.3)
        axes[0].set_ylabel("loss (log scale)")
        axes[0].set_title(f"{title}: accepted steps on the loss curve")
        axes[1].set_title("zoomed on the start and the optimum")
        axes[0].legend(fontsize=8)
        fig.tight_layout()
        paths.append(_save(fig, directory / "search-paths.png"))
    elif k == 2:
        fig, ax = plt.subplots(figsize=(8, 7))
        a = torch.linspace(float(centre[0] - span[0]), float(centre[0] + span[0]), 120)
        b = torch.linspace(float(centre[1] - span[1]), float(centre[1] + span[1]), 120)
        A, B = torch.meshgrid(a, b, indexing="ij")
        w = torch.stack([A.reshape(-1), B.reshape(-1)], -1).to(torch.float64)
        w = w[:, None, :].expand(-1, objective.n_series, 2).clone()
        with torch.no_grad():
            z = objective(w)[:, 0].reshape(A.shape)
        levels = np.quantile(z.numpy(), np.linspace(0.0, 1.0, 25) ** 3)
        ax.contour(A, B, z, levels=np.unique(levels), cmap="viridis", linewidths=0.8)
        for n, f in fits.items():
            path = torch.stack([s.weights[0] for s in f.history])
            ax.plot(path[:, 0], path[:, 1], "o-", ms=2.5, lw=0.9, color=colour[n], label=n)
        if comparison.optimum is not None:
            ax.plot(*comparison.optimum[0].tolist(), "k*", ms=14, label="optimum")
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        ax.set_title(f"{title}: paths of accepted steps on the loss contours")
        ax.legend(fontsize=8)
        paths.append(_save(fig, directory / "search-paths.png"))
    fig, ax = plt.subplots(figsize=(9, 5.5))
    floor = None
    if comparison.optimum is not None:
        with torch.no_grad():
            floor = float(objective(comparison.optimum)[0])
    for n, f in fits.items():
        ev = np.maximum([s.evaluations for s in f.history], 1)
        loss = np.array([float(s.loss[0]) for s in f.history])
        if floor is not None:  # relative excess, floored at float64's resolution
            loss = np.maximum((loss - floor) / max(abs(floor), 1e-300), 1e-16)
        if len(ev) == 1:  # one jump (lstsq): a point
            ax.plot(ev, loss, "o", color=colour[n], label=n)
        else:
            ax.step(ev, loss, where="post", color=colour[n], label=n)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("loss evaluations")
    ax.set_ylabel("(loss - optimum) / optimum, floored at 1e-16" if floor is not None else "loss")
    ax.set_title(f"{title}: how fast each strategy gets there")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    paths.append(_save(fig, directory / "search-evaluations.png"))
    return paths
