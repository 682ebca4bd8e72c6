"""Time gci_bench.metrics.rouge against the plain rouge-score way on 10,000 real Chinese pairs.

Pairs (deterministic): for each LawBench 2-7 news item (500) and each CSL abstract (2,000), the
reference is its gold summary / title and the "summaries" are what summarisers typically return:
the lead sentence, the lead two sentences, the first 100 characters, and another item's
reference (a wrong summary, drawn with a fixed seed). Duplicates are dropped and further lead
lengths are added until there are 10,000 distinct pairs. So, as in a real evaluation, each
reference is scored against several outputs and outputs of one document share their openings.
``--distinct-texts`` instead uses every text once (each reference with its document's first 100
characters, then consecutive sentence pairs from the same documents and from LawBench case
facts): the worst case for the fast path's caches, where jieba's own cutting dominates.

Both methods start with jieba initialised; the fast path's caches live inside one call, so it
starts cold. The script asserts that both give identical scores.

    .venv/bin/python benchmarks/bench_rouge.py [--pairs 10000] [--distinct-texts]

The corpora are read from ``$GCI_CORPORA`` (default: ``../shared/corpora`` next to the repo).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sys
import time
from pathlib import Path

from gci_bench.metrics.fast_rouge import load_jieba, rouge, rouge_reference

REPO = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("GCI_CORPORA") or REPO.parent / "shared" / "corpora")
_SENTENCE = re.compile(r"[^。！？!?；;]+[。！？!?；;]?")


def _lead(text: str, sentences: int) -> str:
    return "".join(_SENTENCE.findall(text)[:sentences])


def documents() -> list[tuple[str, str]]:
    """(document, reference summary) from LawBench 2-7 and CSL title generation."""
    docs = [
        (x["question"], x["answer"])
        for x in json.loads((CORPORA / "lawbench" / "2-7.json").read_text(encoding="utf-8"))
    ]
    for name in ("ts_dev.tsv", "ts_test.tsv"):
        for line in (CORPORA / "csl" / name).read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 3:
                docs.append((parts[1], parts[2]))
    return docs


def _distinct_pairs(docs: list[tuple[str, str]], n: int) -> list[tuple[str, str]]:
    """No text used twice: each reference with its document's lead, then, within each document,
    one sentence as the output and the next one as the reference (the LawBench 3-1, 3-3, 3-4
    and 3-7 case facts are added to have enough text)."""
    seen: set[str] = set()
    pairs: list[tuple[str, str]] = []

    def add(out: str, ref: str) -> None:
        if out and ref and out not in seen and ref not in seen and out != ref and len(pairs) < n:
            seen.update((out, ref))
            pairs.append((out, ref))

    for doc, ref in docs:
        add(doc[:100], ref)
    judgments = [
        x["question"]
        for name in ("3-7.json", "3-1.json", "3-3.json", "3-4.json")
        for x in json.loads((CORPORA / "lawbench" / name).read_text(encoding="utf-8"))
    ]
    for doc in [d for d, _ in docs] + judgments:
        sentences = _SENTENCE.findall(doc)
        for i in range(0, len(sentences) - 1, 2):
            add(sentences[i], sentences[i + 1])
    if len(pairs) < n:
        raise SystemExit(f"only {len(pairs)} pairs with distinct texts; ask for fewer")
    return pairs


def build_pairs(n: int, distinct_texts: bool) -> list[tuple[str, str]]:
    """``n`` distinct (output, reference) pairs, deterministically."""
    docs = documents()
    rng = random.Random(20240517)
    pairs: dict[tuple[str, str], None] = {}
    if distinct_texts:
        return _distinct_pairs(docs, n)
    others = [ref for _, ref in docs]
    rng.shuffle(others)
    makers = [
        lambda doc, ref, i: _lead(doc, 1),
        lambda doc, ref, i: _lead(doc, 2),
        lambda doc, ref, i: doc[:100],
        lambda doc, ref, i: others[i],
    ]
    extra = 150
    while True:
        for maker in makers:
            for i, (doc, ref) in enumerate(docs):
                out = maker(doc, ref, i)
                if out and len(pairs) < n:
                    pairs.setdefault((out, ref), None)
        if len(pairs) >= n:
            return list(pairs)[:n]
        makers = [lambda doc, ref, i, k=extra: doc[:k]]
        extra += 50


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--distinct-texts", action="store_true")
    args = parser.parse_args()

    pairs = build_pairs(args.pairs, args.distinct_texts)
    outputs = [o for o, _ in pairs]
    references = [r for _, r in pairs]
    # Warm-up on a pair outside the set: jieba's dictionary and rouge-score's imports load here.
    load_jieba()
    rouge_reference(["预热文本"], ["热身"])
    rouge(["预热文本"], ["热身"])

    start = time.perf_counter()
    plain = rouge_reference(outputs, references)
    t_plain = time.perf_counter() - start
    start = time.perf_counter()
    fast = rouge(outputs, references)
    t_fast = time.perf_counter() - start
    assert fast == plain, "gci_bench.metrics.rouge differs from the plain way"

    distinct = len(set(outputs) | set(references))
    command = "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])
    print(f"machine: {machine()}")
    print(f"command: `{command}`")
    print(f"pairs: {len(pairs)} distinct pairs, {distinct} distinct texts; scores identical: yes")
    print()
    print("| method | seconds | pairs/s | speed-up |")
    print("|---|---:|---:|---:|")
    print(
        f"| plain (jieba.lcut + rouge-score) | {t_plain:.2f} | {len(pairs) / t_plain:.0f} | 1.00× |"
    )
    print(
        f"| gci_bench.metrics.rouge | {t_fast:.2f} | {len(pairs) / t_fast:.0f} "
        f"| {t_plain / t_fast:.2f}× |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
