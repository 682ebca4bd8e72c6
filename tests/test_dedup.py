"""The near-duplicate measure documented in gci_bench/dedup.py, on hand-made cases."""

from __future__ import annotations

import pytest

from gci_bench.dedup import exact_key, near_duplicates, near_text, normalize

FACT = (
    "经审理查明：2016年3月28日20时许，被告人颜某在本市洪山区马湖新村足球场马路边捡拾到被害人谢某的手机一部，"
    "并在同日21时起，分多次通过支付宝小额免密支付功能，秘密盗走被害人谢某支付宝内人民币3723元。"
)

CASES = [
    ("identical", FACT, True),
    ("whitespace-and-punctuation-only", FACT.replace("，", " ").replace("。", "") + "  ", True),
    ("few-characters-changed", FACT.replace("3723", "3725"), True),
    (
        "date-and-name-changed-throughout",
        FACT.replace("2016年3月28日20时许", "2017年5月1日9时")
        .replace("谢某", "王某某")
        .replace("颜某", "李某"),
        False,
    ),
    (
        "different-case",
        "被告人张某酒后驾驶机动车，在道路上被查获，血液酒精含量为150mg/100ml。",
        False,
    ),
    ("too-short", "盗窃", False),
]


@pytest.mark.parametrize(
    ("candidate", "is_near"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_near_duplicate_cases(candidate: str, is_near: bool) -> None:
    pairs = near_duplicates(
        [("train", near_text(FACT, []))], [("test", near_text(candidate, []))], 0.8
    )
    assert bool(pairs) is is_near


def test_exact_key_ignores_layout_only() -> None:
    assert exact_key("问：", "甲  乙，丙。", ["A"]) == exact_key("问:", "甲乙丙", ["Ａ"])
    assert exact_key("问", "甲乙丙", []) != exact_key("问", "甲乙丁", [])
    assert normalize("ＡＢｃ，１２ ") == "abc12"


def test_best_pair_is_deterministic() -> None:
    train = [("b", near_text(FACT, [])), ("a", near_text(FACT, []))]
    pairs = near_duplicates(train, [("t", near_text(FACT, []))], 0.8)
    assert [(p.test_id, p.train_id, p.jaccard) for p in pairs] == [("t", "a", 1.0)]
