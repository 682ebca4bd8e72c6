"""The generation cache: torn lines, damaged files, and a run killed with SIGKILL that resumes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gci_bench.errors import GciError
from gci_bench.evaluation import EvalConfig, evaluate
from gci_bench.evaluation.cache import CACHE_FILE, GenerationCache, cache_key
from gci_bench.models import ModelSpec
from gci_bench.models.tiny import make_tiny_model
from gci_bench.outputs import load_build
from gci_bench.prompts import build_prompt


def line(key: str, output: str) -> str:
    return json.dumps({"key": key, "output": output}, ensure_ascii=False) + "\n"


@pytest.mark.parametrize(
    ("content", "expected", "torn"),
    [
        ("", {}, False),
        (line("a", "1") + line("b", "二"), {"a": "1", "b": "二"}, False),
        (line("a", "1") + '{"key": "b", "out', {"a": "1"}, True),  # torn last line
        (line("a", "1") + line("b", "2")[:-1], {"a": "1", "b": "2"}, False),  # no final newline
        (line("a", "1") + "\n\n", {"a": "1"}, False),  # blank lines are fine
        (line("a", "1") + "garbage\n", {"a": "1"}, True),  # bad last complete line
    ],
    ids=["empty", "complete", "torn-tail", "no-newline", "blank-lines", "bad-last-line"],
)
def test_cache_load_tolerates_a_torn_tail(
    tmp_path: Path, content: str, expected: dict, torn: bool
) -> None:
    (tmp_path / CACHE_FILE).write_text(content, encoding="utf-8")
    with GenerationCache(tmp_path) as cache:
        assert cache.entries == expected
        assert cache.dropped_torn_line is torn
        cache.append([("c", "3")])
    # what was appended after the repair reads back on a line of its own
    with GenerationCache(tmp_path) as again:
        assert again.entries == {**expected, "c": "3"}
        assert not again.dropped_torn_line


def test_damaged_line_before_the_end_is_an_error(tmp_path: Path) -> None:
    (tmp_path / CACHE_FILE).write_text(line("a", "1") + "garbage\n" + line("b", "2"))
    with pytest.raises(GciError, match=r"generations.jsonl:2: damaged cache line"):
        GenerationCache(tmp_path).open()


def test_cache_key_depends_on_everything_that_decides_an_output() -> None:
    base = cache_key("m", None, "p", {"max_new_tokens": 8, "chat_template": False})
    assert base == cache_key("m", None, "p", {"chat_template": False, "max_new_tokens": 8})
    others = [
        cache_key("m2", None, "p", {"max_new_tokens": 8, "chat_template": False}),
        cache_key("m", "adapter", "p", {"max_new_tokens": 8, "chat_template": False}),
        cache_key("m", None, "p2", {"max_new_tokens": 8, "chat_template": False}),
        cache_key("m", None, "p", {"max_new_tokens": 9, "chat_template": False}),
        cache_key("m", None, "p", {"max_new_tokens": 8, "chat_template": True}),
    ]
    assert base not in others and len(set(others)) == len(others)


@pytest.fixture(scope="module")
def tiny_llama(embedded_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's tiny Llama (made once, shared with the other eval tests)."""
    path = tmp_path_factory.getbasetemp() / "eval-tiny-llama"
    if not (path / "config.json").exists():
        texts = [build_prompt(r) for dd in load_build(embedded_build).values() for r in dd["test"]]
        make_tiny_model(path, texts, max_positions=160)
    return path


def valid_lines(path: Path) -> list[dict]:
    out = []
    for raw in path.read_bytes().split(b"\n"):
        try:
            out.append(json.loads(raw))
        except ValueError:
            pass
    return out


def test_run_killed_with_sigkill_resumes_without_regenerating(
    embedded_build: Path, tiny_llama: Path, tmp_path: Path
) -> None:
    args = ["--data", str(embedded_build), "--limit", "2", "--max-new-tokens", "8"]
    args += ["--batch-size", "1", "--bootstrap", "100", "--model", str(tiny_llama)]
    out = tmp_path / "killed"
    cache_file = out / "cache" / CACHE_FILE
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gci_bench.cli", "eval", *args, "--out", str(out)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if cache_file.exists() and len(valid_lines(cache_file)) >= 3:
                break
            if proc.poll() is not None:
                pytest.fail(f"eval ended before it could be killed: {proc.stderr.read()!r}")
            time.sleep(0.01)
        else:
            pytest.fail("no generations were cached within 120 s")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "results.json").exists()
    cached = {e["key"] for e in valid_lines(cache_file)}
    # a kill in the middle of a write leaves a torn last line; simulate one either way
    with cache_file.open("a", encoding="utf-8") as fh:
        fh.write('{"key": "torn", "output": "par')

    config = {"data": embedded_build, "limit": 2, "max_new_tokens": 8, "bootstrap": 100}
    resumed = evaluate(
        EvalConfig(**config, out=out, batch_size=4), ModelSpec(model=str(tiny_llama))
    ).results
    gen = resumed["generation"]
    assert gen["from_cache"] == len(cached) > 0
    assert gen["generated"] == gen["items"] - len(cached)
    after = valid_lines(cache_file)
    assert len(after) == len({e["key"] for e in after}) == gen["items"]  # nothing generated twice

    fresh = evaluate(
        EvalConfig(**config, out=tmp_path / "fresh", batch_size=8), ModelSpec(model=str(tiny_llama))
    ).results
    assert fresh["generation"]["from_cache"] == 0
    assert resumed["scores"] == fresh["scores"]
