"""What every source-format builder shares: the record it yields, the report it writes to.

A builder turns one raw file into :class:`SourceRecord` objects (parsed payload + file + line).
It never raises on a recoverable problem: bad lines go to the :class:`BuildReport` with file, line
and reason, and the build goes on (``--strict`` turns the first such problem into an error).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from gci_bench.errors import GciError
from gci_bench.registry import Registry


@dataclass(frozen=True)
class SourceRecord:
    """One parsed raw record and where it came from (``file`` is relative to the raw dir)."""

    data: dict[str, Any]
    file: str
    line: int

    @property
    def where(self) -> str:
        """``file:line``, the provenance written into a record's ``source`` column."""
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Problem:
    """A dropped record or a warning about a file, as written to ``build_manifest.json``."""

    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.reason}"


@dataclass
class BuildReport:
    """Collects dropped records and file-level warnings during one build.

    With ``strict=True`` the first problem raises a :class:`GciError` instead of being recorded.
    """

    strict: bool = False
    dropped: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    def drop(self, file: str, line: int | None, reason: str) -> None:
        """Record that a raw record (or a whole file when ``line`` is None) was not used."""
        problem = Problem(file, line, reason)
        if self.strict:
            raise GciError(f"{problem} (--strict stops at the first bad record)")
        self.dropped.append(problem)

    def warn(self, file: str, line: int | None, reason: str) -> None:
        """Record something surprising that the build handled (e.g. a GB18030 file)."""
        problem = Problem(file, line, reason)
        if self.strict:
            raise GciError(f"{problem} (--strict stops at the first problem)")
        self.warnings.append(problem)

    def note(self, file: str, line: int | None, reason: str) -> None:
        """Record something expected but worth knowing (a source's documented GB18030 file)."""
        self.notes.append(Problem(file, line, reason))


class Builder:
    """Base class of a source format: parse one file into :class:`SourceRecord` objects.

    Subclasses set ``name`` (the registry key), ``patterns`` (the file globs, relative to the
    raw dir, that this format reads; used to flag unknown files) and implement :meth:`read`.
    """

    name: ClassVar[str]
    patterns: ClassVar[tuple[str, ...]]

    def read(self, path: Path, rel: str, report: BuildReport) -> Iterator[SourceRecord]:
        """Yield the records of ``path`` (``rel`` is its name relative to the raw dir)."""
        raise NotImplementedError


BUILDERS: Registry[type[Builder]] = Registry(
    "source format",
    modules=(
        "gci_bench.builders.statutes",
        "gci_bench.builders.cail2018",
        "gci_bench.builders.lawbench",
        "gci_bench.builders.lexeval",
        "gci_bench.builders.safetybench",
        "gci_bench.builders.jade",
        "gci_bench.builders.math_word",
        "gci_bench.builders.disc_law",
        "gci_bench.builders.lawyer_llama",
        "gci_bench.builders.csl",
        "gci_bench.builders.alpaca",
    ),
)
