"""``oracle`` backend: answers every item with its reference answer.

It exists to test the pipeline, not a model: every extractor must read a reference answer and
every scorer must give it full marks, so an oracle run that scores below 100 anywhere points at a
bug in a metric or a build (``gci-bench eval --model oracle``).
"""

from __future__ import annotations

from collections.abc import Sequence

from gci_bench.errors import GciError
from gci_bench.models.base import (
    BACKENDS,
    Backend,
    EvalContext,
    GenerationSettings,
    ModelSpec,
    OnBatch,
    Prompt,
    json_hash,
)


@BACKENDS.register("oracle")
class OracleBackend(Backend):
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

    def generate(
        self,
        prompts: Sequence[Prompt],
        settings: GenerationSettings,
        on_batch: OnBatch | None = None,
    ) -> list[str]:
        try:
            outputs = [self._answers[p.id] for p in prompts]
        except KeyError as exc:
            raise GciError(f"oracle: no reference answer for item {exc.args[0]}") from None
        if on_batch is not None and outputs:
            on_batch(list(range(len(outputs))), outputs)
        return outputs
