"""``gci-bench publish``: push a build to the Hub as one dataset with a config per group."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gci_bench.commands import COMMANDS, Command

HELP = "publish a build's datasets to the Hugging Face Hub (or stage them with --dry-run)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data", type=Path, default=Path("gci-build"), help="build directory (default: gci-build)"
    )
    p.add_argument("--repo-id", required=True, help="Hub dataset repository, ORG/NAME")
    p.add_argument("--private", action="store_true", help="create the repository as private")
    p.add_argument("--revision", default=None, help="branch to push to (created if missing)")
    p.add_argument(
        "--dry-run",
        type=Path,
        default=None,
        metavar="OUT",
        help="write the exact repository content to OUT instead of pushing",
    )


def run(args: argparse.Namespace, console: Any) -> int:
    from gci_bench.publish import publish

    with console.status("staging…" if args.dry_run else f"publishing to {args.repo_id}…"):
        result = publish(
            args.data,
            args.repo_id,
            private=args.private,
            revision=args.revision,
            dry_run=args.dry_run,
        )
    where = (
        f"https://huggingface.co/datasets/{result.repo_id}" if result.pushed else str(result.folder)
    )
    verb = "pushed" if result.pushed else "staged"
    console.print(f"{verb} {len(result.files)} files → {where}")
    for f in result.files:
        console.print(f"  {f}", highlight=False)
    return 0


COMMANDS.register("publish")(Command("publish", HELP, add_arguments, run))
