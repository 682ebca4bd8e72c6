"""Choosing the items of a run from a build: groups, subsets, split, and ``--limit``.

``--limit N`` keeps at most N items per task. Which N matters for the integration rate: an
integrated item only counts when its domain and general twins were evaluated too. So items are
ranked by a hash of their *link family* (the smallest id among the item and its twins): every
member of a family gets the same rank, and since each task of a generator holds one member of
every family, each task keeps the same families. The choice depends only on the build, never on
the run, so two runs with the same ``--limit`` evaluate the same items.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gci_bench.errors import GciError


@dataclass
class Selection:
    """The rows to evaluate (plain dicts, sorted by group, subset, task, id) and their build."""

    build_dir: Path
    manifest: dict[str, Any]
    rows: list[dict[str, Any]]
    available: int
    groups: tuple[str, ...]

    @property
    def fingerprint(self) -> str:
        return str(self.manifest.get("dataset_fingerprint", ""))


def family_rank(row: dict[str, Any]) -> str:
    """The ordering key of an item's link family (shared by all linked twins)."""
    family = min([str(row["id"]), *map(str, row.get("links") or [])])
    return hashlib.sha256(f"limit\0{family}".encode()).hexdigest()


def limit_per_task(rows: Sequence[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """At most ``limit`` rows per (group, task), chosen by :func:`family_rank`."""
    if limit is None:
        return list(rows)
    buckets: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        buckets[(str(r["group"]), str(r["task"]))].append(r)
    kept: list[dict[str, Any]] = []
    for items in buckets.values():
        kept.extend(sorted(items, key=lambda r: (family_rank(r), str(r["id"])))[:limit])
    return kept


def select(
    build_dir: Path,
    groups: Sequence[str],
    subsets: Sequence[str],
    split: str,
    limit: int | None,
) -> Selection:
    """Read the build (GciError when missing, of another format, or lacking a group) and pick.

    No ``groups`` means every group the build has.
    """
    from gci_bench.outputs import load_build, read_manifest

    manifest = read_manifest(build_dir)
    groups = tuple(groups) or tuple(manifest["options"]["groups"])
    data = load_build(build_dir, groups)
    rows: list[dict[str, Any]] = []
    available = 0
    for group in groups:
        if split not in data[group]:
            raise GciError(f"{build_dir}: group {group} has no {split!r} split")
        ds = data[group][split]
        chosen = [dict(r) for r in ds if r["subset"] in subsets]
        available += len(chosen)
        rows.extend(limit_per_task(chosen, limit))
    rows.sort(key=lambda r: (r["group"], r["subset"], r["task"], r["id"]))
    if not rows:
        raise GciError(
            f"{build_dir}: no {split} items in groups {', '.join(groups)} and subsets "
            f"{', '.join(subsets)}"
        )
    return Selection(Path(build_dir), manifest, rows, available, groups)


def train_rows(build_dir: Path, group: str) -> list[dict[str, Any]]:
    """The train split of one group (for the retrieval baseline)."""
    from gci_bench.outputs import load_build

    return [dict(r) for r in load_build(build_dir, (group,))[group]["train"]]


def all_ids(build_dir: Path) -> set[str]:
    """Every item id in the build, all groups and splits (to spot foreign prediction ids)."""
    from gci_bench.outputs import load_build

    ids: set[str] = set()
    for dd in load_build(build_dir).values():
        for ds in dd.values():
            ids.update(ds["id"])
    return ids
