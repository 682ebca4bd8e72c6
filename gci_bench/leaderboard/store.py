"""The registry folder: what it accepts (``registry.json``) and what it holds (``entries/``).

Layout::

    registry.json                 the build (dataset fingerprint, test ids) and scoring every entry
                                  must match, and the size limits of a submission
    entries/<entry-id>/
        results.json              the registry's own re-scoring of the predictions (never the
                                  submitted one)
        samples/<group>.jsonl     per-item scores of that re-scoring
        predictions.jsonl         {"id", "output"} per test item, as submitted
        model_card.json           the validated model card
        entry.json                SHA-256 and size of every file above, submission time, tool
                                  version, the submission's own hashes and fingerprints

``entry.json`` is written last: an entry directory without it is a submission that did not finish
and is ignored (and removed by the next submission). The hashes let ``render`` refuse an entry
whose files changed after it was accepted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gci_bench import __version__
from gci_bench.errors import GciError
from gci_bench.hashing import sha256_file
from gci_bench.leaderboard.intake import MB, Limits
from gci_bench.records import SUBSETS

logger = logging.getLogger(__name__)

REGISTRY_FILE = "registry.json"
ENTRIES_DIR = "entries"
ENTRY_FILE = "entry.json"
PREDICTIONS_FILE = "predictions.jsonl"
FORMAT = "gci-bench-leaderboard"
FORMAT_VERSION = 1


@dataclass
class RegistryConfig:
    """What ``gci-bench leaderboard init`` fixes for every later submission."""

    data: Path = field(
        default=Path("gci-build"),
        metadata={"help": "the build every entry is scored on (default: gci-build)"},
    )
    limit: int | None = field(
        default=None,
        metadata={
            "help": "score at most N items per task, chosen as `eval --limit N` chooses them "
            "(default: every test item)"
        },
    )
    bootstrap: int = field(
        default=1000, metadata={"help": "bootstrap resamples of the 95%% intervals"}
    )
    seed: int = field(default=0, metadata={"help": "seed of the bootstrap"})
    max_file_mb: float = field(
        default=50.0, metadata={"help": "largest file a submission may hold, in MiB"}
    )
    max_total_mb: float = field(
        default=200.0, metadata={"help": "largest submission in all, in MiB"}
    )
    max_files: int = field(default=1000, metadata={"help": "most files in one submission"})

    def __post_init__(self) -> None:
        self.data = Path(self.data)
        problems = []
        if self.limit is not None and self.limit < 1:
            problems.append(f"--limit must be at least 1, got {self.limit}")
        if self.bootstrap < 0:
            problems.append(f"--bootstrap must be >= 0, got {self.bootstrap}")
        if self.max_file_mb <= 0 or self.max_total_mb <= 0 or self.max_files < 1:
            problems.append("--max-file-mb, --max-total-mb and --max-files must be positive")
        if problems:
            raise GciError("; ".join(problems))

    def limits(self) -> Limits:
        return Limits(
            max_file_bytes=int(self.max_file_mb * MB),
            max_total_bytes=int(self.max_total_mb * MB),
            max_files=self.max_files,
        )


@dataclass(frozen=True)
class Scoring:
    """How every entry is scored; a run must have been evaluated the same way."""

    split: str
    groups: tuple[str, ...]
    subsets: tuple[str, ...]
    limit: int | None
    bootstrap: int
    seed: int

    def to_json(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "groups": list(self.groups),
            "subsets": list(self.subsets),
            "limit": self.limit,
            "bootstrap": self.bootstrap,
            "seed": self.seed,
        }


@dataclass
class Registry:
    """A registry folder, read from its ``registry.json``."""

    root: Path
    meta: dict[str, Any]

    @property
    def fingerprint(self) -> str:
        return str(self.meta["dataset_fingerprint"])

    @property
    def build_dir(self) -> Path:
        return Path(self.meta["build"]["path"])

    @property
    def scoring(self) -> Scoring:
        s = self.meta["scoring"]
        return Scoring(
            split=s["split"],
            groups=tuple(s["groups"]),
            subsets=tuple(s["subsets"]),
            limit=s["limit"],
            bootstrap=int(s["bootstrap"]),
            seed=int(s["seed"]),
        )

    @property
    def limits(self) -> Limits:
        return Limits.from_json(self.meta["limits"])

    @property
    def entries_dir(self) -> Path:
        return self.root / ENTRIES_DIR


@dataclass
class Entry:
    """One accepted entry, read back from its folder."""

    entry_id: str
    path: Path
    meta: dict[str, Any]
    card: dict[str, Any]
    results: dict[str, Any]


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ids_digest(ids: list[str]) -> str:
    """One hash of the sorted item ids: equal selections ⇔ equal digests."""
    return sha256_bytes("\n".join(sorted(ids)).encode())


def write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically (temporary file, then rename)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def init_registry(registry: Path, config: RegistryConfig) -> Registry:
    """Create a registry that accepts runs on ``config.data`` scored as ``config`` says."""
    from gci_bench.evaluation.items import select
    from gci_bench.outputs import read_manifest

    registry = Path(registry)
    if (registry / REGISTRY_FILE).exists():
        raise GciError(f"{registry} is already a leaderboard registry ({REGISTRY_FILE} exists)")
    if registry.exists() and any(registry.iterdir()):
        raise GciError(f"{registry} exists and is not empty; choose a new folder")
    build = config.data.resolve()
    manifest = read_manifest(build)
    groups = tuple(manifest["options"]["groups"])
    selection = select(build, groups, SUBSETS, "test", config.limit)
    items: dict[str, dict[str, int]] = {}
    for row in selection.rows:
        per = items.setdefault(str(row["group"]), {})
        per[str(row["subset"])] = per.get(str(row["subset"]), 0) + 1
    scoring = Scoring("test", groups, SUBSETS, config.limit, config.bootstrap, config.seed)
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": now_utc(),
        "gci_bench_version": __version__,
        "dataset_fingerprint": selection.fingerprint,
        "build": {
            "path": str(build),
            "gci_bench_version": manifest.get("gci_bench_version"),
            "options": {
                k: manifest["options"].get(k)
                for k in ("groups", "seed", "max_per_task", "items_per_generator")
            },
            "counts": manifest.get("counts", {}),
        },
        "scoring": {
            **scoring.to_json(),
            "items": len(selection.rows),
            "items_per_group": items,
            "ids_sha256": ids_digest([str(r["id"]) for r in selection.rows]),
        },
        "limits": config.limits().to_json(),
    }
    (registry / ENTRIES_DIR).mkdir(parents=True, exist_ok=True)
    write_json(registry / REGISTRY_FILE, meta)
    return Registry(registry, meta)


def load_registry(registry: Path) -> Registry:
    """A registry folder (GciError when it is not one, or of another format version)."""
    registry = Path(registry)
    path = registry / REGISTRY_FILE
    if not path.is_file():
        raise GciError(
            f"{registry} is not a leaderboard registry ({REGISTRY_FILE} missing); create one "
            "with `gci-bench leaderboard init --registry DIR --data BUILD_DIR`"
        )
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise GciError(f"{path}: invalid JSON at line {exc.lineno} ({exc.msg})") from None
    if meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
        raise GciError(
            f"{path}: registry format {meta.get('format')!r} version "
            f"{meta.get('format_version')!r}; this gci-bench reads {FORMAT} version "
            f"{FORMAT_VERSION}"
        )
    return Registry(registry, meta)


@contextlib.contextmanager
def locked(reg: Registry) -> Iterator[None]:
    """Hold the registry's lock: two submissions never decide on names or ids at once."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX: no locking
        yield
        return
    with (reg.root / ".lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def entry_dirs(reg: Registry) -> list[Path]:
    """Directories of committed entries (those with an entry.json), sorted by name."""
    if not reg.entries_dir.is_dir():
        return []
    return sorted(p for p in reg.entries_dir.iterdir() if p.is_dir() and (p / ENTRY_FILE).is_file())


def hash_files(entry_dir: Path) -> dict[str, dict[str, Any]]:
    """SHA-256 and size of every file of an entry except entry.json itself."""
    out = {}
    for p in sorted(entry_dir.rglob("*")):
        if p.is_file() and p.name != ENTRY_FILE:
            rel = p.relative_to(entry_dir).as_posix()
            out[rel] = {"sha256": sha256_file(p), "bytes": p.stat().st_size}
    return out


def verify_entry(entry_dir: Path, meta: dict[str, Any]) -> list[str]:
    """Every difference between an entry's files and the hashes recorded when it was accepted."""
    recorded = meta.get("files", {})
    now = hash_files(entry_dir)
    problems = []
    for rel in sorted(set(recorded) | set(now)):
        if rel not in now:
            problems.append(f"{rel} is missing")
        elif rel not in recorded:
            problems.append(f"{rel} was added after acceptance")
        elif now[rel]["sha256"] != recorded[rel]["sha256"]:
            problems.append(f"{rel} changed after acceptance (sha256 differs)")
    return problems


def read_entries(reg: Registry, *, verify: bool = True) -> list[Entry]:
    """Every committed entry; with ``verify``, GciError if any file differs from its hash."""
    entries = []
    for d in entry_dirs(reg):
        meta = json.loads((d / ENTRY_FILE).read_text(encoding="utf-8"))
        if verify:
            problems = verify_entry(d, meta)
            if problems:
                raise GciError(
                    f"entry {d.name} in {reg.root} was modified after it was accepted: "
                    + "; ".join(problems)
                    + " (remove the entry folder and submit again)"
                )
        entries.append(
            Entry(
                entry_id=d.name,
                path=d,
                meta=meta,
                card=json.loads((d / "model_card.json").read_text(encoding="utf-8")),
                results=json.loads((d / "results.json").read_text(encoding="utf-8")),
            )
        )
    return entries


def remove_unfinished(reg: Registry) -> list[str]:
    """Delete entry folders left without entry.json by a submission that was killed."""
    import shutil

    removed = []
    if reg.entries_dir.is_dir():
        for p in sorted(reg.entries_dir.iterdir()):
            if p.is_dir() and not (p / ENTRY_FILE).exists():
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p.name)
                logger.info("removed unfinished entry folder %s", p)
    return removed
