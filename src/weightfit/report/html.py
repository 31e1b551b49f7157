"""One HTML file for a report: what was read, the leaderboard, the verdict and its tests, the
series, and forecast and error plots. Self-contained (inline CSS and SVG, no script, nothing
fetched), every piece of user text escaped, written atomically."""

from __future__ import annotations

import io
from collections import Counter
from html import escape
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from weightfit.atomic import atomic_write
from weightfit.evaluate.verdict import verdicts_of
from weightfit.report.plots import skill_histogram

FULL_TABLE = 30  # series listed one by one up to this many; beyond, a histogram and the extremes
TOP = 10
PLOTS = 3  # series drawn
ZOOM = 120  # forecasts drawn per series
LISTED = 1000  # warnings listed; beyond, counted

CSS = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d2330;
background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:0 0 12px;border-bottom:2px solid #e3e6eb;
padding-bottom:6px}
section{background:#fff;border:1px solid #e3e6eb;border-radius:8px;padding:16px 20px;margin:16px 0}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}
th,td{padding:4px 10px;border-bottom:1px solid #eceef2;text-align:right;vertical-align:top}
th{background:#f0f2f5;font-weight:600}td.t,th.t{text-align:left}
.best{color:#0a7a2f;font-weight:700}.fitted td{font-weight:600}
.beats{color:#0a7a2f}.worse{color:#b42318}.muted{color:#667085}
.verdict{font-size:16px;padding:10px 14px;background:#eef4ff;border-left:4px solid #3565d9}
ul.warn li{color:#8a5a00}.meta{color:#475467}code{background:#f0f2f5;padding:1px 4px;
border-radius:3px}summary{cursor:pointer;margin:8px 0}svg{max-width:100%;height:auto}
"""


def write_html(
    report: Any,
    path: str | Path,
    *,
    read: dict[str, Any] | None = None,
    run: Any = None,
) -> Path:
    """Write ``render_html`` to ``path``, atomically. Returns the path."""
    text = render_html(report, read=read, run=run)
    return atomic_write(path, lambda tmp: _write_text(tmp, text))


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def render_html(report: Any, *, read: dict[str, Any] | None = None, run: Any = None) -> str:
    """The report as one HTML document.

    Args:
        report: a ``wf.Report``.
        read: the read record, ``{"sources": [...], "series": {...}}`` as ``read_prices``
            leaves it in ``frame.attrs["weightfit"]`` (default: the report's per-series part).
        run: the stored run (``weightfit.runs.Run``), for its id, time and command line.
    """
    read = read or {"sources": [], "series": report.describe["meta"]}
    n = len(report.describe["rows"])
    title = f"weightfit report: {n:,} series" + (f", run {run.id}" if run is not None else "")
    parts = [
        _header(report, run, title),
        _read(report, read),
        _leaderboard(report),
        _verdict(report),
        _series(report),
        _plots(report),
    ]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body><main>"
        + "".join(parts)
        + "</main></body></html>\n"
    )


def _fmt(x: Any) -> str:
    if x is None:
        return "-"
    x = float(x)
    if x != x:
        return "-"
    if abs(x) >= 1e5 or (abs(x) < 1e-3 and x != 0):
        return f"{x:.2e}"
    return f"{x:.4g}"


def _table(header: list[str], rows: list[list[str]], text_cols: int = 1) -> str:
    """Cells are already HTML (escaped by the caller); the first ``text_cols`` and any
    verdict or notes column align left."""
    left = [i < text_cols or h in ("verdict", "notes") for i, h in enumerate(header)]
    cls = [" class='t'" if t else "" for t in left]
    head = "".join(f"<th{c}>{h}</th>" for c, h in zip(cls, header, strict=True))
    body = "".join(
        "<tr>" + "".join(f"<td{c}>{v}</td>" for c, v in zip(cls, r, strict=True)) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _header(report: Any, run: Any, title: str) -> str:
    s = report.settings
    protocol = (
        f"hold-out: the last {s.get('test')} of each series"
        if s.get("protocol") == "hold-out"
        else f"cross-validation: {s.get('windows')} windows, h = {s.get('h')}"
    )
    bits = [f"{escape(protocol)}; search {escape(str(s.get('search')))}"]
    if run is not None:
        bits.append(f"run {run.id}, {escape(run.time)}, weightfit {escape(run.version)}")
        bits.append(f"<code>{escape(run.command)}</code>")
        data = f"data fingerprint <code>{escape(run.fingerprint)}</code>"
        if run.git_commit:
            data += f", git commit <code>{escape(run.git_commit[:12])}</code>"
        bits.append(data)
    lines = "".join(f"<div class='meta'>{b}</div>" for b in bits)
    return f"<header id='top'><h1>{escape(title)}</h1>{lines}</header>"


def _read(report: Any, read: dict[str, Any]) -> str:
    sources, series = read.get("sources", []), read.get("series", {})
    out = ["<section id='read'><h2>What was read</h2>"]
    if sources:
        rows = [
            [
                escape(Path(str(src.get("source"))).name),
                escape(str(src.get("format"))),
                escape(str(src.get("price_column"))),
                f"{int(src.get('rows_read', 0)):,}",
                escape(_dropped(src.get("dropped", {}))),
                escape("; ".join(src.get("notes", []))) or "-",
            ]
            for src in sources[:FULL_TABLE]
        ]
        out.append(_table(["file", "format", "price column", "rows", "dropped", "notes"], rows, 3))
        if len(sources) > FULL_TABLE:
            out.append(f"<p class='muted'>and {len(sources) - FULL_TABLE:,} more files</p>")
    if series and len(series) <= FULL_TABLE:
        rows = [
            [
                escape(uid),
                escape(Path(str(s.get("source", ""))).name),
                escape(str(s.get("frequency", "-"))),
                f"{int(s.get('rows', 0)):,}",
                escape(str(s.get("start", ""))),
                escape(str(s.get("end", ""))),
                escape(_dropped(s.get("dropped", {}))),
                escape("; ".join(s.get("notes", []))) or "-",
            ]
            for uid, s in series.items()
        ]
        header = ["series", "file", "frequency", "rows", "first", "last", "dropped", "notes"]
        out.append(_table(header, rows, 3))
    elif series:
        freq = Counter(str(s.get("frequency")) for s in series.values())
        fmts = Counter(str(s.get("format")) for s in series.values())
        out.append(
            f"<p>{len(series):,} series; formats: {escape(_counts(fmts))}; "
            f"frequencies: {escape(_counts(freq))}</p>"
        )
    if not sources and not series:
        out.append("<p class='muted'>no read record (the frame was built in memory)</p>")
    warnings = [f"{s.get('source')}: {w}" for s in sources for w in s.get("warnings", [])]
    if not sources:
        warnings = [f"{uid}: {w}" for uid, s in series.items() for w in s.get("warnings", [])]
    if report.rows_kept and len(report.describe["rows"]) <= 2000:  # the model warnings
        warnings += [
            f"{s['id']}: {w}"
            for s in report.series
            for w in s["warnings"]
            if any(w.startswith(f"{m} tracks") for m in report.fitted)
        ]
    if warnings:
        items = "".join(f"<li>{escape(w)}</li>" for w in warnings[:LISTED])
        more = len(warnings) - LISTED
        extra = f"<p class='muted'>and {more:,} more warnings</p>" if more > 0 else ""
        opened = " open" if len(warnings) <= 20 else ""  # a long list folds (no script needed)
        out.append(
            f"<details{opened}><summary><b>Warnings ({len(warnings):,})</b></summary>"
            f"<ul class='warn'>{items}</ul>{extra}</details>"
        )
    else:
        out.append("<p class='muted'>no warnings</p>")
    return "".join(out) + "</section>"


def _dropped(counts: dict[str, Any]) -> str:
    return ", ".join(f"{n} {why}" for why, n in counts.items()) or "none"


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{k} ({v:,})" for k, v in counter.most_common(8))


def _leaderboard(report: Any) -> str:
    table, best = report.table(), report.best()
    n = len(report.describe["rows"])
    # over several series only scale-free measures mean something: the others are left out
    metrics = [c for c in report.metrics if n == 1 or table[c].notna().any()]
    test = "p_dm" if n == 1 and "p_dm" in table else "p_value"
    cols = [*metrics, test]
    rows = []
    for name, row in table.iterrows():
        cells = [escape(str(name))]
        for c in cols:
            text = _fmt(row[c])
            cells.append(f"<span class='best'>{text} *</span>" if best.get(c) == name else text)
        rows.append(cells)
    html = _table(["model", *map(escape, metrics), "DM p" if n == 1 else "pooled p"], rows)
    for name in report.fitted:  # bold the weight models' rows
        html = html.replace(
            f"<tr><td class='t'>{escape(name)}</td>",
            f"<tr class='fitted'><td class='t'>{escape(name)}</td>",
            1,
        )
    what = (
        "one series; * best of each measure; DM p: Diebold-Mariano test against naive (HLN)"
        if n == 1
        else f"{n:,} series: scale-free aggregates (mean skill; MASE and RMSSE averaged); "
        "* best of each; pooled p: one test on scale-free differentials averaged per date "
        "(Clark-West for models that nest naive, else Diebold-Mariano)"
    )
    return (
        f"<section id='leaderboard'><h2>Leaderboard</h2><p class='muted'>{escape(what)}</p>"
        + html
        + "</section>"
    )


def _verdict(report: Any) -> str:
    o = report.overall
    out = ["<section id='verdict'><h2>Verdict</h2>"]
    if len(report.describe["rows"]) == 1 and report.rows_kept:
        s = report.series[0]
        out.append(f"<p class='verdict'>{escape(s['verdict'])}</p>")
        frame = report.to_frame()
        rows = [
            [
                escape(str(r.model)),
                _fmt(r.skill),
                _fmt(r.dm),
                _fmt(r.p_value),
                _fmt(r.p_value_abs),
                f"<span class='{escape(str(r.status))}'>{escape(str(r.verdict))}</span>",
            ]
            for r in frame.itertuples()
            if r.model != "Naive"
        ]
        header = ["model", "skill", "DM", "p (squared)", "p (absolute)", "verdict"]
        out.append(_table(header, rows))
    elif "verdict" in o:
        out.append(f"<p class='verdict'>{escape(o['verdict'])}</p>")
        rows = [
            [
                escape(name),
                _fmt(m["mean_skill"]),
                _fmt(m["p_value"]),
                f"{m['beats_naive_on']:,} of {o['series']:,}",
                f"<span class='{escape(m['status'])}'>{escape(m['verdict'])}</span>",
            ]
            for name, m in o["models"].items()
        ]
        header = ["model", "mean skill", "pooled p", "beats naive on", "verdict"]
        out.append(_table(header, rows))
        out.append(
            "<p class='muted'>pooled p: one test on each series' loss differential divided by "
            "its naive MSE, averaged per date (Clark-West for models that nest naive, else "
            "Diebold-Mariano); beats naive on: series beaten at a 5% false-discovery rate "
            "(Benjamini-Hochberg)</p>"
        )
    else:
        out.append("<p class='muted'>the tests were skipped (measures only)</p>")
    return "".join(out) + "</section>"


def _per_series(report: Any) -> pd.DataFrame:
    """Each series' best weight model (highest skill) with its skill, p-value and status
    (from the summary: there whether or not the report kept its rows)."""
    frame = report.skills()
    fitted = frame[frame.model.isin(report.fitted or report.models)]
    best = fitted.sort_values("skill", ascending=False, na_position="last", kind="stable")
    return best.drop_duplicates("unique_id").reset_index(drop=True)


def _series_rows(frame: pd.DataFrame) -> list[list[str]]:
    words = verdicts_of(frame) if len(frame) else []
    return [
        [
            escape(str(r.unique_id)),
            escape(str(r.model)),
            _fmt(r.skill),
            _fmt(r.p_value),
            f"<span class='{escape(str(r.status))}'>"
            f"{escape('the baseline' if r.model == 'Naive' else w)}</span>",
        ]
        for r, w in zip(frame.itertuples(), words, strict=True)
    ]


def _series(report: Any) -> str:
    best = _per_series(report)
    header = ["series", "best model", "skill", "DM p", "verdict"]
    out = ["<section id='series'><h2>Per series</h2>"]
    if len(best) <= FULL_TABLE:
        out.append(_table(header, _series_rows(best), 2))
    else:
        out.append(f"<div class='figure'>{_skill_histogram(report)}</div>")
        out.append(f"<h3>The {TOP} series with the highest skill</h3>")
        out.append(_table(header, _series_rows(best.head(TOP)), 2))
        out.append(f"<h3>The {TOP} series with the lowest skill</h3>")
        out.append(_table(header, _series_rows(best.dropna(subset=["skill"]).tail(TOP)), 2))
        out.append(f"<p class='muted'>{len(best):,} series in all</p>")
    return "".join(out) + "</section>"


def _svg(fig: Any, salt: str) -> str:
    """A figure as an inline <svg> element: text kept as text (small, selectable), the
    XML prolog and DOCTYPE dropped."""
    buffer = io.StringIO()
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _label(text: str) -> str:
    """User text for matplotlib: a '$' would start mathtext."""
    return text.replace("$", r"\$")


def _skill_histogram(report: Any) -> str:
    return _svg(skill_histogram(report.skills(), report.fitted), "skill")


def _plots(report: Any) -> str:
    if not report.rows_kept:
        return (
            "<section id='plots'><h2>Forecasts and errors</h2><p class='muted'>not drawn: "
            "the run was bigger than its memory budget and kept no forecasts in memory "
            "(--forecasts writes them all)</p></section>"
        )
    best = _per_series(report).dropna(subset=["skill"])
    if len(best) > PLOTS:  # the best, the median and the worst series
        picks = [0, len(best) // 2, len(best) - 1]
        chosen = [str(best.unique_id.iloc[i]) for i in picks]
    else:
        chosen = [str(u) for u in best.unique_id]
    figures = "".join(
        f"<div class='figure'>{_series_figure(report, uid, i)}</div>"
        for i, uid in enumerate(chosen)
    )
    what = "the best, the median and the worst series by skill" if len(best) > PLOTS else ""
    return (
        f"<section id='plots'><h2>Forecasts and errors</h2><p class='muted'>{what}</p>"
        f"{figures}</section>"
    )


def _series_figure(report: Any, uid: str, index: int) -> str:
    frame = report.forecasts[report.forecasts.unique_id == uid].tail(ZOOM)
    shown = ["Naive", *[n for n in report.fitted if n != "Naive"]]
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colour = {n: ("black" if n == "Naive" else cycle[i % len(cycle)]) for i, n in enumerate(shown)}
    fig, (line, hist) = plt.subplots(1, 2, figsize=(11, 3.8), width_ratios=[3, 2])
    line.plot(frame.ds, frame.y, color="0.25", lw=2, label="actual")
    for n in shown:
        line.plot(
            frame.ds, frame[n], lw=1.1, ls="--" if n == "Naive" else "-", color=colour[n], label=n
        )
    line.set_title(_label(f"{uid}: the last {len(frame)} forecasts"))
    line.legend(fontsize=8)
    line.grid(alpha=0.3)
    line.tick_params(axis="x", labelrotation=30, labelsize=8)
    errors = {n: (frame["y"] - frame[n]).to_numpy(float) for n in shown}
    spread = np.concatenate(list(errors.values()))
    spread = spread[np.isfinite(spread)]
    lo, hi = np.percentile(spread, [0.5, 99.5]) if len(spread) else (-1.0, 1.0)
    bins = np.linspace(float(lo), float(hi) + 1e-12, 30).tolist()
    for n in shown:
        hist.hist(errors[n], bins=bins, histtype="step", lw=1.4, color=colour[n], label=n)
    hist.set_title("errors (actual - forecast)")
    hist.legend(fontsize=8)
    hist.grid(alpha=0.3)
    fig.tight_layout()
    return _svg(fig, f"series-{index}")
