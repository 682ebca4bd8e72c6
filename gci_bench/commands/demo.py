"""``gci-bench demo``: the whole mission in one command.

Builds the embedded data, trains LoRA and ALoRA briefly on one base model, evaluates the base and
both adapters on the same items, and compares each adapter against the base. Every step is the
real subcommand, run in this process, so the demo exercises exactly what a user runs by hand; its
outputs stay in ``--out`` for inspection. Without ``--model`` the base is a tiny random model
built offline (seconds, no download): the demo then shows the mechanics, not meaningful scores.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.table import Table

from gci_bench.commands import COMMANDS, Command
from gci_bench.errors import GciError

HELP = "build, train LoRA and ALoRA briefly, evaluate base/LoRA/ALoRA and compare (one command)"
METHODS = ("lora", "alora")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out", type=Path, default=Path("gci-demo"), help="working directory (default: gci-demo)"
    )
    p.add_argument(
        "--model",
        default=None,
        help="base model directory or .gguf (default: a tiny random model built offline)",
    )
    p.add_argument(
        "--max-steps", type=int, default=30, help="training steps per method (default: 30)"
    )
    p.add_argument("--limit", type=int, default=3, help="eval items per task (default: 3)")
    p.add_argument(
        "--max-per-task", type=int, default=200, help="build cap per task and split (default: 200)"
    )
    p.add_argument(
        "--max-new-tokens", type=int, default=48, help="eval generation budget (default: 48)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed for build, training and bootstrap")


def _step(console: Any, title: str, argv: list[str]) -> None:
    from gci_bench.cli import main

    console.rule(f"[bold]{title}")
    console.print("$ gci-bench " + " ".join(argv), highlight=False)
    code = main(argv)
    if code:
        raise GciError(f"demo step '{title}' failed (exit {code}); see the message above")


def run(args: argparse.Namespace, console: Any) -> int:
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    build = out / "build"
    seed = str(args.seed)
    _step(
        console,
        "1. build the embedded data",
        [
            "build",
            "--out",
            str(build),
            "--max-per-task",
            str(args.max_per_task),
            "--seed",
            seed,
        ],
    )
    base = args.model or str(_tiny_base(build, out / "tiny-base"))
    common = [
        "--data",
        str(build),
        "--limit",
        str(args.limit),
        "--max-new-tokens",
        str(args.max_new_tokens),
        "--seed",
        seed,
        "--cache-dir",
        str(out / "cache"),
    ]
    runs = {"base": out / "eval-base"}
    for method in METHODS:
        _step(
            console,
            f"2. train {method}",
            [
                "train",
                "--model",
                base,
                "--method",
                method,
                "--data",
                str(build),
                "--out",
                str(out / f"train-{method}"),
                "--max-steps",
                str(args.max_steps),
                "--seed",
                seed,
                "--limit",
                "400",
                "--val-size",
                "8",
                "--max-length",
                "512",
            ],
        )
        runs[method] = out / f"eval-{method}"
    _step(
        console, "3. evaluate base", ["eval", "--model", base, "--out", str(runs["base"]), *common]
    )
    for method in METHODS:
        _step(
            console,
            f"3. evaluate {method}",
            [
                "eval",
                "--model",
                base,
                "--adapter",
                str(out / f"train-{method}"),
                "--out",
                str(runs[method]),
                *common,
            ],
        )
    for method in METHODS:
        _step(
            console,
            f"4. compare base → {method}",
            [
                "compare",
                str(runs["base"]),
                str(runs[method]),
                "--seed",
                seed,
            ],
        )
    console.print(_summary(runs))
    console.print(f"everything is in {out}/ (build, adapters, eval runs, compare charts)")
    return 0


def _tiny_base(build: Path, where: Path) -> Path:
    """A tiny random Llama whose character vocabulary covers the build's text."""
    from gci_bench.models.tiny import make_tiny_model
    from gci_bench.outputs import load_build

    if (where / "config.json").exists():
        return where
    texts = []
    for dd in load_build(build).values():
        for split in ("train", "test"):
            ds = dd[split]
            for column in ("instruction", "input", "answer"):
                texts.extend(ds[column])
            texts.extend(c for choices in ds["choices"] for c in choices)
    return make_tiny_model(where, texts, hidden_size=64, layers=2, heads=2)


def _summary(runs: dict[str, Path]) -> Table:
    """GCI and per-group D/G/I of each run, read back from its results.json."""
    table = Table(title="demo: base vs LoRA vs ALoRA")
    rows = {
        name: json.loads((path / "results.json").read_text(encoding="utf-8"))
        for name, path in runs.items()
    }
    groups = sorted(next(iter(rows.values()))["scores"]["groups"])
    table.add_column("run")
    table.add_column("GCI", justify="right")
    for g in groups:
        table.add_column(f"{g} D/G/I", justify="right")
    for name, res in rows.items():
        scores = res["scores"]
        cells = []
        for g in groups:
            sub = scores["groups"][g]
            cells.append("/".join(_fmt(sub.get(k)) for k in ("D", "G", "I")))
        table.add_row(name, _fmt(scores.get("gci")), *cells)
    return table


def _fmt(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("score")
    return "–" if value is None else f"{float(value):.1f}"


COMMANDS.register("demo")(Command("demo", HELP, add_arguments, run))
