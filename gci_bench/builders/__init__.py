"""Source-format builders: one module per raw format, each registered in :data:`BUILDERS`."""

from __future__ import annotations

from gci_bench.builders.base import BUILDERS, Builder, BuildReport, Problem, SourceRecord

__all__ = ["BUILDERS", "Builder", "BuildReport", "Problem", "SourceRecord"]
