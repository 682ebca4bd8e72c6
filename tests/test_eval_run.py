"""End-to-end ``eval`` runs on the embedded build: oracle, retrieval, a tiny hf model, predictions.

Each run goes through :func:`gci_bench.evaluation.evaluate` (or the CLI where the exit code and
message matter) and checks what lands in results.json and samples/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gci_bench.errors import GciError
from gci_bench.evaluation import EvalConfig, evaluate
from gci_bench.evaluation.items import limit_per_task, select
from gci_bench.models import ModelSpec
from gci_bench.models.tiny import make_tiny_model
from gci_bench.outputs import load_build
from gci_bench.prompts import build_prompt


@pytest.fixture(scope="module")
def tiny_llama(embedded_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random tiny Llama whose character vocabulary covers every prompt of the build.

    Made once per session (the other eval test modules reuse the same folder).
    """
    path = tmp_path_factory.getbasetemp() / "eval-tiny-llama"
    if not (path / "config.json").exists():
        texts = [build_prompt(r) for dd in load_build(embedded_build).values() for r in dd["test"]]
        make_tiny_model(path, texts, max_positions=160)
    return path


def run(build: Path, out: Path, model: str, **kw: object) -> dict:
    spec_fields = {"backend", "adapter", "predictions", "dtype", "device"}
    spec = ModelSpec(model=model, **{k: v for k, v in kw.items() if k in spec_fields})
    config = EvalConfig(
        data=build, out=out, bootstrap=200, **{k: v for k, v in kw.items() if k not in spec_fields}
    )
    return evaluate(config, spec).results


def group_scores(results: dict) -> dict:
    return results["scores"]


def test_oracle_scores_100_everywhere(embedded_build: Path, tmp_path: Path) -> None:
    """The pipeline's self-check: reference answers must be read and graded as fully right."""
    results = run(embedded_build, tmp_path / "oracle", "oracle")
    below = {
        (g, letter, task): cell["score"]
        for g, block in results["scores"]["groups"].items()
        for letter in ("D", "G", "I")
        for task, cell in block[letter]["tasks"].items()
        if cell["score"] < 100
    }
    assert not below, f"oracle below 100 on {below}"
    assert results["scores"]["gci"] == 100.0
    for block in results["scores"]["groups"].values():
        assert block["extraction_rate"] == 1.0
        if block["integration"]["n"]:
            assert block["integration"]["rate"] == 100.0


def test_retrieval_run_writes_results_and_samples(embedded_build: Path, tmp_path: Path) -> None:
    first = run(embedded_build, tmp_path / "a", "retrieval", limit=6)
    second = run(embedded_build, tmp_path / "b", "retrieval", limit=6)
    assert first["scores"] == second["scores"]  # same run twice → identical scores
    assert (
        first["dataset"]["fingerprint"]
        == json.loads((embedded_build / "build_manifest.json").read_text())["dataset_fingerprint"]
    )
    assert first["model"]["backend"] == "retrieval"
    assert first["gci_bench_version"]
    assert set(first["timings"]) >= {"load_s", "generate_s", "score_s", "total_s"}
    assert first["config"]["limit"] == 6 and first["settings"]["decoding"] == "greedy"
    groups = first["scores"]["groups"]
    assert set(groups) == {"computation", "safety", "summarization"}
    for block in groups.values():
        for letter in ("D", "G", "I"):
            lo, hi = block[letter]["ci"]
            assert lo <= block[letter]["score"] <= hi
            assert all(cell["n"] <= 6 for cell in block[letter]["tasks"].values())
    samples = [
        json.loads(line)
        for line in (tmp_path / "a" / "samples" / "safety.jsonl").read_text().splitlines()
    ]
    assert len(samples) == sum(b["n"] for k, b in groups["safety"].items() if k in "DGI")
    assert {"id", "prompt", "output", "extracted", "score", "parsed"} <= set(samples[0])


def test_limit_keeps_linked_twins_together(embedded_build: Path) -> None:
    sel = select(embedded_build, ("computation",), ("domain", "general", "integrated"), "test", 4)
    by_id = {r["id"]: r for r in sel.rows}
    integrated = [r for r in sel.rows if r["task"] == "statute_calc"]
    assert len(integrated) == 4
    assert all(all(link in by_id for link in r["links"]) for r in integrated)
    assert limit_per_task(sel.rows, None) == sel.rows


def test_hf_batch_size_does_not_change_scores_and_rerun_is_cached(
    embedded_build: Path, tiny_llama: Path, tmp_path: Path
) -> None:
    kw = {"limit": 2, "max_new_tokens": 6}
    eight = run(embedded_build, tmp_path / "bs8", str(tiny_llama), batch_size=8, **kw)
    one = run(embedded_build, tmp_path / "bs1", str(tiny_llama), batch_size=1, **kw)
    assert eight["scores"] == one["scores"]
    outs = {
        p.name: [json.loads(x)["output"] for x in p.read_text().splitlines()]
        for p in (tmp_path / "bs8" / "samples").glob("*.jsonl")
    }
    outs1 = {
        p.name: [json.loads(x)["output"] for x in p.read_text().splitlines()]
        for p in (tmp_path / "bs1" / "samples").glob("*.jsonl")
    }
    assert outs == outs1  # padding does not change a greedy answer
    assert eight["generation"]["from_cache"] == 0
    again = run(embedded_build, tmp_path / "bs8", str(tiny_llama), batch_size=3, **kw)
    assert again["generation"]["from_cache"] == again["generation"]["items"]
    assert again["scores"] == eight["scores"]
    assert eight["model"]["fingerprint"] == again["model"]["fingerprint"]
    assert eight["model"]["dtype"] == "float32" and eight["model"]["device"] == "cpu"


def test_predictions_rescore_a_run(embedded_build: Path, tmp_path: Path) -> None:
    base = run(embedded_build, tmp_path / "ret", "retrieval", limit=3, groups=("safety",))
    preds = tmp_path / "preds.jsonl"
    lines = (tmp_path / "ret" / "samples" / "safety.jsonl").read_text().splitlines()
    preds.write_text(
        "".join(
            json.dumps({"id": s["id"], "output": s["output"]}, ensure_ascii=False) + "\n"
            for s in map(json.loads, lines)
        ),
        encoding="utf-8",
    )
    again = run(
        embedded_build, tmp_path / "pred", None, predictions=preds, limit=3, groups=("safety",)
    )
    assert again["model"]["backend"] == "predictions"
    assert again["scores"] == base["scores"]
    assert again["generation"]["from_cache"] == 0


def write_lines(path: Path, objs: list) -> Path:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs))
    return path


def old_build(embedded_build: Path, tmp_path: Path) -> Path:
    import shutil

    copy = Path(shutil.copytree(embedded_build, tmp_path / "old-build"))
    manifest = json.loads((copy / "build_manifest.json").read_text())
    manifest.update(format_version=0, gci_bench_version="0.0.1")
    (copy / "build_manifest.json").write_text(json.dumps(manifest))
    return copy


def safety_ids(build: Path) -> list[str]:
    return list(load_build(build, ("safety",))["safety"]["test"]["id"])


def unknown_ids(build: Path, tmp: Path) -> list[str]:
    preds = write_lines(tmp / "p.jsonl", [{"id": "f" * 16, "output": "x"}])
    return ["--predictions", str(preds), "--groups", "safety"]


def missing_ids(build: Path, tmp: Path) -> list[str]:
    preds = write_lines(tmp / "p.jsonl", [{"id": i, "output": "x"} for i in safety_ids(build)[:3]])
    return ["--predictions", str(preds), "--groups", "safety"]


def bad_line(build: Path, tmp: Path) -> list[str]:
    return ["--predictions", str(write_lines(tmp / "p.jsonl", [{"id": "a"}]))]


BAD_INPUT = [
    ("unknown-ids", unknown_ids, "1 id(s) are not in this build (first: ffffffffffffffff)"),
    ("missing-ids", missing_ids, "no output for"),
    ("bad-line", bad_line, 'p.jsonl:1: expected an object with "id" and "output"'),
    ("missing-file", lambda b, t: ["--predictions", str(t / "none.jsonl")], "no such file"),
    (
        "old-build",
        lambda b, t: ["--model", "oracle", "--data", str(old_build(b, t))],
        "build format 0 (gci-bench 0.0.1)",
    ),
    (
        "not-a-build",
        lambda b, t: ["--model", "oracle", "--data", str(t)],
        "build_manifest.json is missing",
    ),
    ("bad-limit", lambda b, t: ["--model", "oracle", "--limit", "0"], "--limit must be at least 1"),
]


@pytest.mark.parametrize(
    ("make_args", "message"), [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT]
)
def test_cli_bad_input_is_a_clean_error(
    embedded_build: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make_args: object,
    message: str,
) -> None:
    from gci_bench.cli import main

    args = make_args(embedded_build, tmp_path)  # type: ignore[operator]
    if "--data" not in args:
        args += ["--data", str(embedded_build)]
    capsys.readouterr()
    code = main(["eval", *args, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in " ".join(err.split()), err
    assert "Traceback" not in err


def test_cli_eval_prints_table_and_writes_results(
    embedded_build: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gci_bench.cli import main

    code = main(["eval", "--model", "retrieval", "--data", str(embedded_build), "--limit", "2",
                 "--out", str(tmp_path / "r"), "--bootstrap", "50", "--tasks-table"])  # fmt: skip
    err = " ".join(capsys.readouterr().err.split())
    assert code == 0, err
    assert "GCI score" in err and "integration" in err and "statute_calc" in err
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert results["config"]["bootstrap"] == 50 and results["model_spec"]["model"] == "retrieval"


def test_default_groups_are_those_of_the_build(embedded_dir: Path, tmp_path: Path) -> None:
    from gci_bench.build import build
    from gci_bench.task_groups.base import BuildOptions

    small = tmp_path / "safety-build"
    build(BuildOptions(raw_dir=embedded_dir, groups=("safety",), max_per_task=3), small)
    results = run(small, tmp_path / "r", "oracle")
    assert list(results["scores"]["groups"]) == ["safety"]
    assert results["dataset"]["groups"] == ["safety"]
    with pytest.raises(GciError, match="has no group computation"):
        run(small, tmp_path / "r2", "oracle", groups=("computation",))
