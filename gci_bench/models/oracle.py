"""``oracle`` backend: answers every item with its reference answer.

It exists to test the pipeline, not a model: every extractor must read a reference answer and
every scorer must give it full marks, so an oracle run that scores below 100 anywhere points at a
bug in a metric or a build (``gci-bench eval --model oracle``).
"""

from __future__ import annotations

from gci_bench.errors import GciError
from gci_bench.models.base import (
    BACKENDS,
    EvalContext,
    LookupBackend,
    ModelSpec,
    json_hash,
)


@BACKENDS.register("oracle")
class OracleBackend(LookupBackend):
    """Returns each record's ``answer`` field, looked up by id."""

    name = "oracle"

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__(spec)
        self._answers: dict[str, str] = {}
        self._dataset = ""

    @property
    def fingerprint(self) -> str:
        return json_hash({"backend": "oracle", "dataset": self._dataset})

    def prepare(self, context: EvalContext) -> None:
        self._answers = {str(r["id"]): str(r["answer"]) for r in context.items}
        self._dataset = context.dataset_fingerprint

    def lookup(self, item_id: str) -> str:
        try:
            return self._answers[item_id]
        except KeyError:
            raise GciError(f"oracle: no reference answer for item {item_id}") from None
