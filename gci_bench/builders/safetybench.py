"""SafetyBench (zh): a questions file (JSON array of ``{"id", "question", "options",
"category"}``) plus a separate answers file (``{"<id>": {"answer": <index>}}``).

The two are joined here; a question without an answer is dropped and reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from gci_bench.builders._io import decode_text, iter_json_array
from gci_bench.builders.base import BUILDERS, Builder, BuildReport, SourceRecord

LETTERS = "ABCDEFGH"


@BUILDERS.register("safetybench")
class SafetyBench(Builder):
    """Yields ``{"id", "question", "options", "category", "letter"}``."""

    name = "safetybench"
    patterns = ("safetybench/test_*.json",)

    def read(self, path: Path, rel: str, report: BuildReport) -> Iterator[SourceRecord]:
        if "answers" in path.name:
            return
        answers_path = path.with_name(path.name.replace("test_", "test_answers_", 1))
        answers_rel = str(Path(rel).with_name(answers_path.name))
        if not answers_path.exists():
            report.drop(rel, None, f"answer file {answers_rel} is missing")
            return
        text = decode_text(answers_path, answers_rel, report)
        if text is None:
            return
        try:
            answers = json.loads(text)
        except json.JSONDecodeError as exc:
            report.drop(answers_rel, exc.lineno, f"invalid JSON ({exc.msg})")
            return
        for rec in iter_json_array(path, rel, report, required=("id", "question", "options")):
            entry = answers.get(str(rec.data["id"]))
            options = rec.data["options"]
            if not isinstance(entry, dict) or not isinstance(entry.get("answer"), int):
                report.drop(rel, rec.line, f"no answer for id {rec.data['id']} in {answers_rel}")
                continue
            if not isinstance(options, list) or not 0 <= entry["answer"] < len(options):
                report.drop(rel, rec.line, "answer index outside 'options'")
                continue
            data = dict(rec.data, letter=LETTERS[entry["answer"]])
            yield SourceRecord(data, rec.file, rec.line)
