"""``gci-bench demo`` runs the whole mission end to end (tiny settings to stay fast)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gci_bench.cli import main


def test_demo_builds_trains_evaluates_and_compares(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    argv = [
        "demo",
        "--out",
        str(out),
        "--max-steps",
        "2",
        "--limit",
        "1",
        "--max-per-task",
        "20",
        "--max-new-tokens",
        "8",
    ]
    assert main(argv) == 0
    for name in ("base", "lora", "alora"):
        results = json.loads((out / f"eval-{name}" / "results.json").read_text(encoding="utf-8"))
        assert set(results["scores"]["groups"]) == {"computation", "safety", "summarization"}
    assert (out / "train-alora" / "adapter_config.json").exists()
    assert (out / "eval-lora" / "compare" / "compare.png").exists()
    err = capsys.readouterr()
    assert "demo: base vs LoRA vs ALoRA" in err.out + err.err
