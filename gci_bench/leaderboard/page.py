"""The leaderboard page: one self-contained ``index.html`` with inline CSS, JS and SVG charts.

No server, no external requests: the page opens from disk or any static host. A Content Security
Policy allows only this page's own script and style (by SHA-256) and ``data:`` images, so even if
markup slipped into a field it could not run: inline event handlers, ``javascript:`` URLs and
foreign scripts are all blocked by the browser. Every submitted string goes through
:func:`html.escape` on its way in.

The table sorts on a header click (a small vanilla script): numbers descending first, text
ascending first, a second click reverses; empty cells always sort last; ties keep their rank
order. Sort keys are ``data-value`` attributes, so "93.1 (90.2–95.0)" sorts as 93.1.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from typing import Any

from gci_bench import __version__
from gci_bench.leaderboard.render import LETTERS, Cell, Row, fmt, fmt_params

COLOURS = {"D": "#4e79a7", "G": "#f28e2b", "I": "#59a14f"}
SUBSET_NAMES = {"D": "domain", "G": "general", "I": "integrated"}

CSS = """
:root { color-scheme: light; --line: #d9dde3; --muted: #5f6b7a; --accent: #1f5fa8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC",
  "PingFang SC", sans-serif; color: #1d232b; background: #fafbfc; }
header, main, footer { max-width: 1400px; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 1.5rem; }
h1 { margin: 0 0 .25rem; font-size: 1.6rem; }
h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; }
.meta, .note { color: var(--muted); margin: .25rem 0; }
.scroll { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: .4rem .55rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
thead th { background: #f1f4f8; text-align: left; font-weight: 600; vertical-align: bottom; }
thead tr.groups th { text-align: center; border-left: 1px solid var(--line); }
td.num, th.num { text-align: right; }
td.first, th.first { border-left: 1px solid var(--line); }
tbody tr:hover { background: #f5f8fc; }
th button { all: unset; cursor: pointer; display: inline-block; }
th button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; font-size: .7em; }
th[aria-sort="descending"] button::after { content: " \\25BC"; font-size: .7em; }
.ci { display: block; font-size: .75em; color: var(--muted); }
.gci { font-weight: 700; }
.neg { color: #b3261e; }
.pos { color: #1b7f3b; }
a { color: var(--accent); }
.charts { display: grid; gap: 1.25rem; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px;
  padding: .75rem; }
figcaption { font-weight: 600; margin-bottom: .4rem; }
figure svg { display: block; width: 100%; max-width: 780px; height: auto;
  font: 12px system-ui, sans-serif; }
.legend { margin: 0 0 .3rem; color: var(--muted); }
.swatch { display: inline-block; width: .8em; height: .8em; margin: 0 .35em 0 1em;
  vertical-align: -.05em; }
.swatch:first-child { margin-left: 0; }
.sw-D { background: #4e79a7; }
.sw-G { background: #f28e2b; }
.sw-I { background: #59a14f; }
svg .label { fill: #1d232b; }
svg .tick { fill: var(--muted); }
svg .grid { stroke: #e4e7eb; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
footer { padding: 2rem 1.25rem; color: var(--muted); }
.empty { padding: 1rem; color: var(--muted); }
"""

JS = """
(function () {
  "use strict";
  var table = document.getElementById("leaderboard");
  if (!table) { return; }
  var body = table.tBodies[0];
  var heads = Array.prototype.slice.call(table.querySelectorAll("th[data-col]"));
  function sortKey(row, col, kind) {
    var cell = row.cells[col];
    var raw = cell ? cell.getAttribute("data-value") : null;
    if (kind === "number") {
      return raw === null || raw === "" ? null : Number(raw);
    }
    return raw === null ? (cell ? cell.textContent.trim() : null) : raw;
  }
  function sortBy(th) {
    var col = Number(th.getAttribute("data-col"));
    var kind = th.getAttribute("data-kind");
    var now = th.getAttribute("aria-sort");
    var dir = now === "descending" ? "ascending" : now === "ascending" ? "descending"
      : th.getAttribute("data-first") || (kind === "number" ? "descending" : "ascending");
    var sign = dir === "ascending" ? 1 : -1;
    var items = Array.prototype.slice.call(body.rows).map(function (row) {
      return { row: row, rank: Number(row.getAttribute("data-rank")), key: sortKey(row, col, kind) };
    });
    items.sort(function (a, b) {
      if (a.key === null || b.key === null) {
        return a.key === b.key ? a.rank - b.rank : (a.key === null ? 1 : -1);
      }
      var c = kind === "number" ? a.key - b.key : String(a.key).localeCompare(String(b.key));
      return c !== 0 ? sign * c : a.rank - b.rank;
    });
    items.forEach(function (item) { body.appendChild(item.row); });
    heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
  }
  heads.forEach(function (th) {
    var button = th.querySelector("button");
    (button || th).addEventListener("click", function () { sortBy(th); });
  });
})();
"""


def csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _value(x: float | None) -> str:
    return "" if x is None else f"{x:.6f}"


# --------------------------------------------------------------------------------- table


def _th(col: int, label: str, kind: str, *, title: str = "", cls: str = "", extra: str = "") -> str:
    attrs = f' data-col="{col}" data-kind="{kind}" scope="col"'
    if cls:
        attrs += f' class="{cls}"'
    if title:
        attrs += f' title="{escape(title)}"'
    return f'<th{attrs}{extra}><button type="button">{escape(label)}</button></th>'


def _score_td(cell: Cell | None, first: bool = False) -> str:
    cls = "num first" if first else "num"
    if cell is None:
        return f'<td class="{cls}" data-value="">–</td>'
    ci = ""
    if cell.lo is not None and cell.hi is not None:
        ci = f'<span class="ci">{cell.lo:.1f}–{cell.hi:.1f}</span>'
    return f'<td class="{cls}" data-value="{_value(cell.score)}">{cell.score:.1f}{ci}</td>'


def table_html(rows: list[Row], groups: tuple[str, ...]) -> str:
    """The sortable ranking table (two header rows: groups, then sortable columns)."""
    fixed = [
        ("#", "number", "rank by GCI score", "num"),
        ("model", "text", "model name (links to the weights or paper)", ""),
        ("base model", "text", "the model it was tuned from", ""),
        ("method", "text", "how it was made", ""),
        ("params", "number", "total parameter count", "num"),
        ("GCI", "number", "GCI score: mean of the groups' integrated (I) scores", "num"),
    ]
    top = []
    bottom = []
    col = 0
    for label, kind, title, cls in fixed:
        extra = ' rowspan="2"' + (
            ' data-first="ascending" aria-sort="ascending"' if col == 0 else ""
        )
        top.append(_th(col, label, kind, title=title, cls=cls, extra=extra))
        col += 1
    for g in groups:
        top.append(f'<th colspan="4" scope="colgroup">{escape(g)}</th>')
        for letter in LETTERS:
            bottom.append(
                _th(
                    col,
                    letter,
                    "number",
                    title=f"{g}: {SUBSET_NAMES[letter]} score, 95% interval",
                    cls="num first" if letter == "D" else "num",
                )
            )
            col += 1
        bottom.append(
            _th(
                col,
                "integ.",
                "number",
                cls="num",
                title=f"{g}: integration rate — integrated items solved when both twins are",
            )
        )
        col += 1
    top.append(
        _th(
            col,
            "ΔG vs base",
            "number",
            cls="num first",
            title="forgetting: general score minus the base model's, mean over groups "
            "(negative = forgetting); needs the base model on the board",
            extra=' rowspan="2"',
        )
    )
    col += 1
    top.append(_th(col, "submitted", "text", title="submission time (UTC)", extra=' rowspan="2"'))
    head = f'<thead><tr class="groups">{"".join(top)}</tr><tr>{"".join(bottom)}</tr></thead>'
    body = [_row_html(r, groups) for r in rows]
    if not rows:
        body.append(f'<tr><td class="empty" colspan="{col + 1}">No entries yet.</td></tr>')
    return '<table id="leaderboard">' + head + "<tbody>" + "".join(body) + "</tbody></table>"


def _row_html(r: Row, groups: tuple[str, ...]) -> str:
    c = r.card
    name = escape(str(c["name"]))
    link = c.get("link")
    name_html = (
        f'<a href="{escape(str(link))}" rel="noopener noreferrer nofollow">{name}</a>'
        if link
        else name
    )
    desc = c.get("description")
    title = f' title="{escape(str(desc))}"' if desc else ""
    base = c.get("base_model")
    params = c.get("parameters")
    cells = [
        f'<td class="num" data-value="{r.rank}">{r.rank}</td>',
        f'<td class="model" data-value="{name}"{title}>{name_html}</td>',
        f'<td data-value="{escape(str(base or ""))}">{escape(str(base)) if base else "–"}</td>',
        f'<td data-value="{escape(str(c.get("method") or ""))}">{escape(str(c.get("method") or "–"))}</td>',
        f'<td class="num" data-value="{params if isinstance(params, int) else ""}">'
        f"{fmt_params(params)}</td>",
        f'<td class="num gci" data-value="{_value(r.gci)}">{fmt(r.gci)}</td>',
    ]
    for g in groups:
        for letter in LETTERS:
            cells.append(_score_td(r.cells[g][letter], first=letter == "D"))
        rate, n = r.integration[g]
        shown = f'{rate:.1f}<span class="ci">n={n}</span>' if rate is not None else "–"
        cells.append(f'<td class="num" data-value="{_value(rate)}">{shown}</td>')
    dg = r.delta_g_mean
    if r.base_entry and dg is not None:
        per = ", ".join(f"{g} {v:+.1f}" for g, v in r.delta_g.items())
        cls = "neg" if dg < 0 else "pos"
        cells.append(
            f'<td class="num first {cls}" data-value="{_value(dg)}" '
            f'title="{escape(f"vs {r.base_entry}: {per}")}">{dg:+.1f}</td>'
        )
    else:
        cells.append('<td class="num first" data-value="">–</td>')
    when = escape(r.submitted_at)
    cells.append(f'<td data-value="{when}" title="{when}">{escape(r.submitted_at[:10])}</td>')
    return f'<tr data-rank="{r.rank}" data-entry="{escape(r.entry_id)}">' + "".join(cells) + "</tr>"


# -------------------------------------------------------------------------------- charts


def _label(text: str, n: int = 28) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _axis(x0: float, width: float, y0: float, y1: float, lo: float, hi: float, step: float) -> str:
    parts = []
    v = lo
    while v <= hi + 1e-9:
        x = x0 + (v - lo) / (hi - lo) * width
        parts.append(f'<line class="grid" x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y1}"/>')
        parts.append(
            f'<text class="tick" x="{x:.1f}" y="{y1 + 14}" text-anchor="middle">{v:g}</text>'
        )
        v += step
    return "".join(parts)


def gci_chart(rows: list[Row]) -> str:
    """Horizontal bars of the GCI score, in rank order."""
    left, width, bar, gap = 230, 480, 18, 8
    height = 20 + len(rows) * (bar + gap) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {left + width + 60} {height}" '
        f'role="img" aria-label="GCI score per entry">',
        _axis(left, width, 10, height - 24, 0, 100, 25),
    ]
    for i, r in enumerate(rows):
        y = 14 + i * (bar + gap)
        w = (r.gci or 0) / 100 * width
        name = escape(_label(r.name))
        parts.append(
            f'<text class="label" x="{left - 8}" y="{y + bar * 0.7:.1f}" text-anchor="end">'
            f"{r.rank}. {name}</text>"
        )
        parts.append(
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{COLOURS["I"]}">'
            f"<title>{escape(r.name)}: GCI {fmt(r.gci)}</title></rect>"
        )
        parts.append(
            f'<text class="label" x="{left + w + 4:.1f}" y="{y + bar * 0.7:.1f}">{fmt(r.gci)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def group_chart(rows: list[Row], group: str) -> str:
    """D, G and I of every entry in one group, with their 95% intervals as whiskers."""
    left, width, bar, inner, gap = 230, 480, 7, 1, 10
    per = 3 * (bar + inner)
    height = 20 + len(rows) * (per + gap) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {left + width + 60} {height}" '
        f'role="img" aria-label="{escape(group)}: D, G and I per entry">',
        _axis(left, width, 10, height - 24, 0, 100, 25),
    ]
    for i, r in enumerate(rows):
        y0 = 14 + i * (per + gap)
        parts.append(
            f'<text class="label" x="{left - 8}" y="{y0 + per / 2 + 4:.1f}" text-anchor="end">'
            f"{escape(_label(r.name))}</text>"
        )
        for j, letter in enumerate(LETTERS):
            cell = r.cells[group][letter]
            if cell is None:
                continue
            y = y0 + j * (bar + inner)
            w = cell.score / 100 * width
            ci = f" ({cell.lo:.1f}–{cell.hi:.1f})" if cell.lo is not None else ""
            tip = escape(f"{r.name} · {group} {letter} {cell.score:.1f}{ci}")
            parts.append(
                f'<rect x="{left}" y="{y:.1f}" width="{w:.1f}" height="{bar}" '
                f'fill="{COLOURS[letter]}"><title>{tip}</title></rect>'
            )
            if cell.lo is not None and cell.hi is not None:
                xl, xh = left + cell.lo / 100 * width, left + cell.hi / 100 * width
                ym = y + bar / 2
                parts.append(
                    f'<line x1="{xl:.1f}" y1="{ym:.1f}" x2="{xh:.1f}" y2="{ym:.1f}" '
                    'stroke="#1d232b" stroke-width="1"/>'
                )
    parts.append("</svg>")
    return "".join(parts)


def forgetting_chart(rows: list[Row]) -> str | None:
    """ΔG against the base model for the entries whose base is on the board (None if none)."""
    tuned = [r for r in rows if r.base_entry and r.delta_g_mean is not None]
    if not tuned:
        return None
    span = max(5.0, max(abs(r.delta_g_mean or 0) for r in tuned))
    span = float(int(span / 5 + 1) * 5)
    left, width, bar, gap = 230, 480, 18, 8
    mid = left + width / 2
    height = 20 + len(tuned) * (bar + gap) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {left + width + 60} {height}" '
        'role="img" aria-label="forgetting: general score change against the base model">',
        _axis(left, width, 10, height - 24, -span, span, span / 2),
    ]
    for i, r in enumerate(tuned):
        d = r.delta_g_mean or 0.0
        y = 14 + i * (bar + gap)
        w = abs(d) / span * (width / 2)
        x = mid - w if d < 0 else mid
        colour = "#b3261e" if d < 0 else "#1b7f3b"
        parts.append(
            f'<text class="label" x="{left - 8}" y="{y + bar * 0.7:.1f}" text-anchor="end">'
            f"{escape(_label(r.name))}</text>"
        )
        tip = escape(f"{r.name} vs {r.base_entry}: ΔG {d:+.1f}")
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}">'
            f"<title>{tip}</title></rect>"
        )
    parts.append(f'<line x1="{mid}" y1="10" x2="{mid}" y2="{height - 24}" stroke="#1d232b"/></svg>')
    return "".join(parts)


def legend() -> str:
    """The D/G/I colour key, as HTML (an SVG would scale its text with the page width)."""
    return (
        '<p class="legend">'
        + "".join(
            f'<span class="swatch sw-{letter}"></span>{letter} {SUBSET_NAMES[letter]}'
            for letter in LETTERS
        )
        + "</p>"
    )


# ---------------------------------------------------------------------------------- page


def html_page(meta: dict[str, Any], rows: list[Row], groups: tuple[str, ...], when: str) -> str:
    """The whole self-contained page."""
    s = meta["scoring"]
    policy = (
        f"default-src 'none'; script-src {csp_hash(JS)}; style-src {csp_hash(CSS)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    charts = [
        f"<figure><figcaption>GCI score</figcaption>{gci_chart(rows)}</figure>",
    ]
    for g in groups:
        charts.append(
            f"<figure><figcaption>{escape(g)}: domain, general, integrated (95% intervals)"
            f"</figcaption>{legend()}{group_chart(rows, g)}</figure>"
        )
    forgetting = forgetting_chart(rows)
    if forgetting:
        charts.append(
            "<figure><figcaption>Forgetting: ΔG against the base model (mean over groups)"
            f"</figcaption>{forgetting}</figure>"
        )
    limit = f"at most {s['limit']} items per task" if s.get("limit") else "every test item"
    info = (
        f"{len(rows)} entries · dataset fingerprint <code>{escape(meta['dataset_fingerprint'][:16])}"
        f"</code> · {int(s['items'])} {escape(s['split'])} items ({escape(limit)}) · every entry "
        f"re-scored by gci-bench {escape(__version__)} · generated {escape(when)}"
    )
    definitions = [
        (
            "D, G, I",
            "domain, general and integrated subset scores ×100: mean over tasks of the "
            "mean item score; small numbers are 95% bootstrap intervals "
            f"({int(s['bootstrap'])} resamples within tasks, seed {int(s['seed'])}).",
        ),
        (
            "integ.",
            "integration rate: of the integrated items whose domain and general twins are "
            "both solved, the share solved too (n = such items).",
        ),
        ("GCI", "mean of the groups' I: using legal knowledge and a general skill in one answer."),
        (
            "ΔG vs base",
            "general score minus the base model's (the entry named in the model card's "
            "base_model), mean over groups; negative = forgetting.",
        ),
    ]
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in definitions)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<link rel="icon" href="data:,">\n'
        "<title>gci-bench leaderboard</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n"
        "<header><h1>gci-bench leaderboard</h1>"
        f'<p class="meta">{info}</p></header>\n<main>\n'
        "<section><h2>Ranking</h2>"
        '<p class="note">Click a column header to sort; click again to reverse.</p>'
        f'<div class="scroll">{table_html(rows, groups)}</div></section>\n'
        f'<section><h2>Charts</h2><div class="charts">{"".join(charts)}</div></section>\n'
        f"<section><h2>How to read this</h2><dl>{dl}</dl></section>\n</main>\n"
        '<footer>Data: <a href="leaderboard.csv">leaderboard.csv</a> · '
        '<a href="leaderboard.md">leaderboard.md</a> · made by <code>gci-bench leaderboard '
        "render</code>.</footer>\n"
        f"<script>{JS}</script>\n</body>\n</html>\n"
    )
