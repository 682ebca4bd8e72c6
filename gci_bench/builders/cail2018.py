"""CAIL2018 criminal judgments: JSON lines ``{"fact", "meta": {...}}`` in UTF-8 or GB18030.

The data's charge names carry brackets (``[窝藏、包庇]``) that the label file ``accu.txt`` does
not; they are normalised here so every consumer sees label-set names.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from gci_bench.builders._io import decode_text, iter_json_lines
from gci_bench.builders.base import BUILDERS, Builder, BuildReport, SourceRecord


def normalize_charge(name: str) -> str:
    """``走私[武器、弹药]`` → ``走私武器、弹药`` (the form used by accu.txt)."""
    return name.replace("[", "").replace("]", "").strip()


@BUILDERS.register("cail2018")
class Cail2018(Builder):
    """Yields ``{"fact", "charges", "articles", "term_months", "death_penalty",
    "life_imprisonment", "fine", "criminals"}``; records without a fact or a meta block are dropped."""

    name = "cail2018"
    patterns = ("cail2018/data_*.json",)

    def read(self, path: Path, rel: str, report: BuildReport) -> Iterator[SourceRecord]:
        for rec in iter_json_lines(
            path, rel, report, required=("fact", "meta"), encodings=("utf-8", "gb18030")
        ):
            meta = rec.data["meta"]
            if not isinstance(meta, dict) or not meta.get("accusation"):
                report.drop(rel, rec.line, "field 'meta.accusation' missing or empty")
                continue
            term = meta.get("term_of_imprisonment") or {}
            try:
                data = {
                    "fact": str(rec.data["fact"]).strip(),
                    "charges": sorted({normalize_charge(c) for c in meta["accusation"]}),
                    "articles": sorted({str(int(a)) for a in meta.get("relevant_articles", [])}),
                    "term_months": int(term.get("imprisonment", 0)),
                    "death_penalty": bool(term.get("death_penalty", False)),
                    "life_imprisonment": bool(term.get("life_imprisonment", False)),
                    "fine": int(meta.get("punish_of_money", 0) or 0),
                    "criminals": [str(c) for c in meta.get("criminals", [])],
                }
            except (TypeError, ValueError) as exc:
                report.drop(rel, rec.line, f"malformed 'meta' field: {exc}")
                continue
            yield SourceRecord(data, rec.file, rec.line)


@BUILDERS.register("cail2018_labels")
class Cail2018Labels(Builder):
    """``accu.txt`` / ``law.txt``: one label per line."""

    name = "cail2018_labels"
    patterns = ("cail2018/accu.txt", "cail2018/law.txt")

    def read(self, path: Path, rel: str, report: BuildReport) -> Iterator[SourceRecord]:
        text = decode_text(path, rel, report)
        if text is None:
            return
        for lineno, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield SourceRecord({"label": line.strip()}, rel, lineno)
