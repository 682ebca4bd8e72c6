"""From item scores to the numbers a run reports: D, G, I, intervals, integration rate, GCI.

Definitions (DESIGN.md, Metrics; the interval and integration-rate details are this project's):

* **task score** = mean item score of the task's items.
* **subset score** (``D`` domain, ``G`` general, ``I`` integrated) = mean of its task scores
  ×100, so a large task does not drown a small one.
* **95% interval**: percentile bootstrap, resampling items with replacement *within each task*
  (the subset score's own structure), seeded, so a run reproduces its intervals exactly.
* **integration rate**: among integrated items that have an evaluated domain twin and an
  evaluated general twin (their ``links``) and whose twins are all *solved*, the share whose
  integrated item is solved too. An item is **solved** when its score is at least
  :data:`SOLVED` (0.5): exact for 0/1 scores, and "more right than wrong" for F1 or ROUGE.
* **extraction rate**: share of items whose output the extractor could read (``parsed``).
* **GCI score** = mean of the evaluated groups' ``I``.
* **paired bootstrap** (compare): the same resampled items for both runs; the p-value is the
  two-sided share of resampled differences on the other side of zero.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

#: Item score from which an item counts as solved (integration rate).
SOLVED = 0.5

#: Subset name → the letter reports use.
LETTER = {"domain": "D", "general": "G", "integrated": "I"}


def _rng(seed: int, *names: str) -> np.random.Generator:
    """A generator seeded by ``seed`` and a stable hash of ``names`` (one stream per subset)."""
    digest = hashlib.sha256("\0".join(names).encode()).digest()
    return np.random.default_rng([seed, int.from_bytes(digest[:8], "little")])


def subset_score(by_task: Mapping[str, np.ndarray]) -> float:
    """Mean over tasks of the mean item score, ×100."""
    return float(np.mean([arr.mean() for arr in by_task.values()]) * 100)


def _resampled_means(by_task: Mapping[str, np.ndarray], n: int, rng: np.random.Generator) -> list:
    """Per task, ``n`` bootstrap means; each call draws indices in sorted task order."""
    out = []
    for task in sorted(by_task):
        arr = by_task[task]
        idx = rng.integers(0, len(arr), size=(n, len(arr)))
        out.append((task, idx))
    return out


def bootstrap_interval(
    by_task: Mapping[str, np.ndarray], n: int, rng: np.random.Generator
) -> tuple[float, float] | None:
    """Percentile 95% interval of :func:`subset_score`, items resampled within tasks."""
    if n <= 0:
        return None
    total = np.zeros(n)
    for task, idx in _resampled_means(by_task, n, rng):
        total += by_task[task][idx].mean(axis=1)
    scores = total / len(by_task) * 100
    lo, hi = np.percentile(scores, [2.5, 97.5])
    return float(lo), float(hi)


def paired_bootstrap(
    base: Mapping[str, np.ndarray],
    tuned: Mapping[str, np.ndarray],
    n: int,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Δ = tuned − base subset score on the same items, its 95% interval and p-value.

    ``base[task]`` and ``tuned[task]`` hold the two runs' scores of the same items in the same
    order. With no resamples (n = 0) only Δ is returned.
    """
    delta = subset_score(tuned) - subset_score(base)
    if n <= 0:
        return {"delta": _r(delta), "ci": None, "p_value": None}
    diffs = np.zeros(n)
    for task, idx in _resampled_means(base, n, rng):
        diffs += (tuned[task][idx] - base[task][idx]).mean(axis=1)
    diffs = diffs / len(base) * 100
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    # Two-sided: how often the resampled difference falls on either side of zero (+1 smoothing
    # so that p is never exactly 0 with a finite number of resamples).
    below = (np.sum(diffs <= 0) + 1) / (n + 1)
    above = (np.sum(diffs >= 0) + 1) / (n + 1)
    p = min(1.0, 2 * min(below, above))
    return {"delta": _r(delta), "ci": [_r(lo), _r(hi)], "p_value": _r(p)}


def _r(x: float) -> float:
    """Rounded for the JSON report: enough digits, no float noise differing between machines."""
    return round(float(x), 6)


def by_task_arrays(
    rows: Sequence[Mapping[str, Any]], scores: Sequence[float]
) -> dict[str, np.ndarray]:
    grouped: dict[str, list[float]] = defaultdict(list)
    for row, s in zip(rows, scores, strict=True):
        grouped[str(row["task"])].append(float(s))
    return {t: np.asarray(v, dtype=float) for t, v in sorted(grouped.items())}


def subset_block(
    rows: Sequence[Mapping[str, Any]],
    scores: Sequence[float],
    parsed: Sequence[bool],
    rng: np.random.Generator,
    n_boot: int,
) -> dict[str, Any]:
    """Score, interval, counts and extraction rates of one subset (rows of one group+subset)."""
    by_task = by_task_arrays(rows, scores)
    ci = bootstrap_interval(by_task, n_boot, rng)
    tasks: dict[str, Any] = {}
    parsed_by_task: dict[str, list[bool]] = defaultdict(list)
    type_of: dict[str, str] = {}
    for row, ok in zip(rows, parsed, strict=True):
        parsed_by_task[str(row["task"])].append(bool(ok))
        type_of[str(row["task"])] = str(row["answer_type"])
    for task, arr in by_task.items():
        tasks[task] = {
            "score": _r(arr.mean() * 100),
            "n": len(arr),
            "extraction_rate": _r(np.mean(parsed_by_task[task])),
            "answer_type": type_of[task],
        }
    return {
        "score": _r(subset_score(by_task)),
        "ci": [_r(ci[0]), _r(ci[1])] if ci else None,
        "n": len(rows),
        "extraction_rate": _r(np.mean([bool(p) for p in parsed])),
        "tasks": tasks,
    }


def integration(rows: Sequence[Mapping[str, Any]], scores: Sequence[float]) -> dict[str, Any]:
    """The integration rate of one group's rows (see the module docstring)."""
    info = {str(r["id"]): (str(r["subset"]), float(s)) for r, s in zip(rows, scores, strict=True)}
    linked = eligible = solved = 0
    for row, score in zip(rows, scores, strict=True):
        if row["subset"] != "integrated":
            continue
        twins = [info[str(t)] for t in row.get("links") or [] if str(t) in info]
        twins = [(sub, s) for sub, s in twins if sub in ("domain", "general")]
        if not ({"domain", "general"} <= {sub for sub, _ in twins}):
            continue
        linked += 1
        if all(s >= SOLVED for _, s in twins):
            eligible += 1
            solved += float(score) >= SOLVED
    return {
        "rate": _r(solved / eligible * 100) if eligible else None,
        "n": eligible,
        "solved": int(solved),
        "linked": linked,
    }


def summarize(
    rows: Sequence[Mapping[str, Any]],
    scores: Sequence[float],
    parsed: Sequence[bool],
    *,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Every reported number of a run: per group D/G/I blocks, integration, and the GCI score."""
    idx_by: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_group: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        idx_by[(str(row["group"]), str(row["subset"]))].append(i)
        by_group[str(row["group"])].append(i)
    groups: dict[str, Any] = {}
    for group in sorted(by_group):
        block: dict[str, Any] = {}
        for subset, letter in LETTER.items():
            idx = idx_by.get((group, subset))
            if not idx:
                continue
            block[letter] = subset_block(
                [rows[i] for i in idx],
                [scores[i] for i in idx],
                [parsed[i] for i in idx],
                _rng(seed, group, subset),
                n_boot,
            )
        gi = by_group[group]
        block["integration"] = integration([rows[i] for i in gi], [scores[i] for i in gi])
        block["extraction_rate"] = _r(np.mean([bool(parsed[i]) for i in gi]))
        groups[group] = block
    integrated = [b["I"]["score"] for b in groups.values() if "I" in b]
    return {
        "gci": _r(np.mean(integrated)) if integrated else None,
        "groups": groups,
        "definitions": {
            "subset_score": "mean over tasks of the mean item score, x100",
            "ci": f"95% percentile bootstrap, {n_boot} resamples of items within tasks, seed {seed}",
            "solved": f"item score >= {SOLVED}",
            "integration_rate": "integrated items with an evaluated domain and general twin, "
            "all twins solved: share whose integrated item is solved (x100); n = such items",
            "gci": "mean of the groups' I",
        },
    }
