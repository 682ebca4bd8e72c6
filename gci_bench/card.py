"""The dataset card (README.md) of a build: YAML ``configs`` + provenance, licences, counts.

The YAML header is what makes ``datasets.load_dataset(BUILD_DIR, "<group>")`` and the Hub find
each group's Parquet files; the body is for people.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gci_bench.task_groups.base import BuildContext

CITATION = """@software{gci_bench,
  title  = {gci-bench: General Capabilities Integration benchmark for Chinese legal LLMs},
  note   = {Task design after Liu et al., More Than Catastrophic Forgetting: Integrating General
            Capabilities For Domain-Specific LLMs, EMNLP 2024 (arXiv 2405.17830)},
  year   = {2026}
}"""


def yaml_header(groups: list[str]) -> str:
    """The card's YAML front matter: one config per group, train and test Parquet globs."""
    lines = ["---", "language:", "- zh", "license: other", "pretty_name: gci-bench", "configs:"]
    for g in groups:
        lines += [f"- config_name: {g}", "  data_files:"]
        for split in ("train", "test"):
            lines += [f"  - split: {split}", f"    path: data/{g}/{split}-*.parquet"]
    lines.append("---")
    return "\n".join(lines)


def dataset_card(manifest: dict[str, Any], ctx: BuildContext | None = None) -> str:
    """Render the full card from a build manifest (``ctx`` adds per-source licences)."""
    from gci_bench.task_groups.base import TASKS

    groups = manifest["options"]["groups"]
    out = [yaml_header(groups), "", "# gci-bench datasets", ""]
    out.append(
        "Three task groups measuring General Capabilities Integration (GCI) of Chinese legal "
        "LLMs: `computation` (legal × arithmetic), `safety` (legal × safety/ethics), "
        "`summarization` (legal × summarisation). Each has `domain`, `general` and `integrated` "
        "subsets. The group design follows Liu et al. (EMNLP 2024); the sources, tasks and "
        "metrics are gci-bench's own construction (the paper's data was never released)."
    )
    out += [
        "",
        f"- gci-bench version: `{manifest['gci_bench_version']}`",
        f"- dataset fingerprint: `{manifest['dataset_fingerprint']}`",
        f"- seed: `{manifest['options']['seed']}`",
        "",
        "## Counts",
        "",
        "| group | split | subset | task | items |",
        "|---|---|---|---|---|",
    ]
    for g in groups:
        for split, subsets in manifest["counts"][g].items():
            for subset, tasks in subsets.items():
                for name, n in tasks.items():
                    out.append(f"| {g} | {split} | {subset} | {name} | {n} |")
    out += [
        "",
        "## Tasks",
        "",
        "| task | group | subset | answer type | sources |",
        "|---|---|---|---|---|",
    ]
    for name in TASKS.names():
        spec = TASKS.get(name)
        if spec.group in groups:
            out.append(
                f"| {name} | {spec.group} | {spec.subset} | {spec.answer_type} | {spec.sources} |"
            )
    out += ["", "## Provenance and licences", "", "| file | sha256 | licence |", "|---|---|---|"]
    for entry in manifest["inputs"]:
        licence = ctx.licence(entry["path"]) if ctx else "see build_manifest.json"
        out.append(f"| {entry['path']} | `{entry['sha256'][:12]}` | {licence} |")
    out += [
        "",
        "Each record's `licence` column carries its source's terms; several sources are for "
        "research or non-commercial use only. Generated `statute_calc` items are built from "
        "PRC statutes, which are not subject to copyright (著作权法第五条).",
        "",
        "## Overlap",
        "",
    ]
    for g in groups:
        o = manifest["overlap"][g]
        out.append(
            f"- {g}: {o['exact_removed_from_test']} exact and {o['near_removed_from_test']} "
            f"near-duplicate test items removed (Jaccard ≥ {o['near_threshold']}), "
            f"{o['twins_removed_with_them']} linked twins removed with them."
        )
    out += [
        "",
        f"Dropped raw records: {len(manifest['dropped'])} (file, line and reason in "
        "`build_manifest.json`).",
        "",
        "## Citation",
        "",
        "```bibtex",
        CITATION,
        "```",
        "",
    ]
    return "\n".join(out)
