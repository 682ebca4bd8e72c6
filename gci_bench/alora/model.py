"""Putting ALoRA into a transformers causal LM: injection, the call context, save/load, disable.

:class:`AloraModel` wraps the base model, replaces every target linear layer with an
:class:`~gci_bench.alora.layer.AloraLinear`, and freezes all base weights. The adapted layers need
to know, for each call, which tokens are padding and how many tokens their key/value caches
already hold; transformers never passes that to a linear layer. So a forward pre-hook on the base
model reads ``attention_mask`` / ``past_key_values`` / ``use_cache`` of every call — the wrapper's
own ``forward`` and each step of ``generate`` alike — and writes them into one
:class:`~gci_bench.alora.layer.AloraCallContext` that all adapted layers share.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers.pytorch_utils import Conv1D

from gci_bench.alora.config import ADAPTER_TYPE, AloraConfig
from gci_bench.alora.layer import AloraCallContext, AloraLinear
from gci_bench.errors import GciError

logger = logging.getLogger(__name__)

CONFIG_NAME = "adapter_config.json"
WEIGHTS_NAME = "adapter_model.safetensors"

# Config keys that say nothing about which weights a model has (they change with the
# transformers version, the load dtype or the runtime options), left out of the fingerprint.
_VOLATILE_CONFIG_KEYS = frozenset(
    {
        "transformers_version",
        "torch_dtype",
        "dtype",
        "use_cache",
        "architectures",
        "output_attentions",
        "output_hidden_states",
        "return_dict",
    }
)


def base_model_fingerprint(model: nn.Module) -> str:
    """A string that identifies the base model an adapter was trained on.

    The model's hub name or path when it has one (it tells a base model from its instruct variant,
    which share a config); otherwise a hash of the architecture config (a model built from a
    config in a test or benchmark has no name).
    """
    config = getattr(model, "config", None)
    name = getattr(config, "_name_or_path", "") or getattr(model, "name_or_path", "")
    if name:
        return str(name)
    if config is None or not hasattr(config, "to_dict"):
        return type(model).__name__
    data = {
        k: v
        for k, v in config.to_dict().items()
        if not k.startswith("_") and k not in _VOLATILE_CONFIG_KEYS
    }
    blob = json.dumps(data, sort_keys=True, default=str).encode()
    digest = hashlib.sha256(blob).hexdigest()[:16]
    return f"{data.get('model_type', 'model')}-config-{digest}"


def _past_length(past: Any) -> int:
    """Tokens held by a transformers cache (a Cache object, legacy tuples, or None)."""
    if past is None:
        return 0
    if hasattr(past, "get_seq_length"):
        return int(past.get_seq_length())
    try:
        return int(past[0][0].shape[-2])
    except (TypeError, IndexError, AttributeError):
        return 0


def _matches(name: str, targets: list[str]) -> bool:
    return any(name == t or name.endswith("." + t) for t in targets)


class AloraModel(nn.Module):
    """A causal LM with ALoRA adapters in its target layers; base weights frozen.

    ``forward``, ``generate`` and any attribute not defined here go to the base model, so the
    wrapper can stand in for it in a training loop or an evaluation backend.
    """

    def __init__(self, model: nn.Module, config: AloraConfig) -> None:
        super().__init__()
        if isinstance(model, AloraModel) or any(
            isinstance(m, AloraLinear) for m in model.modules()
        ):
            raise GciError("this model already has ALoRA layers; adapt the base model once")
        if config.base_model is None:
            config = replace(config, base_model=base_model_fingerprint(model))
        self.base_model = model
        self.alora_config = config
        self._context = AloraCallContext()
        self._alora_layers: dict[str, AloraLinear] = {}
        self._inject()
        # by object, not name: injection renames q_proj.weight to q_proj.base_layer.weight
        self._base_requires_grad: list[tuple[nn.Parameter, bool]] = []
        for name, param in self.base_model.named_parameters():
            if ".alora_" not in name:
                self._base_requires_grad.append((param, param.requires_grad))
                param.requires_grad = False
        signature = inspect.signature(model.forward).parameters.values()
        self._positional = [
            p.name for p in signature if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        self._hook = model.register_forward_pre_hook(self._before_call, with_kwargs=True)

    # ------------------------------------------------------------------ injection

    def _inject(self) -> None:
        targets = self.alora_config.target_modules
        found = [(n, m) for n, m in self.base_model.named_modules() if n and _matches(n, targets)]
        if not found:
            raise GciError(
                f"no module of {type(self.base_model).__name__} matches target_modules "
                f"{targets}; pass the names of its attention projections"
            )
        for name, module in found:  # check all before changing any: no half-adapted model
            if not isinstance(module, nn.Linear | Conv1D):
                raise GciError(
                    f"target module {name!r} is a {type(module).__name__}; ALoRA adapts "
                    "nn.Linear and GPT-2 Conv1D layers only"
                )
        for name, module in found:
            parent_name, _, child = name.rpartition(".")
            parent = self.base_model.get_submodule(parent_name) if parent_name else self.base_model
            layer = AloraLinear(module, self.alora_config, self._context)
            setattr(parent, child, layer)
            self._alora_layers[name] = layer

    # ------------------------------------------------------------------ the call context

    def _before_call(
        self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        """Read this call's mask, cache and use_cache into the shared context.

        ``past_len`` is the length of ``attention_mask`` minus the new tokens: transformers passes
        the full mask (past + current) at every generation step, so this tells a decode step
        (append to the rank-space caches) from a fresh call (``past_len == 0``: layers start
        over). ``generate`` drops an all-ones mask; then the base cache's own length (tokens seen
        so far, also for sliding-window layers) is used, and no cache means a fresh call.
        """
        inputs = dict(zip(self._positional, args, strict=False))
        inputs.update(kwargs)
        ref = inputs.get("input_ids")
        if ref is None:
            ref = inputs.get("inputs_embeds")
        if ref is None:
            self._context.active = False
            return
        batch, q_len = int(ref.shape[0]), int(ref.shape[1])
        mask = inputs.get("attention_mask")
        past = inputs.get("cache")  # transformers 5 name; "past_key_values" before
        if past is None:
            past = inputs.get("past_key_values")
        key_mask: torch.Tensor | None = None
        if mask is not None:
            if not isinstance(mask, torch.Tensor) or mask.dim() != 2:
                shape = tuple(mask.shape) if isinstance(mask, torch.Tensor) else type(mask).__name__
                raise GciError(
                    f"ALoRA needs a 2-D attention_mask (batch × past+current tokens, 1 = real "
                    f"token); got {shape}. A static or compiled cache passes 4-D masks: use the "
                    "default dynamic cache"
                )
            past_len = int(mask.shape[1]) - q_len
            if past_len < 0:
                raise GciError(
                    f"attention_mask covers {mask.shape[1]} tokens but the input has {q_len}"
                )
            key_mask = mask.to(device=ref.device, dtype=torch.bool)
            if bool(key_mask.all()):
                key_mask = None  # no padding: layers take the mask-free fast path
        else:
            past_len = _past_length(past)
        use_cache = inputs.get("use_cache")
        if use_cache is None:
            use_cache = getattr(getattr(module, "config", None), "use_cache", True)
        store = (bool(use_cache) or past is not None) and not module.training
        if store and past is not None:
            self._follow_reorders(past)
        self._context.set(
            batch=batch,
            q_len=q_len,
            past_len=past_len,
            key_mask=key_mask,
            store=store,
            device=ref.device,
        )

    def _follow_reorders(self, past: Any) -> None:
        """Make beam search's ``past_key_values.reorder_cache`` reorder the rank-space caches too.

        Beam search keeps some beams and duplicates others by reordering the base model's cache
        object; the adapter's caches must follow or they would pair a beam with another beam's
        history. The hook is set on that one cache object, once.
        """
        reorder = getattr(past, "reorder_cache", None)
        if reorder is None or getattr(past, "_gci_alora_follows", None) is self._context:
            return
        layers = list(self._alora_layers.values())

        def reorder_cache(beam_idx: torch.Tensor) -> Any:
            result = reorder(beam_idx)
            for layer in layers:
                layer.reorder_cache(beam_idx)
            return result

        try:
            past.reorder_cache = reorder_cache
            past._gci_alora_follows = self._context
        except AttributeError:  # a cache type with __slots__: beam search would go wrong
            logger.warning("cannot follow beam reorders of %s", type(past).__name__)

    # ------------------------------------------------------------------ forwarding

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The base model's forward; the pre-hook supplies the adapters' mask and cache state."""
        return self.base_model(*args, **kwargs)

    def generate(self, *args: Any, **kwargs: Any) -> Any:
        """The base model's ``generate``; each step goes through the same pre-hook."""
        return self.base_model.generate(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name == "base_model":
                raise
            return getattr(self.base_model, name)

    def get_base_model(self) -> nn.Module:
        """The wrapped model (with the adapter layers in it)."""
        return self.base_model

    @property
    def alora_layers(self) -> dict[str, AloraLinear]:
        """Adapted layers by their dotted name in the base model."""
        return dict(self._alora_layers)

    # ------------------------------------------------------------------ adapter on/off

    @contextlib.contextmanager
    def disable_adapter(self) -> Iterator[None]:
        """Inside the block every adapted layer computes ``W0·x`` only: outputs equal the base.

        Used e.g. as the frozen teacher in Mix-CPT self-distillation, without a second model copy.
        """
        previous = {name: layer.disabled for name, layer in self._alora_layers.items()}
        for layer in self._alora_layers.values():
            layer.disabled = True
        try:
            yield
        finally:
            for name, layer in self._alora_layers.items():
                layer.disabled = previous[name]

    def merge_and_unload(self) -> nn.Module:
        """Always raises: ALoRA's update is not a matrix that can be added to ``W0``."""
        raise GciError(
            "ALoRA adapters cannot be merged: the update B·(z + MHA(z)) attends over the "
            "preceding tokens, so it depends on the context and is not a fixed matrix that can "
            "be folded into W0. Keep the AloraModel wrapper (or use unload() to drop the adapter)"
        )

    def unload(self) -> nn.Module:
        """Put the original layers back, detach the hook, restore the base weights' requires_grad
        flags, and return the plain base model."""
        for name, layer in self._alora_layers.items():
            parent_name, _, child = name.rpartition(".")
            parent = self.base_model.get_submodule(parent_name) if parent_name else self.base_model
            setattr(parent, child, layer.base_layer)
        self._alora_layers.clear()
        self._hook.remove()
        for param, flag in self._base_requires_grad:
            param.requires_grad = flag
        return self.base_model

    def reset_cache(self) -> None:
        """Drop every layer's rank-space key/value cache (a fresh call does this by itself)."""
        for layer in self._alora_layers.values():
            layer.reset_cache()

    # ------------------------------------------------------------------ parameters

    def adapter_state_dict(self) -> dict[str, torch.Tensor]:
        """Adapter weights only, keyed ``<layer name>.alora_<A|B|qkv|o>``."""
        state: dict[str, torch.Tensor] = {}
        for name, layer in self._alora_layers.items():
            for pname, param in layer.named_parameters():
                if pname.startswith("alora_"):
                    state[f"{name}.{pname}"] = param
        return state

    def num_trainable_parameters(self) -> int:
        """Parameters that receive gradients (the adapters, unless the base was unfrozen)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def print_trainable_parameters(self) -> None:
        """Print trainable / total parameter counts (the one printing method, for PEFT parity)."""
        trainable = self.num_trainable_parameters()
        total = sum(p.numel() for p in self.parameters())
        print(
            f"trainable params: {trainable:,} || all params: {total:,} "
            f"|| trainable%: {100 * trainable / max(total, 1):.4f}"
        )

    # ------------------------------------------------------------------ save / load

    def save_pretrained(self, directory: str | Path) -> None:
        """Write ``adapter_config.json`` and ``adapter_model.safetensors`` (adapter weights only)."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        (out / CONFIG_NAME).write_text(
            json.dumps(self.alora_config.to_dict(), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        tensors = {k: v.detach().cpu().contiguous() for k, v in self.adapter_state_dict().items()}
        save_file(tensors, str(out / WEIGHTS_NAME), metadata={"format": "pt", "type": ADAPTER_TYPE})

    @classmethod
    def from_pretrained(
        cls,
        model: nn.Module,
        directory: str | Path,
        *,
        is_trainable: bool = False,
        base_model: str | None = None,
    ) -> AloraModel:
        """Load an adapter saved by :meth:`save_pretrained` onto ``model``.

        Refuses (GciError) when a file is missing, the directory holds another adapter type, the
        adapter was trained on another base (compared with ``base_model`` if given, else with the
        model's fingerprint) or a weight is missing or has the wrong shape. ``is_trainable=False``
        loads the adapter frozen, for inference.
        """
        src = Path(directory)
        config_path, weights_path = src / CONFIG_NAME, src / WEIGHTS_NAME
        for path in (config_path, weights_path):
            if not path.is_file():
                raise GciError(f"{path}: missing; not an ALoRA adapter directory")
        try:
            data = json.loads(config_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise GciError(f"{config_path}: cannot read adapter config ({exc})") from None
        if not isinstance(data, dict) or data.get("adapter_type") != ADAPTER_TYPE:
            found = None
            if isinstance(data, dict):
                found = data.get("adapter_type") or data.get("peft_type")
            raise GciError(
                f"{config_path}: adapter type {found!r}, expected {ADAPTER_TYPE!r} "
                "(PEFT's 'aLoRA' is Activated LoRA, a different method)"
            )
        config = AloraConfig.from_dict(data)
        identity = base_model or base_model_fingerprint(model)
        if config.base_model is not None and config.base_model != identity:
            raise GciError(
                f"{config_path}: adapter was trained on base model {config.base_model!r}, but "
                f"this model is {identity!r}; load it onto the base it was trained on (or pass "
                "base_model=... if this is the same model under another name)"
            )
        wrapper = cls(model, config)
        try:
            saved = load_file(str(weights_path))
        except Exception as exc:  # safetensors raises its own error types
            raise GciError(f"{weights_path}: cannot read adapter weights ({exc})") from None
        own = wrapper.adapter_state_dict()
        missing, unexpected = sorted(set(own) - set(saved)), sorted(set(saved) - set(own))
        if missing or unexpected:
            wrapper.unload()
            raise GciError(
                f"{weights_path}: weights do not fit this model (missing {missing[:3]}, "
                f"unexpected {unexpected[:3]})"
            )
        with torch.no_grad():
            for key, param in own.items():
                if saved[key].shape != param.shape:
                    wrapper.unload()
                    raise GciError(
                        f"{weights_path}: {key} has shape {tuple(saved[key].shape)}, the model "
                        f"needs {tuple(param.shape)}"
                    )
                param.copy_(saved[key])
                param.requires_grad = is_trainable
        return wrapper


def get_alora_model(model: nn.Module, config: AloraConfig | None = None) -> AloraModel:
    """Wrap ``model`` with fresh ALoRA adapters (outputs equal the base until B is trained)."""
    return AloraModel(model, config if config is not None else AloraConfig())
