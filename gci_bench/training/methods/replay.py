"""``replay``: the domain data plus general instructions at a fixed share — the simplest defence
against forgetting, and the baseline the other recipes must beat.

The general examples are alpaca-zh instructions with their reference outputs. Their number is set
so that they make up ``--replay-ratio`` of the mix: ``n_general = round(r · n_domain / (1 − r))``;
the pool is cycled (in a seeded order) when it is smaller than that.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from gci_bench.training.data import Example
from gci_bench.training.methods import METHODS, Method, MethodContext


def general_count(n_domain: int, ratio: float) -> int:
    """General examples needed for them to be ``ratio`` of a mix with ``n_domain`` others."""
    if ratio <= 0:
        return 0
    return round(ratio * n_domain / (1.0 - ratio))


def draw(pool: Sequence[Example], n: int, seed: int) -> list[Example]:
    """``n`` examples from ``pool``: each used once per pass, passes in seeded orders."""
    if n <= 0 or not pool:
        return []
    rng = random.Random(seed)
    out: list[Example] = []
    while len(out) < n:
        order = list(pool)
        rng.shuffle(order)
        out.extend(order[: n - len(out)])
    return out


def mix(
    domain: Sequence[Example], general: Sequence[Example], ratio: float, seed: int
) -> list[Example]:
    """The domain examples and enough general ones to make up ``ratio`` of the result, shuffled."""
    mixed = list(domain) + draw(general, general_count(len(domain), ratio), seed)
    random.Random(seed + 1).shuffle(mixed)
    return mixed


@METHODS.register("replay")
class Replay(Method):
    name = "replay"
    summary = "domain data mixed with general instructions at --replay-ratio"

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        self._report: dict[str, Any] = {}

    def training_examples(self, ctx: MethodContext) -> list[Example]:
        domain = super().training_examples(ctx)
        general = ctx.general()
        mixed = mix(domain, general.pool, self.config.replay_ratio, self.config.seed)
        n_general = sum(e.domain == "general" for e in mixed)
        self._report = {
            "replay_ratio": self.config.replay_ratio,
            "domain_examples": len(domain),
            "general_examples": n_general,
            "general_pool": len(general.pool),
            "general_share": n_general / len(mixed) if mixed else 0.0,
        }
        return mixed

    def report(self) -> dict[str, Any]:
        return dict(self._report)
