"""The lesson in the terminal (rich): the published claim, the honest scores, the audits and
the closing table. Nothing here computes; it shows what ``weightfit.lesson`` returned."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from weightfit.report.console import verdict_word
from weightfit.report.tables import Column, compact, p_value, print_table
from weightfit.report.text import safe


def _num(x: Any) -> str:
    return compact(x)


def render_lesson(result: Any, console: Console) -> None:
    d, s, p = result.data, result.settings, result.published
    console.print(
        f"[bold]The data[/]   {d['ticker']}, the last {d['rows']} days ({d['start']} to "
        f"{d['end']}): train {d['train_rows']}, test {d['test_rows']} (from {d['test_start']})",
        highlight=False,
    )
    console.print(
        f"[bold]The model[/]   LSTM, {s['layers']} layer of {s['hidden']} units, windows of "
        f"{s['window']} prices, {s['epochs']} epochs of {s['optimizer']} (lr {s['lr']}, batches "
        f"of {s['batch_size']}), {s['dtype']}, seed {s['seed']}",
        highlight=False,
    )
    console.print(
        "[bold](a) As published[/]   MinMaxScaler fitted on the whole series, MSE in scaled units:",
        highlight=False,
    )
    console.print(
        f"   test MSE {p['scaled_mse']:.3e}, RMSE {p['scaled_rmse']:.4f}, R² {p['r2']:.3f}: "
        "the actual-vs-predicted plot looks perfect",
        highlight=False,
    )
    console.print(
        f"   but naive (tomorrow = today) scores MSE {p['naive_scaled_mse']:.3e}, "
        f"R² {p['naive_r2']:.3f} on the same scale",
        highlight=False,
    )
    console.print(
        "[bold](b) Honestly[/]   the scaler fitted on the training part, every forecast in "
        "dollars, against naive and every baseline:",
        highlight=False,
    )
    rows = list(result.scores.items())
    columns = [
        Column("model", [safe(name) for name, _ in rows], justify="left", wrap=True),
        Column("RMSE (USD)", [_num(m["rmse"]) for _, m in rows]),
        Column("MAE (USD)", [_num(m["mae"]) for _, m in rows], 1),
        Column("skill", [_num(m["skill"]) for _, m in rows]),
        Column("DM p", [p_value(m["p_value"]) for _, m in rows]),
        Column("vs naive", [verdict_word(m["verdict"]) for _, m in rows], justify="left"),
    ]
    styles = ["bold" if name.startswith("LSTM") else None for name, _ in rows]
    print_table(console, columns, styles=styles)
    console.print(f"[bold]verdict[/] {safe(result.verdict)}", highlight=False)
    for w in result.warnings:
        console.print(f"  [yellow]warning[/]: {safe(w)}", highlight=False)
    console.print(
        f"   (a) is {p['mae_to_yesterday']:.2f} USD from yesterday's price on average and "
        f"{p['mae_to_today']:.2f} from today's: it follows the last price, one day late",
        highlight=False,
    )
    console.print("[bold]The look-ahead audit[/]   the future altered, the past untouched:")
    for label, a in result.audit.items():
        colour = "bold red" if a["leak"] else "green"
        console.print(f"   ({label}) [{colour}]{a['message']}[/]", highlight=False)
    closing = Table(title="What each pipeline claimed, and what is true", header_style="bold")
    for col in ("pipeline", "claimed", "true"):
        closing.add_column(col, ratio=1 if col == "pipeline" else 2)
    for row in result.closing:
        closing.add_row(row["pipeline"], row["claimed"], row["true"])
    console.print(closing)
