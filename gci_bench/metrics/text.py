"""The ``text`` answer type: ROUGE-L against a reference, plus the legal elements it must state.

``gold = {"reference": "...", optional "charges", "articles" (+ "articles_law": null for articles of
any law; 刑法 by default), "term_months", "death_penalty",
"life_imprisonment"}``. The score is the ROUGE-L F-measure (jieba word tokens, see
:mod:`gci_bench.metrics.fast_rouge`). A case summary must also state the charge, the article and the
sentence; when the gold carries any of those keys the score is the mean of ROUGE-L F and the
**element accuracy**, the share of the present elements that the output states:

* ``charges`` (non-empty): every gold charge is named;
* ``articles`` (non-empty): every gold article is cited;
* sentence (any of ``term_months``/``death_penalty``/``life_imprisonment``): 死刑 when
  ``death_penalty``, 无期徒刑 when ``life_imprisonment``, else a term after 有期徒刑/拘役/管制 equal
  to ``term_months`` months (有期徒刑三年六个月 = 42); see :func:`~gci_bench.metrics.legal.sentence_stated`.

ROUGE-1/2/L are reported in ``extracted``. ROUGE runs once per batch (``score_many``), so
:func:`~gci_bench.metrics.scoring.score_items` cuts each distinct text once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gci_bench.metrics.base import ANSWER_TYPES, AnswerType
from gci_bench.metrics.fast_rouge import rouge
from gci_bench.metrics.legal import (
    find_articles,
    find_charges,
    gold_charges,
    normalize_article,
    sentence_stated,
)


@dataclass(frozen=True)
class TextValue:
    """The output text and, per element present in the gold, whether the output states it."""

    text: str
    elements: dict[str, bool]


def stated_elements(
    text: str, gold: Mapping[str, Any], labels: Sequence[str] | None = None
) -> dict[str, bool]:
    """``{"charges": …, "articles": …, "sentence": …}`` for the elements the gold carries."""
    elements: dict[str, bool] = {}
    charges = gold_charges(gold)
    if charges:
        named = set(find_charges(text, labels, charges))
        elements["charges"] = set(charges) <= named
    articles = {normalize_article(x) for x in gold.get("articles") or []}
    if articles:
        # "articles_law": null in the gold means articles of any law (counsel answers).
        law = gold.get("articles_law", "刑法")
        elements["articles"] = articles <= set(find_articles(text, law))
    sentence = sentence_stated(text, gold)
    if sentence is not None:
        elements["sentence"] = sentence
    return elements


def combine(rouge_l: float, elements: Mapping[str, bool]) -> float:
    """ROUGE-L F alone, or its mean with the element accuracy when elements are graded."""
    if not elements:
        return rouge_l
    return (rouge_l + sum(elements.values()) / len(elements)) / 2


@ANSWER_TYPES.register("text")
class TextAnswer(AnswerType):
    """Summaries and free answers, scored by ROUGE-L (and element accuracy, see module doc)."""

    name = "text"

    def extract(self, text: str, gold: Mapping[str, Any], record: Mapping[str, Any]) -> Any:
        return TextValue(text, stated_elements(text, gold, self.labels))

    def score(self, value: Any, gold: Mapping[str, Any], record: Mapping[str, Any]) -> float:
        return self.score_many([value], [gold], [record])[0][0]

    def score_many(
        self,
        values: Sequence[Any],
        golds: Sequence[Mapping[str, Any]],
        records: Sequence[Mapping[str, Any]],
    ) -> list[tuple[float, Any]]:
        refs = [str(g.get("reference") or "") for g in golds]
        scores = rouge([v.text for v in values], refs)
        return [
            (combine(s["rougeL"], v.elements), {**s, "elements": v.elements})
            for v, s in zip(values, scores, strict=True)
        ]

    def to_json(self, value: Any) -> Any:
        return {"elements": value.elements}
