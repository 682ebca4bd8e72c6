"""``gci-bench train``: fine-tune a base model on a build's train splits (one flag per config field)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from rich.table import Table

from gci_bench.commands import COMMANDS, Command, progress_bar

HELP = (
    "fine-tune a model on a build's train splits: full, lora, alora, or the rega, versatune, "
    "mixcpt and replay recipes"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    from gci_bench.evaluation.config import add_dataclass_arguments
    from gci_bench.training.config import TrainConfig

    add_dataclass_arguments(p, TrainConfig)


def _is_main_process() -> bool:
    """Under ``accelerate launch`` every process runs the CLI; only rank 0 talks to the user."""
    return os.environ.get("RANK", "0") == "0"


def run(args: argparse.Namespace, console: Any) -> int:
    from gci_bench.evaluation.config import from_namespace
    from gci_bench.training import TrainConfig, TrainProgress, train

    config = from_namespace(TrainConfig, args)
    if not _is_main_process():
        train(config)  # the main process reports for all of them
        return 0
    with progress_bar(console) as bar:
        task = bar.add_task("preparing", total=None, note="")

        def show(event: TrainProgress) -> None:
            if event.stage == "preparing":
                bar.update(task, description="preparing", note=event.message)
                return
            parts = []
            if event.loss is not None:
                parts.append(f"loss {event.loss:.3f}")
            if event.eval_loss is not None:
                parts.append(f"val {event.eval_loss:.3f}")
            bar.update(
                task,
                description=event.stage,
                completed=event.step,
                total=event.total or None,
                note="  ".join(parts),
            )

        result = train(config, progress=show)
    render(console, result)
    return 0


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.4f}"


def render(console: Any, result: Any) -> None:
    """A one-table summary of the run and where its outputs are."""
    m = result.manifest
    table = Table(title=f"gci-bench train · {result.method} ({result.peft}) → {result.out_dir}")
    table.add_column("item")
    table.add_column("value", justify="right")
    table.add_row("steps", str(result.global_step))
    table.add_row("train examples", str(sum(m["data"]["train_examples"].values())))
    table.add_row("train loss (last logged)", _fmt(result.train_loss))
    table.add_row("validation loss", _fmt(result.eval_loss))
    table.add_row("trainable parameters", f"{m['weights']['trainable_parameters']:,}")
    if result.resumed_from:
        table.add_row("resumed from", os.path.basename(result.resumed_from))
    table.add_row("time", f"{result.seconds:.1f}s")
    console.print(table)
    flag = "--model" if m["weights"]["output"] == "model" else "--adapter"
    base = "" if flag == "--model" else f"--model {m['base_model']['path']} "
    console.print(
        f"evaluate: gci-bench eval {base}{flag} {result.out_dir} --data {m['data']['build']}",
        highlight=False,
        soft_wrap=True,
    )


COMMANDS.register("train")(Command("train", HELP, add_arguments, run))
