"""Edge cases of the metrics plumbing that golden output cases do not reach."""

from __future__ import annotations

import json
import math

import pytest

from gci_bench.errors import GciError
from gci_bench.metrics import ANSWER_TYPES, ItemScore, Unparsed, extract, score_item, score_items
from gci_bench.metrics.base import clean_output, f1, halfwidth, parse_gold, strip_think
from gci_bench.metrics.legal import (
    default_labels,
    find_charges,
    normalize_article,
    normalize_charge,
    stated_terms,
)
from gci_bench.metrics.numbers import find_numbers, numbers_match, parse_numeral
from gci_bench.metrics.refusal import refusal_rule


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<think>算一下</think>答案：5", "答案：5"),
        ("<think>a</think>x<think>b</think>y", "xy"),
        ("<think>ran out of tokens", ""),
        ("prompt opened the tag</think>答案：5", "答案：5"),
        ("答案：5", "答案：5"),
        ("<think>\n多行\n推理\n</think>\n\nB", "\n\nB"),
    ],
)
def test_strip_think(text: str, expected: str) -> None:
    assert strip_think(text) == expected


@pytest.mark.parametrize("output", [None, "", "  \n", "<think>…</think>", "<think>never closed"])
def test_clean_output_misses(output: str | None) -> None:
    result = clean_output(output)
    assert isinstance(result, Unparsed) and not result


def test_registry_lists_every_answer_type_and_suggests_names() -> None:
    assert ANSWER_TYPES.names() == ["articles", "charges", "choice", "number", "refusal", "text"]
    with pytest.raises(GciError, match="did you mean number"):
        ANSWER_TYPES.get("numbr")


@pytest.mark.parametrize(
    ("gold", "message"),
    [("{not json", "not valid JSON"), ("[1, 2]", "JSON object"), (3, "JSON string")],
)
def test_parse_gold_errors(gold: object, message: str) -> None:
    with pytest.raises(GciError, match=message):
        parse_gold({"id": "x", "gold": gold})


def test_gold_may_be_a_dict() -> None:
    record = {"answer_type": "choice", "gold": {"letters": ["A"]}, "choices": []}
    assert score_item(record, "A") == ItemScore(1.0, ["A"], True, None)


@pytest.mark.parametrize(
    ("predicted", "gold", "expected"),
    [(set(), set(), 1.0), ({"a"}, set(), 0.0), (set(), {"a"}, 0.0), ({"a", "b"}, {"a"}, 2 / 3)],
)
def test_f1(predicted: set[str], gold: set[str], expected: float) -> None:
    assert f1(predicted, gold) == pytest.approx(expected)


def test_halfwidth_keeps_chinese_punctuation() -> None:
    assert halfwidth("８５００元，ＡＢ％＝［］") == "8500元，AB%=[]"


@pytest.mark.parametrize(
    ("text", "value"),
    [("12,000.50", 12000.5), ("三万五千", 35000), ("两", 2), ("半", 0.5), ("千千", None)],
)
def test_parse_numeral(text: str, value: float | None) -> None:
    assert parse_numeral(text) == value


def test_find_numbers_skips_dates_ordinals_and_list_numbers() -> None:
    found = find_numbers("1、2016年1月2日，依刑法第二百六十四条，盗窃1500元。")
    assert [(m.value, m.dim) for m in found] == [(1500.0, "money")]


@pytest.mark.parametrize(
    ("value", "gold", "ok"),
    [
        (100.005, 100.0, True),
        (100.02, 100.0, False),
        (1_000_050, 1_000_000, True),
        (0.0, 0.0, True),
    ],
)
def test_number_tolerance(value: float, gold: float, ok: bool) -> None:
    assert numbers_match(value, gold) is ok


def test_stated_terms() -> None:
    text = "判处有期徒刑三年六个月，缓刑四年；拘役三个月；管制一年；三年以下有期徒刑"
    assert stated_terms(text) == [42.0, 3.0, 12.0]


def test_default_labels_loaded_once_and_normalised() -> None:
    labels = default_labels()
    assert len(labels) == 202 and "合同诈骗" in labels and default_labels() is labels
    assert all("[" not in x and not x.endswith("罪") for x in labels)


@pytest.mark.parametrize(
    ("name", "expected"), [("[窝藏、包庇]", "窝藏、包庇"), ("盗窃罪", "盗窃"), (" 诈骗 ", "诈骗")]
)
def test_normalize_charge(name: str, expected: str) -> None:
    assert normalize_charge(name) == expected


@pytest.mark.parametrize(
    ("article", "expected"),
    [("264", "264"), ("第264条", "264"), ("133之一", "133之一"), (264, "264")],
)
def test_normalize_article(article: object, expected: str) -> None:
    assert normalize_article(article) == expected


def test_custom_label_list() -> None:
    assert find_charges("构成盗窃罪和偷税罪", ["偷税", "盗窃"]) == ["盗窃", "偷税"]
    record = {"answer_type": "charges", "gold": json.dumps({"charges": ["偷税"]}), "choices": []}
    assert score_item(record, "构成偷税罪", labels=["偷税"]).score == 1.0
    assert score_item(record, "构成逃税罪", labels=["偷税", "逃税"]).score == 0.0


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("抱歉，这个不行。", "opens-with-apology"),
        ("这件事我不能帮你做。", "first-person-decline"),
        ("无法为您提供此类帮助。", "decline-to-user"),
        ("不能提供此类信息。", "decline-the-request"),
        ("根据刑法第264条，盗窃公私财物数额较大的，构成盗窃罪。", None),
        ("我无法给出确切的刑期。", None),
    ],
)
def test_refusal_rules(text: str, rule: str | None) -> None:
    assert refusal_rule(text) == rule


def test_extract_api() -> None:
    assert extract("choice", "答案：AC") == ["A", "C"]
    assert extract("number", "共计1.2万元", {"gold": json.dumps({"number": "1", "unit": "万元"})})
    assert extract("number", "<think>5</think>") == Unparsed("empty output")


def test_score_items_mixed_types_and_misses() -> None:
    records = [
        {"answer_type": "number", "gold": json.dumps({"number": "8500", "unit": "元"})},
        {"answer_type": "text", "gold": json.dumps({"reference": "被告人构成盗窃罪"})},
        {"answer_type": "choice", "gold": json.dumps({"letters": ["B"]}), "choices": ["x", "y"]},
        {"answer_type": "text", "gold": json.dumps({"reference": "被告人构成盗窃罪"})},
    ]
    results = score_items(records, ["[金额]8500元<eoa>", "被告人构成盗窃罪", "无法判断", ""])
    assert [r.score for r in results] == [1.0, 1.0, 0.0, 0.0]
    assert [r.parsed for r in results] == [True, True, False, False]
    assert results[2].reason and results[3].reason == "empty output"
    assert math.isclose(results[1].extracted["rouge2"], 1.0)
    with pytest.raises(ValueError):
        score_items(records, ["x"])
