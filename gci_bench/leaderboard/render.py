"""``leaderboard render``: the registry as a static site — index.html, leaderboard.csv, .md.

Every number comes from an entry's stored (re-scored) ``results.json``, read only after its files
were checked against the hashes recorded when it was accepted. Rows are ranked by GCI score.
Forgetting is ΔG (general-subset score minus that of the base model) per group and on average,
reported when the entry's ``base_model`` names another entry of the registry; negative means the
tuned model lost general skill. Every submitted text is escaped for the format it lands in (HTML,
Markdown, CSV), although ``submit`` already refuses markup.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gci_bench import __version__
from gci_bench.leaderboard.store import Entry, Registry, load_registry, now_utc, read_entries

LETTERS = ("D", "G", "I")
SITE_FILES = ("index.html", "leaderboard.csv", "leaderboard.md")


@dataclass(frozen=True)
class Cell:
    """One subset score with its 95% interval (None when the run had no resamples)."""

    score: float
    lo: float | None
    hi: float | None


@dataclass
class Row:
    """One entry as the leaderboard shows it."""

    rank: int
    entry_id: str
    card: dict[str, Any]
    gci: float | None
    cells: dict[str, dict[str, Cell | None]]
    integration: dict[str, tuple[float | None, int]]
    submitted_at: str
    base_entry: str | None = None
    delta_g: dict[str, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.card["name"])

    @property
    def delta_g_mean(self) -> float | None:
        return sum(self.delta_g.values()) / len(self.delta_g) if self.delta_g else None


@dataclass
class RenderResult:
    out_dir: Path
    files: list[Path]
    rows: list[Row]
    groups: tuple[str, ...]


def _cell(block: Any) -> Cell | None:
    if not isinstance(block, dict) or block.get("score") is None:
        return None
    ci = block.get("ci")
    lo, hi = (float(ci[0]), float(ci[1])) if ci else (None, None)
    return Cell(float(block["score"]), lo, hi)


def _row(entry: Entry, groups: tuple[str, ...]) -> Row:
    scores = entry.results["scores"]
    cells: dict[str, dict[str, Cell | None]] = {}
    integration: dict[str, tuple[float | None, int]] = {}
    for g in groups:
        block = scores["groups"].get(g, {})
        cells[g] = {letter: _cell(block.get(letter)) for letter in LETTERS}
        integ = block.get("integration") or {}
        rate = integ.get("rate")
        integration[g] = (float(rate) if rate is not None else None, int(integ.get("n") or 0))
    gci = scores.get("gci")
    return Row(
        rank=0,
        entry_id=entry.entry_id,
        card=entry.card,
        gci=float(gci) if gci is not None else None,
        cells=cells,
        integration=integration,
        submitted_at=str(entry.meta.get("submitted_at", "")),
    )


def leaderboard_rows(reg: Registry) -> list[Row]:
    """Verified entries as rows, ranked by GCI score (ties: name), with forgetting filled in."""
    groups = tuple(reg.scoring.groups)
    rows = [_row(e, groups) for e in read_entries(reg, verify=True)]
    rows.sort(key=lambda r: (-(r.gci if r.gci is not None else -1.0), r.name.casefold()))
    by_name = {r.name.casefold(): r for r in rows}
    for i, row in enumerate(rows, 1):
        row.rank = i
        base_name = row.card.get("base_model")
        base = by_name.get(str(base_name).casefold()) if base_name else None
        if base is None or base is row:
            continue
        row.base_entry = base.name
        for g in groups:
            mine, theirs = row.cells[g]["G"], base.cells[g]["G"]
            if mine is not None and theirs is not None:
                row.delta_g[g] = mine.score - theirs.score
    return rows


def render(registry: Path, out: Path) -> RenderResult:
    """Write index.html, leaderboard.csv and leaderboard.md for a registry into ``out``."""
    from gci_bench.leaderboard.page import html_page

    reg = load_registry(registry)
    rows = leaderboard_rows(reg)
    groups = tuple(reg.scoring.groups)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    generated = now_utc()
    texts = {
        "index.html": html_page(reg.meta, rows, groups, generated),
        "leaderboard.csv": to_csv(rows, groups),
        "leaderboard.md": to_markdown(reg.meta, rows, groups, generated),
    }
    files = []
    for name, text in texts.items():
        path = out / name
        tmp = path.with_name(f".{name}.tmp-{os.getpid()}")
        tmp.write_text(text, encoding="utf-8", newline="" if name.endswith(".csv") else None)
        os.replace(tmp, path)
        files.append(path)
    return RenderResult(out, files, rows, groups)


# ---------------------------------------------------------------------------- formatting


def fmt(x: float | None, signed: bool = False) -> str:
    if x is None:
        return "–"
    return f"{x:+.1f}" if signed else f"{x:.1f}"


def fmt_params(n: Any) -> str:
    if not isinstance(n, int) or n <= 0:
        return "–"
    for scale, suffix in ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K")):
        if n >= scale:
            return f"{n / scale:.3g}{suffix}"
    return str(n)


def fmt_cell(cell: Cell | None) -> str:
    if cell is None:
        return "–"
    if cell.lo is None or cell.hi is None:
        return fmt(cell.score)
    return f"{cell.score:.1f} ({cell.lo:.1f}–{cell.hi:.1f})"


def _csv_text(value: Any) -> Any:
    """Neutralise spreadsheet formulas in submitted text (=, +, -, @ at the start)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:.6f}".rstrip("0").rstrip(".")


def to_csv(rows: list[Row], groups: tuple[str, ...]) -> str:
    """One row per entry, one column per number (intervals as separate _lo/_hi columns)."""
    header = [
        "rank",
        "entry_id",
        "name",
        "base_model",
        "method",
        "parameters",
        "trainable_parameters",
        "licence",
        "link",
        "gci",
    ]
    for g in groups:
        for letter in LETTERS:
            header += [f"{g}_{letter}", f"{g}_{letter}_lo", f"{g}_{letter}_hi"]
        header += [f"{g}_integration_rate", f"{g}_integration_n"]
    header += ["base_entry"] + [f"{g}_delta_G" for g in groups]
    header += ["delta_G_mean", "submitted_at"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for r in rows:
        c = r.card
        line: list[Any] = [r.rank, r.entry_id]
        line += [_csv_text(c.get(k) or "") for k in ("name", "base_model", "method")]
        line += [c.get("parameters") or "", c.get("trainable_parameters") or ""]
        line += [_csv_text(c.get("licence") or ""), _csv_text(c.get("link") or ""), _num(r.gci)]
        for g in groups:
            for letter in LETTERS:
                cell = r.cells[g][letter]
                line += [_num(cell.score), _num(cell.lo), _num(cell.hi)] if cell else ["", "", ""]
            rate, n = r.integration[g]
            line += [_num(rate), n]
        line += [_csv_text(r.base_entry or "")] + [_num(r.delta_g.get(g)) for g in groups]
        line += [_num(r.delta_g_mean), r.submitted_at]
        writer.writerow(line)
    return buf.getvalue()


_MD_SPECIAL = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]|<>&~#"})


def md_text(value: Any) -> str:
    """Submitted text made inert in a Markdown table cell (no markup, links, or pipes)."""
    return " ".join(str(value).split()).translate(_MD_SPECIAL)


def md_link(url: str) -> str:
    return url.replace("(", "%28").replace(")", "%29")


def to_markdown(meta: dict[str, Any], rows: list[Row], groups: tuple[str, ...], when: str) -> str:
    """A Markdown table for READMEs and model cards."""
    s = meta["scoring"]
    lines = [
        "# gci-bench leaderboard",
        "",
        f"{len(rows)} entries · dataset fingerprint `{meta['dataset_fingerprint'][:16]}` · "
        f"{s['items']} {s['split']} items · every entry re-scored by gci-bench {__version__} · "
        f"generated {when}",
        "",
        "Scores ×100 with 95% bootstrap intervals. D domain, G general, I integrated; int. = "
        "integration rate (n); GCI = mean I; ΔG = G minus the base model's G, averaged over groups "
        "(negative = forgetting), shown when the base model is on the board.",
        "",
    ]
    header = ["#", "model", "base model", "method", "params", "GCI"]
    for g in groups:
        header += [f"{g} D", f"{g} G", f"{g} I", f"{g} int."]
    header += ["ΔG vs base"]
    lines.append("| " + " | ".join(header) + " |")
    lines.append(
        "|"
        + "|".join("---:" if h not in ("model", "base model", "method") else "---" for h in header)
        + "|"
    )
    for r in rows:
        c = r.card
        name = md_text(c["name"])
        cells = [
            str(r.rank),
            f"[{name}]({md_link(str(c['link']))})" if c.get("link") else name,
            md_text(c.get("base_model") or "–"),
            md_text(c.get("method") or "–"),
            fmt_params(c.get("parameters")),
            f"**{fmt(r.gci)}**",
        ]
        for g in groups:
            cells += [fmt_cell(r.cells[g][letter]) for letter in LETTERS]
            rate, n = r.integration[g]
            cells.append(f"{fmt(rate)} ({n})" if rate is not None else "–")
        cells.append(fmt(r.delta_g_mean, signed=True) if r.base_entry else "–")
        lines.append("| " + " | ".join(cells) + " |")
    if not rows:
        lines.append("| " + " | ".join(["–"] * len(header)) + " |")
    return "\n".join(lines) + "\n"
