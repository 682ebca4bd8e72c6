"""``gci-bench build``: raw corpora → task-group datasets, with progress and a summary table."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.table import Table

from gci_bench.commands import COMMANDS, Command
from gci_bench.records import GROUPS

HELP = "build the three GCI task groups (train/test) from raw legal corpora"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--raw-dir",
        type=Path,
        default=None,
        help="corpus directory laid out like shared/corpora (default: the embedded sample)",
    )
    p.add_argument(
        "--out", type=Path, default=Path("gci-build"), help="output directory (default: gci-build)"
    )
    p.add_argument(
        "--groups", nargs="+", choices=GROUPS, default=list(GROUPS), help="groups to build"
    )
    p.add_argument(
        "--seed", type=int, default=0, help="seed for generators and capping (default: 0)"
    )
    p.add_argument(
        "--max-per-task", type=int, default=None, help="at most N items per task and split"
    )
    p.add_argument(
        "--items-per-generator",
        type=int,
        default=60,
        help="statute_calc items per generator and split (default: 60)",
    )
    p.add_argument(
        "--train-fraction",
        type=float,
        default=0.5,
        help="share of records sent to train for sources without a split (default: 0.5)",
    )
    p.add_argument("--num-proc", type=int, default=1, help="processes for near-duplicate hashing")
    p.add_argument("--strict", action="store_true", help="stop at the first bad record or file")


def run(args: argparse.Namespace, console: Any) -> int:
    from gci_bench.build import build, default_raw_dir
    from gci_bench.task_groups.base import BuildOptions

    options = BuildOptions(
        raw_dir=(args.raw_dir or default_raw_dir()).resolve(),
        groups=tuple(args.groups),
        seed=args.seed,
        max_per_task=args.max_per_task,
        items_per_generator=args.items_per_generator,
        train_fraction=args.train_fraction,
        num_proc=args.num_proc,
        strict=args.strict,
    )
    with console.status("building…") as status:
        result = build(options, args.out, progress=lambda msg: status.update(f"building: {msg}"))
    table = Table(title=f"gci-bench build → {args.out}")
    for col in ("group", "subset", "task", "train", "test"):
        table.add_column(col, justify="right" if col in ("train", "test") else "left")
    for group, splits in result.counts.items():
        tasks = sorted({(sub, t) for s in splits.values() for sub, ts in s.items() for t in ts})
        for subset, name in tasks:
            n = [splits[s].get(subset, {}).get(name, 0) for s in ("train", "test")]
            table.add_row(group, subset, name, str(n[0]), str(n[1]))
    console.print(table)
    report = result.report
    console.print(
        f"fingerprint [bold]{result.fingerprint[:16]}[/]  ·  {len(report.dropped)} raw records dropped"
        f"  ·  {len(report.warnings)} warnings  ·  {result.seconds:.1f}s  (details: {args.out}/build_manifest.json)"
    )
    for w in report.warnings[:10]:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    return 0


COMMANDS.register("build")(Command("build", HELP, add_arguments, run))
