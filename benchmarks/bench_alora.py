"""Cost of ALoRA against PEFT LoRA with the same rank and target modules.

Targets (docs/alora.md): training step time ALoRA / LoRA <= 1.15, peak training memory <= 1.10,
cached decode latency per token <= 1.2, and ALoRA's per-token decode cost must not grow with the
prefix (T=64 -> T=512) more than LoRA's.

Method
  * One random Llama built from a config (no download); both adapters wrap their own copy of the
    same weights, r and alpha equal, targets q/k/v/o_proj, dropout 0, fp32. Default hidden 512
    (8 heads of dim 64, the head dim of real models). ``--hidden 256`` (4 heads) is a stress
    case for training time: the rank-space attention adds heads·T² softmax work per adapted
    layer whatever the width, so a narrow base with few heads pays relatively more.
  * Time: repetitions of the two methods are interleaved (the order alternates each repetition)
    so drift in machine load hits both; medians are reported. On CPU the benchmark uses one
    intra-op thread (``--threads``) and measures the process's CPU time (``time.process_time``):
    on a shared machine wall time mostly measures the other tenants (OpenMP threads that wait
    for a descheduled sibling turn a 6 ms step into 160 ms), while the CPU time of a
    single-threaded process is the work done. On CUDA, wall time after a synchronize.
  * Training step = forward + backward + AdamW step on a batch of random tokens.
  * Peak memory: on CUDA, ``torch.cuda.max_memory_allocated`` over one step minus the memory
    allocated before it. On CPU each measurement runs in a fresh subprocess: one warm-up step
    (optimizer state and allocator pools exist afterwards), ``malloc_trim``, then the kernel's
    peak-RSS counter is reset (``/proc/self/clear_refs`` = 5) and the reported value is
    VmHWM - VmRSS-before over one more step. As a deterministic cross-check the bytes of
    non-parameter tensors saved for backward (the activation memory) are counted with
    ``torch.autograd.graph.saved_tensors_hooks``.
  * Decode: prefill a prefix of T tokens (not timed), then time N greedy single-token steps
    through the model's cache, the two methods alternating token by token; per-token latency
    is the median over all timed steps of all repetitions.

Run: ``python benchmarks/bench_alora.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj"]


def build(method: str, args: argparse.Namespace) -> nn.Module:
    """The benchmark base (same seed, same weights) wrapped with ``method``'s adapter."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=args.vocab,
        hidden_size=args.hidden,
        intermediate_size=args.hidden * 8 // 3,
        num_hidden_layers=args.layers,
        num_attention_heads=args.hidden // 64,
        num_key_value_heads=args.hidden // 64,
        max_position_embeddings=2048,
    )
    base = LlamaForCausalLM(config).to(args.device)
    if method == "alora":
        from gci_bench.alora import AloraConfig, get_alora_model

        model: nn.Module = get_alora_model(
            base, AloraConfig(r=args.rank, alpha=2 * args.rank, target_modules=TARGETS)
        )
    else:
        from peft import LoraConfig, get_peft_model

        cfg = LoraConfig(
            r=args.rank, lora_alpha=2 * args.rank, lora_dropout=0.0, target_modules=TARGETS
        )
        model = get_peft_model(base, cfg)
    # non-zero B so both adapters compute real updates (cost does not depend on values)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.requires_grad and ("alora_B" in name or "lora_B" in name):
                p.normal_(std=0.01)
    return model


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def clock(device: str) -> float:
    """Seconds: wall clock on CUDA, this process's CPU time on CPU (see the module docstring)."""
    return time.perf_counter() if device == "cuda" else time.process_time()


class Trainer:
    """One model, its optimizer and a fixed batch: ``step()`` is what we time and measure."""

    def __init__(self, method: str, args: argparse.Namespace) -> None:
        self.model = build(method, args).train()
        params = [p for p in self.model.parameters() if p.requires_grad]
        self.opt = torch.optim.AdamW(params, lr=1e-4)
        gen = torch.Generator().manual_seed(1)
        self.ids = torch.randint(0, args.vocab, (args.batch, args.seq), generator=gen).to(
            args.device
        )
        self.device = args.device

    def step(self) -> None:
        loss = self.model(input_ids=self.ids, labels=self.ids, use_cache=False).loss
        loss.backward()
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)

    def timed_step(self) -> float:
        sync(self.device)
        start = clock(self.device)
        self.step()
        sync(self.device)
        return clock(self.device) - start

    def saved_activation_bytes(self) -> int:
        """Bytes of distinct non-parameter tensors autograd keeps for backward in one step."""
        params = {p.untyped_storage().data_ptr() for p in self.model.parameters()}
        seen: dict[int, int] = {}

        def pack(t: torch.Tensor) -> torch.Tensor:
            storage = t.untyped_storage()
            if storage.data_ptr() not in params:
                seen[storage.data_ptr()] = storage.nbytes()
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            loss = self.model(input_ids=self.ids, labels=self.ids, use_cache=False).loss
        loss.backward()
        self.opt.zero_grad(set_to_none=True)
        return sum(seen.values())


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def memory_worker(method: str, args: argparse.Namespace) -> dict[str, float]:
    """Peak extra memory of one training step (run in a fresh process on CPU)."""
    trainer = Trainer(method, args)
    trainer.step()  # warm-up: grads, optimizer state, allocator pools
    gc.collect()
    if args.device == "cuda":
        torch.cuda.synchronize()
        before = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        trainer.step()
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated() - before
    else:
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except OSError:
            pass
        before = status_kb("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        trainer.step()
        peak = (status_kb("VmHWM") - before) * 1024
    return {"peak_bytes": float(peak), "saved_bytes": float(trainer.saved_activation_bytes())}


class Decoder:
    """Greedy cached decoding of one model, one timed token at a time."""

    def __init__(self, model: nn.Module, device: str) -> None:
        self.model, self.device = model, device
        self.out: Any = None

    @torch.no_grad()
    def prefill(self, ids: torch.Tensor) -> None:
        from transformers import DynamicCache

        cache = DynamicCache(config=self.model.config)
        self.out = self.model(input_ids=ids, cache=cache, use_cache=True)

    @torch.no_grad()
    def step(self) -> float:
        nxt = self.out.logits[:, -1:].argmax(-1)
        sync(self.device)
        start = clock(self.device)
        self.out = self.model(input_ids=nxt, cache=self.out.cache, use_cache=True)
        sync(self.device)
        return clock(self.device) - start


def decode_latencies(
    models: dict[str, nn.Module], prefix: int, args: argparse.Namespace
) -> dict[str, list[float]]:
    """Per-token decode times after a ``prefix``-token prompt, the methods run in lockstep.

    Each repetition prefills every model with the same prompt, then alternates single decode
    steps between the methods (order flipped every token), so a burst of load from elsewhere
    lands on both.
    """
    decoders = {m: Decoder(model, args.device) for m, model in models.items()}
    times: dict[str, list[float]] = {m: [] for m in models}
    names = list(models)
    for rep in range(args.decode_reps + 1):  # repetition 0 warms up at this length
        gen = torch.Generator().manual_seed(prefix + rep)
        ids = torch.randint(0, args.vocab, (1, prefix), generator=gen).to(args.device)
        for d in decoders.values():
            d.prefill(ids)
        for i in range(args.decode_tokens):
            for m in names if i % 2 == 0 else reversed(names):
                elapsed = decoders[m].step()
                if rep:
                    times[m].append(elapsed)
    return times


def interleaved(reps: int, runs: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Run each callable ``reps`` times, alternating the order every repetition."""
    names = list(runs)
    results: dict[str, list[float]] = {n: [] for n in names}
    for rep in range(reps):
        for name in names if rep % 2 == 0 else reversed(names):
            results[name].append(runs[name]())
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--vocab", type=int, default=4096)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--seq", type=int, default=256)
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--mem-reps", type=int, default=3)
    parser.add_argument("--decode-tokens", type=int, default=32)
    parser.add_argument("--decode-reps", type=int, default=7)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads on CPU")
    parser.add_argument("--quick", action="store_true", help="few repetitions (smoke run)")
    parser.add_argument("--memory-worker", choices=["alora", "lora"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=FutureWarning)  # deprecation notes from peft
    if args.device == "cpu":
        torch.set_num_threads(args.threads)
    if args.quick:
        args.reps, args.mem_reps, args.decode_reps, args.decode_tokens = 3, 1, 2, 8
    if args.memory_worker:
        print(json.dumps(memory_worker(args.memory_worker, args)))
        return

    methods = ("alora", "lora")
    trainers = {m: Trainer(m, args) for m in methods}
    for t in trainers.values():
        t.step()
        t.step()
    train = interleaved(args.reps, {m: trainers[m].timed_step for m in methods})
    del trainers
    gc.collect()

    memory: dict[str, list[dict[str, float]]] = {m: [] for m in methods}
    forwarded = [a for a in sys.argv[1:] if a != "--quick"] + (["--quick"] if args.quick else [])
    for rep in range(args.mem_reps):
        for m in methods if rep % 2 == 0 else reversed(methods):
            if args.device == "cuda":
                memory[m].append(memory_worker(m, args))
                continue
            cmd = [sys.executable, __file__, *forwarded, "--memory-worker", m]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            memory[m].append(json.loads(out.strip().splitlines()[-1]))

    models = {m: build(m, args).eval() for m in methods}
    decode = {prefix: decode_latencies(models, prefix, args) for prefix in (64, 512)}

    med = statistics.median
    rows: list[tuple[str, str, str, str, str]] = []

    def row(what: str, a: float, b: float, unit: str, target: str, scale: float = 1.0) -> None:
        rows.append(
            (what, f"{a * scale:.2f} {unit}", f"{b * scale:.2f} {unit}", f"{a / b:.3f}", target)
        )

    row("training step (median)", med(train["alora"]), med(train["lora"]), "ms", "<= 1.15", 1e3)
    peak = {m: med(r["peak_bytes"] for r in memory[m]) for m in methods}
    saved = {m: med(r["saved_bytes"] for r in memory[m]) for m in methods}
    label = "peak memory of a step" + (" (CUDA)" if args.device == "cuda" else " (RSS increase)")
    row(label, peak["alora"], peak["lora"], "MiB", "<= 1.10", 1 / 2**20)
    row("activations saved for backward", saved["alora"], saved["lora"], "MiB", "(info)", 1 / 2**20)
    for prefix in (64, 512):
        a, b = med(decode[prefix]["alora"]), med(decode[prefix]["lora"])
        row(f"cached decode, prefix {prefix} (per token)", a, b, "ms", "<= 1.2", 1e3)
    growth = {m: med(decode[512][m]) / med(decode[64][m]) for m in methods}
    added = {m: (med(decode[512][m]) - med(decode[64][m])) * 1e3 for m in methods}
    rows.append(
        (
            "decode growth T=512 / T=64",
            f"{growth['alora']:.3f}x ({added['alora']:+.2f} ms)",
            f"{growth['lora']:.3f}x ({added['lora']:+.2f} ms)",
            f"{growth['alora'] / growth['lora']:.3f}",
            "ALoRA growth <= LoRA growth (ratio <= ~1)",
        )
    )

    print(
        f"\nbase: random Llama, hidden {args.hidden}, {args.layers} layers, vocab {args.vocab}; "
        f"r={args.rank}, targets {'/'.join(TARGETS)}; train batch {args.batch}x{args.seq}; "
        f"device {args.device}, torch threads {torch.get_num_threads()}; "
        f"{args.reps} train reps, {args.mem_reps} memory reps, {args.decode_reps}x"
        f"{args.decode_tokens} decode steps\n"
    )
    print("| measure | ALoRA | LoRA (peft) | ALoRA / LoRA | target |")
    print("|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
