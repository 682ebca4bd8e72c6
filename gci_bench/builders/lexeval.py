"""LexEval task files: JSON lines ``{"instruction", "input", "answer"}``; answers may hold
several option letters (``"ABCD"``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from gci_bench.builders._io import iter_json_lines
from gci_bench.builders.base import BUILDERS, Builder, BuildReport, SourceRecord


@BUILDERS.register("lexeval")
class LexEval(Builder):
    name = "lexeval"
    patterns = ("lexeval/*.json",)

    def read(self, path: Path, rel: str, report: BuildReport) -> Iterator[SourceRecord]:
        yield from iter_json_lines(path, rel, report, required=("input", "answer"))
