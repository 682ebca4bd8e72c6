"""What every answer type shares: the explicit miss, the registry, the pre-cleaning of outputs.

An answer type (``number``, ``choice``, ``refusal``, ``articles``, ``charges``, ``text``) is one
:class:`AnswerType` subclass registered in :data:`ANSWER_TYPES` by a decorator next to it, so
adding a type never touches :mod:`gci_bench.metrics.scoring`. Its extractor returns either a
typed value or :class:`Unparsed`: a miss is a value, not an exception or a silent zero, so that
reports can show how often a model's answers could be read at all (the extraction rate).
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from gci_bench.errors import GciError
from gci_bench.registry import Registry


@dataclass(frozen=True)
class Unparsed:
    """An extraction miss; ``reason`` says what was looked for and not found (for the logs)."""

    reason: str

    def __bool__(self) -> bool:
        # A miss must never pass for a found value in an ``if value:`` test.
        return False


class AnswerType(ABC):
    """One answer type: read a model output (``extract``) and grade what was read (``score``).

    Subclasses are stateless; :func:`get_answer_type` instantiates them. ``extract`` receives the
    output already cleaned by :func:`clean_output` (reasoning removed, never empty), the parsed
    ``gold`` and the whole record (for e.g. the number of options).
    """

    name: ClassVar[str]

    def __init__(self, *, labels: Sequence[str] | None = None) -> None:
        #: The charge label set for types that read charge names (None: CAIL2018 accu.txt).
        self.labels = tuple(labels) if labels is not None else None

    @abstractmethod
    def extract(self, text: str, gold: Mapping[str, Any], record: Mapping[str, Any]) -> Any:
        """The typed value read from ``text``, or :class:`Unparsed`."""

    @abstractmethod
    def score(self, value: Any, gold: Mapping[str, Any], record: Mapping[str, Any]) -> float:
        """A score in [0, 1] for an extracted (never Unparsed) ``value``."""

    def score_many(
        self,
        values: Sequence[Any],
        golds: Sequence[Mapping[str, Any]],
        records: Sequence[Mapping[str, Any]],
    ) -> list[tuple[float, Any]]:
        """(score, JSON form of what was extracted) per item.

        Types whose scoring has a per-call cost (ROUGE cuts and caches texts) override this to
        score a whole batch at once and to report what they computed along the way.
        """
        return [
            (self.score(v, g, r), self.to_json(v))
            for v, g, r in zip(values, golds, records, strict=True)
        ]

    def to_json(self, value: Any) -> Any:
        """The JSON-serialisable form of an extracted value, as stored in ``ItemScore``."""
        return value


#: The answer-type registry; importing the listed modules fills it.
ANSWER_TYPES: Registry[type[AnswerType]] = Registry(
    "answer type",
    modules=(
        "gci_bench.metrics.numbers",
        "gci_bench.metrics.choice",
        "gci_bench.metrics.legal",
        "gci_bench.metrics.safety",
        "gci_bench.metrics.text",
    ),
)


def get_answer_type(name: str, *, labels: Sequence[str] | None = None) -> AnswerType:
    """An instance of the answer type registered as ``name`` (GciError naming close ones)."""
    return ANSWER_TYPES.get(name)(labels=labels)


_THINK_BLOCK = re.compile(r"<think>.*?</think>", re.S)
_THINK_OPEN = re.compile(r"<think>.*", re.S)
_THINK_CLOSE = re.compile(r"^.*?</think>", re.S)


def strip_think(text: str) -> str:
    """Remove reasoning blocks so that numbers or letters tried out while thinking never count.

    Handles closed ``<think>…</think>`` blocks, an unclosed ``<think>`` (the model ran out of
    tokens while thinking: nothing after it is an answer) and a lone leading ``…</think>`` (chat
    templates that put the opening tag in the prompt).
    """
    text = _THINK_BLOCK.sub("", text)
    if "</think>" in text:
        text = _THINK_CLOSE.sub("", text, count=1)
    return _THINK_OPEN.sub("", text)


def clean_output(output: str | None) -> str | Unparsed:
    """The output without reasoning blocks, trimmed; Unparsed when nothing is left."""
    if output is None:
        return Unparsed("no output")
    text = strip_think(output).strip()
    if not text:
        return Unparsed("empty output")
    return text


_HALFWIDTH = {0xFF10 + i: ord("0") + i for i in range(10)}
_HALFWIDTH.update({0xFF21 + i: ord("A") + i for i in range(26)})
_HALFWIDTH.update({0xFF41 + i: ord("a") + i for i in range(26)})
_HALFWIDTH.update({ord(f): ord(h) for f, h in zip("％＝．＋－［］", "%=.+-[]", strict=True)})


def halfwidth(text: str) -> str:
    """Full-width digits, letters and ``％＝．＋－［］`` as ASCII; Chinese punctuation kept.

    Not NFKC: that would also turn ``，`` into ``,`` (then 3年，5000元 reads as a thousands
    separator) and it may change the string's length; this mapping is one character for one.
    """
    return text.translate(_HALFWIDTH)


def parse_gold(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record's ``gold`` as a dict (records carry it as a JSON string; dicts pass through)."""
    gold = record.get("gold")
    if isinstance(gold, Mapping):
        return dict(gold)
    if not isinstance(gold, str):
        raise GciError(f"record {record.get('id', '?')}: gold must be a JSON string, got {gold!r}")
    try:
        parsed = json.loads(gold)
    except json.JSONDecodeError as exc:
        raise GciError(f"record {record.get('id', '?')}: gold is not valid JSON ({exc})") from None
    if not isinstance(parsed, dict):
        raise GciError(f"record {record.get('id', '?')}: gold must be a JSON object")
    return parsed


def f1(predicted: set[str], gold: set[str]) -> float:
    """Set F1; two empty sets agree perfectly (nothing to cite, nothing cited)."""
    if not predicted and not gold:
        return 1.0
    hits = len(predicted & gold)
    if not hits:
        return 0.0
    precision = hits / len(predicted)
    recall = hits / len(gold)
    return 2 * precision * recall / (precision + recall)
