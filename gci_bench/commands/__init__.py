"""Subcommands of the ``gci-bench`` CLI, one module each, registered in :data:`COMMANDS`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gci_bench.registry import Registry


@dataclass(frozen=True)
class Command:
    """One subcommand: its help line, how it declares arguments, what it runs."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Any], int | None]


COMMANDS: Registry[Command] = Registry(
    "command",
    modules=(
        "gci_bench.commands.build",
        "gci_bench.commands.publish",
        "gci_bench.commands.eval",
        "gci_bench.commands.compare",
        "gci_bench.commands.train",
        "gci_bench.commands.leaderboard",
        "gci_bench.commands.demo",
    ),
)


def progress_bar(console: Any) -> Any:
    """The CLI's progress display: description, bar, done/total, a note, time left."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
