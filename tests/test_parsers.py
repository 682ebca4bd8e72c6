"""Parsers on real lines from the corpora (copied verbatim from the files named in each case)."""

from __future__ import annotations

import pytest

from gci_bench.builders.statutes import law_name, parse_article_heading
from gci_bench.task_groups._parse import (
    answer_letters,
    cited_articles,
    lawbench_amount,
    lawbench_articles,
    split_lawbench_options,
    split_lexeval_options,
    term_text,
)

ARTICLE_HEADINGS = [
    # statutes/刑法.md
    ("第一百三十三条之一 在道路上驾驶机动车，有下列情形之一的，处拘役，并处罚金：", "133之一"),
    ("第六十九条 判决宣告以前一人犯数罪的，除判处死刑和无期徒刑的以外，", "69"),
    ("第十七条之一 已满七十五周岁的人故意犯罪的，可以从轻或者减轻处罚；", "17之一"),
    ("第二百六十四条 盗窃公私财物，数额较大的，或者多次盗窃、入户盗窃、", "264"),
    # statutes/劳动合同法.md
    (
        "第四十七条 经济补偿按劳动者在本单位工作的年限，每满一年支付一个月工资的标准向劳动者支付。",
        "47",
    ),
    # statutes/民法典/婚姻家庭编.md
    ("第一千零七十六条 夫妻双方自愿离婚的，应当签订书面离婚协议，", "1076"),
    ("第二百八十七条之二 明知他人利用信息网络实施犯罪，", "287之二"),
]


@pytest.mark.parametrize(("line", "key"), ARTICLE_HEADINGS, ids=[k for _, k in ARTICLE_HEADINGS])
def test_article_heading(line: str, key: str) -> None:
    parsed = parse_article_heading(line)
    assert parsed is not None and parsed[0] == key


@pytest.mark.parametrize(
    "line",
    ["## 第一章 总则", "第一编 总则", "依照本法第六十九条的规定，决定执行的刑罚。", "第X条 无效"],
)
def test_not_an_article_heading(line: str) -> None:
    assert parse_article_heading(line) is None


@pytest.mark.parametrize(
    ("rel", "law"),
    [
        ("statutes/刑法.md", "刑法"),
        ("statutes/民法典/合同编.md", "民法典"),
        (
            "statutes/司法解释/最高人民法院、最高人民检察院关于办理盗窃刑事案件适用法律若干问题的解释(2013-04-02).md",
            "最高人民法院、最高人民检察院关于办理盗窃刑事案件适用法律若干问题的解释",
        ),
    ],
)
def test_law_name(rel: str, law: str) -> None:
    assert law_name(rel) == law


AMOUNTS = [  # lawbench/3-7.json answers
    ("上文涉及到的犯罪金额:8500.0元。", "8500"),
    ("上文涉及到的犯罪金额:3900.0元。", "3900"),
    ("上文涉及到的犯罪金额:1234.5元。", "1234.5"),
    ("上文涉及到的犯罪金额:12,000元。", "12000"),
    ("上文涉及到的犯罪金额:不详。", None),
]


@pytest.mark.parametrize(("answer", "expected"), AMOUNTS, ids=[a for a, _ in AMOUNTS])
def test_lawbench_amount(answer: str, expected: str | None) -> None:
    assert lawbench_amount(answer) == expected


LETTERS = [
    ("ABCD", ["A", "B", "C", "D"]),  # lexeval/6_1.json
    ("AD", ["A", "D"]),  # lexeval/6_1.json line 1
    ("正确答案：B。", ["B"]),  # lawbench/1-2.json
    ("正确答案:C。", ["C"]),  # lawbench/3-6.json
    ("选项CD", ["C", "D"]),  # lexeval/6_1.json line 146
    ("C（可能累犯）", ["C"]),  # lexeval/6_1.json line 234
    ("bd", ["B", "D"]),  # lexeval/6_1.json line 616
    ("ABD（B是善意的歧视）", ["A", "B", "D"]),  # lexeval/6_1.json line 769
    ("无正确答案", None),
]


@pytest.mark.parametrize(("answer", "expected"), LETTERS, ids=[a for a, _ in LETTERS])
def test_answer_letters(answer: str, expected: list[str] | None) -> None:
    assert answer_letters(answer) == expected


def test_lexeval_options_real_line() -> None:
    # lexeval/6_1.json line 1
    text = (
        "广东某公司在招聘时的下列做法，您认为不正确的有？\nA: 广东某公司发布仅限男性的招聘广告,所招聘岗位并非不适合妇女从事\n"
        "B: 广东某公司发布仅限男性的招聘广告，所招聘的岗位属于不适合妇女从事的工种以及岗位\n"
        "C: 广东某公司对前来应聘的求职者一视同仁、看能力而非看性别\nD: 广东某公司在面试时重点关注女性求职者的生育状况"
    )
    stem, options = split_lexeval_options(text)  # type: ignore[misc]
    assert stem == "广东某公司在招聘时的下列做法，您认为不正确的有？"
    assert len(options) == 4 and options[3] == "广东某公司在面试时重点关注女性求职者的生育状况"


def test_lawbench_options_real_line() -> None:
    # lawbench/3-6.json item 0 (tail)
    text = "张某的行为构成何罪?A:职务侵占罪;B:金融凭证诈骗罪;C:挪用资金罪;D:挪用公款罪。"
    stem, options = split_lawbench_options(text)  # type: ignore[misc]
    assert stem == "张某的行为构成何罪?"
    assert options == ["职务侵占罪", "金融凭证诈骗罪", "挪用资金罪", "挪用公款罪"]


def test_lawbench_articles() -> None:
    assert lawbench_articles("法条:刑法第264条") == ["264"]
    assert lawbench_articles("法条:刑法第266条、刑法第25条") == ["25", "266"]


def test_cited_articles_in_lawyer_llama_laws() -> None:
    # lawyer_llama/legal_counsel_with_article_v2.json item 0, 'laws' (heads only)
    laws = "《民法典》第一千零七十六条\n《民法典》第一千零七十九条\n《民法典》第一千零八十二条"
    assert cited_articles(laws) == ["1076", "1079", "1082"]
    assert cited_articles("《刑法》第一百三十三条之一") == ["133之一"]


@pytest.mark.parametrize(
    ("months", "death", "life", "text"),
    [
        (42, False, False, "有期徒刑3年6个月"),
        (6, False, False, "有期徒刑6个月"),
        (24, False, False, "有期徒刑2年"),
        (0, True, False, "死刑"),
        (0, False, True, "无期徒刑"),
    ],
)
def test_term_text(months: int, death: bool, life: bool, text: str) -> None:
    assert term_text(months, death, life) == text
