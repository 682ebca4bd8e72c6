"""Statute Markdown → numbered articles.

The statute files (刑法, 劳动合同法, 劳动法, the 民法典 books, judicial interpretations) are
Markdown with a metadata block ending in ``<!-- INFO END -->``, ``#`` headings for parts,
chapters and sections, and one paragraph per article starting ``第X条`` (``第X条之一`` for
articles inserted by amendments). An article runs until the next article heading; its
following paragraphs (第二款, 第三款 …) belong to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import cn2an

from gci_bench.builders._io import decode_text
from gci_bench.builders.base import BUILDERS, Builder, BuildReport, SourceRecord

_CN_NUM = "零〇一二三四五六七八九十百千两"
ARTICLE_HEAD = re.compile(rf"^第([{_CN_NUM}]+)条(?:之([{_CN_NUM}]+))?[\s　]+(.*)$")
_DATE_SUFFIX = re.compile(r"\(\d{4}-\d{2}-\d{2}\)$")


def chinese_number(text: str) -> int:
    """``一百三十三`` → 133 (cn2an, strict mode; raises ValueError on a malformed numeral)."""
    return int(cn2an.cn2an(text, "strict"))


def article_key(number: str, suffix: str | None = None) -> str:
    """The article's key: ``133`` or ``133之一`` (the suffix stays in Chinese, as cited)."""
    value = chinese_number(number)
    return f"{value}之{suffix}" if suffix else str(value)


def parse_article_heading(line: str) -> tuple[str, str] | None:
    """``第一百三十三条之一 在道路上…`` → (``133之一``, ``在道路上…``); None if not a heading."""
    m = ARTICLE_HEAD.match(line.strip())
    if not m:
        return None
    return article_key(m.group(1), m.group(2)), m.group(3).strip()


def law_name(rel: str) -> str:
    """The law a file belongs to: ``刑法.md`` → 刑法; ``民法典/合同编.md`` → 民法典;
    ``司法解释/<title>(2013-04-02).md`` → the title without the date."""
    parts = Path(rel).parts
    stem = Path(rel).stem
    if len(parts) >= 3 and parts[-2] == "民法典":
        return "民法典"
    return _DATE_SUFFIX.sub("", stem)


@BUILDERS.register("statute_markdown")
class StatuteMarkdown(Builder):
    """One :class:`SourceRecord` per article: ``{"law", "article", "text"}``."""

    name = "statute_markdown"
    patterns = ("statutes/*.md", "statutes/*/*.md")

    def read(self, path: Path, rel: str, report: BuildReport) -> Iterator[SourceRecord]:
        text = decode_text(path, rel, report)
        if text is None:
            return
        lines = text.splitlines()
        start = next((i + 1 for i, ln in enumerate(lines) if "INFO END" in ln), 0)
        law = law_name(rel)
        current: tuple[str, int, list[str]] | None = None
        found = 0
        for i in range(start, len(lines)):
            line = lines[i].strip()
            if not line or line.startswith("<!--"):
                continue
            if line.startswith("#"):
                continue
            try:
                head = parse_article_heading(line)
            except ValueError:
                report.drop(rel, i + 1, f"malformed article number in {line[:20]!r}")
                head = None
            if head is not None:
                if current is not None:
                    found += 1
                    yield _article(law, current, rel)
                current = (head[0], i + 1, [head[1]] if head[1] else [])
            elif current is not None:
                current[2].append(line)
        if current is not None:
            found += 1
            yield _article(law, current, rel)
        if found == 0:
            report.drop(rel, None, "no article headings (第X条) found")


def _article(law: str, current: tuple[str, int, list[str]], rel: str) -> SourceRecord:
    key, lineno, paragraphs = current
    return SourceRecord({"law": law, "article": key, "text": "\n".join(paragraphs)}, rel, lineno)


def load_statutes(raw_dir: Path, report: BuildReport) -> dict[str, dict[str, str]]:
    """All statute articles under ``raw_dir/statutes``: ``{law: {article_key: text}}``."""
    builder = StatuteMarkdown()
    laws: dict[str, dict[str, str]] = {}
    for path in sorted((raw_dir / "statutes").rglob("*.md")):
        rel = path.relative_to(raw_dir).as_posix()
        for rec in builder.read(path, rel, report):
            laws.setdefault(rec.data["law"], {})[rec.data["article"]] = rec.data["text"]
    return laws
