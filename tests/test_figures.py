"""Every figure the package draws, on small daily and 1-minute intraday data: every text inside
the figure, no two tick labels overlapping, no line drawn across a night or a weekend."""

import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import weightfit as wf
from weightfit.data import read_prices, sample
from weightfit.report import plots
from weightfit.report.lesson_plots import plot_lesson
from weightfit.search.compare import compare_prices


def daily(n_series=2, rows=260):
    msft = sample("msft").tail(rows)
    parts = [msft.assign(unique_id=f"DAILY{i}", y=msft.y * (1 + i)) for i in range(n_series)]
    frame = pd.concat(parts, ignore_index=True)
    frame.attrs["weightfit"] = {"sources": [], "series": {}}
    return frame


def intraday(tmp_path):
    """Two sessions of 1-minute bars (09:30-16:00), read as a user's file would be."""
    days = [pd.date_range(f"2024-03-0{d} 09:30", periods=390, freq="1min") for d in (7, 8)]
    stamps = days[0].append(days[1])
    rng = np.random.default_rng(0)
    prices = 100 * np.exp(np.cumsum(rng.normal(0, 5e-4, len(stamps))))
    path = tmp_path / "INTRA.csv"
    pd.DataFrame({"Datetime": stamps, "Close": prices}).to_csv(path, index=False)
    return read_prices(path)


def tick_labels(axis):
    """The tick labels matplotlib draws: visible, non-empty, at a tick inside the view."""
    lo, hi = sorted(axis.get_view_interval())
    span = (hi - lo) or 1.0
    return [
        tick.label1
        for tick in axis.get_major_ticks() + axis.get_minor_ticks()
        if tick.label1.get_visible()
        and tick.label1.get_text().strip()
        and lo - 1e-9 * span <= tick.get_loc() <= hi + 1e-9 * span
    ]


def texts(fig):
    """Every text matplotlib draws in ``fig``: titles, labels, legends, notes, tick labels."""
    ticks = {
        id(t.label1)
        for ax in fig.axes
        for a in (ax.xaxis, ax.yaxis)
        for t in a.get_major_ticks() + a.get_minor_ticks()
    }
    found = [
        t
        for t in fig.findobj(matplotlib.text.Text)
        if t.get_visible() and t.get_text().strip() and id(t) not in ticks
    ]
    return found + [t for ax in fig.axes for a in (ax.xaxis, ax.yaxis) for t in tick_labels(a)]


def check(fig, name):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    for t in texts(fig):
        b = t.get_window_extent(renderer)
        inside = b.x0 >= box.x0 - 1 and b.y0 >= box.y0 - 1 and b.x1 <= box.x1 + 1
        assert inside and b.y1 <= box.y1 + 1, (name, t.get_text(), b, box)
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t.get_window_extent(renderer) for t in tick_labels(axis)]
            for a, b in itertools.combinations(labels, 2):
                assert not a.overlaps(b), (name, [t.get_text() for t in tick_labels(axis)])


@pytest.fixture(autouse=True)
def _keep_figures_open(monkeypatch):
    """Check each figure as it is saved, at the size it is saved."""
    drawn = []

    def save(fig, path):
        check(fig, path.name)
        drawn.append(path.name)
        fig.savefig(path, format="png", dpi=110)
        plt.close(fig)
        return path

    monkeypatch.setattr(plots, "_save", save)
    import weightfit.report.lesson_plots as lp

    monkeypatch.setattr(lp, "_save", save)
    return drawn


@pytest.mark.parametrize("n_series", [2, 20])
def test_report_figures_daily(tmp_path, n_series, _keep_figures_open):
    report = wf.fit(daily(n_series, 120 if n_series > 2 else 260), ["scale", "affine", "ar:3"])
    plots.plot_report(report, tmp_path, max_series=1)
    assert {"DAILY0-forecasts.png", "DAILY0-errors.png", "skill.png"} <= set(_keep_figures_open)


def test_report_figures_intraday_have_no_line_across_the_night(tmp_path, _keep_figures_open):
    report = wf.fit(intraday(tmp_path), ["scale", "ar:2"], test=0.6)
    fig = plots.forecast_figure(report, "INTRA")
    for ax in fig.axes:
        for line in ax.get_lines():
            x = np.asarray(line.get_xdata(), dtype=float)
            if len(x) > 2:  # plotted against the bar index: steps of one bar, no gaps
                assert np.allclose(np.diff(x), 1), line.get_label()
    plt.close(fig)
    plots.plot_report(report, tmp_path)
    assert "INTRA-forecasts.png" in _keep_figures_open


def test_the_skill_chart_sorts_and_shows_near_zero(tmp_path):
    report = wf.fit(daily(2, 200), ["scale", "affine"])
    fig = plots.skill_figure(report)
    (ax,) = fig.axes
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 4  # one horizontal bar per (series, model)
    widths = [abs(p.get_width()) for p in ax.patches]
    assert min(widths) > 0  # a near-zero skill is still visible
    values = [float(t.get_text()) for t in ax.texts if t.get_text().strip()]
    assert values == sorted(values)  # sorted, the value printed by each bar
    check(fig, "skill")
    plt.close(fig)


@pytest.mark.parametrize("model", ["scale", "affine"])
def test_search_figures(tmp_path, model, _keep_figures_open):
    run = compare_prices(daily(1, 200), model, ["guess", "pattern", "lstsq"], max_evaluations=500)
    plots.plot_search(run, tmp_path)
    assert {"search-paths.png", "search-evaluations.png"} <= set(_keep_figures_open)


def test_lesson_figures(tmp_path, _keep_figures_open):
    result = wf.lesson(rows=200, epochs=2) if hasattr(wf, "lesson") else None
    if result is None:
        from weightfit.lesson import lesson

        result = lesson(rows=200, epochs=2)
    plot_lesson(result, tmp_path)
    assert {"lesson_published.png", "lesson_naive.png"} <= set(_keep_figures_open)
