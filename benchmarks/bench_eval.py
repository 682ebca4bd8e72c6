"""Throughput of the hf backend: against plain ``model.generate``, and batched against one-by-one.

Targets (issue 3): the hf backend's generation throughput is at least 0.9x that of a plain
``model.generate`` loop over the same prompts with the same batch size (the toolkit adds little),
and batches of 16 are at least 3x faster than one prompt at a time on a tiny model.

Method
  * A tiny random Llama (character tokenizer covering the prompts, no download), fp32, CPU or
    the first GPU. Prompts: the user messages of the embedded build's test split, a fixed number
    per task (at most; the capped build drops some), so lengths vary as in a real run; prompts longer than the context are cut to their
    last tokens by both contenders alike (the toolkit does it itself, the plain loop is given the
    same token ids).
  * ``toolkit``: ``HFBackend.generate`` — rendering, tokenizing, length-sorted left-padded
    batches, greedy decoding, detokenizing. ``plain``: the loop a user would write: batches in
    the given order, ``tokenizer.pad`` (left), ``model.generate(do_sample=False)``,
    ``batch_decode``. ``one-by-one``: the toolkit with batch size 1.
  * Every contender decodes exactly ``--new-tokens`` tokens (``min_new_tokens`` = max), so the
    work is the same and throughput is items / second.
  * On a shared CPU, torch's default of one thread per core can stall badly when another process
    holds a core (each op waits for its slowest thread); ``--threads 1`` measures steadily there.
    The thread count is printed with the results.
  * Repetitions are interleaved (the order rotates each repetition) so drift in machine load
    hits all contenders; the median is reported. One warm-up pass first.

Run: ``python benchmarks/bench_eval.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def prompts_from_build(per_task: int) -> list[str]:
    """User messages of the embedded build's test split, ``per_task`` per task."""
    from gci_bench.build import build, default_raw_dir
    from gci_bench.evaluation.items import limit_per_task
    from gci_bench.outputs import load_build
    from gci_bench.prompts import build_prompt
    from gci_bench.task_groups.base import BuildOptions

    out = Path(tempfile.mkdtemp(prefix="gci-bench-eval-")) / "build"
    build(BuildOptions(raw_dir=default_raw_dir(), max_per_task=per_task), out)
    rows = [dict(r) for dd in load_build(out).values() for r in dd["test"]]
    return [build_prompt(r) for r in limit_per_task(rows, per_task)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-task", type=int, default=4, help="prompts per task (18 tasks)")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--context", type=int, default=256, help="model context (prompt + new)")
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads (default: torch's choice); 1 is steadier on a shared machine",
    )
    ap.add_argument("--quick", action="store_true", help="2 prompts per task, 2 repetitions")
    args = ap.parse_args()
    if args.quick:
        args.per_task, args.reps = 2, 2

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    from gci_bench.models import GenerationSettings, ModelSpec, Prompt, load_backend
    from gci_bench.models.tiny import make_tiny_model

    texts = prompts_from_build(args.per_task)
    model_dir = Path(tempfile.mkdtemp(prefix="gci-bench-tiny-")) / "llama"
    make_tiny_model(
        model_dir, texts, hidden_size=args.hidden, layers=args.layers, max_positions=args.context
    )
    backend = load_backend(ModelSpec(model=str(model_dir)))
    model, tok = backend.model, backend.tokenizer
    prompts = [Prompt(str(i), t) for i, t in enumerate(texts)]
    n = len(prompts)

    def settings(bs: int) -> GenerationSettings:
        return GenerationSettings(args.new_tokens, chat_template=False, batch_size=bs)

    # The plain loop gets the same token ids the toolkit feeds the model (same truncation).
    ids = backend.encode([backend.render(p.text, settings(1)) for p in prompts], settings(1))

    def plain() -> list[str]:
        outs: list[str] = []
        for start in range(0, n, args.batch_size):
            batch = tok.pad(
                {"input_ids": ids[start : start + args.batch_size]},
                padding=True,
                return_tensors="pt",
            ).to(backend.device)
            with torch.inference_mode():
                gen = model.generate(
                    **batch,
                    max_new_tokens=args.new_tokens,
                    min_new_tokens=args.new_tokens,
                    do_sample=False,
                    pad_token_id=tok.pad_token_id,
                )
            outs += tok.batch_decode(
                gen[:, batch["input_ids"].shape[1] :], skip_special_tokens=True
            )
        return outs

    # Same fixed-length decoding for the toolkit: no early EOS, so every contender does equal work.
    fixed = backend.generation_kwargs

    def fixed_kwargs(s: GenerationSettings) -> dict:
        return {**fixed(s), "min_new_tokens": s.max_new_tokens}

    backend.generation_kwargs = fixed_kwargs  # type: ignore[method-assign]

    contenders: dict[str, Callable[[], object]] = {
        "toolkit": lambda: backend.generate(prompts, settings(args.batch_size)),
        "plain": plain,
        "one-by-one": lambda: backend.generate(prompts, settings(1)),
    }
    for fn in contenders.values():  # warm-up
        fn()
    times: dict[str, list[float]] = {k: [] for k in contenders}
    names = list(contenders)
    for rep in range(args.reps):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            t0 = time.perf_counter()
            contenders[name]()
            times[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    rate = {k: n / v for k, v in med.items()}
    lengths = sorted(len(x) for x in ids)

    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
          f"({torch.get_num_threads()} threads), device {backend.device}")  # fmt: skip
    print(f"command: python benchmarks/bench_eval.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"model: tiny Llama hidden {args.hidden}, {args.layers} layers, fp32; {n} prompts "
          f"({lengths[0]}-{lengths[-1]} tokens, median {lengths[len(lengths) // 2]}), "
          f"{args.new_tokens} new tokens each, {args.reps} interleaved repetitions (median)")  # fmt: skip
    print()
    print("| contender | batch | seconds | items/s | ratio | target |")
    print("|---|---:|---:|---:|---:|---|")
    r1 = rate["toolkit"] / rate["plain"]
    r2 = rate["toolkit"] / rate["one-by-one"]
    rows = [
        ("plain model.generate", args.batch_size, "plain", "1.00", ""),
        ("hf backend", args.batch_size, "toolkit", f"{r1:.2f}× plain", "≥ 0.9× plain"),
        ("hf backend one-by-one", 1, "one-by-one", f"{1 / r2:.2f}× batched", ""),
    ]
    for label, bs, key, ratio, target in rows:
        print(f"| {label} | {bs} | {med[key]:.2f} | {rate[key]:.1f} | {ratio} | {target} |")
    print()
    print(f"batched ({args.batch_size}) vs one-by-one: {r2:.2f}× (target ≥ 3×) "
          f"{'PASS' if r2 >= 3 else 'FAIL'}; hf backend vs plain: {r1:.2f}× (target ≥ 0.9×) "
          f"{'PASS' if r1 >= 0.9 else 'FAIL'}")  # fmt: skip


if __name__ == "__main__":
    main()
