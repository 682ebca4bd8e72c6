"""``statute_calc``: computation items generated from real articles, with exact solvers.

:func:`generate_splits` is what the build calls. For every registered generator (sorted by
name) it draws the train items from the stream ``f"{seed}:{name}:train"`` and then the test
items from ``f"{seed}:{name}:test"``, resampling any test draw whose answer-determining
parameters already occur in train; so the splits never share a parameter tuple and, because
record ids are content hashes, never share a record either. Each draw yields three linked
records (integrated, domain twin, general twin), emitted in that order. The same statutes,
counts and seed always give the same records in the same order.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from gci_bench.builders.statute_calc import solvers
from gci_bench.builders.statute_calc.generators import (
    GENERATORS,
    CalcGenerator,
    Statutes,
    article_text,
    make_records,
)
from gci_bench.errors import GciError
from gci_bench.records import SPLITS, Record

__all__ = [
    "GENERATORS",
    "CalcGenerator",
    "check_statutes",
    "generate",
    "generate_splits",
    "solvers",
]

#: Draws allowed per requested item before giving up (a parameter space too small for the
#: requested count would otherwise loop for ever).
MAX_DRAWS_PER_ITEM = 50


def check_statutes(statutes: Statutes, names: Iterable[str] | None = None) -> None:
    """Raise a GciError naming the first law/article a selected generator needs but lacks."""
    for name in GENERATORS.names() if names is None else names:
        for law, key in GENERATORS.get(name).requires:
            article_text(statutes, law, key)


def generate_splits(
    statutes: Statutes,
    n_train: int,
    n_test: int,
    seed: int | str = 0,
    names: Iterable[str] | None = None,
) -> dict[str, list[Record]]:
    """``n_train`` / ``n_test`` parameter sets per generator → ``{"train": [...], "test": [...]}``.

    Each parameter set gives three records, so a split holds ``3 × n × len(names)`` records.
    ``names`` restricts the generators (default: all registered, in sorted order).
    """
    if n_train < 0 or n_test < 0:
        raise GciError(f"item counts must not be negative, got n_train={n_train}, n_test={n_test}")
    selected = sorted(GENERATORS.names() if names is None else set(names))
    check_statutes(statutes, selected)
    out: dict[str, list[Record]] = {split: [] for split in SPLITS}
    seen_ids: set[str] = set()  # across both splits: identical content in train and test is leakage
    for name in selected:
        gen = GENERATORS.get(name)
        taken: set[str] = set()
        for split, count in (("train", n_train), ("test", n_test)):
            out[split].extend(_draw(gen, statutes, split, count, seed, taken, seen_ids))
    return out


def generate(
    statutes: Statutes, split: str, n_per_generator: int, seed: int | str = 0
) -> list[Record]:
    """One split of ``generate_splits(statutes, n, n, seed)`` (the other is drawn to exclude it)."""
    if split not in SPLITS:
        raise GciError(f"split must be one of {SPLITS}, got {split!r}")
    return generate_splits(statutes, n_per_generator, n_per_generator, seed)[split]


def _draw(
    gen: CalcGenerator,
    statutes: Statutes,
    split: str,
    count: int,
    seed: int | str,
    taken: set[str],
    seen_ids: set[str],
) -> list[Record]:
    """``count`` parameter sets for ``split`` whose keys and record ids are not yet ``taken``/seen.

    ``taken`` and ``seen_ids`` are updated in place, so the test draw avoids the train draw.
    """
    rng = random.Random(f"{seed}:{gen.name}:{split}")
    records: list[Record] = []
    drawn = 0
    budget = MAX_DRAWS_PER_ITEM * count + 100
    while drawn < count:
        budget -= 1
        if budget < 0:
            raise GciError(
                f"statute_calc generator {gen.name!r} found only {drawn} distinct {split} items of the "
                f"{count} requested; ask for fewer items per generator"
            )
        params = gen.sample(rng)
        key = gen.key(params)
        if key in taken:
            continue
        triple = make_records(gen, params, statutes, split)
        ids = {r.id for r in triple}
        if len(ids) < len(triple) or ids & seen_ids:
            continue
        taken.add(key)
        seen_ids.update(ids)
        records.extend(triple)
        drawn += 1
    return records
