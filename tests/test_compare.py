"""``gci-bench compare``: deltas with paired p-values on shared items, the chart, and refusals."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gci_bench.cli import main
from gci_bench.errors import GciError
from gci_bench.evaluation import EvalConfig, compare_runs, evaluate
from gci_bench.models import ModelSpec


@pytest.fixture(scope="module")
def runs(embedded_build: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A weak base (retrieval, 4 items per task) and a perfect "tuned" run (oracle, 6 per task)."""
    root = tmp_path_factory.mktemp("runs")
    out = {}
    for name, model, limit in (("base", "retrieval", 4), ("tuned", "oracle", 6)):
        config = EvalConfig(data=embedded_build, out=root / name, limit=limit, bootstrap=200)
        evaluate(config, ModelSpec(model=model))
        out[name] = root / name
    return out


def test_compare_reports_gains_on_shared_items(runs: dict[str, Path]) -> None:
    report = compare_runs(runs["base"], runs["tuned"], n_boot=500).report
    assert set(report["groups"]) == {"computation", "safety", "summarization"}
    for block in report["groups"].values():
        for letter in ("D", "G", "I"):
            cell = block[letter]
            assert cell["tuned"] == pytest.approx(100.0)
            assert cell["delta"] == pytest.approx(cell["tuned"] - cell["base"], abs=1e-4)
            assert cell["ci"][0] <= cell["delta"] <= cell["ci"][1]
            assert all(n <= 4 for n in [cell["n"] / 3])  # shared: at most the base's 4 per task
    assert report["groups"]["computation"]["I"]["p_value"] < 0.05
    assert report["delta_gci"] > 0


def test_a_run_against_itself_has_no_difference(runs: dict[str, Path]) -> None:
    report = compare_runs(runs["base"], runs["base"], n_boot=200).report
    for block in report["groups"].values():
        for letter in ("D", "G", "I"):
            assert block[letter]["delta"] == 0.0 and block[letter]["p_value"] == 1.0


def edit_results(path: Path, change: Callable[[dict], None]) -> None:
    data = json.loads((path / "results.json").read_text())
    change(data)
    (path / "results.json").write_text(json.dumps(data))


def copy_run(src: Path, dst: Path) -> Path:
    import shutil

    return Path(shutil.copytree(src, dst))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["dataset"].update(fingerprint="0" * 64), "dataset fingerprint differs"),
        (lambda d: d["settings"].update(max_new_tokens=7), "max_new_tokens differs (256 vs 7)"),
        (lambda d: d["settings"].update(chat_template=True), "chat_template differs"),
        (lambda d: d["dataset"].update(split="train"), "split differs (test vs train)"),
    ],
    ids=["fingerprint", "max-new-tokens", "chat-template", "split"],
)
def test_incomparable_runs_are_refused_with_the_reason(
    runs: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[dict], None],
    message: str,
) -> None:
    other = copy_run(runs["tuned"], tmp_path / "other")
    edit_results(other, change)
    with pytest.raises(GciError, match="cannot compare these runs"):
        compare_runs(runs["base"], other)
    code = main(["compare", str(runs["base"]), str(other), "--bootstrap", "50"])
    err = capsys.readouterr().err
    assert code == 2 and message in " ".join(err.split()) and "Traceback" not in err


def test_cli_writes_table_json_and_png(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cmp"
    code = main(["compare", str(runs["base"]), str(runs["tuned"]), "--out", str(out),
                 "--bootstrap", "100"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    text = " ".join(err.split())
    assert "ΔI integration gain" in text and "ΔGCI +" in text
    assert (out / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = json.loads((out / "compare.json").read_text())
    assert report["bootstrap"] == {"resamples": 100, "seed": 0, "paired": True, "within": "task"}


def test_missing_run_is_a_clean_error(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "half").mkdir()
    for target, message in ((tmp_path / "nope", "no such run directory"),
                            (tmp_path / "half", "results.json is missing")):  # fmt: skip
        code = main(["compare", str(runs["base"]), str(target)])
        err = capsys.readouterr().err
        assert code == 2 and message in err and "Traceback" not in err
