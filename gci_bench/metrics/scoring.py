"""Score model outputs against records: the one entry point reports and ``eval`` call.

Each record's ``answer_type`` picks its :class:`~gci_bench.metrics.base.AnswerType` from the
registry; there is no per-type branching here. An output that cannot be read scores 0 with
``parsed=False`` and the extractor's reason, so a report can give the extraction rate next to
the score instead of hiding format failures inside it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gci_bench.metrics.base import Unparsed, clean_output, get_answer_type, parse_gold


@dataclass(frozen=True)
class ItemScore:
    """One item's grade: ``score`` in [0, 1]; ``extracted`` is JSON-serialisable, None on a miss.

    ``reason`` says why an output was not parsed (None when it was).
    """

    score: float
    extracted: Any
    parsed: bool
    reason: str | None = None


def extract(
    answer_type: str,
    output: str,
    record: Mapping[str, Any] | None = None,
    *,
    labels: Sequence[str] | None = None,
) -> Any:
    """What the ``answer_type`` extractor reads from ``output`` (a typed value or Unparsed).

    ``record`` supplies the gold (the number's unit, gold charge names) and the options; it may
    be omitted for types that need neither.
    """
    record = record or {"gold": "{}"}
    text = clean_output(output)
    if isinstance(text, Unparsed):
        return text
    return get_answer_type(answer_type, labels=labels).extract(text, parse_gold(record), record)


def score_item(
    record: Mapping[str, Any], output: str, *, labels: Sequence[str] | None = None
) -> ItemScore:
    """Score one model ``output`` for ``record`` (``labels``: charge label set, default CAIL)."""
    return score_items([record], [output], labels=labels)[0]


def score_items(
    records: Sequence[Mapping[str, Any]],
    outputs: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
) -> list[ItemScore]:
    """Score many outputs; items of one answer type are graded together (one ROUGE batch)."""
    if len(records) != len(outputs):
        raise ValueError(f"{len(records)} records but {len(outputs)} outputs")
    results: list[ItemScore | None] = [None] * len(records)
    pending: dict[str, list[tuple[int, Any, dict[str, Any]]]] = defaultdict(list)
    for i, (record, output) in enumerate(zip(records, outputs, strict=True)):
        kind = get_answer_type(str(record["answer_type"]), labels=labels)
        gold = parse_gold(record)
        text = clean_output(output)
        value = text if isinstance(text, Unparsed) else kind.extract(text, gold, record)
        if isinstance(value, Unparsed):
            results[i] = ItemScore(0.0, None, False, value.reason)
        else:
            pending[kind.name].append((i, value, gold))
    for name, items in pending.items():
        kind = get_answer_type(name, labels=labels)
        graded = kind.score_many(
            [v for _, v, _ in items], [g for _, _, g in items], [records[i] for i, _, _ in items]
        )
        for (i, _, _), (score, extracted) in zip(items, graded, strict=True):
            results[i] = ItemScore(float(score), extracted, True, None)
    return [r for r in results if r is not None]
