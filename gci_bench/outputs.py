"""Writing and reading a build directory.

Layout (one directory per build)::

    README.md                          dataset card with YAML ``configs`` (one per group)
    build_manifest.json                inputs, counts, dropped records, overlap, fingerprint
    data/<group>/<split>-00000-of-00001.parquet    Hub layout, read by load_dataset("parquet")
    disk/<group>/                      DatasetDict.save_to_disk, read by load_from_disk

The build is written to a temporary sibling directory and moved into place at the end, so an
interrupted build never leaves a half-written directory behind the old one.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gci_bench.errors import GciError
from gci_bench.records import SPLITS, features

if TYPE_CHECKING:
    from datasets import DatasetDict

    from gci_bench.build import Overlap
    from gci_bench.builders.base import BuildReport
    from gci_bench.records import Record
    from gci_bench.task_groups.base import BuildContext, BuildOptions

MANIFEST = "build_manifest.json"
FORMAT_VERSION = 1


def parquet_path(group: str, split: str) -> str:
    """The Hub-layout path of one split's single Parquet shard."""
    return f"data/{group}/{split}-00000-of-00001.parquet"


@contextmanager
def _quiet_datasets() -> Iterator[None]:
    """Silence datasets' progress bars for a block: the library stays quiet, the CLI shows
    its own progress."""
    from datasets.utils import logging as hf_logging

    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_on:
            hf_logging.enable_progress_bar()


@_quiet_datasets()
def write_build(
    out_dir: Path,
    options: BuildOptions,
    ctx: BuildContext,
    by_group: dict[str, list[Record]],
    overlaps: dict[str, Overlap],
    report: BuildReport,
    version: str,
) -> dict[str, Any]:
    """Write every output of a build and return the manifest."""
    from datasets import Dataset, DatasetDict

    from gci_bench.build import count_table
    from gci_bench.hashing import sha256_file

    out_dir = out_dir.resolve()
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / MANIFEST).exists():
        raise GciError(f"--out {out_dir} exists and is not a gci-bench build; choose another path")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        files: dict[str, str] = {}
        counts: dict[str, Any] = {}
        for group in options.groups:
            recs = by_group.get(group, [])
            splits = {
                s: Dataset.from_list(
                    [r.to_row() for r in recs if r.split == s], features=features()
                )
                for s in SPLITS
            }
            dd = DatasetDict(splits)
            dd.save_to_disk(str(tmp / "disk" / group))
            for split, ds in splits.items():
                rel = parquet_path(group, split)
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                ds.to_parquet(str(tmp / rel))
                files[rel] = sha256_file(tmp / rel)
            counts[group] = count_table(recs)
        fingerprint = _fingerprint(files)
        inputs = [
            {
                "path": rel,
                "sha256": sha256_file(ctx.raw_dir / rel),
                "bytes": (ctx.raw_dir / rel).stat().st_size,
            }
            for rel in sorted(ctx.used_files)
        ]
        manifest: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "gci_bench_version": version,
            "dataset_fingerprint": fingerprint,
            "options": {
                "raw_dir": str(options.raw_dir),
                "groups": list(options.groups),
                "seed": options.seed,
                "max_per_task": options.max_per_task,
                "items_per_generator": options.items_per_generator,
                "train_fraction": options.train_fraction,
                "near_dup_threshold": options.near_dup_threshold,
            },
            "inputs": inputs,
            "files": files,
            "counts": counts,
            "overlap": {g: overlaps[g].to_json(options.near_dup_threshold) for g in options.groups},
            "dropped": [p.__dict__ for p in report.dropped],
            "warnings": [p.__dict__ for p in report.warnings],
            "notes": [p.__dict__ for p in report.notes],
        }
        (tmp / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        from gci_bench.card import dataset_card

        (tmp / "README.md").write_text(dataset_card(manifest, ctx), encoding="utf-8")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _fingerprint(files: dict[str, str]) -> str:
    """SHA-256 over the sorted (path, sha256) of every Parquet file: equal data ⇔ equal value."""
    import hashlib

    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(f"{rel}\0{files[rel]}\n".encode())
    return h.hexdigest()


def read_manifest(build_dir: Path) -> dict[str, Any]:
    """The manifest of a build directory, checked for existence and format version."""
    path = Path(build_dir) / MANIFEST
    if not Path(build_dir).is_dir():
        raise GciError(f"build directory {build_dir} does not exist; run `gci-bench build` first")
    if not path.exists():
        raise GciError(f"{build_dir} is not a gci-bench build: {MANIFEST} is missing")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise GciError(f"{path}: invalid JSON at line {exc.lineno} ({exc.msg})") from None
    if manifest.get("format_version") != FORMAT_VERSION:
        raise GciError(
            f"{path}: build format {manifest.get('format_version')!r} (gci-bench "
            f"{manifest.get('gci_bench_version', '?')}); this gci-bench reads format "
            f"{FORMAT_VERSION}: rebuild with `gci-bench build`"
        )
    return manifest


def load_build(build_dir: Path, groups: tuple[str, ...] | None = None) -> dict[str, DatasetDict]:
    """The ``DatasetDict`` of each group in a build (all groups by default)."""
    from datasets import load_from_disk

    manifest = read_manifest(build_dir)
    available = manifest["options"]["groups"]
    wanted = groups or tuple(available)
    missing = [g for g in wanted if g not in available]
    if missing:
        raise GciError(
            f"{build_dir} has no group {', '.join(missing)} (it has {', '.join(available)})"
        )
    return {g: load_from_disk(str(Path(build_dir) / "disk" / g)) for g in wanted}
