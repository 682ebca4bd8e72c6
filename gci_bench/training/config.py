"""What a training run can be told: one dataclass whose fields are the ``gci-bench train`` flags.

:class:`TrainConfig` is the single description of a run. ``gci-bench train`` derives one option
per field (``max_steps`` ↔ ``--max-steps``), ``training_manifest.json`` stores the same fields
under the same names as the run's hyper-parameters, and docs/training.md lists them. Checks live
in ``__post_init__`` so that a library caller gets the same one-line :class:`GciError` as the CLI.

Method-specific options (``replay_ratio``, ``rega_*``, ``versatune_*``, ``mixcpt_*``) are plain
fields too: one flat namespace keeps one name per concept, and a method simply ignores the fields
it does not read (``training_manifest.json`` records them all, so two runs can be compared).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from gci_bench.errors import GciError
from gci_bench.records import GROUPS

#: How the trainable weights are parameterised: a PEFT LoRA adapter, a gci-bench ALoRA adapter,
#: or all weights of the model (``none``: no adapter).
PEFT_KINDS: tuple[str, ...] = ("lora", "alora", "none")

#: Learning rates used when ``--lr`` is not given: adapters train a few freshly initialised
#: weights and take a large step; full fine-tuning moves pretrained weights and needs a small one.
DEFAULT_LR = {"lora": 2e-4, "alora": 2e-4, "none": 2e-5}

SCHEDULERS: tuple[str, ...] = ("linear", "cosine", "constant", "constant_with_warmup")
MIXED_PRECISION: tuple[str, ...] = ("auto", "no", "bf16", "fp16")

#: Fields that may differ between a run and its resumption: they change how long or how visibly
#: the run goes on, not what a step computes. Any other difference makes ``--resume`` refuse.
RESUMABLE_CHANGES = frozenset(
    {
        "max_steps",
        "epochs",
        "eval_steps",
        "logging_steps",
        "save_steps",
        "save_total_limit",
        "resume",
        "cache_dir",
    }
)


@dataclass
class TrainConfig:
    """One fine-tuning run of a causal LM on the train splits of a gci-bench build."""

    model: str | None = field(
        default=None,
        metadata={"help": "base model: a transformers model directory or a .gguf file (required)"},
    )
    out: Path | None = field(
        default=None,
        metadata={
            "help": "output directory: the adapter (or full model), tokenizer, trainer log, "
            "training_manifest.json and checkpoints/ (required)"
        },
    )
    data: Path = field(
        default=Path("gci-build"),
        metadata={"help": "build directory written by `gci-bench build`"},
    )
    method: str = field(
        default="lora",
        metadata={
            "help": "training method: full, lora, alora, rega, versatune, mixcpt or replay",
            "metavar": "METHOD",
        },
    )
    peft: str | None = field(
        default=None,
        metadata={
            "help": "parameterisation for rega/versatune/mixcpt/replay: lora, alora or none "
            "(all weights); fixed by the method for full/lora/alora (default: lora)",
            "choices": PEFT_KINDS,
        },
    )
    groups: tuple[str, ...] = field(
        default=GROUPS,
        metadata={"help": "task groups whose train split is used", "choices": GROUPS},
    )
    limit: int | None = field(
        default=None,
        metadata={
            "help": "at most N train records per group (a deterministic subset; for quick runs)"
        },
    )
    val_size: int = field(
        default=32,
        metadata={
            "help": "train records per group held out (deterministically) for the validation "
            "loss; 0 turns validation off"
        },
    )
    max_steps: int | None = field(
        default=None,
        metadata={"help": "optimizer steps to train for; overrides --epochs"},
    )
    epochs: float = field(default=1.0, metadata={"help": "passes over the training mix"})
    lr: float | None = field(
        default=None,
        metadata={
            "help": "peak learning rate (default: 2e-4 with an adapter, 2e-5 for all weights)"
        },
    )
    scheduler: str = field(
        default="linear",
        metadata={"help": "learning-rate schedule", "choices": SCHEDULERS},
    )
    warmup_steps: int = field(default=0, metadata={"help": "linear warm-up steps"})
    weight_decay: float = field(default=0.0, metadata={"help": "AdamW weight decay"})
    batch_size: int = field(default=4, metadata={"help": "examples per device and step"})
    grad_accum: int = field(
        default=1,
        metadata={"help": "micro-batches accumulated into one optimizer step"},
    )
    max_length: int = field(
        default=1024,
        metadata={
            "help": "tokens per example; longer prompts lose their beginning (as in eval), "
            "long answers their end"
        },
    )
    rank: int = field(default=8, metadata={"help": "adapter rank r (lora, alora)"})
    alpha: float = field(
        default=16.0, metadata={"help": "adapter scale numerator: updates are scaled by alpha/rank"}
    )
    dropout: float = field(default=0.0, metadata={"help": "dropout on the adapter input"})
    num_heads: int = field(
        default=2,
        metadata={"help": "heads of ALoRA's rank-space attention; must divide --rank"},
    )
    target_modules: tuple[str, ...] | None = field(
        default=None,
        metadata={
            "help": "layers to adapt (default: the attention projections the model has, "
            "q_proj k_proj v_proj o_proj or GPT-2's c_attn attn.c_proj)"
        },
    )
    chat_template: bool | None = field(
        default=None,
        metadata={
            "help": "wrap prompts in the tokenizer's chat template, as eval does (default: when "
            "the tokenizer has one)"
        },
    )
    seed: int = field(default=0, metadata={"help": "seed of adapter init, data order and mixing"})
    eval_steps: int = field(
        default=50, metadata={"help": "validation loss every N optimizer steps"}
    )
    logging_steps: int = field(default=10, metadata={"help": "log the training loss every N steps"})
    save_steps: int = field(
        default=100, metadata={"help": "write a resumable checkpoint every N steps"}
    )
    save_total_limit: int = field(
        default=2, metadata={"help": "checkpoints kept in OUT/checkpoints (oldest deleted first)"}
    )
    resume: bool | None = field(
        default=None,
        metadata={
            "help": "continue from the last checkpoint in OUT/checkpoints (default: when there "
            "is one; --no-resume refuses to start over a run that has checkpoints)"
        },
    )
    mixed_precision: str = field(
        default="auto",
        metadata={
            "help": "auto (bf16 on a GPU that has it, else none), no, bf16 or fp16",
            "choices": MIXED_PRECISION,
        },
    )
    general_data: Path | None = field(
        default=None,
        metadata={
            "help": "alpaca-zh style JSON file(s) of general instructions for replay, rega and "
            "versatune: a file or a directory of *.json (default: alpaca_zh/ in the build's "
            "raw corpus)"
        },
    )
    general_size: int = field(
        default=256,
        metadata={
            "help": "general instructions used: the replay/versatune pool, the prompts rega's "
            "base model answers"
        },
    )
    replay_ratio: float = field(
        default=0.2,
        metadata={"help": "replay: share of general examples in the training mix"},
    )
    rega_integration: float = field(
        default=0.2,
        metadata={
            "help": "rega: share of domain examples repeated under the central prompt (role "
            "integration)"
        },
    )
    rega_max_new_tokens: int = field(
        default=256,
        metadata={"help": "rega: new tokens the base model may generate per general answer"},
    )
    versatune_round_steps: int = field(
        default=50,
        metadata={"help": "versatune: optimizer steps per round (weights update after each)"},
    )
    versatune_weights: tuple[float, ...] | None = field(
        default=None,
        metadata={
            "help": "versatune: initial sampling weights, one per domain in the order of "
            "--groups then general (default: uniform)"
        },
    )
    mixcpt_lambda: float = field(
        default=1.0,
        metadata={"help": "mixcpt: weight λ of the KL(teacher ‖ student) term"},
    )
    cache_dir: Path | None = field(
        default=None,
        metadata={
            "help": "where rega's self-distilled answers are cached (default: "
            "$GCI_BENCH_CACHE/rega or ~/.cache/gci-bench/rega)"
        },
    )

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.out is None:
            problems.append("--out is required (the directory the run writes)")
        else:
            self.out = Path(self.out)
        self.data = Path(self.data)
        self.groups = tuple(self.groups)
        if self.general_data is not None:
            self.general_data = Path(self.general_data)
        if self.cache_dir is not None:
            self.cache_dir = Path(self.cache_dir)
        if self.target_modules is not None:
            self.target_modules = tuple(self.target_modules)
        if self.versatune_weights is not None:
            try:
                self.versatune_weights = tuple(float(w) for w in self.versatune_weights)
            except (TypeError, ValueError):
                problems.append(
                    f"--versatune-weights must be numbers, got {list(self.versatune_weights)}"
                )
                self.versatune_weights = None
        if not self.model:
            problems.append("--model is required (a transformers model directory or a .gguf file)")
        for g in self.groups:
            if g not in GROUPS:
                problems.append(f"--groups: unknown group {g!r} (expected {', '.join(GROUPS)})")
        if not self.groups:
            problems.append("--groups: at least one group is needed")
        if len(set(self.groups)) != len(self.groups):
            problems.append("--groups: a group is listed twice")
        if self.peft is not None and self.peft not in PEFT_KINDS:
            problems.append(f"--peft must be one of {', '.join(PEFT_KINDS)}, got {self.peft!r}")
        problems += _positive(self, "batch_size", "grad_accum", "max_length", "eval_steps")
        problems += _positive(self, "logging_steps", "save_steps", "save_total_limit")
        problems += _positive(self, "versatune_round_steps")
        problems += _positive(self, "rank", "num_heads", "general_size", "rega_max_new_tokens")
        if self.max_steps is not None and self.max_steps < 1:
            problems.append(f"--max-steps must be at least 1, got {self.max_steps}")
        if self.limit is not None and self.limit < 1:
            problems.append(f"--limit must be at least 1, got {self.limit}")
        for name in ("val_size", "warmup_steps"):
            if getattr(self, name) < 0:
                problems.append(f"{_flag(name)} must be >= 0, got {getattr(self, name)}")
        if not (self.epochs > 0 and math.isfinite(self.epochs)):
            problems.append(f"--epochs must be > 0, got {self.epochs}")
        if self.lr is not None and not (self.lr > 0 and math.isfinite(self.lr)):
            problems.append(f"--lr must be > 0, got {self.lr}")
        if not self.alpha > 0:
            problems.append(f"--alpha must be > 0, got {self.alpha}")
        if not 0.0 <= self.dropout < 1.0:
            problems.append(f"--dropout must be in [0, 1), got {self.dropout}")
        if self.weight_decay < 0:
            problems.append(f"--weight-decay must be >= 0, got {self.weight_decay}")
        if self.rank >= 1 and self.num_heads >= 1 and self.rank % self.num_heads:
            problems.append(f"--num-heads ({self.num_heads}) must divide --rank ({self.rank})")
        if self.target_modules is not None and not all(self.target_modules):
            problems.append("--target-modules: empty module name")
        if not 0.0 <= self.replay_ratio < 1.0:
            problems.append(f"--replay-ratio must be in [0, 1), got {self.replay_ratio}")
        if not 0.0 <= self.rega_integration <= 1.0:
            problems.append(f"--rega-integration must be in [0, 1], got {self.rega_integration}")
        if self.mixcpt_lambda < 0:
            problems.append(f"--mixcpt-lambda must be >= 0, got {self.mixcpt_lambda}")
        if self.versatune_weights is not None:
            want = len(self.groups) + 1
            if len(self.versatune_weights) != want:
                problems.append(
                    f"--versatune-weights: {len(self.versatune_weights)} values for {want} "
                    f"domains ({', '.join(self.domains)})"
                )
            elif not all(w > 0 and math.isfinite(w) for w in self.versatune_weights):
                problems.append("--versatune-weights must all be > 0")
        if self.scheduler not in SCHEDULERS:
            problems.append(f"--scheduler must be one of {', '.join(SCHEDULERS)}")
        if self.mixed_precision not in MIXED_PRECISION:
            problems.append(f"--mixed-precision must be one of {', '.join(MIXED_PRECISION)}")
        if problems:
            raise GciError("; ".join(problems))
        self._resolve_method()

    def _resolve_method(self) -> None:
        """Check the method name (suggesting close ones) and settle ``peft`` and ``lr``.

        ``full``, ``lora`` and ``alora`` *are* a parameterisation, so ``--peft`` may only repeat
        it; the recipes (rega, …) default to LoRA, the cheapest way to train a real model.
        """
        from gci_bench.training.methods import METHODS

        method = METHODS.get(self.method)
        fixed = method.fixed_peft
        if fixed is not None:
            if self.peft is not None and self.peft != fixed:
                raise GciError(
                    f"--method {self.method} trains {_describe(fixed)}; it cannot be combined "
                    f"with --peft {self.peft} (use --method {self.peft if self.peft != 'none' else 'full'}, "
                    "or a recipe such as replay with --peft)"
                )
            self.peft = fixed
        elif self.peft is None:
            self.peft = "lora"
        if self.lr is None:
            self.lr = DEFAULT_LR[self.peft]

    @property
    def domains(self) -> tuple[str, ...]:
        """The task groups and ``general``: the domains of VersaTune's sampling weights."""
        return (*self.groups, "general")

    def to_json(self) -> dict[str, Any]:
        """Every field, JSON-able (paths as strings, tuples as lists): the hyper-parameters."""
        out: dict[str, Any] = {}
        for k, v in asdict(self).items():
            if isinstance(v, Path):
                v = str(v)
            elif isinstance(v, tuple):
                v = list(v)
            out[k] = v
        return out

    def differences(self, saved: dict[str, Any]) -> list[str]:
        """Fields (outside :data:`RESUMABLE_CHANGES`) whose value differs from ``saved``."""
        now = self.to_json()
        return sorted(
            f.name
            for f in fields(self)
            if f.name not in RESUMABLE_CHANGES and f.name in saved and saved[f.name] != now[f.name]
        )


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _positive(cfg: TrainConfig, *names: str) -> list[str]:
    out = []
    for name in names:
        value = getattr(cfg, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            out.append(f"{_flag(name)} must be a positive integer, got {value!r}")
    return out


def _describe(peft: str) -> str:
    return {"lora": "a LoRA adapter", "alora": "an ALoRA adapter", "none": "all weights"}[peft]
