"""gci_bench.metrics.rouge must give exactly the plain rouge-score numbers (see fast_rouge)."""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

import pytest

from gci_bench.errors import GciError
from gci_bench.metrics import rouge, rouge_reference
from gci_bench.metrics.fast_rouge import _Text, lcs_length

REPO = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("GCI_CORPORA") or REPO.parent / "shared" / "corpora")
LAWBENCH_2_7 = CORPORA / "lawbench" / "2-7.json"
_SENTENCE = re.compile(r"[^。！？]+[。！？]?")


def _news_pairs(limit: int) -> list[tuple[str, str]]:
    """Real outputs and references: lead sentences, leads, other items' references, repeats."""
    if LAWBENCH_2_7.exists():
        items = json.loads(LAWBENCH_2_7.read_text(encoding="utf-8"))[:limit]
        docs = [(x["question"], x["answer"]) for x in items]
    else:  # keep the test meaningful where the shared corpora are not mounted
        docs = [
            (
                "被告人张某于2018年3月入户盗窃他人财物价值8500元。公诉机关认为其构成盗窃罪。",
                "张某入户盗窃8500元，被控盗窃罪。",
            ),
            ("法院依法公开开庭审理了本案。被告人当庭认罪。", "法院审理本案，被告人认罪。"),
        ]
    pairs = []
    for i, (doc, ref) in enumerate(docs):
        pairs.append((_SENTENCE.findall(doc)[0], ref))
        pairs.append((doc[:120], ref))
        pairs.append((docs[(i + 1) % len(docs)][1], ref))
    return pairs


# (output, reference) edge cases: empty, whitespace, one token, mixed scripts, repeats.
EDGE_CASES = [
    ("", ""),
    ("", "被告人构成盗窃罪"),
    ("被告人构成盗窃罪", ""),
    ("   \n\t", "被告人构成盗窃罪"),
    ("盗窃", "盗窃"),
    ("罪", "罪"),
    ("被告人构成盗窃罪", "被告人构成盗窃罪"),
    ("The defendant 张某 stole 8,500 yuan (RMB).", "张某盗窃8,500元 RMB"),
    ("第一，第二；第三。\n\n第四 第五", "第一 第二\r\n第三、第四"),
    ("盗窃盗窃盗窃盗窃", "盗窃罪盗窃罪"),
    ("ＡＢＣ全角字母１２３和　全角空格", "ABC 全角字母123"),
    ("a b c d e", "e d c b a"),
]


@pytest.mark.parametrize("tokens", ["jieba", "char"])
def test_equals_plain_way_on_real_text(tokens: str) -> None:
    pairs = _news_pairs(60)
    outputs, references = [o for o, _ in pairs], [r for _, r in pairs]
    assert rouge(outputs, references, tokens=tokens) == rouge_reference(
        outputs, references, tokens=tokens
    )


@pytest.mark.parametrize("tokens", ["jieba", "char"])
@pytest.mark.parametrize(("output", "reference"), EDGE_CASES)
def test_equals_plain_way_on_edge_cases(output: str, reference: str, tokens: str) -> None:
    assert rouge([output], [reference], tokens) == rouge_reference([output], [reference], tokens)


def test_edge_case_values() -> None:
    empty, same = rouge(["", "被告人构成盗窃罪"], ["被告人构成盗窃罪", "被告人构成盗窃罪"])
    assert empty == {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}
    assert same == {"rouge1": 1.0, "rouge2": 1.0, "rougeL": 1.0}
    assert rouge([], []) == []


def test_batch_with_repeats_equals_one_by_one() -> None:
    """The per-call caches must not leak one pair's tokens into another."""
    pairs = _news_pairs(10) + EDGE_CASES
    outputs, references = [o for o, _ in pairs], [r for _, r in pairs]
    batch = rouge(outputs * 2, references * 2)
    single = [rouge([o], [r])[0] for o, r in zip(outputs * 2, references * 2, strict=True)]
    assert batch == single


def _lcs_table(a: list[str], b: list[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


@pytest.mark.parametrize(("alphabet", "max_len"), [("ab", 10), ("abcde", 80), ("abcdefghij", 300)])
def test_bit_parallel_lcs_equals_dynamic_programming(alphabet: str, max_len: int) -> None:
    rng = random.Random(len(alphabet) * 1000 + max_len)
    for _ in range(150):
        a = [rng.choice(alphabet) for _ in range(rng.randint(0, max_len))]
        b = [rng.choice(alphabet) for _ in range(rng.randint(0, max_len))]
        assert lcs_length(_Text(a), b) == _lcs_table(a, b)


def test_rejects_bad_arguments() -> None:
    with pytest.raises(GciError, match="tokens"):
        rouge(["a"], ["a"], tokens="word")
    with pytest.raises(ValueError, match="1 outputs but 2 references"):
        rouge(["a"], ["a", "b"])


def test_parallel_cutting_gives_identical_scores() -> None:
    """Cutting in worker processes must not change a single score."""
    from gci_bench.metrics.fast_rouge import rouge as fast

    outputs = [
        f"第{i}号被告人盗窃财物{i * 7}元，依法判处有期徒刑{i % 5 + 1}年。" for i in range(60)
    ]
    references = [f"被告人{i}犯盗窃罪，判处有期徒刑{i % 3 + 1}年，并处罚金。" for i in range(60)]
    assert fast(outputs, references, num_proc=2) == fast(outputs, references, num_proc=1)
