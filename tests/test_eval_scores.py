"""Subset scores, bootstrap intervals, integration rate and paired p-values on hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest

from gci_bench.evaluation.scores import (
    _rng,
    bootstrap_interval,
    integration,
    paired_bootstrap,
    subset_score,
    summarize,
)


def arr(*xs: float) -> np.ndarray:
    return np.asarray(xs, dtype=float)


@pytest.mark.parametrize(
    ("by_task", "expected"),
    [
        ({"a": arr(1, 1), "b": arr(0, 0)}, 50.0),
        # a mean over tasks, not over items: the big task does not drown the small one
        ({"a": arr(1), "b": arr(0, 0, 0, 0)}, 50.0),
        ({"a": arr(0.5, 1.0)}, 75.0),
    ],
)
def test_subset_score_is_mean_of_task_means(by_task: dict, expected: float) -> None:
    assert subset_score(by_task) == pytest.approx(expected)


def test_bootstrap_interval_is_seeded_and_brackets_the_score() -> None:
    data = {"a": arr(*([1] * 30 + [0] * 20)), "b": arr(*([1] * 5 + [0] * 5))}
    one = bootstrap_interval(data, 500, _rng(0, "x"))
    two = bootstrap_interval(data, 500, _rng(0, "x"))
    other = bootstrap_interval(data, 500, _rng(1, "x"))
    assert one == two and one != other
    assert one[0] < subset_score(data) < one[1]
    assert bootstrap_interval({"a": arr(1, 1, 1)}, 100, _rng(0)) == (100.0, 100.0)
    assert bootstrap_interval(data, 0, _rng(0)) is None


def row(i: str, subset: str, links: list[str] = ()) -> dict:
    return {"id": i, "group": "g", "subset": subset, "task": subset[:3], "links": list(links),
            "answer_type": "number"}  # fmt: skip


def triple(n: str, d: float, g: float, i: float) -> list[tuple[dict, float]]:
    ids = [f"{n}d", f"{n}g", f"{n}i"]
    return [
        (row(ids[0], "domain", [ids[1], ids[2]]), d),
        (row(ids[1], "general", [ids[0], ids[2]]), g),
        (row(ids[2], "integrated", [ids[0], ids[1]]), i),
    ]


@pytest.mark.parametrize(
    ("triples", "rate", "n", "linked"),
    [
        ([("a", 1, 1, 1), ("b", 1, 1, 0)], 50.0, 2, 2),
        ([("a", 1, 0, 1), ("b", 0, 1, 1)], None, 0, 2),  # no triple with both twins solved
        ([("a", 1, 1, 1), ("b", 0.5, 0.5, 0.5)], 100.0, 2, 2),  # 0.5 counts as solved
        ([("a", 1, 1, 0.49)], 0.0, 1, 1),
    ],
)
def test_integration_rate(triples: list, rate: float | None, n: int, linked: int) -> None:
    pairs = [p for t in triples for p in triple(*t)]
    got = integration([r for r, _ in pairs], [s for _, s in pairs])
    assert (got["rate"], got["n"], got["linked"]) == (rate, n, linked)


def test_integrated_pairs_without_domain_and_general_twins_are_not_counted() -> None:
    rows = [row("h", "integrated", ["b"]), row("b", "integrated", ["h"]), row("d", "domain")]
    got = integration(rows, [1.0, 1.0, 1.0])
    assert got == {"rate": None, "n": 0, "solved": 0, "linked": 0}


def test_integration_needs_the_twins_evaluated() -> None:
    pairs = triple("a", 1, 1, 1)
    rows = [r for r, _ in pairs if r["subset"] != "general"]
    assert integration(rows, [1.0, 1.0])["linked"] == 0


@pytest.mark.parametrize(
    ("base", "tuned", "p_low", "p_high"),
    [
        ([0] * 40, [0] * 40, 1.0, 1.0),  # identical runs: no evidence at all
        ([0] * 40, [1] * 40, 0.0, 0.01),  # tuned solves everything base misses
        ([1] * 40, [0] * 40, 0.0, 0.01),  # and the reverse (two-sided)
        ([0, 1] * 20, [1, 0] * 20, 0.5, 1.0),  # same score, different items
    ],
)
def test_paired_bootstrap_p_values(base: list, tuned: list, p_low: float, p_high: float) -> None:
    got = paired_bootstrap({"t": arr(*base)}, {"t": arr(*tuned)}, 999, _rng(0))
    assert p_low <= got["p_value"] <= p_high
    assert got["delta"] == pytest.approx((np.mean(tuned) - np.mean(base)) * 100)
    assert got["ci"][0] <= got["delta"] <= got["ci"][1]


def test_summarize_reports_every_block_and_gci() -> None:
    pairs = triple("a", 1, 1, 1) + triple("b", 1, 0, 0)
    rows = [r for r, _ in pairs]
    scores = [s for _, s in pairs]
    parsed = [True, True, True, True, False, True]
    out = summarize(rows, scores, parsed, n_boot=50, seed=3)
    g = out["groups"]["g"]
    assert g["D"]["score"] == 100.0 and g["G"]["score"] == 50.0 and g["I"]["score"] == 50.0
    assert g["G"]["extraction_rate"] == 0.5
    assert g["integration"] == {"rate": 100.0, "n": 1, "solved": 1, "linked": 2}
    assert out["gci"] == 50.0
    assert summarize(rows, scores, parsed, n_boot=50, seed=3) == out
