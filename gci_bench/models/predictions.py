"""``predictions`` backend: score generations made elsewhere (``--predictions FILE.jsonl``).

Each line is ``{"id": ..., "output": ...}``. This is how a leaderboard re-scores submissions
with the current metrics, and how outputs of a model that cannot run here get scored. The file
is checked strictly, because a silent mismatch would score the wrong items: an id that is not in
the build, a duplicate id with a different output, or an evaluated item with no output is an
error naming the line or the ids.
"""

from __future__ import annotations

import json
from pathlib import Path

from gci_bench.errors import GciError
from gci_bench.models.base import (
    BACKENDS,
    EvalContext,
    LookupBackend,
    ModelSpec,
    file_identity,
    json_hash,
)


def read_predictions(path: Path) -> dict[str, str]:
    """``{id: output}`` from a JSON-lines file; GciError naming the first bad line."""
    if not path.is_file():
        raise GciError(f"--predictions {path}: no such file")
    found: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GciError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from None
            if not isinstance(obj, dict) or "id" not in obj or "output" not in obj:
                raise GciError(f'{path}:{lineno}: expected an object with "id" and "output"')
            pid, output = str(obj["id"]), obj["output"]
            if output is None:
                output = ""
            if not isinstance(output, str):
                raise GciError(f'{path}:{lineno}: "output" must be a string')
            if pid in found and found[pid] != output:
                raise GciError(f"{path}:{lineno}: id {pid} appears twice with different outputs")
            found[pid] = output
    return found


@BACKENDS.register("predictions")
class PredictionsBackend(LookupBackend):
    """Outputs read from a file, checked against the build."""

    name = "predictions"

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__(spec)
        if spec.predictions is None:
            raise GciError("the predictions backend needs --predictions FILE.jsonl")
        self.path = Path(spec.predictions).expanduser()
        self.outputs = read_predictions(self.path)

    @property
    def fingerprint(self) -> str:
        return json_hash({"backend": "predictions", "file": file_identity(self.path)})

    def describe(self) -> dict[str, object]:
        return {
            "backend": self.name,
            "model": self.spec.model,
            "predictions": str(self.path.resolve()),
            "fingerprint": self.fingerprint,
            "adapter": None,
        }

    def prepare(self, context: EvalContext) -> None:
        known = context.known_ids()
        unknown = sorted(set(self.outputs) - known)
        if unknown:
            raise GciError(
                f"--predictions {self.path}: {len(unknown)} id(s) are not in this build "
                f"(first: {', '.join(unknown[:5])}); was it made for another build?"
            )
        missing = [str(r["id"]) for r in context.items if str(r["id"]) not in self.outputs]
        if missing:
            raise GciError(
                f"--predictions {self.path}: no output for {len(missing)} of the "
                f"{len(context.items)} selected items (first: {', '.join(missing[:5])}); "
                "restrict the selection with --groups/--subsets/--limit or add them"
            )

    def lookup(self, item_id: str) -> str:
        return self.outputs[item_id]  # prepare() checked that every selected id has one
