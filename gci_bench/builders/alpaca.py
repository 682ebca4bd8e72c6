"""alpaca-zh instructions: a JSON array of ``{"instruction", "input", "output"}``.

Not a benchmark task: the general prompts used by training recipes (REGA self-distillation,
replay). Read through the same helpers so bad lines are reported the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from gci_bench.builders._io import iter_json_array
from gci_bench.builders.base import BUILDERS, Builder, BuildReport, SourceRecord


@BUILDERS.register("alpaca")
class Alpaca(Builder):
    name = "alpaca"
    patterns = ("alpaca_zh/*.json",)

    def read(self, path: Path, rel: str, report: BuildReport) -> Iterator[SourceRecord]:
        yield from iter_json_array(path, rel, report, required=("instruction", "output"))
