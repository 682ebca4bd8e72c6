"""``gci-bench eval``: score a model on a build — D, G, I per group, the GCI score, a table."""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table

from gci_bench.commands import COMMANDS, Command, progress_bar

HELP = "score a model (or predictions) on a build: domain, general, integrated and GCI scores"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from gci_bench.evaluation.config import EvalConfig, add_dataclass_arguments
    from gci_bench.models.base import ModelSpec

    add_dataclass_arguments(p, ModelSpec)
    add_dataclass_arguments(p, EvalConfig)
    p.add_argument(
        "--tasks-table",
        action="store_true",
        default=False,
        help="also print the per-task scores and extraction rates",
    )


def run(args: argparse.Namespace, console: Any) -> int:
    from gci_bench.evaluation import EvalConfig, evaluate
    from gci_bench.evaluation.config import from_namespace
    from gci_bench.models.base import ModelSpec

    spec = from_namespace(ModelSpec, args)
    config = from_namespace(EvalConfig, args)
    with progress_bar(console) as bar:
        task = bar.add_task("loading", total=None, note="")

        def show(event: Any) -> None:
            if event.stage == "generating":
                note = f"({event.from_cache} cached)" if event.from_cache else ""
                bar.update(
                    task,
                    description="generating",
                    completed=event.done,
                    total=event.total,
                    note=note,
                )
            else:
                bar.update(task, description=event.stage, note=event.message)

        result = evaluate(config, spec, progress=show)
    render(console, result.results, tasks=args.tasks_table)
    console.print(f"results: {result.out_dir / 'results.json'}", highlight=False)
    return 0


def _cell(block: dict[str, Any] | None) -> str:
    if not block:
        return "–"
    ci = block.get("ci")
    interval = f" [dim]({ci[0]:.1f}–{ci[1]:.1f})[/]" if ci else ""
    return f"{block['score']:.1f}{interval}"


def render(console: Any, results: dict[str, Any], *, tasks: bool = False) -> None:
    """The run's scores as tables on the terminal."""
    scores = results["scores"]
    model = results["model"]
    title = f"gci-bench eval · {model.get('backend')} · {model.get('model')}"
    if model.get("adapter"):
        title += f" + {model['adapter']['kind']} {model['adapter']['path']}"
    table = Table(
        title=title,
        caption="D domain · G general · I integrated: score (95% CI) · integration rate "
        "over linked triples whose twins are solved · parsed: extraction rate",
    )
    table.add_column("group", no_wrap=True)
    for col in ("D", "G", "I", "integration", "parsed"):
        table.add_column(col, justify="right")
    for group, block in scores["groups"].items():
        integ = block["integration"]
        rate = f"{integ['rate']:.1f} (n={integ['n']})" if integ["rate"] is not None else "–"
        table.add_row(
            group,
            _cell(block.get("D")),
            _cell(block.get("G")),
            _cell(block.get("I")),
            rate,
            f"{block['extraction_rate'] * 100:.0f}%",
        )
    console.print(table)
    if tasks:
        t = Table(title="per task")
        for col in ("group", "subset", "task", "type", "n", "score", "parsed"):
            t.add_column(col, justify="right" if col in ("n", "score", "parsed") else "left")
        for group, block in scores["groups"].items():
            for letter in ("D", "G", "I"):
                for name, cell in (block.get(letter) or {}).get("tasks", {}).items():
                    t.add_row(
                        group,
                        letter,
                        name,
                        cell["answer_type"],
                        str(cell["n"]),
                        f"{cell['score']:.1f}",
                        f"{cell['extraction_rate'] * 100:.0f}%",
                    )
        console.print(t)
    gen = results["generation"]
    gci = scores["gci"]
    console.print(
        f"GCI score [bold]{gci:.1f}[/]" if gci is not None else "GCI score –",
        f" ·  {gen['items']} items, {gen['from_cache']} from cache"
        f"  ·  {results['timings']['total_s']:.1f}s",
        highlight=False,
    )


COMMANDS.register("eval")(Command("eval", HELP, add_arguments, run))
