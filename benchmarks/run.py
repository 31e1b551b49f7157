"""Run every benchmark; print each figure as a ratio against its reference, then issue 11's
targets in one table (target, measured, met), and write ``benchmarks/results.md`` and
``benchmarks/results.json``. ``--quick`` runs small versions (its targets are checked at the
small sizes, named in each target)."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

MODULES = [
    "tutorial_loop",
    "fast_path",
    "read_csv",
    "scale_fit",
    "panel_cv",
    "autoregressive",
    "cli_files",
]


def main() -> None:
    import warnings

    # statsforecast's ARIMA warns about convergence on some random walks; the figures stand
    warnings.filterwarnings("ignore", message="possible convergence problem")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument(
        "--only", nargs="*", help="run only these modules (writes results-only.md and .json)"
    )
    args = parser.parse_args()
    rows = []
    for name in args.only or MODULES:
        module = importlib.import_module(f"benchmarks.{name}")
        for row in module.run(quick=args.quick):
            rows.append(row)
            print(
                f"{row['benchmark']}: {row['seconds']:.4g} s, {row['reference']} "
                f"{row['reference_seconds']:.4g} s -> {row['speedup']:.2f}x",
                flush=True,
            )
            for key, value in row.items():
                if key not in BASE:
                    print(f"    {key.replace('_', ' ')}: {_text(value)}", flush=True)
    from benchmarks._timing import WARMUP, threads

    pools = ", ".join(f"{k} {v}" for k, v in threads().items())
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"quick={args.quick}; threads: {pools}; every side: {WARMUP} warm-up call, then the "
        "best of the same number of timed calls"
    )
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine}. Ratio = reference seconds / weightfit seconds (> 1: faster).",
        "",
        "| benchmark | weightfit (s) | reference | reference (s) | ratio | also |",
        "|---|---:|---|---:|---:|---|",
    ]
    for r in rows:
        also = {k: v for k, v in r.items() if k not in BASE}
        extra = ", ".join(f"{k.replace('_', ' ')} {_text(v)}" for k, v in also.items())
        lines.append(
            f"| {r['benchmark']} | {r['seconds']:.4g} | {r['reference']} | "
            f"{r['reference_seconds']:.4g} | {r['speedup']:.2f}x | {extra} |"
        )
    goals = [goal for r in rows for goal in r.get("targets", [])]
    table = targets_table(goals)
    print("\n".join(["", *table]), flush=True)
    lines += ["", *table]
    # a partial run (--only) never overwrites the full results
    suffix = ("-quick" if args.quick else "") + ("-only" if args.only else "")
    (HERE / f"results{suffix}.md").write_text("\n".join(lines) + "\n")
    (HERE / f"results{suffix}.json").write_text(
        json.dumps({"machine": machine, "results": rows, "targets": goals}, indent=2)
    )


BASE = {"benchmark", "seconds", "reference", "reference_seconds", "speedup", "targets"}


def targets_table(goals: list[dict]) -> list[str]:
    """Issue 11's targets as a markdown table: target, measured, met."""
    met = sum(g["met"] for g in goals)
    lines = [
        f"## Issue 11's targets: {met} of {len(goals)} met",
        "",
        "Speeds are ratios (reference seconds / weightfit seconds, measured in the same run).",
        "",
        "| target | measured | met |",
        "|---|---:|:---:|",
    ]
    for g in goals:
        lines.append(f"| {g['target']} | {g['measured']} | {'yes' if g['met'] else 'no'} |")
    return lines


def _text(value: object) -> str:
    return f"{value:,.4g}" if isinstance(value, int | float) else str(value)


if __name__ == "__main__":
    main()
