"""Task definitions and the context producers use to turn raw records into benchmark items.

A *task* (:class:`TaskSpec`) names its group, subset, answer type, sources and instruction. A
*producer* reads one or more sources through the :class:`BuildContext` and yields
:class:`~gci_bench.records.Record` objects for one or more tasks: twins (a harmful request and
its lawful twin, a generator's integrated/domain/general triple) must come from one producer so
they can be linked and kept in one split. Both kinds live in registries filled next to their
definitions in ``computation.py``, ``safety.py`` and ``summarization.py``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from gci_bench.builders.base import BUILDERS, BuildReport, SourceRecord
from gci_bench.errors import GciError
from gci_bench.records import Record
from gci_bench.registry import Registry

T = TypeVar("T")

_GROUP_MODULES = (
    "gci_bench.task_groups.computation",
    "gci_bench.task_groups.safety",
    "gci_bench.task_groups.summarization",
)


@dataclass(frozen=True)
class TaskSpec:
    """What one task is: where it sits, what it asks, how it is scored, where it comes from."""

    name: str
    group: str
    subset: str
    answer_type: str
    instruction: str
    sources: str
    description: str


@dataclass(frozen=True)
class Producer:
    """A function that yields the records of ``tasks`` from a :class:`BuildContext`."""

    name: str
    tasks: tuple[str, ...]
    fn: Callable[[BuildContext], Iterator[Record]]


TASKS: Registry[TaskSpec] = Registry("task", modules=_GROUP_MODULES)
PRODUCERS: Registry[Producer] = Registry("task producer", modules=_GROUP_MODULES)


def task(spec: TaskSpec) -> TaskSpec:
    """Register a task spec (call at module level next to its producer)."""
    return TASKS.register(spec.name)(spec)


def producer(*tasks: str) -> Callable[[Callable[[BuildContext], Iterator[Record]]], Producer]:
    """Decorator registering a producer of ``tasks`` under its function name."""

    def deco(fn: Callable[[BuildContext], Iterator[Record]]) -> Producer:
        return PRODUCERS.register(fn.__name__)(Producer(fn.__name__, tuple(tasks), fn))

    return deco


def tasks_of(group: str) -> list[TaskSpec]:
    """The tasks of one group, in registry (name) order."""
    return [TASKS.get(n) for n in TASKS.names() if TASKS.get(n).group == group]


def stable_fraction(*parts: object) -> float:
    """A number in [0, 1) from a hash of ``parts``: the same on every machine and run."""
    payload = json.dumps(parts, ensure_ascii=False, sort_keys=True)
    return int(hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12], 16) / float(16**12)


@dataclass
class BuildOptions:
    """What a user can set for one build (the CLI flags of ``gci-bench build`` map onto these)."""

    raw_dir: Path
    groups: tuple[str, ...] = ("computation", "safety", "summarization")
    seed: int = 0
    max_per_task: int | None = None
    items_per_generator: int = 60
    train_fraction: float = 0.5
    near_dup_threshold: float = 0.8
    num_proc: int = 1
    strict: bool = False

    def __post_init__(self) -> None:
        if not 0.0 < self.train_fraction < 1.0:
            raise GciError(f"train_fraction must be between 0 and 1, got {self.train_fraction}")
        if self.max_per_task is not None and self.max_per_task < 1:
            raise GciError(f"--max-per-task must be at least 1, got {self.max_per_task}")
        if self.items_per_generator < 1:
            raise GciError(
                f"items_per_generator must be at least 1, got {self.items_per_generator}"
            )
        if not 0.0 < self.near_dup_threshold <= 1.0:
            raise GciError(f"near_dup_threshold must be in (0, 1], got {self.near_dup_threshold}")


@dataclass
class BuildContext:
    """Shared state of one build: options, the report, and parsed sources cached by file."""

    options: BuildOptions
    report: BuildReport
    _cache: dict[str, list[SourceRecord]] = field(default_factory=dict)
    _licences: dict[str, str] | None = None
    used_files: set[str] = field(default_factory=set)

    @property
    def raw_dir(self) -> Path:
        return self.options.raw_dir

    def files(self, pattern: str) -> list[str]:
        """Files under the raw dir matching a glob (relative posix paths, sorted)."""
        root = self.raw_dir
        return sorted(p.relative_to(root).as_posix() for p in root.glob(pattern) if p.is_file())

    def read(self, fmt: str, pattern: str, *, required: bool = True) -> list[SourceRecord]:
        """All records of the files matching ``pattern`` parsed with source format ``fmt``.

        A required source that is missing or yields no usable record stops the build with a
        :class:`GciError` naming it; an optional one is reported and skipped.
        """
        builder = BUILDERS.get(fmt)()
        files = self.files(pattern)
        out: list[SourceRecord] = []
        for rel in files:
            self.used_files.add(rel)
            if rel not in self._cache:
                self._cache[rel] = list(builder.read(self.raw_dir / rel, rel, self.report))
            out.extend(self._cache[rel])
        if not out:
            problems = [str(p) for p in self.report.dropped if any(p.file == f for f in files)]
            detail = f" ({'; '.join(problems[:3])})" if problems else ""
            msg = (
                f"required source {pattern} is missing from {self.raw_dir}{detail}"
                if not files
                else f"required source {pattern} has no usable record{detail}"
            )
            if required:
                raise GciError(msg)
            self.report.warn(pattern, None, msg.replace("required", "optional"))
        return out

    def licence(self, rel: str) -> str:
        """The licence of a raw file from the raw dir's ``MANIFEST.json`` (or 'unknown')."""
        if self._licences is None:
            self._licences = {}
            manifest = self.raw_dir / "MANIFEST.json"
            if manifest.exists():
                try:
                    for entry in json.loads(manifest.read_text(encoding="utf-8")).get("files", []):
                        self._licences[entry["path"]] = entry.get("licence", "unknown")
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    self.report.warn("MANIFEST.json", None, f"unreadable manifest: {exc}")
        return self._licences.get(rel, "unknown (not in MANIFEST.json)")

    def item(
        self,
        spec: TaskSpec,
        rec: SourceRecord,
        split: str,
        input: str,
        answer: str,
        gold: dict[str, Any],
        choices: Sequence[str] = (),
    ) -> Record:
        """A record of task ``spec`` from raw record ``rec``: provenance and licence filled in."""
        return Record(
            spec.group,
            spec.subset,
            spec.name,
            rec.where,
            spec.instruction,
            input,
            answer,
            spec.answer_type,
            gold,
            split,
            choices=list(choices),
            licence=self.licence(rec.file),
        )

    def hash_split(self, key: str) -> str:
        """Deterministic split for a source without one: a hash of the record's content."""
        return "train" if stable_fraction("split", key) < self.options.train_fraction else "test"

    def cap(self, items: Sequence[T], key: Callable[[T], str]) -> list[T]:
        """At most ``max_per_task`` items, chosen by a seeded hash so the choice is stable."""
        limit = self.options.max_per_task
        if limit is None or len(items) <= limit:
            return list(items)
        ranked = sorted(items, key=lambda it: stable_fraction("cap", self.options.seed, key(it)))
        return ranked[:limit]

    def cap_per_split(
        self, items: Iterable[T], split_of: Callable[[T], str], key: Callable[[T], str]
    ) -> list[tuple[str, T]]:
        """Split ``items`` and cap each split; returns (split, item) pairs in input order."""
        by_split: dict[str, list[T]] = {"train": [], "test": []}
        for it in items:
            by_split[split_of(it)].append(it)
        keep: list[tuple[str, T]] = []
        for split in ("train", "test"):
            keep.extend((split, it) for it in self.cap(by_split[split], key))
        return keep
