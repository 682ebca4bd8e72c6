"""Item scoring for every answer type, and a fast exact ROUGE for Chinese.

Public API: :func:`score_item`, :func:`score_items`, :func:`extract`, :class:`ItemScore`,
:func:`rouge` (and :func:`rouge_reference`, the plain rouge-score definition it equals),
:class:`Unparsed`, the :data:`ANSWER_TYPES` registry. Modules, one job each:

* ``base`` — Unparsed, the AnswerType base class and registry, output cleaning (``<think>``);
* ``numbers`` — final answer number with units (``number``);
* ``choice`` — option letters (``choice``);
* ``refusal`` — the rule-based refusal detector;
* ``legal`` — cited articles, charge names, sentences (``articles``, ``charges``);
* ``safety`` — refused and named the offence (``refusal``);
* ``fast_rouge`` — ROUGE-1/2/L (named apart from the ``rouge`` function it defines);
* ``text`` — ROUGE-L plus element accuracy (``text``);
* ``scoring`` — records + outputs → :class:`ItemScore`.

Golden cases (``golden/<answer_type>.jsonl``) pin down what each extractor must read.
"""

from __future__ import annotations

from gci_bench.metrics.base import ANSWER_TYPES, AnswerType, Unparsed, strip_think
from gci_bench.metrics.fast_rouge import rouge, rouge_reference
from gci_bench.metrics.scoring import ItemScore, extract, score_item, score_items

__all__ = [
    "ANSWER_TYPES",
    "AnswerType",
    "ItemScore",
    "Unparsed",
    "extract",
    "rouge",
    "rouge_reference",
    "score_item",
    "score_items",
    "strip_think",
]
