"""``gci-bench leaderboard init|submit|render``: a registry of re-scored runs and its web page."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from gci_bench.commands import COMMANDS, Command
from gci_bench.errors import GciError

HELP = "run a leaderboard: create a registry, submit eval runs (re-scored), render a static site"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from gci_bench.evaluation.config import add_dataclass_arguments
    from gci_bench.leaderboard.store import RegistryConfig

    sub = p.add_subparsers(dest="leaderboard_action", required=True, metavar="ACTION")
    init = sub.add_parser(
        "init",
        help="create a registry that accepts runs on one build",
        description="Create a registry folder that accepts `gci-bench eval` runs on one build, "
        "scored with fixed settings.",
    )
    init.add_argument(
        "--registry", type=Path, required=True, metavar="DIR", help="registry folder to create"
    )
    add_dataclass_arguments(init, RegistryConfig)

    submit = sub.add_parser(
        "submit",
        help="check a run, re-score its predictions and add it to the registry",
        description="Validate a run directory (or a .zip/.tar.gz of one), re-score its "
        "predictions with `eval --predictions` and store it as an entry.",
    )
    submit.add_argument(
        "run_dir",
        type=Path,
        metavar="RESULTS_DIR",
        help="a `gci-bench eval` output directory, or a .zip/.tar.gz of one",
    )
    submit.add_argument(
        "--registry", type=Path, required=True, metavar="DIR", help="registry folder"
    )
    submit.add_argument(
        "--card",
        type=Path,
        default=None,
        metavar="FILE",
        help="model card JSON (replaces RESULTS_DIR's model_card.json)",
    )
    submit.add_argument(
        "--data",
        type=Path,
        default=None,
        metavar="BUILD_DIR",
        help="the registry's build, when it moved since init (same fingerprint required)",
    )

    render = sub.add_parser(
        "render",
        help="write the leaderboard site: index.html, leaderboard.csv, leaderboard.md",
        description="Render a registry as a static site (no server needed).",
    )
    render.add_argument(
        "--registry", type=Path, required=True, metavar="DIR", help="registry folder"
    )
    render.add_argument(
        "--out",
        type=Path,
        default=Path("site"),
        metavar="SITE",
        help="output folder (default: site)",
    )


def run(args: argparse.Namespace, console: Any) -> int:
    action = {"init": _init, "submit": _submit, "render": _render}[args.leaderboard_action]
    return action(args, console)


def _init(args: argparse.Namespace, console: Any) -> int:
    from gci_bench.evaluation.config import from_namespace
    from gci_bench.leaderboard.store import RegistryConfig, init_registry

    config = from_namespace(RegistryConfig, args)
    with console.status("reading the build…"):
        reg = init_registry(args.registry, config)
    s = reg.meta["scoring"]
    table = Table(title=f"leaderboard registry → {args.registry}")
    table.add_column("setting")
    table.add_column("value")
    table.add_row("build", reg.meta["build"]["path"])
    table.add_row("dataset fingerprint", reg.fingerprint)
    table.add_row("items", f"{s['items']} {s['split']} items ({', '.join(s['groups'])})")
    table.add_row("limit per task", str(s["limit"] or "none (every test item)"))
    table.add_row("bootstrap / seed", f"{s['bootstrap']} / {s['seed']}")
    lim = reg.meta["limits"]
    table.add_row(
        "submission limits",
        f"{lim['max_file_bytes'] / 2**20:g} MiB per file, {lim['max_total_bytes'] / 2**20:g} "
        f"MiB in all, {lim['max_files']} files",
    )
    console.print(table)
    return 0


def _submit(args: argparse.Namespace, console: Any) -> int:
    from gci_bench.commands.eval import render as render_scores
    from gci_bench.leaderboard.submit import submit

    with console.status("checking…") as status:
        try:
            result = submit(
                args.run_dir,
                args.registry,
                card=args.card,
                data=args.data,
                progress=lambda msg: status.update(msg + "…"),
            )
        except GciError as exc:
            # Reasons quote submitted names ("[/x].pkl"); the CLI prints them as rich markup.
            raise GciError(escape(str(exc)), exit_code=exc.exit_code) from None
    # Submitted text is shown escaped: a name like "[/x]" is rich markup otherwise.
    table = Table(title=f"accepted: {escape(result.card.name)} → entry {result.entry_id}")
    table.add_column("check")
    table.add_column("result")
    for check, detail in result.checks:
        table.add_row(check, f"[green]✓[/] {escape(detail)}")
    console.print(table)
    model = {**result.results["model"], "model": escape(result.card.name)}
    render_scores(console, {**result.results, "model": model})
    console.print(f"stored: {result.entry_dir}", highlight=False)
    return 0


def _render(args: argparse.Namespace, console: Any) -> int:
    from gci_bench.leaderboard.render import fmt, render

    with console.status("rendering…"):
        result = render(args.registry, args.out)
    table = Table(title=f"gci-bench leaderboard · {len(result.rows)} entries")
    for col in ("#", "model", "base", "GCI", "ΔG vs base"):
        table.add_column(col, justify="right" if col in ("#", "GCI", "ΔG vs base") else "left")
    for r in result.rows:
        table.add_row(
            str(r.rank),
            escape(r.name),
            escape(str(r.card.get("base_model") or "–")),
            fmt(r.gci),
            fmt(r.delta_g_mean, signed=True) if r.base_entry else "–",
        )
    console.print(table)
    for f in result.files:
        console.print(f"  wrote {f}", highlight=False)
    return 0


COMMANDS.register("leaderboard")(Command("leaderboard", HELP, add_arguments, run))
