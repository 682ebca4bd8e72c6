"""LawBench task files: a JSON array of ``{"instruction", "question", "answer"}``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from gci_bench.builders._io import iter_json_array
from gci_bench.builders.base import BUILDERS, Builder, BuildReport, SourceRecord


@BUILDERS.register("lawbench")
class LawBench(Builder):
    name = "lawbench"
    patterns = ("lawbench/*.json",)

    def read(self, path: Path, rel: str, report: BuildReport) -> Iterator[SourceRecord]:
        yield from iter_json_array(path, rel, report, required=("question", "answer"))
