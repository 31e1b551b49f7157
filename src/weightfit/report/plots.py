"""Pictures of a report (matplotlib, Agg): forecasts over the test window, and the errors.

Each file is written atomically. One figure per series (up to ``max_series``), plus a skill
chart across series when there are several.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, SymmetricalLogLocator

from weightfit.atomic import atomic_write

if TYPE_CHECKING:
    from weightfit.evaluate.report import Report

ZOOM = 60  # the last forecasts, where a one-step lag is visible


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def _save(fig: Figure, path: Path) -> Path:
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    plt.close(fig)
    return path


def _colours(names: list[str]) -> dict[str, str]:
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return {n: ("black" if n == "Naive" else cycle[i % len(cycle)]) for i, n in enumerate(names)}


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width))


def time_axis(ax: Axes, ds: pd.Series | pd.DatetimeIndex, ticks: int = 6) -> None:
    """Label an axis whose x is the bar index (0, 1, ...) with the bars' times: no gap drawn
    across nights, weekends or holidays. Between sessions (a gap of more than a day's worth
    of intraday bars), a dotted line marks the break."""
    stamps = pd.DatetimeIndex(ds)
    daily = bool((stamps == stamps.normalize()).all())
    several_days = stamps.normalize().nunique() > 1
    fmt = "%Y-%m-%d" if daily else ("%m-%d %H:%M" if several_days else "%H:%M")

    def label(x: float, _pos: int) -> str:
        i = round(x)
        return stamps[i].strftime(fmt) if 0 <= i < len(stamps) and abs(x - i) < 1e-6 else ""

    ax.xaxis.set_major_locator(MaxNLocator(nbins=ticks, integer=True, min_n_ticks=2))
    ax.xaxis.set_major_formatter(FuncFormatter(label))
    if not daily and len(stamps) > 1:
        step = np.median(np.diff(stamps.asi8))
        for i in np.flatnonzero(np.diff(stamps.asi8) > 3 * step):
            ax.axvline(i + 0.5, color="0.6", ls=":", lw=1)
    ax.set_xlim(-0.5, len(stamps) - 0.5)


def forecast_figure(report: Report, uid: str) -> Figure:
    """The test window of series ``uid``: the price, naive and the fitted models (the other
    baselines faint), then the last ``ZOOM`` forecasts; x is the bar index, labelled with
    dates, so nights and weekends are not drawn as lines."""
    frame = report.forecasts[report.forecasts.unique_id == uid].reset_index(drop=True)
    shown = ["Naive", *[n for n in report.models if n != "Naive" and n in report.fitted]]
    others = [n for n in report.models if n not in shown]
    colour = _colours(report.models)
    fig, (full, zoom) = plt.subplots(
        2, 1, figsize=(11, 7.5), height_ratios=[3, 2], layout="constrained"
    )
    for ax, part in ((full, frame), (zoom, frame.tail(ZOOM))):
        x = np.arange(len(part))
        ax.plot(x, part.y, color="0.25", lw=2.2, label="actual", zorder=5)
        for n in shown:
            ls = "--" if n == "Naive" else "-"
            ax.plot(x, part[n], lw=1.1, ls=ls, color=colour[n], label=n, alpha=0.9)
        if ax is full:
            for n in others:
                ax.plot(x, part[n], lw=0.8, color=colour[n], alpha=0.45, label=n)
        ax.grid(alpha=0.3)
        ax.set_ylabel("price")
        time_axis(ax, part.ds)
    s = next(x for x in report.series if x["id"] == uid)
    headline = s["verdict"].split("; ")[0]  # the first clause: the best and its test
    full.set_title(f"{uid}: {len(frame)} forecasts over the test window\n" + _wrap(headline, 95))
    zoom.set_title(f"the last {min(ZOOM, len(frame))}: does a model lead the price or trail it?")
    fig.legend(*full.get_legend_handles_labels(), loc="outside right upper", fontsize=8)
    return fig


def plot_forecasts(report: Report, uid: str, path: Path) -> Path:
    """``forecast_figure`` written to ``path`` (PNG)."""
    return _save(forecast_figure(report, uid), path)


def errors_figure(report: Report, uid: str) -> Figure:
    """Series ``uid``'s forecast errors: histograms of naive and the fitted models, and a box
    per model (every baseline included) on a scale that is linear near 0, logarithmic beyond."""
    frame = report.forecasts[report.forecasts.unique_id == uid]
    names = report.models
    errors = {n: (frame["y"] - frame[n]).to_numpy() for n in names}
    colour = _colours(names)
    fig, (hist, box) = plt.subplots(
        1, 2, figsize=(12, 5), width_ratios=[3, 2], layout="constrained"
    )
    close = ["Naive", *report.fitted]
    spread = np.concatenate([errors[n] for n in close])
    lo, hi = np.percentile(spread, [0.5, 99.5])
    bins = np.linspace(lo, hi, 60)
    for n in close:
        hist.hist(errors[n], bins=bins, histtype="step", lw=1.4, color=colour[n], label=n)
    hist.set_title(f"{uid}: forecast errors (actual - forecast)")
    hist.set_xlabel("error (price units)")
    hist.set_ylabel("forecasts")
    hist.legend(fontsize=8, loc="upper left")
    hist.grid(alpha=0.3)
    box.boxplot([errors[n] for n in names], orientation="horizontal", showfliers=False)
    box.set_yticks(range(1, len(names) + 1), names, fontsize=8)
    box.axvline(0, color="0.5", lw=0.8)
    box.set_xscale("symlog", linthresh=max(abs(lo), abs(hi), 1e-12))  # linear near 0, log beyond
    box.xaxis.set_major_locator(
        SymmetricalLogLocator(linthresh=max(abs(lo), abs(hi), 1e-12), base=10)
    )
    box.set_title("every model (whiskers: 1.5 IQR)")
    box.set_xlabel("error; log scale beyond naive's range")
    box.grid(alpha=0.3, axis="x")
    return fig


def plot_errors(report: Report, uid: str, path: Path) -> Path:
    """``errors_figure`` written to ``path`` (PNG)."""
    return _save(errors_figure(report, uid), path)


def skill_figure(report: Report) -> Figure:
    """Skill against naive (1 - MSE / MSE naive) of every fitted model on every series, as
    sorted horizontal bars (best on top) around a zero line, each value printed by its bar.
    Green: beats naive (DM p < 0.05); red: worse; grey: no better. A bar too short to see is
    drawn at a minimum length; its printed value is the truth. Beyond ``BARS`` bars, the
    distribution instead (``skill_histogram``)."""
    scores = report.skills()
    scores = scores[scores.model.isin(report.fitted)]
    if len(scores) > BARS:
        return skill_histogram(scores, report.fitted)
    several = len(report.fitted) > 1
    labels = [
        f"{u} · {m}" if several else str(u)
        for u, m in zip(scores.unique_id, scores.model, strict=True)
    ]
    order = np.argsort(scores["skill"].to_numpy(), kind="stable")
    skill = scores["skill"].to_numpy()[order]
    status = scores["status"].to_numpy()[order]
    labels = [labels[i] for i in order]
    n = len(skill)
    fig, ax = plt.subplots(figsize=(8, min(2 + 0.28 * n, 30)), layout="constrained")
    span = max(float(np.nanmax(np.abs(skill))) if n else 0.0, 1e-12)
    least = 0.006 * span  # the shortest bar drawn, so that a skill near 0 is seen
    drawn = np.where(np.abs(skill) < least, np.where(skill < 0, -least, least), skill)
    palette = {"beats": "tab:green", "worse": "tab:red"}
    colours = [palette.get(str(s), "0.6") for s in status]
    y = np.arange(n)
    ax.barh(y, drawn, color=colours, height=0.7)
    ax.axvline(0, color="black", lw=1)
    for yi, value, end in zip(y, skill, drawn, strict=True):
        ax.text(
            end + (0.02 * span if end >= 0 else -0.02 * span),
            float(yi),
            f"{value:+.3g}",
            va="center",
            ha="left" if end >= 0 else "right",
            fontsize=8,
        )
    lo = min(0.0, float(drawn.min())) if n else -1.0
    hi = max(0.0, float(drawn.max())) if n else 1.0
    pad = 0.3 * max(hi - lo, span)
    ax.set_xlim(lo - (pad if lo < 0 else 0.1 * pad), hi + (pad if hi > 0 else 0.1 * pad))
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlabel("skill against naive: 1 - MSE / MSE of naive (right of 0: better)")
    ax.set_title("skill per series: green beats naive (DM p < 0.05), red is worse")
    ax.grid(alpha=0.3, axis="x")
    return fig


BARS = 60  # series drawn as bars up to this many (with every fitted model); beyond, a histogram


def skill_histogram(scores: pd.DataFrame, fitted: list[str]) -> Figure:
    """The distribution of skill across series, one histogram per fitted model, clipped to the
    1st-99th percentile; ``scores``: ``Report.skills()`` rows (any number of series)."""
    scores = scores[scores.model.isin(fitted)]
    fig, ax = plt.subplots(figsize=(9, 3.6), layout="constrained")
    skill = scores["skill"].to_numpy(float)
    finite = skill[np.isfinite(skill)]
    lo, hi = np.percentile(finite, [1, 99]) if len(finite) else (-1.0, 1.0)
    bins = np.linspace(min(float(lo), 0.0), max(float(hi), 0.0) + 1e-12, 50).tolist()
    n = scores["unique_id"].nunique()
    for name in fitted:
        s = scores.loc[scores.model == name, "skill"].to_numpy(float)
        s = s[np.isfinite(s)]
        better = float((s > 0).mean()) if len(s) else float("nan")
        ax.hist(np.clip(s, bins[0], bins[-1]), bins=bins, alpha=0.55,
                label=f"{name} (skill > 0 on {better:.0%})")  # fmt: skip
    ax.axvline(0, color="black", lw=1)
    ax.set_xlabel("skill against naive (1 - MSE / MSE naive), clipped to the 1st-99th percentile")
    ax.set_ylabel("series")
    ax.set_title(f"skill across {n:,} series (right of 0: better than naive)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def plot_skill(report: Report, path: Path) -> Path:
    """``skill_figure`` written to ``path`` (PNG)."""
    return _save(skill_figure(report), path)


def plot_report(report: Report, directory: str | Path, max_series: int = 12) -> list[Path]:
    """PNGs of a ``Report``: for each of the first ``max_series`` series the test window with
    every model's forecasts and each model's errors (when the report kept its rows); with
    several series, the skill chart."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    ids = report.summary.ids()
    for uid in ids[:max_series] if report.rows_kept else []:  # no rows kept: no forecasts
        uid = str(uid)
        paths.append(plot_forecasts(report, uid, directory / f"{_safe(uid)}-forecasts.png"))
        paths.append(plot_errors(report, uid, directory / f"{_safe(uid)}-errors.png"))
    if len(ids) > 1:
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
        fig, axes = plt.subplots(1, 2, figsize=(13, 5.5), layout="constrained")
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
            if float(curve.max()) > 10 * max(float(curve.min()), 1e-300):  # a decade or more
                ax.set_yscale("log")
            ax.set_xlabel(names[0])
            ax.grid(alpha=0.3)
        axes[0].set_ylabel("loss")
        axes[0].set_title(f"{title}: accepted steps on the loss")
        axes[1].set_title("zoomed on the start and the optimum")
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", fontsize=8)
        paths.append(_save(fig, directory / "search-paths.png"))
    elif k == 2:
        fig, ax = plt.subplots(figsize=(9, 7), layout="constrained")
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
        ax.set_title(f"{title}: accepted steps on the loss contours")
        fig.legend(loc="outside right upper", fontsize=8)
        paths.append(_save(fig, directory / "search-paths.png"))
    fig, ax = plt.subplots(figsize=(10, 5.5), layout="constrained")
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
    fig.legend(loc="outside right upper", fontsize=8)
    ax.grid(alpha=0.3, which="both")
    paths.append(_save(fig, directory / "search-evaluations.png"))
    return paths
