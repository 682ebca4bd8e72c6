"""Which weights a run trains: a PEFT LoRA adapter, a gci-bench ALoRA adapter, or all of them.

Every training method trains through one of these three *parameterisations* (``--peft``). Each
knows how to wrap the base model, how to save what was trained so that ``gci-bench eval`` reads it
(``--adapter OUT`` for the adapters, ``--model OUT`` for full fine-tuning), how to put a
checkpoint's weights back on resume, and how to run the model *without* the adapter — the base
model, for free — which Mix-CPT uses as its teacher.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from gci_bench.errors import GciError

logger = logging.getLogger(__name__)

#: Safetensors file names written by PEFT and ALoRA adapters and by full models.
ADAPTER_WEIGHTS = "adapter_model.safetensors"


def resolve_target_modules(model: Any, requested: tuple[str, ...] | None) -> list[str]:
    """The target-module names to adapt, checked against the model's layers.

    By default, the attention projections of whichever family the model is (Llama/Qwen/Gemma
    ``q_proj`` … or GPT-2's ``c_attn`` / ``attn.c_proj``), keeping only the names that exist in
    this model: an absent name would make one adapter library fail and the other skip it silently.
    A name the user gave that matches nothing is an error.
    """
    from torch import nn
    from transformers.pytorch_utils import Conv1D

    from gci_bench.alora.config import DEFAULT_TARGET_MODULES

    linear = [n for n, m in model.named_modules() if n and isinstance(m, nn.Linear | Conv1D)]

    def matches(target: str) -> bool:
        return any(n == target or n.endswith("." + target) for n in linear)

    if requested is None:
        found = [t for t in DEFAULT_TARGET_MODULES if matches(t)]
        if not found:
            raise GciError(
                f"{type(model).__name__} has none of the default target modules "
                f"({', '.join(DEFAULT_TARGET_MODULES)}); pass --target-modules"
            )
        return found
    missing = [t for t in requested if not matches(t)]
    if missing:
        sample = sorted({n.rsplit(".", 1)[-1] for n in linear})[:12]
        raise GciError(
            f"--target-modules {' '.join(missing)}: no linear layer of {type(model).__name__} "
            f"has that name (its linear layers end in: {', '.join(sample)})"
        )
    return list(requested)


class Parameterization:
    """How the trainable weights are laid out; one subclass per ``--peft`` value."""

    name: ClassVar[str]
    #: ``adapter``: OUT is an adapter directory for ``eval --adapter``; ``model``: a model
    #: directory for ``eval --model``.
    output_kind: ClassVar[str] = "adapter"

    def wrap(self, model: Any, config: Any) -> Any:
        """The model to train (base weights frozen unless this is full fine-tuning)."""
        raise NotImplementedError

    def save(self, model: Any, directory: Path) -> None:
        """Write what was trained to ``directory`` (``model`` is unwrapped from DDP)."""
        model.save_pretrained(str(directory))

    def load_checkpoint(self, model: Any, checkpoint: Path) -> bool:
        """Restore a checkpoint's trained weights; False leaves it to transformers' Trainer."""
        return False

    def base_context(self, model: Any) -> contextlib.AbstractContextManager[None] | None:
        """A context in which ``model`` computes the base model, or None if it cannot."""
        return None

    def describe(self, model: Any) -> dict[str, Any]:
        """What the manifest records about the trained weights."""
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        total = sum(p.numel() for p in model.parameters())
        return {"peft": self.name, "trainable_parameters": trainable, "total_parameters": total}


class LoraParameterization(Parameterization):
    """LoRA through ``peft`` (r = ``--rank``, lora_alpha = ``--alpha``); saved as PEFT saves it."""

    name = "lora"

    def wrap(self, model: Any, config: Any) -> Any:
        from peft import LoraConfig, get_peft_model

        targets = resolve_target_modules(model, config.target_modules)
        lora = LoraConfig(
            r=config.rank,
            lora_alpha=config.alpha,
            lora_dropout=config.dropout,
            target_modules=targets,
            task_type="CAUSAL_LM",
            bias="none",
        )
        return get_peft_model(model, lora)

    def base_context(self, model: Any) -> contextlib.AbstractContextManager[None]:
        return model.disable_adapter()

    def describe(self, model: Any) -> dict[str, Any]:
        out = super().describe(model)
        cfg = model.peft_config["default"]
        out["target_modules"] = sorted(cfg.target_modules)
        out["adapter_type"] = "LORA"
        return out


class AloraParameterization(Parameterization):
    """ALoRA through :mod:`gci_bench.alora`; checkpoints hold the adapter weights only."""

    name = "alora"

    def wrap(self, model: Any, config: Any) -> Any:
        from gci_bench.alora import AloraConfig, get_alora_model

        targets = resolve_target_modules(model, config.target_modules)
        alora = AloraConfig(
            r=config.rank,
            alpha=config.alpha,
            num_heads=config.num_heads,
            dropout=config.dropout,
            target_modules=targets,
        )
        return get_alora_model(model, alora)

    def load_checkpoint(self, model: Any, checkpoint: Path) -> bool:
        """Copy the checkpoint's adapter weights into the live layers (keeping the optimizer's
        parameter objects, which a fresh ``AloraModel.from_pretrained`` would replace)."""
        import torch
        from safetensors.torch import load_file

        path = checkpoint / ADAPTER_WEIGHTS
        if not path.is_file():
            raise GciError(f"{checkpoint}: not an ALoRA checkpoint ({ADAPTER_WEIGHTS} missing)")
        saved = load_file(str(path))
        own = model.adapter_state_dict()
        if set(saved) != set(own):
            raise GciError(
                f"{path}: adapter weights do not match this run's adapter (was the checkpoint "
                "written with another --rank, --target-modules or base model?)"
            )
        with torch.no_grad():
            for key, param in own.items():
                param.copy_(saved[key].to(param.device, param.dtype))
        return True

    def base_context(self, model: Any) -> contextlib.AbstractContextManager[None]:
        return model.disable_adapter()

    def describe(self, model: Any) -> dict[str, Any]:
        out = super().describe(model)
        out["target_modules"] = list(model.alora_config.target_modules)
        out["adapter_type"] = model.alora_config.adapter_type
        return out


class FullParameterization(Parameterization):
    """All weights trainable; OUT becomes a complete model directory."""

    name = "none"
    output_kind = "model"

    def wrap(self, model: Any, config: Any) -> Any:
        for p in model.parameters():
            p.requires_grad = True
        return model


_KINDS: dict[str, type[Parameterization]] = {
    cls.name: cls for cls in (LoraParameterization, AloraParameterization, FullParameterization)
}


def parameterization(name: str) -> Parameterization:
    """The parameterisation for a ``--peft`` value (already validated by TrainConfig)."""
    try:
        return _KINDS[name]()
    except KeyError:
        raise GciError(f"--peft must be one of {', '.join(_KINDS)}, got {name!r}") from None


@contextlib.contextmanager
def eval_mode(model: Any) -> Iterator[None]:
    """Run ``model`` without dropout for a moment, then restore its train/eval state."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)
