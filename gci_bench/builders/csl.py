"""CSL title generation: TSV lines ``to title<TAB>abstract<TAB>title`` without a header."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from gci_bench.builders._io import decode_text
from gci_bench.builders.base import BUILDERS, Builder, BuildReport, SourceRecord


@BUILDERS.register("csl")
class Csl(Builder):
    """Yields ``{"abstract", "title"}``."""

    name = "csl"
    patterns = ("csl/ts_*.tsv",)

    def read(self, path: Path, rel: str, report: BuildReport) -> Iterator[SourceRecord]:
        text = decode_text(path, rel, report)
        if text is None:
            return
        for lineno, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            fields = line.rstrip("\r").split("\t")
            if len(fields) != 3:
                report.drop(rel, lineno, f"expected 3 tab-separated fields, got {len(fields)}")
                continue
            abstract, title = fields[1].strip(), fields[2].strip()
            if not abstract or not title:
                report.drop(rel, lineno, "empty abstract or title")
                continue
            yield SourceRecord({"abstract": abstract, "title": title}, rel, lineno)
