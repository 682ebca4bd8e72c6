"""DISC-LawLLM evaluation sets: objective multiple choice CSVs
(``input,output,A,B,C,D,source,multichoice``) and the subjective JSON array."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from gci_bench.builders._io import iter_csv, iter_json_array
from gci_bench.builders.base import BUILDERS, Builder, BuildReport, SourceRecord


@BUILDERS.register("disc_law_mcq")
class DiscLawMcq(Builder):
    """Yields ``{"question", "options": [A..D], "letters"}``."""

    name = "disc_law_mcq"
    patterns = ("disc_law_eval/objective/*.csv",)

    def read(self, path: Path, rel: str, report: BuildReport) -> Iterator[SourceRecord]:
        for rec in iter_csv(path, rel, report, required=("input", "output", "A", "B")):
            letters = sorted({c for c in rec.data["output"].strip().upper() if c in "ABCD"})
            if not letters:
                report.drop(
                    rel, rec.line, f"field 'output' has no option letter: {rec.data['output']!r}"
                )
                continue
            options = [rec.data.get(k, "").strip() for k in "ABCD"]
            while options and not options[-1]:
                options.pop()
            data = {"question": rec.data["input"].strip(), "options": options, "letters": letters}
            yield SourceRecord(data, rec.file, rec.line)


@BUILDERS.register("disc_law_subjective")
class DiscLawSubjective(Builder):
    name = "disc_law_subjective"
    patterns = ("disc_law_eval/subjective/*.json",)

    def read(self, path: Path, rel: str, report: BuildReport) -> Iterator[SourceRecord]:
        yield from iter_json_array(path, rel, report, required=("input", "output"))
