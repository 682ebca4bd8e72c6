"""ROUGE-1/2/L F-measures for Chinese: the same numbers as rouge-score, computed faster.

**The plain way** (:func:`rouge_reference`, the definition these scores must equal): cut each
text with ``jieba.lcut`` (precise mode, HMM on), join the tokens with spaces, and score with
``rouge_score.rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], tokenizer=...)`` whose
tokenizer is ``str.split()`` — rouge-score's default tokenizer keeps only ``[a-z0-9]`` and would
drop every Chinese character. ``score(target=reference, prediction=output)``; the F-measure is
reported. Because of the join/split, whitespace tokens vanish. ``tokens="char"`` scores
characters instead (each non-whitespace character is one token).

**The fast way** (:func:`rouge`) computes the same numbers with the same float operations in
the same order (so they are equal, not merely close), but

* cuts each distinct text once per call, and within it each distinct jieba block once: jieba
  splits a text at every character outside ``jieba.re_han_default`` and cuts the blocks
  independently, so a block's tokens do not depend on its neighbours;
* counts n-gram overlaps with ``Counter`` over cached per-text counts;
* gets the LCS length from a bit-parallel algorithm on Python integers (Hyyrö 2004: one
  add, one subtract and two bit operations per token of the output, instead of a
  len(output) × len(reference) table).

* with many distinct texts, cuts them in forked worker processes (jieba is deterministic, so
  the tokens are the same as in one process).

Cutting the distinct texts with jieba is what remains (about 85% of the one-process time), so
the gain depends on how often texts and clauses repeat within a call and on the free cores: ``benchmarks/bench_rouge.py``
times both ways on 10,000 real pairs, with references scored against several outputs (as in an
evaluation) and, with ``--distinct-texts``, with no text repeated (the worst case).
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from gci_bench.errors import GciError

TOKEN_MODES = ("jieba", "char")
ROUGE_KEYS = ("rouge1", "rouge2", "rougeL")


@lru_cache(maxsize=1)
def load_jieba() -> Any:
    """jieba, initialised and quiet (it logs its dictionary loading to stderr at DEBUG)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _check_mode(tokens: str) -> None:
    if tokens not in TOKEN_MODES:
        raise GciError(f"tokens must be one of {', '.join(TOKEN_MODES)}, got {tokens!r}")


def _fmeasure(precision: float, recall: float) -> float:
    # Same expression as rouge_score.scoring.fmeasure, so the floats are bit-identical.
    if precision + recall > 0:
        return 2 * precision * recall / (precision + recall)
    return 0.0


@dataclass
class _Text:
    """One distinct text's tokens and everything derived from them, computed once per call."""

    tokens: list[str]
    unigrams: Counter[str] = field(init=False)
    bigrams: Counter[tuple[str, str]] = field(init=False)
    _masks: dict[str, int] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.unigrams = Counter(self.tokens)
        self.bigrams = Counter(zip(self.tokens, self.tokens[1:], strict=False))

    @property
    def masks(self) -> dict[str, int]:
        """token → bit mask of its positions (the match vectors of the bit-parallel LCS)."""
        if self._masks is None:
            masks: dict[str, int] = {}
            for i, tok in enumerate(self.tokens):
                masks[tok] = masks.get(tok, 0) | (1 << i)
            self._masks = masks
        return self._masks


def lcs_length(reference: _Text, output: Sequence[str]) -> int:
    """Length of the longest common subsequence, bit-parallel over the reference's positions.

    ``v`` holds a 0 bit per reference position matched so far; for each output token the
    matches ``u`` are carried by an addition (Hyyrö 2004). Bits above the reference length
    only ever receive carries and never affect lower bits, so no per-step masking is needed.
    """
    n = len(reference.tokens)
    masks = reference.masks
    full = (1 << n) - 1
    v = full
    for tok in output:
        m = masks.get(tok)
        if m:
            u = v & m
            v = (v + u) | (v - u)
    return n - (v & full).bit_count()


def _overlap(a: Counter[Any], b: Counter[Any]) -> int:
    if len(a) > len(b):
        a, b = b, a
    return sum(min(c, b[k]) for k, c in a.items() if k in b)


def _ngram_f(out: Counter[Any], ref: Counter[Any], n_out: int, n_ref: int) -> float:
    hits = _overlap(out, ref)
    return _fmeasure(hits / max(n_out, 1), hits / max(n_ref, 1))


def _pair_scores(out: _Text, ref: _Text) -> dict[str, float]:
    n_out, n_ref = len(out.tokens), len(ref.tokens)
    if n_out and n_ref:
        lcs = lcs_length(ref, out.tokens)
        rouge_l = _fmeasure(lcs / n_out, lcs / n_ref)
    else:
        rouge_l = 0.0
    return {
        "rouge1": _ngram_f(out.unigrams, ref.unigrams, n_out, n_ref),
        "rouge2": _ngram_f(out.bigrams, ref.bigrams, max(n_out - 1, 0), max(n_ref - 1, 0)),
        "rougeL": rouge_l,
    }


def _jieba_tokenizer() -> Callable[[str], list[str]]:
    """A per-call jieba tokenizer that caches blocks (see the module docstring for why)."""
    jieba = load_jieba()
    split_blocks = jieba.re_han_default.split
    lcut = jieba.lcut
    blocks: dict[str, list[str]] = {}

    def tokenize(text: str) -> list[str]:
        tokens: list[str] = []
        for block in split_blocks(text):
            if not block:
                continue
            cut = blocks.get(block)
            if cut is None:
                cut = blocks[block] = " ".join(lcut(block)).split()
            tokens.extend(cut)
        return tokens

    return tokenize


def _char_tokens(text: str) -> list[str]:
    return list("".join(text.split()))


#: Below this many distinct texts, forking workers costs more than it saves.
PARALLEL_MIN_TEXTS = 2000


def _cut_workers(n_texts: int, num_proc: int | None) -> int:
    if num_proc is not None:
        return max(1, num_proc)
    if n_texts < PARALLEL_MIN_TEXTS or not hasattr(os, "fork"):
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def _cut_chunk(texts: list[str]) -> list[list[str]]:
    tokenize = _jieba_tokenizer()
    return [tokenize(t) for t in texts]


def _parallel_cut(texts: list[str], workers: int) -> list[list[str]]:
    """jieba tokens of ``texts`` cut in ``workers`` forked processes (same tokens as serial:
    jieba is deterministic, and forked workers share the parent's loaded dictionary)."""
    import multiprocessing as mp

    load_jieba()  # load the dictionary once, before forking
    size = -(-len(texts) // workers)
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    with mp.get_context("fork").Pool(workers) as pool:
        return [toks for part in pool.map(_cut_chunk, chunks) for toks in part]


def rouge(
    outputs: Sequence[str],
    references: Sequence[str],
    tokens: str = "jieba",
    num_proc: int | None = None,
) -> list[dict[str, float]]:
    """Per pair ``{"rouge1", "rouge2", "rougeL"}`` F-measures of ``outputs[i]`` against
    ``references[i]``, equal to :func:`rouge_reference` (the plain rouge-score way).

    With many distinct texts (≥ 2,000) jieba cutting, the dominant cost, runs in up to
    ``num_proc`` forked processes (default: the CPU count, at most 4; ``num_proc=1`` keeps it
    in this process). Scores are identical either way.
    """
    _check_mode(tokens)
    if len(outputs) != len(references):
        raise ValueError(f"{len(outputs)} outputs but {len(references)} references")
    tokenize = _jieba_tokenizer() if tokens == "jieba" else _char_tokens
    texts: dict[str, _Text] = {}
    if tokens == "jieba":
        distinct = list(dict.fromkeys([*outputs, *references]))
        workers = _cut_workers(len(distinct), num_proc)
        if workers > 1:
            for text, toks in zip(distinct, _parallel_cut(distinct, workers), strict=True):
                texts[text] = _Text(toks)

    def prepared(text: str) -> _Text:
        got = texts.get(text)
        if got is None:
            got = texts[text] = _Text(tokenize(text))
        return got

    return [
        _pair_scores(prepared(o), prepared(r)) for o, r in zip(outputs, references, strict=True)
    ]


class _WhitespaceTokenizer:
    """rouge-score tokenizer that splits on whitespace and keeps every token as it is."""

    def tokenize(self, text: str) -> list[str]:
        return text.split()


def rouge_reference(
    outputs: Sequence[str], references: Sequence[str], tokens: str = "jieba"
) -> list[dict[str, float]]:
    """The plain way, the definition :func:`rouge` must equal (see the module docstring).

    Slow on purpose: every text is cut again and rouge-score fills a full LCS table. Kept for
    tests and the benchmark.
    """
    _check_mode(tokens)
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(ROUGE_KEYS), tokenizer=_WhitespaceTokenizer())
    if tokens == "jieba":
        lcut = load_jieba().lcut

        def spaced(text: str) -> str:
            return " ".join(lcut(text))
    else:

        def spaced(text: str) -> str:
            return " ".join(text)

    results = []
    for out, ref in zip(outputs, references, strict=True):
        scores = scorer.score(spaced(ref), spaced(out))
        results.append({k: float(scores[k].fmeasure) for k in ROUGE_KEYS})
    return results
