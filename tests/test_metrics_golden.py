"""Golden cases: real-looking model outputs and what each answer type must make of them.

The cases live in ``gci_bench/metrics/golden/<answer_type>.jsonl`` (one JSON object a line:
``output``, ``gold``, ``expected_score``, optional ``expected_extracted`` / ``expected_parsed``
/ ``choices``, ``note``); each runs as its own test whose id is its note, so a failing case
names itself. ``expected_extracted`` dicts are compared key by key (a subset of the extraction).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from gci_bench.metrics import score_item, score_items

GOLDEN = Path(__file__).resolve().parents[1] / "gci_bench" / "metrics" / "golden"
TYPES = ("number", "choice", "refusal", "articles", "charges", "text")


def _cases() -> list[Any]:
    params = []
    for answer_type in TYPES:
        lines = (GOLDEN / f"{answer_type}.jsonl").read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines, 1):
            if line.strip():
                case = json.loads(line)
                params.append(
                    pytest.param(answer_type, case, id=f"{answer_type}:{n}:{case['note']}")
                )
    return params


CASES = _cases()


def _record(answer_type: str, case: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": case["note"],
        "task": "golden",
        "answer_type": answer_type,
        "answer": "",
        "choices": case.get("choices", []),
        "gold": json.dumps(case["gold"], ensure_ascii=False),
    }


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and _same(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, float | int) and not isinstance(expected, bool):
        return isinstance(actual, float | int) and math.isclose(expected, actual, abs_tol=1e-9)
    return bool(expected == actual)


@pytest.mark.parametrize(("answer_type", "case"), CASES)
def test_golden(answer_type: str, case: dict[str, Any]) -> None:
    result = score_item(_record(answer_type, case), case["output"])
    assert result.score == pytest.approx(case["expected_score"], abs=1e-9), result
    if "expected_extracted" in case:
        assert _same(case["expected_extracted"], result.extracted), result
    if "expected_parsed" in case:
        assert result.parsed is case["expected_parsed"], result
    if not result.parsed:
        assert result.extracted is None and result.reason
    json.dumps(result.extracted)  # extracted values are JSON-serialisable


def test_golden_counts() -> None:
    for answer_type in TYPES:
        assert sum(1 for p in CASES if p.values[0] == answer_type) >= 40, answer_type


def test_batch_equals_one_by_one() -> None:
    """score_items (one ROUGE batch, grouped by type) gives what score_item gives per item."""
    records = [_record(p.values[0], p.values[1]) for p in CASES]
    outputs = [p.values[1]["output"] for p in CASES]
    batch = score_items(records, outputs)
    single = [score_item(r, o) for r, o in zip(records, outputs, strict=True)]
    assert batch == single
