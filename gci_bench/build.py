"""``gci-bench build``: raw corpora → the three task groups as Hugging Face datasets.

Steps: run every producer of the selected groups (each reads its sources through the shared
context, so bad lines are reported once), remove in-split duplicates and train↔test overlap,
enforce the per-task cap, then write per group a ``DatasetDict`` saved to disk, Parquet in the
Hub layout, the dataset card and ``build_manifest.json``.
"""

from __future__ import annotations

import fnmatch
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from gci_bench import __version__
from gci_bench.builders.base import BUILDERS, BuildReport
from gci_bench.dedup import exact_key, near_duplicates, near_text
from gci_bench.errors import GciError
from gci_bench.records import GROUPS, SPLITS, Record
from gci_bench.task_groups.base import PRODUCERS, TASKS, BuildContext, BuildOptions, stable_fraction

Progress = Callable[[str], None]

#: Files in a raw dir that are documentation, not data, and need no builder.
_DOC_FILES = ("MANIFEST.json", "README*", "LICENSE*", "*.md5", ".*")


def default_raw_dir() -> Path:
    """The embedded default corpus shipped inside the package."""
    return Path(str(resources.files("gci_bench") / "data" / "corpora"))


@dataclass
class Overlap:
    """What the overlap check removed from one group's test split."""

    in_split_duplicates: int = 0
    exact: list[dict[str, str]] = field(default_factory=list)
    near: list[dict[str, Any]] = field(default_factory=list)
    twins: list[dict[str, str]] = field(default_factory=list)
    capped: int = 0

    def to_json(self, threshold: float) -> dict[str, Any]:
        return {
            "measure": (
                "exact: identical normalised instruction+input+choices; near: Jaccard of "
                "character 5-gram shingles of normalised input+choices, MinHash LSH "
                "candidates confirmed exactly; generated items excluded from near check"
            ),
            "near_threshold": threshold,
            "in_split_duplicates_removed": self.in_split_duplicates,
            "exact_removed_from_test": len(self.exact),
            "near_removed_from_test": len(self.near),
            "twins_removed_with_them": len(self.twins),
            "removed_by_cap": self.capped,
            "exact_pairs": self.exact,
            "near_pairs": self.near,
            "twins": self.twins,
        }


@dataclass
class BuildResult:
    """What a build produced, for the CLI's summary table and for tests."""

    out_dir: Path
    counts: dict[str, dict[str, dict[str, dict[str, int]]]]
    fingerprint: str
    manifest: dict[str, Any]
    report: BuildReport
    seconds: float


def build(options: BuildOptions, out_dir: Path, progress: Progress | None = None) -> BuildResult:
    """Run one build; raises :class:`GciError` when a required source is unusable."""
    start = time.perf_counter()
    note = progress or (lambda _msg: None)
    raw = options.raw_dir
    if not raw.is_dir():
        raise GciError(f"--raw-dir {raw} is not a directory")
    for g in options.groups:
        if g not in GROUPS:
            raise GciError(f"unknown group {g!r}; expected one of {', '.join(GROUPS)}")
    report = BuildReport(strict=options.strict)
    ctx = BuildContext(options, report)

    records: list[Record] = []
    for name in PRODUCERS.names():
        prod = PRODUCERS.get(name)
        if not any(TASKS.get(t).group in options.groups for t in prod.tasks):
            continue
        note(f"reading {name}")
        records.extend(r for r in prod.fn(ctx) if r.group in options.groups)
    _flag_unknown_files(ctx)

    by_group: dict[str, list[Record]] = defaultdict(list)
    for rec in records:
        by_group[rec.group].append(rec)
    overlaps: dict[str, Overlap] = {}
    for group in options.groups:
        note(f"checking overlap in {group}")
        by_group[group], overlaps[group] = _clean(by_group[group], options)

    note("writing datasets")
    from gci_bench.outputs import write_build

    manifest = write_build(out_dir, options, ctx, by_group, overlaps, report, __version__)
    manifest["seconds"] = round(time.perf_counter() - start, 2)
    return BuildResult(
        out_dir,
        manifest["counts"],
        manifest["dataset_fingerprint"],
        manifest,
        report,
        manifest["seconds"],
    )


def _flag_unknown_files(ctx: BuildContext) -> None:
    """Warn about files in the raw dir that no source format reads (a typo, a stray export)."""
    patterns = [p for name in BUILDERS.names() for p in BUILDERS.get(name).patterns]
    for path in sorted(ctx.raw_dir.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(ctx.raw_dir).as_posix()
        if any(fnmatch.fnmatch(path.name, d) for d in _DOC_FILES):
            continue
        if not any(fnmatch.fnmatch(rel, p) for p in patterns):
            ctx.report.warn(rel, None, "unknown file: no source format reads it (ignored)")


def _clean(records: list[Record], options: BuildOptions) -> tuple[list[Record], Overlap]:
    """Remove in-split duplicates, then test items overlapping train, then enforce the cap.

    Removing an item also removes its linked twins, so ``links`` never dangle.
    """
    overlap = Overlap()
    seen: set[tuple[str, str]] = set()
    unique: list[Record] = []
    for rec in records:
        key = (rec.split, rec.id)
        if key in seen:
            overlap.in_split_duplicates += 1
            continue
        seen.add(key)
        unique.append(rec)

    train = [r for r in unique if r.split == "train"]
    test = [r for r in unique if r.split == "test"]
    train_keys: dict[str, str] = {}
    for r in train:
        train_keys.setdefault(exact_key(r.instruction, r.input, r.choices), r.id)
    removed: dict[str, str] = {}
    test_seen: set[str] = set()
    for r in test:
        key = exact_key(r.instruction, r.input, r.choices)
        if key in train_keys:
            overlap.exact.append({"test_id": r.id, "train_id": train_keys[key], "task": r.task})
            removed[r.id] = "exact"
        elif key in test_seen:
            overlap.in_split_duplicates += 1
            removed[r.id] = "duplicate"
        test_seen.add(key)

    def comparable(r: Record) -> bool:
        return not r.source.startswith("generator:")

    pairs = near_duplicates(
        [(r.id, near_text(r.input, r.choices)) for r in train if comparable(r)],
        [
            (r.id, near_text(r.input, r.choices))
            for r in test
            if comparable(r) and r.id not in removed
        ],
        options.near_dup_threshold,
        options.num_proc,
    )
    task_of = {r.id: r.task for r in test}
    for p in pairs:
        overlap.near.append(
            {
                "test_id": p.test_id,
                "train_id": p.train_id,
                "jaccard": p.jaccard,
                "task": task_of[p.test_id],
            }
        )
        removed[p.test_id] = "near"

    kept = [r for r in unique if not (r.split == "test" and r.id in removed)]
    kept = _cascade(kept, set(removed), overlap.twins)
    if options.max_per_task is not None:
        kept, overlap.capped = _cap(kept, options, overlap.twins)
    kept.sort(key=lambda r: (r.split, r.subset, r.task, r.id))
    return kept, overlap


def _cascade(records: list[Record], removed: set[str], log: list[dict[str, str]]) -> list[Record]:
    """Drop every record linked to a removed one (repeated until nothing changes)."""
    gone = set(removed)
    while True:
        extra = [r for r in records if r.id not in gone and any(link in gone for link in r.links)]
        if not extra:
            return [r for r in records if r.id not in gone]
        for r in extra:
            gone.add(r.id)
            log.append({"id": r.id, "task": r.task, "reason": "linked twin removed"})


def _cap(
    records: list[Record], options: BuildOptions, log: list[dict[str, str]]
) -> tuple[list[Record], int]:
    """At most ``max_per_task`` items per task and split; twins of dropped items go too."""
    limit = options.max_per_task or 0
    buckets: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for r in records:
        buckets[(r.task, r.split)].append(r)
    over: set[str] = set()
    for items in buckets.values():
        if len(items) > limit:
            ranked = sorted(items, key=lambda r: stable_fraction("cap", options.seed, r.id))
            over.update(r.id for r in ranked[limit:])
    before = len(records)
    kept = _cascade([r for r in records if r.id not in over], over, log)
    return kept, before - len(kept)


def count_table(records: list[Record]) -> dict[str, dict[str, dict[str, int]]]:
    """``{split: {subset: {task: n}}}`` for one group."""
    counts: dict[str, dict[str, Counter[str]]] = {s: defaultdict(Counter) for s in SPLITS}
    for r in records:
        counts[r.split][r.subset][r.task] += 1
    return {
        s: {sub: dict(sorted(c.items())) for sub, c in sorted(v.items())} for s, v in counts.items()
    }
