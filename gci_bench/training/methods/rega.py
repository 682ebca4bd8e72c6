"""``rega``: RolE prompting Guided multi-domain Adaptation (Wang et al., Findings of NAACL 2024).

Three parts, as the paper describes them:

- **self-distillation**: the *base* model answers ``--general-size`` general instructions
  (alpaca-zh); those (instruction, own answer) pairs are trained on with the domain data, so the
  general behaviour the model already had is rehearsed in its own words. The answers are generated
  once and cached (keyed by the base model, the prompts and the decoding settings);
- **role prompting**: every domain example is prefixed with its task group's role prompt
  (:data:`ROLE_PROMPTS`), general examples with the central prompt (:data:`CENTRAL_PROMPT`);
- **role integration**: a share ``--rega-integration`` of each group's domain examples is
  repeated under the central prompt, which teaches the central prompt to cover the domains. Only
  the central prompt is used at inference: it is recorded in ``training_manifest.json``
  (``prompt.system_prompt``) for eval to put before every question, and validation uses it too.

Our choices (the paper leaves them open or works in other languages): the wording of the prompts,
the prompt as a prefix of the user message (see :func:`gci_bench.prompts.with_role`), greedy
decoding for the self-distilled answers, and a per-group integration share.
"""

from __future__ import annotations

import json
import logging
import os
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gci_bench.prompts import with_role
from gci_bench.training.data import Example
from gci_bench.training.methods import METHODS, Method, MethodContext

logger = logging.getLogger(__name__)

#: The role prompt of each task group (used in training only).
ROLE_PROMPTS: dict[str, str] = {
    "computation": "你是法律计算助手：先准确回忆相关的法律条文，再据此完成数值计算，给出最终数值答案。",
    "safety": "你是恪守法律与职业伦理的法律助手：识别违法犯罪请求并依法拒绝，对正当的法律问题如实解答。",
    "summarization": "你是法律文书摘要助手：准确概括案情，写明罪名、适用的法律条文和判处的刑罚等要素。",
}

#: The central prompt: general data, integration copies, validation and inference.
CENTRAL_PROMPT = "你是一名中文法律助手，能够把法律知识与计算、安全伦理、文本概括等通用能力结合起来，准确回答问题。"


def assign_roles(
    domain: Sequence[Example], general: Sequence[Example], share: float, seed: int
) -> list[Example]:
    """The REGA training mix: role-prompted domain data, central-prompted integration copies of
    ``share`` of each group's examples (seeded choice), and central-prompted general data."""
    out = [
        Example(e.id, e.domain, with_role(ROLE_PROMPTS[e.domain], e.user_text), e.answer)
        for e in domain
    ]
    rng = random.Random(seed)
    for group in sorted({e.domain for e in domain}):
        members = [e for e in domain if e.domain == group]
        for e in rng.sample(members, round(share * len(members))):
            out.append(
                Example(
                    f"{e.id}#central", e.domain, with_role(CENTRAL_PROMPT, e.user_text), e.answer
                )
            )
    out += [
        Example(e.id, e.domain, with_role(CENTRAL_PROMPT, e.user_text), e.answer) for e in general
    ]
    random.Random(seed + 1).shuffle(out)
    return out


def cache_root(config_dir: Path | None) -> Path:
    """``--cache-dir``, else ``$GCI_BENCH_CACHE/rega``, else ``~/.cache/gci-bench/rega``."""
    if config_dir is not None:
        return Path(config_dir)
    base = os.environ.get("GCI_BENCH_CACHE")
    return (Path(base) if base else Path.home() / ".cache" / "gci-bench") / "rega"


def self_distill(
    ctx: MethodContext, prompts: Sequence[Example], cache_file: Path, batch_size: int
) -> dict[str, str]:
    """The base model's greedy answers to ``prompts`` by example id, generated once and cached.

    Answers are appended to ``cache_file`` batch by batch, so an interrupted run keeps what it has
    generated and the next run only generates the rest.
    """
    import torch

    done: dict[str, str] = {}
    if cache_file.is_file():
        for line in cache_file.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
                done[str(row["id"])] = str(row["output"])
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a line cut by a killed run; it is generated again
    todo = [p for p in prompts if p.id not in done]
    if not todo:
        return done
    tokenizer, model, encoder = ctx.tokenizer, ctx.base_model, ctx.encoder
    model.to(ctx.device)
    was_training = model.training
    model.eval()
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"  # generation continues every prompt from its last token
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        with cache_file.open("a", encoding="utf-8") as fh:
            for start in range(0, len(todo), batch_size):
                batch = todo[start : start + batch_size]
                ctx.status(f"rega: base model answers general prompts {start}/{len(todo)}")
                ids = [encoder.prompt_ids(p.user_text)[-encoder.max_length :] for p in batch]
                enc = tokenizer.pad({"input_ids": ids}, padding=True, return_tensors="pt").to(
                    ctx.device
                )
                with torch.inference_mode():
                    out = model.generate(
                        input_ids=enc["input_ids"],
                        attention_mask=enc["attention_mask"],
                        max_new_tokens=ctx.config.rega_max_new_tokens,
                        do_sample=False,
                        num_beams=1,
                        temperature=None,
                        top_p=None,
                        top_k=None,
                        pad_token_id=tokenizer.pad_token_id,
                    )
                texts = tokenizer.batch_decode(
                    out[:, enc["input_ids"].shape[1] :], skip_special_tokens=True
                )
                for p, text in zip(batch, texts, strict=True):
                    done[p.id] = text.strip()
                    fh.write(json.dumps({"id": p.id, "output": done[p.id]}, ensure_ascii=False))
                    fh.write("\n")
                fh.flush()
    finally:
        tokenizer.padding_side = side
        model.train(was_training)
    return done


@METHODS.register("rega")
class Rega(Method):
    name = "rega"
    summary = "self-distilled general replay + role prompts + role integration (central prompt)"

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        self._report: dict[str, Any] = {}

    def training_examples(self, ctx: MethodContext) -> list[Example]:
        from gci_bench.models.base import json_hash

        domain = super().training_examples(ctx)
        prompts = ctx.general().pool
        key = json_hash(
            {
                "base": ctx.base_fingerprint,
                "prompts": [p.id for p in prompts],
                "max_new_tokens": self.config.rega_max_new_tokens,
                "chat_template": ctx.chat_template,
                "max_length": self.config.max_length,
                "decoding": "greedy",
            }
        )[:20]
        cache_file = cache_root(self.config.cache_dir) / f"{key}.jsonl"
        with ctx.main_process_first():
            answers = self_distill(ctx, prompts, cache_file, self.config.batch_size)
        general = [
            Example(p.id, "general", p.user_text, answers[p.id])
            for p in prompts
            if answers.get(p.id)
        ]
        mixed = assign_roles(domain, general, self.config.rega_integration, self.config.seed)
        self._report = {
            "role_prompts": dict(ROLE_PROMPTS),
            "central_prompt": CENTRAL_PROMPT,
            "domain_examples": len(domain),
            "integration_examples": sum(e.id.endswith("#central") for e in mixed),
            "self_distilled_examples": len(general),
            "empty_answers_dropped": len(prompts) - len(general),
            "self_distill_cache": str(cache_file),
            "rega_integration": self.config.rega_integration,
        }
        return mixed

    def validation_examples(self, ctx: MethodContext) -> list[Example]:
        """Validation under the central prompt: the prompt the model is evaluated with."""
        return [
            Example(e.id, e.domain, with_role(CENTRAL_PROMPT, e.user_text), e.answer)
            for e in super().validation_examples(ctx)
        ]

    def inference_prompt(self) -> str | None:
        return CENTRAL_PROMPT

    def report(self) -> dict[str, Any]:
        return dict(self._report)
