"""lawyer-llama consultations: a JSON array of ``{"query", "laws": [...], "response"}``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from gci_bench.builders._io import iter_json_array
from gci_bench.builders.base import BUILDERS, Builder, BuildReport, SourceRecord


@BUILDERS.register("lawyer_llama")
class LawyerLlama(Builder):
    name = "lawyer_llama"
    patterns = ("lawyer_llama/*.json",)

    def read(self, path: Path, rel: str, report: BuildReport) -> Iterator[SourceRecord]:
        for rec in iter_json_array(path, rel, report, required=("query", "response")):
            laws = rec.data.get("laws") or []
            if not isinstance(laws, list):
                report.drop(rel, rec.line, "field 'laws' must be a list of article texts")
                continue
            yield rec
