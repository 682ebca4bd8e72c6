"""``mixcpt``: logit-swap self-distillation from Mix-CPT (Jiang et al., arXiv 2407.10804).

The teacher is the frozen base model. At every answer position its logits are changed in one
place: the logit of its top-1 token and the logit of the gold token are swapped (nothing changes
where the base model already ranks the gold token first). The swapped distribution keeps the base
model's whole ranking of the other tokens — its general knowledge — while putting the gold token
on top. The loss is

    loss = CE(student, gold) + λ · KL(teacher ‖ student)

averaged over answer tokens (prompt and padding excluded), with λ = ``--mixcpt-lambda``.

With an adapter (``--peft lora|alora``) the teacher is the *same* model with the adapter
disabled, so no second copy is held in memory; with ``--peft none`` a frozen copy of the base
model is kept, since full fine-tuning moves the weights the teacher needs. The teacher runs
without dropout. Validation loss stays the plain answer-token CE, comparable with other methods.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from gci_bench.training.data import IGNORE_INDEX
from gci_bench.training.methods import METHODS, Method, MethodContext


def swap_top1_gold(logits: Any, gold: Any) -> Any:
    """``logits`` (…×V) with each row's top-1 logit and the gold token's logit exchanged.

    Where top-1 is the gold token both writes hit one entry with one value, so the row is
    unchanged, as the method requires.
    """
    top = logits.argmax(dim=-1, keepdim=True)
    gold = gold.unsqueeze(-1)
    top_val = logits.gather(-1, top)
    gold_val = logits.gather(-1, gold)
    out = logits.clone()
    out.scatter_(-1, top, gold_val)
    out.scatter_(-1, gold, top_val)
    return out


def kl_teacher_student(teacher_logits: Any, student_logits: Any) -> Any:
    """``KL(p_teacher ‖ p_student)`` per row (summed over the vocabulary)."""
    import torch.nn.functional as F

    log_p = F.log_softmax(teacher_logits.float(), dim=-1)
    log_q = F.log_softmax(student_logits.float(), dim=-1)
    return (log_p.exp() * (log_p - log_q)).sum(dim=-1)


def mixcpt_terms(student_logits: Any, teacher_logits: Any, labels: Any) -> tuple[Any, Any, int]:
    """Summed CE and KL over the answer tokens of a batch, and how many tokens there are.

    Logits at position t predict the token at t+1, so both are shifted against the labels.
    """
    import torch.nn.functional as F

    gold = labels[:, 1:]
    mask = gold != IGNORE_INDEX
    student = student_logits[:, :-1][mask].float()
    teacher = teacher_logits[:, :-1][mask].float()
    gold = gold[mask]
    ce = F.cross_entropy(student, gold, reduction="sum")
    kl = kl_teacher_student(swap_top1_gold(teacher, gold), student).sum()
    return ce, kl, int(mask.sum())


@METHODS.register("mixcpt")
class MixCpt(Method):
    name = "mixcpt"
    summary = "CE + λ·KL to the base model's logits with top-1 and gold swapped (self-distillation)"

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        self.teacher: Any = None  # a frozen base copy, only for --peft none
        self._sums = {"ce": 0.0, "kl": 0.0, "tokens": 0}

    def prepare_model(self, model: Any, ctx: MethodContext) -> Any:
        if self.param.name == "none":
            self.teacher = copy.deepcopy(model).eval()
            for p in self.teacher.parameters():
                p.requires_grad = False
        return super().prepare_model(model, ctx)

    def _teacher_logits(self, trainer: Any, inputs: dict[str, Any]) -> Any:
        import torch

        from gci_bench.training.adapters import eval_mode

        unwrapped = trainer.accelerator.unwrap_model(trainer.model)
        if self.teacher is not None:
            self.teacher.to(inputs["input_ids"].device)
            net, off = self.teacher, contextlib.nullcontext()
        else:
            net, off = unwrapped, self.param.base_context(unwrapped)
        with torch.no_grad(), eval_mode(net), off:
            return net(
                input_ids=inputs["input_ids"],
                attention_mask=inputs["attention_mask"],
                use_cache=False,  # one full pass; no key/value cache worth keeping
            ).logits.detach()

    def compute_loss(
        self, trainer: Any, model: Any, inputs: dict[str, Any], num_items_in_batch: Any
    ) -> tuple[Any, Any]:
        teacher = self._teacher_logits(trainer, inputs)
        outputs = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"])
        ce, kl, n = mixcpt_terms(outputs.logits, teacher, inputs["labels"])
        # The Trainer treats a loss as normalised over the whole accumulated batch when the model
        # takes loss kwargs and it passed a token count; otherwise it divides by the accumulation
        # steps itself, and a per-micro-batch mean is what it expects.
        if trainer.model_accepts_loss_kwargs and num_items_in_batch is not None:
            denom = (
                num_items_in_batch.to(ce.device)
                if hasattr(num_items_in_batch, "to")
                else num_items_in_batch
            )
        else:
            denom = max(n, 1)
        loss = (ce + self.config.mixcpt_lambda * kl) / denom
        self._sums["ce"] += float(ce.detach())
        self._sums["kl"] += float(kl.detach())
        self._sums["tokens"] += n
        return loss, outputs

    def pop_logs(self) -> dict[str, float]:
        n = self._sums["tokens"]
        if not n:
            return {}
        logs = {"ce": self._sums["ce"] / n, "kl": self._sums["kl"] / n}
        self._sums = {"ce": 0.0, "kl": 0.0, "tokens": 0}
        return logs

    def report(self) -> dict[str, Any]:
        return {
            "mixcpt_lambda": self.config.mixcpt_lambda,
            "teacher": "frozen copy of the base model"
            if self.teacher is not None
            else f"the same model with its {self.param.name} adapter disabled",
            "loss": "CE + lambda * KL(teacher || student) over answer tokens",
        }
