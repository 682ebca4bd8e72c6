"""``retrieval`` backend: answer with the reference answer of the most similar train item.

A baseline that needs no weights, so the whole pipeline (build → eval → compare) runs anywhere in
seconds, and a floor any model should beat: it scores what memorising the train split with
nothing but surface similarity gets. Per task, train prompts are indexed with TF-IDF over
character 1–2-grams (Chinese has no spaces; characters and bigrams are the usual unit) and each
evaluated prompt gets the answer of its nearest train prompt by cosine similarity; ties go to the
first train item in id order, so runs are reproducible.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from gci_bench.models.base import (
    BACKENDS,
    EvalContext,
    LookupBackend,
    ModelSpec,
    json_hash,
)
from gci_bench.prompts import build_prompt

#: The vectoriser's settings; part of the fingerprint.
TFIDF = {"analyzer": "char", "ngram_range": (1, 2), "sublinear_tf": True, "min_df": 1}


@BACKENDS.register("retrieval")
class RetrievalBackend(LookupBackend):
    """TF-IDF nearest train item (scikit-learn), fitted per task of the evaluated items."""

    name = "retrieval"

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__(spec)
        self._answers: dict[str, str] = {}
        self._dataset = ""

    @property
    def fingerprint(self) -> str:
        return json_hash({"backend": "retrieval", "tfidf": TFIDF, "dataset": self._dataset})

    def prepare(self, context: EvalContext) -> None:
        """Fit one index per (group, task) and answer every evaluated item up front."""
        self._dataset = context.dataset_fingerprint
        by_task: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
        for row in context.items:
            by_task[(str(row["group"]), str(row["task"]))].append(row)
        train_by_group: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
        for (group, task), rows in sorted(by_task.items()):
            if group not in train_by_group:
                grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
                for r in sorted(context.train_rows(group), key=lambda r: str(r["id"])):
                    grouped[str(r["task"])].append(r)
                train_by_group[group] = grouped
            train = train_by_group[group].get(task, [])
            for row, answer in zip(rows, nearest_answers(train, rows), strict=True):
                self._answers[str(row["id"])] = answer

    def lookup(self, item_id: str) -> str:
        return self._answers.get(item_id, "")


def nearest_answers(
    train: Sequence[Mapping[str, Any]], queries: Sequence[Mapping[str, Any]]
) -> list[str]:
    """For each query record, the ``answer`` of the most similar train record ("" if none)."""
    if not train:
        return [""] * len(queries)
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(**TFIDF)
    matrix = vectoriser.fit_transform([build_prompt(r) for r in train])
    query = vectoriser.transform([build_prompt(r) for r in queries])
    sims = (query @ matrix.T).toarray()  # rows are L2-normalised: this is the cosine
    best = sims.argmax(axis=1)  # first maximum: ties go to the lowest train index
    return [str(train[int(j)]["answer"]) for j in best]
