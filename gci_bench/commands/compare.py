"""``gci-bench compare BASE TUNED``: ΔD, ΔG, ΔI per group with paired p-values, and a chart."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.table import Table

from gci_bench.commands import COMMANDS, Command

HELP = "compare a tuned run with its base: domain gain, forgetting, integration gain"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("base", type=Path, help="run directory of the base model (gci-bench eval --out)")
    p.add_argument("tuned", type=Path, help="run directory of the tuned model")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where compare.json and compare.png go (default: TUNED/compare)",
    )
    p.add_argument(
        "--bootstrap", type=int, default=1000, help="paired bootstrap resamples (default: 1000)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default: 0)")


def run(args: argparse.Namespace, console: Any) -> int:
    from gci_bench.evaluation.compare import MEANING, compare_runs, write_outputs

    comparison = compare_runs(args.base, args.tuned, n_boot=args.bootstrap, seed=args.seed)
    out = args.out or Path(args.tuned) / "compare"
    js, png = write_outputs(comparison, out)
    report = comparison.report
    table = Table(
        title=f"{args.tuned} vs {args.base}",
        caption=" · ".join(f"Δ{k} {v}" for k, v in MEANING.items())
        + " · shared items, paired bootstrap",
    )
    for col in ("group", "", "base", "tuned", "Δ", "95% CI", "p", "n"):
        table.add_column(col, justify="left" if col in ("group", "") else "right")
    for group, block in report["groups"].items():
        for letter in ("D", "G", "I"):
            cell = block.get(letter)
            if not cell:
                continue
            ci = cell["ci"]
            p = cell["p_value"]
            colour = "green" if cell["delta"] > 0 else "red" if cell["delta"] < 0 else ""
            sig = p is not None and p < 0.05
            delta = f"{cell['delta']:+.1f}"
            table.add_row(
                group,
                f"Δ{letter}",
                f"{cell['base']:.1f}",
                f"{cell['tuned']:.1f}",
                f"[{colour}]{delta}[/]" if colour and sig else delta,
                f"{ci[0]:+.1f}…{ci[1]:+.1f}" if ci else "–",
                f"{p:.3f}" if p is not None else "–",
                str(cell["n"]),
            )
    console.print(table)
    dg = report["delta_gci"]
    console.print(
        f"ΔGCI {dg:+.1f}" if dg is not None else "ΔGCI –",
        f" ·  {js}  ·  {png}",
        highlight=False,
    )
    return 0


COMMANDS.register("compare")(Command("compare", HELP, add_arguments, run))
