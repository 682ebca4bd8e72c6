"""What a user of ``gci-bench build`` relies on: layout, loading, determinism, overlap, twins."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import datasets

from gci_bench.build import build
from gci_bench.dedup import exact_key
from gci_bench.outputs import load_build, parquet_path, read_manifest
from gci_bench.records import ANSWER_TYPES, COLUMNS, GROUPS, SUBSETS
from gci_bench.task_groups.base import TASKS, BuildOptions


def test_every_task_and_subset_has_test_items(embedded_build: Path) -> None:
    manifest = read_manifest(embedded_build)
    for group in GROUPS:
        test = manifest["counts"][group]["test"]
        for subset in SUBSETS:
            assert sum(test[subset].values()) >= 50, (group, subset, test[subset])
        tasks = {t for subset in test.values() for t, n in subset.items() if n > 0}
        expected = {n for n in TASKS.names() if TASKS.get(n).group == group}
        assert tasks == expected


def test_parquet_and_disk_load_alike(embedded_build: Path) -> None:
    disk = load_build(embedded_build)
    for group in GROUPS:
        files = {s: str(embedded_build / parquet_path(group, s)) for s in ("train", "test")}
        pq = datasets.load_dataset("parquet", data_files=files)
        by_card = datasets.load_dataset(str(embedded_build), group)
        for split in ("train", "test"):
            assert pq[split].column_names == list(COLUMNS)
            assert pq[split]["id"] == disk[group][split]["id"] == by_card[split]["id"]


def test_records_are_well_formed(embedded_build: Path) -> None:
    for group, dd in load_build(embedded_build).items():
        for split in ("train", "test"):
            ids = dd[split]["id"]
            assert len(ids) == len(set(ids)), "ids are unique within a split"
            for row in dd[split]:
                assert row["group"] == group and row["subset"] in SUBSETS
                assert row["answer_type"] in ANSWER_TYPES
                assert row["answer_type"] == TASKS.get(row["task"]).answer_type
                gold = json.loads(row["gold"])
                assert isinstance(gold, dict) and gold
                if row["answer_type"] == "choice":
                    assert row["choices"] and all(
                        ord(c) - 65 < len(row["choices"]) for c in gold["letters"]
                    )
                if row["answer_type"] == "number":
                    assert "E" not in gold["number"], "numbers are plain decimals"
                assert row["licence"]


def test_twins_are_linked_within_split(embedded_build: Path) -> None:
    for dd in load_build(embedded_build).values():
        for split in ("train", "test"):
            rows = {r["id"]: r for r in dd[split]}
            for r in rows.values():
                for other in r["links"]:
                    assert other in rows, f"{r['id']} links to {other}, not in {split}"
                    assert r["id"] in rows[other]["links"]
    comp = load_build(embedded_build, ("computation",))["computation"]["test"]
    calc = [r for r in comp if r["task"] == "statute_calc"]
    assert calc and all(len(r["links"]) == 2 for r in calc)
    tasks = Counter(comp.filter(lambda r: r["id"] in set(calc[0]["links"]))["task"])
    assert tasks == Counter({"statute_recall": 1, "statute_given": 1})


def test_no_test_item_duplicates_train(embedded_build: Path) -> None:
    for dd in load_build(embedded_build).values():
        train = {exact_key(r["instruction"], r["input"], r["choices"]) for r in dd["train"]}
        assert not [
            r["id"]
            for r in dd["test"]
            if exact_key(r["instruction"], r["input"], r["choices"]) in train
        ]


def test_manifest_records_inputs_and_overlap(embedded_build: Path, embedded_dir: Path) -> None:
    manifest = read_manifest(embedded_build)
    paths = {e["path"] for e in manifest["inputs"]}
    assert "cail2018/data_train.json" in paths and "statutes/刑法.md" in paths
    for entry in manifest["inputs"]:
        assert len(entry["sha256"]) == 64
    for group in GROUPS:
        o = manifest["overlap"][group]
        assert o["near_threshold"] == 0.8
        assert o["near_removed_from_test"] == len(o["near_pairs"])
    assert any(
        n["file"] == "cail2018/data_train.json" and "GB18030" in n["reason"]
        for n in manifest["notes"]
    )
    assert not manifest["warnings"]
    assert all({"file", "line", "reason"} <= set(d) for d in manifest["dropped"])
    assert manifest["gci_bench_version"]
    card = (embedded_build / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\n") and "config_name: safety" in card
    assert manifest["dataset_fingerprint"] in card


def test_same_seed_same_bytes_other_seed_differs(
    tmp_path: Path, embedded_build: Path, embedded_dir: Path
) -> None:
    opts = BuildOptions(raw_dir=embedded_dir, groups=("computation",))
    a = build(opts, tmp_path / "a")
    b = build(opts, tmp_path / "b")
    assert a.fingerprint == b.fingerprint
    for split in ("train", "test"):
        rel = parquet_path("computation", split)
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
    assert (
        read_manifest(embedded_build)["files"][parquet_path("computation", "test")]
        == a.manifest["files"][parquet_path("computation", "test")]
    )
    opts.seed = 1
    c = build(opts, tmp_path / "c")
    assert c.fingerprint != a.fingerprint


def test_near_duplicate_removed_from_test_and_counted(raw_copy: Path, tmp_path: Path) -> None:
    # Copy one CAIL train fact into the test file with a few characters changed.
    train = (raw_copy / "cail2018/data_train.json").read_bytes().decode("gb18030").splitlines()
    rec = json.loads(train[0])
    fact = rec["fact"]
    rec["fact"] = fact[:-6] + "。另查明无" + fact[-1]
    test_path = raw_copy / "cail2018/data_test.json"
    test_path.write_text(
        test_path.read_text(encoding="utf-8") + json.dumps(rec, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    result = build(BuildOptions(raw_dir=raw_copy, groups=("summarization",)), tmp_path / "out")
    near = result.manifest["overlap"]["summarization"]["near_pairs"]
    assert any(p["task"] == "case_summary" and p["jaccard"] < 1.0 for p in near)
    test_inputs = set(load_build(tmp_path / "out")["summarization"]["test"]["input"])
    assert rec["fact"] not in test_inputs


def test_cap_limits_every_task(tmp_path: Path, embedded_dir: Path) -> None:
    result = build(
        BuildOptions(raw_dir=embedded_dir, groups=("safety",), max_per_task=20), tmp_path / "o"
    )
    for split in ("train", "test"):
        for tasks in result.counts["safety"][split].values():
            assert all(n <= 20 for n in tasks.values())
    rows = load_build(tmp_path / "o")["safety"]["test"]
    ids = set(rows["id"])
    assert all(link in ids for r in rows for link in r["links"])


def test_full_corpus_builds_every_group(tmp_path: Path, full_corpora_dir: Path) -> None:
    result = build(BuildOptions(raw_dir=full_corpora_dir, num_proc=2), tmp_path / "full")
    for group in GROUPS:
        assert sum(sum(t.values()) for t in result.counts[group]["test"].values()) > 1000


def test_reference_answers_score_full_marks(embedded_build: Path) -> None:
    """Every item's own ``answer`` text passes its metric: gold and metric agree."""
    from gci_bench.metrics import score_items

    for group, dd in load_build(embedded_build).items():
        for split in ("train", "test"):
            rows = list(dd[split])
            scores = score_items(rows, [r["answer"] for r in rows])
            bad = [
                (r["task"], r["answer"][:40])
                for r, s in zip(rows, scores, strict=True)
                if s.score < 1
            ]
            assert not bad, (group, split, bad[:5])
