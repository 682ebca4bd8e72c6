"""Every source format on the first record of a real corpus file (the embedded sample)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gci_bench.builders import BUILDERS, BuildReport

# (format, file, expected line of the first record, check on its parsed data)
CASES: list[tuple[str, str, int, Callable[[dict[str, Any]], bool]]] = [
    (
        "cail2018",
        "cail2018/data_train.json",
        1,  # GB18030 on disk
        lambda d: (
            d["charges"] == ["故意伤害"]
            and d["articles"] == ["234"]
            and d["term_months"] == 6
            and d["fact"].startswith("北京市通州区人民检察院指控")
        ),
    ),
    (
        "cail2018",
        "cail2018/data_test.json",
        1,
        lambda d: (
            d["charges"] == ["假冒注册商标"]
            and d["articles"] == ["213"]
            and d["criminals"] == ["陈某某"]
        ),
    ),
    (
        "lawbench",
        "lawbench/3-7.json",
        2,
        lambda d: d["answer"] == "上文涉及到的犯罪金额:8500.0元。",
    ),
    ("lawbench", "lawbench/1-2.json", 2, lambda d: d["answer"] == "正确答案：B。"),
    ("lexeval", "lexeval/6_1.json", 1, lambda d: d["answer"] == "AD"),
    ("lexeval", "lexeval/3_5.json", 1, lambda d: d["input"].startswith("《民法典》第675条规定")),
    (
        "safetybench",
        "safetybench/test_zh_subset.json",
        2,
        lambda d: d["id"] == 2 and d["category"] == "Offensiveness" and d["letter"] == "B",
    ),
    (
        "jade",
        "jade/jade_benchmark_easy_zh_v2.csv",
        2,
        lambda d: d["category"] == "违法犯罪" and d["subcategory"] == "诈骗",
    ),
    (
        "cmath",
        "cmath/cmath_dev.jsonl",
        1,
        lambda d: (
            d == {"question": "芳芳买了一本书有99页，看了90页，她还剩多少页没有看？", "answer": "9"}
        ),
    ),
    (
        "ape210k",
        "ape210k/valid.ape.json",
        1,
        lambda d: d["question"].startswith("学校把135本练习本"),
    ),
    (
        "disc_law_mcq",
        "disc_law_eval/objective/mcq_sing_cpa.csv",
        2,
        lambda d: (
            d["letters"] == ["B"] and len(d["options"]) == 4 and "授权性规范" in d["question"]
        ),
    ),
    (
        "lawyer_llama",
        "lawyer_llama/legal_counsel_with_article_v2.json",
        2,
        lambda d: d["query"] == "我要离婚他不离，他跟二十万，我怎么办？" and len(d["laws"]) == 3,
    ),
    ("csl", "csl/ts_dev.tsv", 1, lambda d: d["abstract"].startswith("采用修正的Rodrigues参数")),
    (
        "alpaca",
        "alpaca_zh/zh-data-part-00.json",
        2,
        lambda d: d["instruction"] == "给出三个保持健康的秘诀。",
    ),
    (
        "statute_markdown",
        "statutes/劳动合同法.md",
        11,
        lambda d: d["law"] == "劳动合同法" and d["article"] == "1",
    ),
]


@pytest.mark.parametrize(
    ("fmt", "rel", "line", "check"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES]
)
def test_first_real_record(
    embedded_dir: Path, fmt: str, rel: str, line: int, check: Callable[[dict[str, Any]], bool]
) -> None:
    report = BuildReport()
    first = next(iter(BUILDERS.get(fmt)().read(embedded_dir / rel, rel, report)))
    assert first.file == rel
    assert first.line == line
    assert check(first.data), first.data
    assert not report.dropped and not report.warnings


def test_criminal_law_article_count_and_amended_articles(embedded_dir: Path) -> None:
    articles = {
        r.data["article"]: r.data["text"]
        for r in BUILDERS.get("statute_markdown")().read(
            embedded_dir / "statutes/刑法.md", "statutes/刑法.md", BuildReport()
        )
    }
    assert "133之一" in articles and articles["133之一"].startswith("在道路上驾驶机动车")
    assert "之" not in "".join(k for k in articles if k.isdigit())
    assert articles["69"].count("\n") == 2  # the article's three paragraphs stay together


def test_unknown_format_suggests_close_name() -> None:
    from gci_bench.errors import GciError

    with pytest.raises(GciError, match="did you mean lawbench"):
        BUILDERS.get("lawbench2")
