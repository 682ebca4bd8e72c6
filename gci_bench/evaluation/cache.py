"""The generation cache: outputs kept on disk as they are produced, so a killed run resumes.

One JSON object per line, ``{"key": ..., "output": ...}``, appended and fsynced after every batch.
A key is the hash of everything that decides an output: the model fingerprint, the adapter
fingerprint, the user message and the generation settings (:meth:`GenerationSettings.key`). A run
killed in the middle of a write leaves at most one torn last line; :meth:`GenerationCache.open`
drops it (and cuts it off the file, so the next append starts on a fresh line). A bad line
*before* the last one is not a torn write but a damaged file, and is an error naming the line.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gci_bench.errors import GciError
from gci_bench.models.base import json_hash

logger = logging.getLogger(__name__)

CACHE_FILE = "generations.jsonl"


def cache_key(
    model_fingerprint: str,
    adapter_fingerprint: str | None,
    prompt: str,
    settings: Mapping[str, Any],
) -> str:
    """The cache key of one generation."""
    return json_hash(
        {
            "model": model_fingerprint,
            "adapter": adapter_fingerprint,
            "prompt": prompt,
            "settings": dict(settings),
        }
    )


class GenerationCache:
    """An append-only JSON-lines map from cache key to output."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / CACHE_FILE
        self.entries: dict[str, str] = {}
        self.dropped_torn_line = False
        self._fd: int | None = None

    def open(self) -> GenerationCache:
        """Load existing entries, repair a torn tail, and open the file for appending."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            self._load()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        return self

    def _load(self) -> None:
        data = self.path.read_bytes()
        lines = data.split(b"\n")
        # A file written completely ends with "\n": the last element is then empty.
        complete, tail = lines[:-1], lines[-1]
        for lineno, raw in enumerate(complete, 1):
            if not raw.strip():
                continue
            entry = _parse(raw)
            if entry is None:
                if lineno == len(complete) and not tail:
                    # The last complete line is bad only if a write was torn and later
                    # continued by nothing; treat it like a torn tail.
                    self._truncate(len(data) - len(raw) - 1)
                    self.dropped_torn_line = True
                    break
                raise GciError(
                    f"{self.path}:{lineno}: damaged cache line (not a cache entry); delete the "
                    "file or this line to continue"
                )
            self.entries[entry[0]] = entry[1]
        if tail:
            entry = _parse(tail)
            if entry is None:
                self._truncate(len(data) - len(tail))
                self.dropped_torn_line = True
                logger.warning("%s: dropped a torn last line (%d bytes)", self.path, len(tail))
            else:
                self.entries[entry[0]] = entry[1]
                with self.path.open("ab") as fh:  # complete the line so appends start fresh
                    fh.write(b"\n")

    def _truncate(self, size: int) -> None:
        with self.path.open("r+b") as fh:
            fh.truncate(size)

    def get(self, key: str) -> str | None:
        return self.entries.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def append(self, items: Iterable[tuple[str, str]]) -> None:
        """Write entries as one ``write`` and fsync, so a batch is on disk before we go on."""
        if self._fd is None:
            raise RuntimeError("cache is not open")
        lines = []
        for key, output in items:
            self.entries[key] = output
            lines.append(json.dumps({"key": key, "output": output}, ensure_ascii=False) + "\n")
        if not lines:
            return
        view = memoryview("".join(lines).encode("utf-8"))
        while view:
            view = view[os.write(self._fd, view) :]
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> GenerationCache:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _parse(raw: bytes) -> tuple[str, str] | None:
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(obj, dict):
        return None
    key, output = obj.get("key"), obj.get("output")
    if not isinstance(key, str) or not isinstance(output, str):
        return None
    return key, output
