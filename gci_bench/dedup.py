"""Train↔test overlap: exact duplicates and near-duplicates.

*Exact duplicate*: the same instruction, input and choices after Unicode NFKC normalisation,
lower-casing and removal of whitespace and punctuation.

*Near-duplicate*: the character 5-gram shingle sets of the normalised ``input`` + ``choices``
(the instruction is left out because it is a per-task template) have a Jaccard similarity of at
least ``threshold`` (0.8 by default). Candidates come from MinHash LSH (datasketch, 128
permutations) and every candidate pair is then confirmed with the exact Jaccard of the shingle
sets, so the result does not depend on MinHash's approximation. Texts shorter than 5 characters
after normalisation are only checked for exact duplicates. Generated items (``statute_calc``
and its twins) are excluded from the near-duplicate check: they share a template by design and
differ in their parameters, whose train/test disjointness the generators guarantee.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

SHINGLE = 5
NUM_PERM = 128
_NON_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """NFKC, lower case, no whitespace or punctuation: what "the same text" means here."""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def exact_key(instruction: str, input_: str, choices: Sequence[str]) -> str:
    """Hash of the normalised prompt content."""
    payload = "\x1f".join([normalize(instruction), normalize(input_), *map(normalize, choices)])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def near_text(input_: str, choices: Sequence[str]) -> str:
    """The text the near-duplicate measure compares: normalised input and choices."""
    return normalize(input_ + "\x1f".join(choices))


def shingle_set(text: str) -> set[str]:
    """Character 5-grams of an already normalised text (empty when shorter than 5)."""
    return {text[i : i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}


def _crc32(data: bytes) -> int:
    return zlib.crc32(data)


def _signatures(texts: list[str]) -> list[tuple[np.ndarray, str]]:
    """MinHash signatures of texts' shingle sets, as (hash values, scheme) pairs.

    Takes texts and returns plain arrays so that it is cheap to run in worker processes.
    """
    sets = [[s.encode("utf-8") for s in shingle_set(t)] for t in texts]
    return [
        (m.hashvalues, m.scheme)
        for m in MinHash.bulk(sets, num_perm=NUM_PERM, hashfunc=_crc32, seed=1)
    ]


def minhashes(texts: Sequence[str], num_proc: int = 1) -> list[LeanMinHash]:
    """MinHash signatures of many texts (permutations generated once per process).

    With ``num_proc > 1`` the texts are hashed in that many processes; the signatures are the
    same either way.
    """
    texts = list(texts)
    if num_proc <= 1 or len(texts) < 4000:
        values = _signatures(texts)
    else:
        from concurrent.futures import ProcessPoolExecutor

        size = -(-len(texts) // num_proc)
        chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
        with ProcessPoolExecutor(num_proc) as pool:
            values = [v for part in pool.map(_signatures, chunks) for v in part]
    return [LeanMinHash(seed=1, hashvalues=v, scheme=sch) for v, sch in values]


@dataclass(frozen=True)
class NearPair:
    """A test item found near a train item, with their exact Jaccard similarity."""

    test_id: str
    train_id: str
    jaccard: float


def near_duplicates(
    train: Sequence[tuple[str, str]],
    test: Sequence[tuple[str, str]],
    threshold: float,
    num_proc: int = 1,
) -> list[NearPair]:
    """Test items with a train item at Jaccard ≥ ``threshold``.

    ``train`` and ``test`` are (id, :func:`near_text`) pairs. One pair is returned per test
    item: the most similar train item, ties broken by train id, so the result is deterministic.
    Texts shorter than one shingle are skipped.
    """
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    train_texts: dict[str, str] = {}
    for item_id, text in train:
        if len(text) >= SHINGLE and item_id not in train_texts:
            train_texts[item_id] = text
    for item_id, mh in zip(
        train_texts, minhashes(list(train_texts.values()), num_proc), strict=True
    ):
        lsh.insert(item_id, mh)
    queries = [(item_id, text) for item_id, text in test if len(text) >= SHINGLE]
    pairs: list[NearPair] = []
    train_shingles: dict[str, set[str]] = {}  # computed on demand: only candidates need them
    for (item_id, text), mh in zip(
        queries, minhashes([t for _, t in queries], num_proc), strict=True
    ):
        candidates = sorted(lsh.query(mh))
        if not candidates:
            continue
        sh = shingle_set(text)
        best: tuple[float, str] | None = None
        for cand in candidates:
            other = train_shingles.get(cand)
            if other is None:
                other = train_shingles[cand] = shingle_set(train_texts[cand])
            jac = len(sh & other) / len(sh | other)
            if jac >= threshold and (best is None or jac > best[0]):
                best = (jac, cand)
        if best is not None:
            pairs.append(NearPair(item_id, best[1], round(best[0], 4)))
    return pairs
