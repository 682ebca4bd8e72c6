"""Math word problems: CMATH (``{"input", "golden"}`` lines) and Ape210K
(``{"original_text", "ans"}`` lines). Both become ``{"question", "answer"}``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from gci_bench.builders._io import iter_json_lines
from gci_bench.builders.base import BUILDERS, Builder, BuildReport, SourceRecord


@BUILDERS.register("cmath")
class Cmath(Builder):
    name = "cmath"
    patterns = ("cmath/*.jsonl",)

    def read(self, path: Path, rel: str, report: BuildReport) -> Iterator[SourceRecord]:
        for rec in iter_json_lines(path, rel, report, required=("input", "golden")):
            data = {
                "question": str(rec.data["input"]).strip(),
                "answer": str(rec.data["golden"]).strip(),
            }
            yield SourceRecord(data, rec.file, rec.line)


@BUILDERS.register("ape210k")
class Ape210k(Builder):
    name = "ape210k"
    patterns = ("ape210k/*.ape.json",)

    def read(self, path: Path, rel: str, report: BuildReport) -> Iterator[SourceRecord]:
        for rec in iter_json_lines(path, rel, report, required=("original_text", "ans")):
            data = {
                "question": str(rec.data["original_text"]).strip(),
                "answer": str(rec.data["ans"]).strip(),
            }
            yield SourceRecord(data, rec.file, rec.line)
