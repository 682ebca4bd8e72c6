"""One evaluation run: select items, generate (through the cache), score, write the results.

Writes into the output directory:

* ``results.json`` — scores with intervals, integration rates, extraction rates, the GCI score,
  the full config, model/adapter/dataset fingerprints, package version, timings, and how many
  generations came from the cache;
* ``samples/<group>.jsonl`` — per item: prompt as sent, output, extracted answer, item score;
* ``cache/generations.jsonl`` — the generation cache (unless ``--cache-dir`` puts it elsewhere).

The library stays quiet: progress goes to an optional callback, the CLI draws it.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gci_bench import __version__
from gci_bench.errors import GciError
from gci_bench.evaluation.cache import GenerationCache, cache_key
from gci_bench.evaluation.config import EvalConfig
from gci_bench.evaluation.items import all_ids, select, train_rows
from gci_bench.evaluation.scores import summarize
from gci_bench.models.base import (
    EvalContext,
    GenerationSettings,
    ModelSpec,
    Prompt,
    infer_backend,
    load_backend,
)
from gci_bench.prompts import build_prompt, trained_role_prompt, with_role

logger = logging.getLogger(__name__)

RESULTS = "results.json"
SAMPLES_DIR = "samples"


@dataclass(frozen=True)
class ProgressEvent:
    """``stage`` is one of loading, generating, scoring, writing; counts are items."""

    stage: str
    done: int = 0
    total: int = 0
    from_cache: int = 0
    message: str = ""


Progress = Callable[[ProgressEvent], None]


@dataclass
class EvalResult:
    out_dir: Path
    results: dict[str, Any]

    @property
    def scores(self) -> dict[str, Any]:
        return self.results["scores"]


def default_out(spec: ModelSpec) -> Path:
    """``runs/<model>[+<adapter>]`` with the names made path-safe."""
    name = Path(str(spec.predictions or spec.model or "model")).name or "model"
    if spec.adapter is not None:
        name += "+" + (Path(spec.adapter).name or "adapter")
    return Path("runs") / re.sub(r"[^\w.+-]+", "_", name)


def evaluate(config: EvalConfig, spec: ModelSpec, progress: Progress | None = None) -> EvalResult:
    """Run one evaluation and write its outputs; GciError for anything the user can fix."""
    note = progress or (lambda _e: None)
    t0 = time.perf_counter()
    infer_backend(spec)  # fail on a bad --model before reading the data
    note(ProgressEvent("loading", message="reading the build"))
    selection = select(config.data, config.groups, config.subsets, config.split, config.limit)
    rows = selection.rows
    out = Path(config.out or default_out(spec))
    if out.exists() and not out.is_dir():
        raise GciError(f"--out {out} exists and is not a directory")

    note(ProgressEvent("loading", message="loading the model"))
    t_load = time.perf_counter()
    backend = load_backend(spec)
    load_s = time.perf_counter() - t_load
    try:
        settings = GenerationSettings(
            max_new_tokens=config.max_new_tokens,
            chat_template=backend.resolve_chat_template(config.chat_template),
            batch_size=config.batch_size,
        )
        context = EvalContext(
            items=rows,
            train_rows=lambda g: train_rows(config.data, g),
            known_ids=lambda: all_ids(config.data),
            dataset_fingerprint=selection.fingerprint,
        )
        backend.prepare(context)
        # A REGA-trained adapter (or model) recorded its central prompt: use it at inference.
        role = trained_role_prompt(spec.adapter) or trained_role_prompt(
            spec.model if spec.model and Path(spec.model).is_dir() else None
        )
        prompts = [Prompt(str(r["id"]), with_role(role, build_prompt(r))) for r in rows]
        t_gen = time.perf_counter()
        outputs, from_cache, cache_path = _generate(backend, prompts, settings, config, out, note)
        gen_s = time.perf_counter() - t_gen
        rendered = [backend.render(p.text, settings) for p in prompts]
        description = backend.describe()
        truncated = getattr(backend, "truncated", 0)
    finally:
        backend.close()

    note(ProgressEvent("scoring", total=len(rows)))
    t_score = time.perf_counter()
    from gci_bench.metrics import score_items

    item_scores = score_items(rows, outputs)
    scores = summarize(
        rows,
        [s.score for s in item_scores],
        [s.parsed for s in item_scores],
        n_boot=config.bootstrap,
        seed=config.seed,
    )
    score_s = time.perf_counter() - t_score

    note(ProgressEvent("writing"))
    out.mkdir(parents=True, exist_ok=True)
    _write_samples(out, rows, rendered, outputs, item_scores)
    results = {
        "gci_bench_version": __version__,
        "scores": scores,
        "settings": settings.key(),
        # the effective selection: an empty --groups means "every group of the build"
        "config": {**config.to_json(), "groups": list(selection.groups), "out": str(out)},
        "model_spec": spec.to_json(),
        "model": description,
        "dataset": {
            "build_dir": str(Path(config.data).resolve()),
            "fingerprint": selection.fingerprint,
            "built_by": selection.manifest.get("gci_bench_version"),
            "split": config.split,
            "groups": list(selection.groups),
            "items": len(rows),
            "items_available": selection.available,
        },
        "generation": {
            "items": len(rows),
            "from_cache": from_cache,
            "generated": len(rows) - from_cache,
            "cache_file": str(cache_path) if cache_path else None,
            "truncated_prompts": truncated,
            "batch_size": config.batch_size,
        },
        "timings": {
            "load_s": round(load_s, 3),
            "generate_s": round(gen_s, 3),
            "score_s": round(score_s, 3),
            "total_s": round(time.perf_counter() - t0, 3),
            "generated_per_s": round((len(rows) - from_cache) / gen_s, 3) if gen_s > 0 else None,
        },
        "environment": {"python": platform.python_version(), "platform": platform.platform()},
    }
    _atomic_write(out / RESULTS, json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return EvalResult(out, results)


def _generate(
    backend: Any,
    prompts: list[Prompt],
    settings: GenerationSettings,
    config: EvalConfig,
    out: Path,
    note: Progress,
) -> tuple[list[str], int, Path | None]:
    """Outputs for every prompt: cached ones read back, the rest generated and cached per batch."""
    total = len(prompts)
    outputs: list[str | None] = [None] * total
    use_cache = backend.cacheable and config.cache
    cache: GenerationCache | None = None
    keys: list[str] = []
    if use_cache:
        cache = GenerationCache(Path(config.cache_dir) if config.cache_dir else out / "cache")
        cache.open()
        key_settings = settings.key()
        fp, afp = backend.fingerprint, backend.adapter_fingerprint
        keys = [cache_key(fp, afp, p.text, key_settings) for p in prompts]
        for i, k in enumerate(keys):
            outputs[i] = cache.get(k)
    todo = [i for i in range(total) if outputs[i] is None]
    from_cache = total - len(todo)
    done = from_cache
    note(ProgressEvent("generating", done=done, total=total, from_cache=from_cache))

    def on_batch(idx: list[int], outs: list[str]) -> None:
        nonlocal done
        originals = [todo[j] for j in idx]
        for i, o in zip(originals, outs, strict=True):
            outputs[i] = o
        if cache is not None:
            cache.append((keys[i], o) for i, o in zip(originals, outs, strict=True))
        done += len(idx)
        note(ProgressEvent("generating", done=done, total=total, from_cache=from_cache))

    try:
        if todo:
            backend.generate([prompts[i] for i in todo], settings, on_batch)
    finally:
        if cache is not None:
            cache.close()
    missing = [prompts[i].id for i in range(total) if outputs[i] is None]
    if missing:  # a backend that forgot to report a batch: a bug, not a user error
        raise RuntimeError(f"{backend.name} returned no output for {len(missing)} items")
    return [o or "" for o in outputs], from_cache, cache.path if cache else None


def _write_samples(
    out: Path, rows: list[dict[str, Any]], rendered: list[str], outputs: list[str], scores: list
) -> None:
    lines: dict[str, list[str]] = {}
    for row, prompt, output, s in zip(rows, rendered, outputs, scores, strict=True):
        rec = {
            "id": row["id"],
            "subset": row["subset"],
            "task": row["task"],
            "answer_type": row["answer_type"],
            "prompt": prompt,
            "output": output,
            "reference": row["answer"],
            "extracted": s.extracted,
            "parsed": s.parsed,
            "reason": s.reason,
            "score": s.score,
            "links": list(row.get("links") or []),
        }
        lines.setdefault(str(row["group"]), []).append(
            json.dumps(rec, ensure_ascii=False, default=str) + "\n"
        )
    sdir = out / SAMPLES_DIR
    sdir.mkdir(parents=True, exist_ok=True)
    for old in sdir.glob("*.jsonl"):
        if old.stem not in lines:
            old.unlink()
    for group, group_lines in lines.items():
        _atomic_write(sdir / f"{group}.jsonl", "".join(group_lines))


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def read_results(run_dir: Path) -> dict[str, Any]:
    """A run's results.json (GciError when the directory is not a finished run)."""
    path = Path(run_dir) / RESULTS
    if not Path(run_dir).is_dir():
        raise GciError(f"{run_dir}: no such run directory")
    if not path.is_file():
        raise GciError(f"{run_dir} is not a finished gci-bench eval run ({RESULTS} is missing)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise GciError(f"{path}: invalid JSON at line {exc.lineno} ({exc.msg})") from None


def read_samples(run_dir: Path, group: str) -> list[dict[str, Any]]:
    """One group's samples of a run (GciError naming the file and line when damaged)."""
    path = Path(run_dir) / SAMPLES_DIR / f"{group}.jsonl"
    if not path.is_file():
        raise GciError(f"{path}: missing; the run's samples are needed")
    rows = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise GciError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from None
    return rows
