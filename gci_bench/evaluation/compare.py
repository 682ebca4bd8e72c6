"""``compare``: a tuned run against its base — domain gain, forgetting, integration gain.

For each group: ΔD (domain gain), ΔG (general: negative means forgetting) and ΔI (integration
gain), each computed on the items both runs evaluated, with a paired bootstrap interval and
p-value (same resampled items for both runs, within tasks). Runs are only comparable when they
scored the same data the same way, so a different dataset fingerprint, split or decoding setting
is refused with the differing values named.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gci_bench.errors import GciError
from gci_bench.evaluation.run import read_results, read_samples
from gci_bench.evaluation.scores import LETTER, SOLVED, _r, _rng, paired_bootstrap

#: What ΔX means, for tables and the chart.
MEANING = {"D": "domain gain", "G": "general change, − = forgetting", "I": "integration gain"}

COMPARE_JSON = "compare.json"
COMPARE_PNG = "compare.png"


@dataclass
class Comparison:
    base: Path
    tuned: Path
    report: dict[str, Any]


def check_comparable(base: dict[str, Any], tuned: dict[str, Any]) -> None:
    """GciError naming every difference that makes two runs incomparable."""
    problems = []
    fb = base.get("dataset", {}).get("fingerprint")
    ft = tuned.get("dataset", {}).get("fingerprint")
    if fb != ft:
        problems.append(f"dataset fingerprint differs ({str(fb)[:16]} vs {str(ft)[:16]})")
    sb, st = base.get("dataset", {}).get("split"), tuned.get("dataset", {}).get("split")
    if sb != st:
        problems.append(f"split differs ({sb} vs {st})")
    db, dt = base.get("settings", {}), tuned.get("settings", {})
    for key in sorted(set(db) | set(dt)):
        if db.get(key) != dt.get(key):
            problems.append(f"decoding setting {key} differs ({db.get(key)} vs {dt.get(key)})")
    if problems:
        raise GciError("cannot compare these runs: " + "; ".join(problems))


def compare_runs(
    base_dir: Path, tuned_dir: Path, *, n_boot: int = 1000, seed: int = 0
) -> Comparison:
    """Compare two finished eval runs on their shared items."""
    base, tuned = read_results(base_dir), read_results(tuned_dir)
    check_comparable(base, tuned)
    groups = sorted(set(base["scores"]["groups"]) & set(tuned["scores"]["groups"]))
    if not groups:
        raise GciError(f"{base_dir} and {tuned_dir} evaluated no group in common")
    report: dict[str, Any] = {
        "base": {"run": str(base_dir), "model": base.get("model"), "gci": base["scores"]["gci"]},
        "tuned": {
            "run": str(tuned_dir),
            "model": tuned.get("model"),
            "gci": tuned["scores"]["gci"],
        },
        "dataset_fingerprint": base["dataset"]["fingerprint"],
        "settings": base.get("settings"),
        "bootstrap": {"resamples": n_boot, "seed": seed, "paired": True, "within": "task"},
        "groups": {},
    }
    deltas_i = []
    for group in groups:
        b_rows = {r["id"]: r for r in read_samples(base_dir, group)}
        t_rows = {r["id"]: r for r in read_samples(tuned_dir, group)}
        shared = sorted(set(b_rows) & set(t_rows))
        block: dict[str, Any] = {"shared_items": len(shared)}
        for subset, letter in LETTER.items():
            ids = [i for i in shared if b_rows[i]["subset"] == subset]
            if not ids:
                continue
            base_tasks: dict[str, list[float]] = defaultdict(list)
            tuned_tasks: dict[str, list[float]] = defaultdict(list)
            for i in ids:
                base_tasks[b_rows[i]["task"]].append(float(b_rows[i]["score"]))
                tuned_tasks[b_rows[i]["task"]].append(float(t_rows[i]["score"]))
            b_arr = {t: np.asarray(v) for t, v in sorted(base_tasks.items())}
            t_arr = {t: np.asarray(tuned_tasks[t]) for t in b_arr}
            stats = paired_bootstrap(b_arr, t_arr, n_boot, _rng(seed, "compare", group, subset))
            block[letter] = {
                "n": len(ids),
                "base": _r(np.mean([a.mean() for a in b_arr.values()]) * 100),
                "tuned": _r(np.mean([a.mean() for a in t_arr.values()]) * 100),
                **stats,
            }
        block["integration_rate"] = {
            "base": base["scores"]["groups"].get(group, {}).get("integration", {}).get("rate"),
            "tuned": tuned["scores"]["groups"].get(group, {}).get("integration", {}).get("rate"),
        }
        if "I" in block:
            deltas_i.append(block["I"]["delta"])
        report["groups"][group] = block
    report["delta_gci"] = _r(np.mean(deltas_i)) if deltas_i else None
    report["definitions"] = {
        "delta": "tuned - base subset score on shared items (x100 scale)",
        "p_value": "two-sided paired bootstrap: share of resampled deltas on the other side of 0",
        "solved": f"item score >= {SOLVED}",
    }
    return Comparison(Path(base_dir), Path(tuned_dir), report)


def write_outputs(comparison: Comparison, out: Path) -> tuple[Path, Path]:
    """``compare.json`` and ``compare.png`` in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    js = out / COMPARE_JSON
    js.write_text(json.dumps(comparison.report, ensure_ascii=False, indent=2) + "\n", "utf-8")
    png = out / COMPARE_PNG
    plot(comparison.report, png)
    return js, png


def plot(report: dict[str, Any], path: Path) -> None:
    """Grouped bars of ΔD, ΔG, ΔI per group with their 95% intervals; * marks p < 0.05."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = list(report["groups"])
    letters = ["D", "G", "I"]
    colours = {"D": "#4C72B0", "G": "#DD8452", "I": "#55A868"}
    width = 0.25
    fig, ax = plt.subplots(figsize=(max(5.0, 2.2 * len(groups) + 1.5), 4.0), dpi=120)
    x = np.arange(len(groups))
    for k, letter in enumerate(letters):
        vals, lo, hi, stars = [], [], [], []
        for g in groups:
            cell = report["groups"][g].get(letter)
            d = cell["delta"] if cell else np.nan
            vals.append(d)
            ci = cell.get("ci") if cell else None
            lo.append(d - ci[0] if ci else 0.0)
            hi.append(ci[1] - d if ci else 0.0)
            p = cell.get("p_value") if cell else None
            stars.append(p is not None and p < 0.05)
        pos = x + (k - 1) * width
        ax.bar(pos, vals, width, yerr=[lo, hi], capsize=3, color=colours[letter],
               label=f"Δ{letter}: {MEANING[letter]}")  # fmt: skip
        for xp, v, up, down, s in zip(pos, vals, hi, lo, stars, strict=True):
            if s and not np.isnan(v):  # above the interval's end, away from zero
                y, va = (v + up, "bottom") if v >= 0 else (v - down, "top")
                ax.annotate("*", (xp, y), ha="center", va=va)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, groups)
    ax.set_ylabel("tuned − base (points)")
    base = Path(str(report["base"]["run"])).name
    tuned = Path(str(report["tuned"]["run"])).name
    ax.set_title(f"{tuned} vs {base}  (* p < 0.05, paired bootstrap)", fontsize=9)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
