"""jade-db (zh): CSV ``ID,问题,违规类型,违规子类`` with a BOM and stray spaces in categories."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from gci_bench.builders._io import iter_csv
from gci_bench.builders.base import BUILDERS, Builder, BuildReport, SourceRecord


@BUILDERS.register("jade")
class Jade(Builder):
    """Yields ``{"question", "category", "subcategory"}`` with categories stripped."""

    name = "jade"
    patterns = ("jade/*.csv",)

    def read(self, path: Path, rel: str, report: BuildReport) -> Iterator[SourceRecord]:
        for rec in iter_csv(path, rel, report, required=("问题", "违规类型")):
            data = {
                "question": rec.data["问题"].strip(),
                "category": rec.data["违规类型"].strip().replace("侵犯权益", "侵害权益"),
                "subcategory": rec.data.get("违规子类", "").strip(),
            }
            yield SourceRecord(data, rec.file, rec.line)
