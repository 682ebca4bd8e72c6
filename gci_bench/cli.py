"""The ``gci-bench`` command line: parse, call one library function, render the result.

Each subcommand lives in ``gci_bench/commands/<name>.py`` and registers itself in
:data:`COMMANDS` with ``add_arguments`` and ``run``. Here the project's own
:class:`~gci_bench.errors.GciError` becomes a one-line message and a non-zero exit code;
any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from gci_bench import __version__
from gci_bench.commands import COMMANDS
from gci_bench.errors import GciError


def make_parser() -> argparse.ArgumentParser:
    """The full argument parser (every registered subcommand)."""
    parser = argparse.ArgumentParser(
        prog="gci-bench",
        description="Measure and improve General Capabilities Integration in Chinese legal LLMs.",
    )
    parser.add_argument("--version", action="version", version=f"gci-bench {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log library details")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS.names():
        cmd = COMMANDS.get(name)
        p = sub.add_parser(name, help=cmd.help, description=cmd.help)
        cmd.add_arguments(p)
        p.set_defaults(_command=cmd)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = make_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s"
    )
    if not args.verbose:
        _quiet_libraries()
    console = Console(stderr=True)
    try:
        return int(args._command.run(args, console) or 0)
    except GciError as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]")
        return 130


def _quiet_libraries() -> None:
    """Keep library progress bars and warnings off the terminal; the CLI shows its own."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        from datasets.utils.logging import disable_progress_bar, set_verbosity_error

        disable_progress_bar()
        set_verbosity_error()
    except ImportError:  # pragma: no cover - datasets is a hard dependency
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
