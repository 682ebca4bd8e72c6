"""``versatune``: per-domain sampling weights adapted from held-out loss (Lu et al., arXiv 2411.11266).

The domains are the selected task groups plus ``general`` (alpaca-zh instructions with their
reference outputs). Every batch element is drawn by first picking a domain with probability
``w_i`` and then the next example of that domain (each domain's examples in a seeded, reshuffled
cycle). After every round of ``--versatune-round-steps`` optimizer steps the weights are updated:

    s_i = (L_i − L_i^base) / L_i^base
    w_i ← w_i · exp(s_i) / Σ_j w_j · exp(s_j)

where ``L_i`` is the current model's mean answer-token loss on domain ``i``'s held-out slice and
``L_i^base`` the base model's on the same slice. ``s_i`` is the *relative* loss change against the
base model: negative where the model has improved, positive where it has got worse (forgetting).
The update therefore moves weight away from domains that have already improved most and towards
those that improved least or regressed — VersaTune's balance between learnable potential and
forgetting, in one signed number. Relative rather than absolute change, so that domains whose
losses live on different scales (short option letters vs. long summaries) are compared fairly.
This definition of ``s_i`` is ours (the paper states the update, not this exact score).

``L^base`` is measured once, at step 0, where every parameterisation still computes the base
model (LoRA and ALoRA start with B = 0; full fine-tuning has not moved yet), so no second model
is kept. The base losses and the weight history are written into each checkpoint and restored on
resume, and the history goes into ``training_manifest.json``.
"""

from __future__ import annotations

import json
import logging
import math
import random
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from gci_bench.errors import GciError
from gci_bench.training.data import Collator, EncodedDataset, Example
from gci_bench.training.methods import METHODS, Method, MethodContext

logger = logging.getLogger(__name__)

STATE_FILE = "versatune_state.json"


def loss_scores(losses: Mapping[str, float], base: Mapping[str, float]) -> dict[str, float]:
    """``s_i = (L_i − L_i^base) / L_i^base`` for every domain."""
    return {d: (losses[d] - base[d]) / base[d] for d in losses}


def update_weights(weights: Sequence[float], scores: Sequence[float]) -> list[float]:
    """``w_i ← w_i · exp(s_i) / Σ_j w_j · exp(s_j)`` (the max is subtracted for stability)."""
    top = max(scores)
    raw = [w * math.exp(s - top) for w, s in zip(weights, scores, strict=True)]
    total = sum(raw)
    return [r / total for r in raw]


class DomainSampler:
    """Indices drawn domain-first by the *current* weights, so an update takes effect at once.

    ``weights`` is read at every draw (the method updates the list in place). Every process of a
    launch builds the same sampler with the same seed and the same weights, so they draw the same
    sequence and accelerate gives each its shard of it.
    """

    def __init__(
        self,
        domains: Sequence[str],
        order: Sequence[str],
        weights: list[float],
        seed: int,
    ) -> None:
        self.order = list(order)
        self.members = {d: [i for i, x in enumerate(domains) if x == d] for d in self.order}
        empty = [d for d, idx in self.members.items() if not idx]
        if empty:
            raise GciError(f"versatune: no training examples for domain(s) {', '.join(empty)}")
        self.weights = weights
        self.seed = seed
        self.epoch = 0
        self.num_samples = len(domains)
        self.drawn = dict.fromkeys(self.order, 0)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        rng = random.Random(self.seed * 1_000_003 + self.epoch)
        cycles: dict[str, list[int]] = {d: [] for d in self.order}
        for _ in range(self.num_samples):
            domain = rng.choices(self.order, weights=self.weights)[0]
            if not cycles[domain]:
                cycles[domain] = list(self.members[domain])
                rng.shuffle(cycles[domain])
            self.drawn[domain] += 1
            yield cycles[domain].pop()


def heldout_losses(
    model: Any, sets: Mapping[str, EncodedDataset], collator: Collator, batch_size: int
) -> dict[str, float]:
    """Mean answer-token cross-entropy of ``model`` on each domain's held-out examples."""
    import torch
    import torch.nn.functional as F

    from gci_bench.training.adapters import eval_mode

    device = next(p for p in model.parameters()).device
    out: dict[str, float] = {}
    with eval_mode(model), torch.no_grad():
        for domain, ds in sets.items():
            total, count = 0.0, 0
            for start in range(0, len(ds), batch_size):
                batch = collator([ds[i] for i in range(start, min(len(ds), start + batch_size))])
                logits = model(
                    input_ids=batch["input_ids"].to(device),
                    attention_mask=batch["attention_mask"].to(device),
                    use_cache=False,
                ).logits.float()
                labels = batch["labels"].to(device)[:, 1:]
                logits = logits[:, :-1]
                mask = labels != -100
                total += float(F.cross_entropy(logits[mask], labels[mask], reduction="sum"))
                count += int(mask.sum())
            out[domain] = total / max(count, 1)
    return out


@METHODS.register("versatune")
class VersaTune(Method):
    name = "versatune"
    summary = "domain sampling weights updated each round from held-out loss change vs. the base"

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        self.domains = list(config.domains)
        initial = list(config.versatune_weights or [1.0] * len(self.domains))
        self.weights = [w / sum(initial) for w in initial]
        self.initial = list(self.weights)
        self.base_losses: dict[str, float] | None = None
        self.history: list[dict[str, Any]] = []
        self._sampler: DomainSampler | None = None

    def training_examples(self, ctx: MethodContext) -> list[Example]:
        if self.config.val_size < 1:
            raise GciError("versatune needs held-out data for its weight rounds: --val-size >= 1")
        return super().training_examples(ctx) + list(ctx.general().pool)

    def sampler(self, dataset: EncodedDataset) -> DomainSampler:
        self._sampler = DomainSampler(dataset.domains, self.domains, self.weights, self.config.seed)
        return self._sampler

    def callbacks(self, ctx: MethodContext, trainer: Any) -> list[Any]:
        sets = {g: EncodedDataset.build(ctx.encoder, ctx.val[g]) for g in self.config.groups}
        sets["general"] = EncodedDataset.build(ctx.encoder, ctx.general().val)
        empty = [d for d, s in sets.items() if len(s) == 0]
        if empty:
            raise GciError(f"versatune: no held-out examples for {', '.join(empty)}")
        return [_rounds_callback(self, sets, trainer.data_collator)]

    # ------------------------------------------------------------------ rounds

    def start(self, model: Any, sets: Mapping[str, EncodedDataset], collator: Collator) -> None:
        """Measure the base losses (step 0: the model still computes the base)."""
        self.base_losses = heldout_losses(model, sets, collator, self.config.batch_size)
        self.history.append(
            {"step": 0, "losses": dict(self.base_losses), "weights": self._named(self.weights)}
        )

    def round(
        self, step: int, model: Any, sets: Mapping[str, EncodedDataset], collator: Collator
    ) -> None:
        """One VersaTune update from the current held-out losses."""
        assert self.base_losses is not None
        losses = heldout_losses(model, sets, collator, self.config.batch_size)
        scores = loss_scores(losses, self.base_losses)
        new = update_weights(self.weights, [scores[d] for d in self.domains])
        self.weights[:] = new  # in place: the sampler holds this list
        self.history.append(
            {
                "step": step,
                "losses": losses,
                "scores": scores,
                "weights": self._named(new),
            }
        )
        logger.info("versatune step %d weights %s", step, self._named(new))

    def _named(self, weights: Sequence[float]) -> dict[str, float]:
        return {d: round(float(w), 6) for d, w in zip(self.domains, weights, strict=True)}

    def state(self) -> dict[str, Any]:
        return {
            "weights": list(self.weights),
            "base_losses": self.base_losses,
            "history": self.history,
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        self.weights[:] = [float(w) for w in state["weights"]]
        self.base_losses = dict(state["base_losses"])
        self.history = list(state["history"])

    def pop_logs(self) -> dict[str, float]:
        return {f"weight_{d}": round(w, 4) for d, w in zip(self.domains, self.weights, strict=True)}

    def report(self) -> dict[str, Any]:
        return {
            "domains": self.domains,
            "initial_weights": self._named(self.initial),
            "final_weights": self._named(self.weights),
            "round_steps": self.config.versatune_round_steps,
            "base_losses": self.base_losses,
            "score": "s_i = (L_i - L_i^base) / L_i^base",
            "update": "w_i <- w_i * exp(s_i) / sum_j w_j * exp(s_j)",
            "history": self.history,
            "drawn_this_process": dict(self._sampler.drawn) if self._sampler else {},
        }


def _rounds_callback(
    method: VersaTune, sets: Mapping[str, EncodedDataset], collator: Collator
) -> Any:
    from transformers import TrainerCallback

    class Rounds(TrainerCallback):
        """Base losses at the start (or restored on resume), an update every K steps."""

        def on_train_begin(
            self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any
        ) -> None:
            if state.global_step > 0:
                saved = Path(args.output_dir) / f"checkpoint-{state.global_step}" / STATE_FILE
                if saved.is_file():
                    method.restore(json.loads(saved.read_text(encoding="utf-8")))
                    return
                logger.warning("versatune: %s missing; base losses measured again", saved)
            method.start(model, sets, collator)

        def on_step_end(
            self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any
        ) -> None:
            step = state.global_step
            if step % method.config.versatune_round_steps == 0 and step < state.max_steps:
                method.round(step, model, sets, collator)

        def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if state.is_world_process_zero and folder.is_dir():
                (folder / STATE_FILE).write_text(json.dumps(method.state()), encoding="utf-8")

    return Rounds()
