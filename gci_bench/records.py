"""The one flat record schema shared by every task of every group.

Every item, whatever its source, becomes a :class:`Record`, so a group is one
``datasets.Dataset`` per split and every metric, backend and trainer reads the same fields.
``gold`` is a JSON string (not a nested struct) so that different answer types can carry
different typed targets without making the Arrow schema a union of all of them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

GROUPS: tuple[str, ...] = ("computation", "safety", "summarization")
SUBSETS: tuple[str, ...] = ("domain", "general", "integrated")
SPLITS: tuple[str, ...] = ("train", "test")
ANSWER_TYPES: tuple[str, ...] = ("number", "choice", "refusal", "text", "articles", "charges")

#: Column order of every saved split.
COLUMNS: tuple[str, ...] = (
    "id",
    "group",
    "subset",
    "task",
    "source",
    "instruction",
    "input",
    "choices",
    "answer",
    "answer_type",
    "gold",
    "links",
    "licence",
)


def features() -> Any:
    """The ``datasets.Features`` of a split (imported lazily: datasets is heavy)."""
    from datasets import Features, Sequence, Value

    cols: dict[str, Any] = {c: Value("string") for c in COLUMNS}
    cols["choices"] = Sequence(Value("string"))
    cols["links"] = Sequence(Value("string"))
    return Features({c: cols[c] for c in COLUMNS})


def content_id(*parts: object) -> str:
    """A stable 16-hex-digit id from the item's content (same content → same id on any machine)."""
    payload = json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def dump_gold(gold: dict[str, Any]) -> str:
    """Canonical JSON for ``gold`` so identical targets give identical bytes."""
    return json.dumps(gold, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass
class Record:
    """One benchmark item.

    ``split`` is not a column: it says which split the item belongs to and is consumed by the
    build when it assembles the ``DatasetDict``.
    """

    group: str
    subset: str
    task: str
    source: str
    instruction: str
    input: str
    answer: str
    answer_type: str
    gold: dict[str, Any]
    split: str
    choices: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    licence: str = ""
    id: str = ""

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"group must be one of {GROUPS}, got {self.group!r}")
        if self.subset not in SUBSETS:
            raise ValueError(f"subset must be one of {SUBSETS}, got {self.subset!r}")
        if self.split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {self.split!r}")
        if self.answer_type not in ANSWER_TYPES:
            raise ValueError(f"answer_type must be one of {ANSWER_TYPES}, got {self.answer_type!r}")
        if not self.id:
            self.id = content_id(
                self.group, self.task, self.instruction, self.input, self.choices, self.answer
            )

    def to_row(self) -> dict[str, Any]:
        """The record as a dataset row (columns in :data:`COLUMNS` order, gold as JSON)."""
        row = {c: getattr(self, c) for c in COLUMNS}
        row["gold"] = dump_gold(self.gold)
        row["choices"] = list(self.choices)
        row["links"] = list(self.links)
        return row


def link(*records: Record) -> None:
    """Make twins point at each other (each record's ``links`` gets the others' ids, sorted)."""
    for rec in records:
        rec.links = sorted(r.id for r in records if r is not rec)
