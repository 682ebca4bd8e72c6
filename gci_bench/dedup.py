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

from datasketch import MinHash, MinHashLSH

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


def shingles(input_: str, choices: Sequence[str]) -> set[str]:
    """Character 5-grams of the normalised input and choices (empty when too short)."""
    text = normalize(input_ + "\x1f".join(choices))
    return {text[i : i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}


def _crc32(data: bytes) -> int:
    return zlib.crc32(data)


def _bulk(sets: list[list[bytes]]) -> list[MinHash]:
    return list(MinHash.bulk(sets, num_perm=NUM_PERM, hashfunc=_crc32, seed=1))


def minhashes(sets: Sequence[set[str]], num_proc: int = 1) -> list[MinHash]:
    """MinHash signatures of many shingle sets (permutations generated once, for speed).

    With ``num_proc > 1`` the sets are hashed in that many processes; the signatures are the
    same either way.
    """
    encoded = [[s.encode("utf-8") for s in sh] for sh in sets]
    if num_proc <= 1 or len(encoded) < 2000:
        return _bulk(encoded)
    from concurrent.futures import ProcessPoolExecutor

    size = -(-len(encoded) // num_proc)
    chunks = [encoded[i : i + size] for i in range(0, len(encoded), size)]
    with ProcessPoolExecutor(num_proc) as pool:
        return [m for part in pool.map(_bulk, chunks) for m in part]


@dataclass(frozen=True)
class NearPair:
    """A test item found near a train item, with their exact Jaccard similarity."""

    test_id: str
    train_id: str
    jaccard: float


def near_duplicates(
    train: Sequence[tuple[str, set[str]]],
    test: Sequence[tuple[str, set[str]]],
    threshold: float,
    num_proc: int = 1,
) -> list[NearPair]:
    """Test items with a train item at Jaccard ≥ ``threshold`` (one pair per test item, the
    most similar train item; ties broken by train id so the result is deterministic)."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    train_sets: dict[str, set[str]] = {}
    for item_id, sh in train:
        if sh and item_id not in train_sets:
            train_sets[item_id] = sh
    for item_id, mh in zip(train_sets, minhashes(list(train_sets.values()), num_proc), strict=True):
        lsh.insert(item_id, mh)
    queries = [(item_id, sh) for item_id, sh in test if sh]
    pairs: list[NearPair] = []
    for (item_id, sh), mh in zip(queries, minhashes([sh for _, sh in queries], num_proc), strict=True):
        best: tuple[float, str] | None = None
        for cand in sorted(lsh.query(mh)):
            other = train_sets[cand]
            jac = len(sh & other) / len(sh | other)
            if jac >= threshold and (best is None or jac > best[0]):
                best = (jac, cand)
        if best is not None:
            pairs.append(NearPair(item_id, best[1], round(best[0], 4)))
    return pairs
