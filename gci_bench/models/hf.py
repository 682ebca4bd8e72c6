"""``hf`` backend: a local transformers causal LM, batched greedy decoding.

Prompts are tokenized once, sorted by length (longest first, so an out-of-memory batch shows up
at once and batches hold similar lengths with little padding), left-padded and decoded greedily.
Left padding with an attention mask keeps every sequence's last real token at the same position,
so padding does not change a greedy answer: ``--batch-size 1`` and ``8`` give the same outputs
(tested). Outputs are returned in the caller's order.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gci_bench.errors import GciError
from gci_bench.models.base import (
    BACKENDS,
    Backend,
    GenerationSettings,
    ModelSpec,
    OnBatch,
    Prompt,
    dir_fingerprint,
    file_identity,
    json_hash,
    quiet_transformers,
)
from gci_bench.prompts import has_chat_template, render

logger = logging.getLogger(__name__)

_DTYPES = ("float32", "bfloat16", "float16")


def resolve_device(name: str) -> str:
    """``auto`` → cuda when available, else mps, else cpu; anything else is passed on."""
    import torch

    if name != "auto":
        if name.startswith("cuda") and not torch.cuda.is_available():
            raise GciError(f"--device {name}: CUDA is not available on this machine")
        return name
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def resolve_dtype(name: str, device: str) -> Any:
    """``auto`` → bfloat16 on a GPU that supports it (float16 otherwise), float32 on CPU.

    float32 on CPU because CPU bfloat16 matmuls are slow on most machines and the small models
    run there gain nothing from half precision.
    """
    import torch

    if name == "auto":
        if device.startswith("cuda"):
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    if name not in _DTYPES:
        raise GciError(f"--dtype {name}: expected auto or one of {', '.join(_DTYPES)}")
    return getattr(torch, name)


@BACKENDS.register("hf")
class HFBackend(Backend):
    """A transformers model directory or GGUF file, optionally with a LoRA/ALoRA adapter."""

    name = "hf"
    cacheable = True

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__(spec)
        if not spec.model:
            raise GciError("--model is required for the hf backend")
        given = Path(spec.model).expanduser()
        self.gguf: Path | None = None
        if given.suffix == ".gguf":
            from gci_bench.models.gguf import ensure_hf_dir

            self.gguf = given.resolve()
            path = ensure_hf_dir(given)
        else:
            path = given
        if not path.is_dir():
            raise GciError(
                f"--model {spec.model}: no such directory; expected a transformers model "
                "directory or a .gguf file"
            )
        if not (path / "config.json").is_file():
            raise GciError(
                f"--model {spec.model}: not a transformers model directory (config.json is missing)"
            )
        self.path = path.resolve()
        self.device = resolve_device(spec.device)
        self.dtype = resolve_dtype(spec.dtype, self.device)
        with quiet_transformers():
            self.tokenizer, self.model = self._load()
            self.adapter = None
            if spec.adapter is not None:
                from gci_bench.models.adapters import load_adapter

                self.model, self.adapter = load_adapter(self.model, spec.adapter, self.path)
        self.model.eval()
        self.truncated = 0
        self._fingerprint: str | None = None

    def _load(self) -> tuple[Any, Any]:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(str(self.path))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise GciError(
                f"--model {self.spec.model}: cannot load its tokenizer ({exc})"
            ) from None
        try:
            model = AutoModelForCausalLM.from_pretrained(str(self.path), dtype=self.dtype)
        except (OSError, ValueError, KeyError) as exc:
            raise GciError(f"--model {self.spec.model}: cannot load the model ({exc})") from None
        model.to(self.device)
        tokenizer.padding_side = "left"
        if tokenizer.pad_token_id is None:
            # Greedy decoding never attends to padding, so any token serves; EOS is the usual pick.
            if tokenizer.eos_token is not None:
                tokenizer.pad_token = tokenizer.eos_token
            elif tokenizer.unk_token is not None:
                tokenizer.pad_token = tokenizer.unk_token
            else:
                raise GciError(f"--model {self.spec.model}: tokenizer has no pad, eos or unk token")
        return tokenizer, model

    @property
    def fingerprint(self) -> str:
        """Config, tokenizer and weight files (or the GGUF it came from) plus the dtype.

        The dtype is part of it because it changes greedy outputs; the device is not (the same
        dtype on CPU and GPU differs only in rounding, and a cache shared across machines is
        worth more than that).
        """
        if self._fingerprint is None:
            extra = {"backend": "hf", "dtype": str(self.dtype).removeprefix("torch.")}
            if self.gguf is not None:
                self._fingerprint = json_hash({"gguf": file_identity(self.gguf), **extra})
            else:
                self._fingerprint = dir_fingerprint(self.path, extra)
        return self._fingerprint

    @property
    def adapter_fingerprint(self) -> str | None:
        return self.adapter.fingerprint if self.adapter is not None else None

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "model": str(self.gguf or self.path),
            "fingerprint": self.fingerprint,
            "architecture": type(self._base_model()).__name__,
            "dtype": str(self.dtype).removeprefix("torch."),
            "device": self.device,
            "gguf_converted_dir": str(self.path) if self.gguf else None,
            "adapter": self.adapter.to_json() if self.adapter is not None else None,
        }

    def _base_model(self) -> Any:
        getter = getattr(self.model, "get_base_model", None)
        return getter() if callable(getter) else self.model

    def resolve_chat_template(self, requested: bool | None) -> bool:
        """Use the template when the tokenizer has one, unless told not to.

        Asking for it explicitly when there is none is an error: the user expects a chat model.
        """
        available = has_chat_template(self.tokenizer)
        if requested is None:
            return available
        if requested and not available:
            raise GciError(
                f"--chat-template: the tokenizer of {self.spec.model} has no chat template "
                "(use --no-chat-template for a plain prompt)"
            )
        return requested

    def render(self, text: str, settings: GenerationSettings) -> str:
        return render(self.tokenizer, text, settings.chat_template)

    def max_prompt_tokens(self, max_new_tokens: int) -> int | None:
        """Room for the prompt: the model's context length less the new tokens (None: unknown)."""
        config = self._base_model().config
        get_text = getattr(config, "get_text_config", None)
        text_config = get_text() if callable(get_text) else config
        limit = getattr(text_config, "max_position_embeddings", None)
        if not isinstance(limit, int) or limit <= 0:
            return None
        return max(1, limit - max_new_tokens)

    def encode(self, texts: Sequence[str], settings: GenerationSettings) -> list[list[int]]:
        """Token ids per rendered prompt, left-truncated to fit the context window.

        A chat-rendered prompt already holds its special tokens; a plain one gets the
        tokenizer's own (BOS). Truncation keeps the end of the prompt, where the question and
        the answer cue are, and is counted in :attr:`truncated`.
        """
        enc = self.tokenizer(
            list(texts), add_special_tokens=not settings.chat_template, truncation=False
        )["input_ids"]
        room = self.max_prompt_tokens(settings.max_new_tokens)
        if room is not None:
            for i, ids in enumerate(enc):
                if len(ids) > room:
                    enc[i] = ids[-room:]
                    self.truncated += 1
        return enc

    def generate(
        self,
        prompts: Sequence[Prompt],
        settings: GenerationSettings,
        on_batch: OnBatch | None = None,
    ) -> list[str]:
        import torch

        texts = [self.render(p.text, settings) for p in prompts]
        ids = self.encode(texts, settings)
        order = sorted(range(len(ids)), key=lambda i: (-len(ids[i]), i))
        outputs: list[str] = [""] * len(ids)
        bs = max(1, settings.batch_size)
        for start in range(0, len(order), bs):
            idx = order[start : start + bs]
            batch = self.tokenizer.pad(
                {"input_ids": [ids[i] for i in idx]}, padding=True, return_tensors="pt"
            ).to(self.device)
            with torch.inference_mode():
                out = self.model.generate(
                    input_ids=batch["input_ids"],
                    attention_mask=batch["attention_mask"],
                    **self.generation_kwargs(settings),
                )
            new = out[:, batch["input_ids"].shape[1] :]
            decoded = self.tokenizer.batch_decode(new, skip_special_tokens=True)
            for i, text in zip(idx, decoded, strict=True):
                outputs[i] = text
            if on_batch is not None:
                on_batch(list(idx), list(decoded))
        return outputs

    def generation_kwargs(self, settings: GenerationSettings) -> dict[str, Any]:
        """Greedy decoding whatever the model's generation_config suggests (sampling, penalties)."""
        return {
            "max_new_tokens": settings.max_new_tokens,
            "do_sample": False,
            "num_beams": 1,
            "temperature": None,
            "top_p": None,
            "top_k": None,
            "repetition_penalty": None,
            "pad_token_id": self.tokenizer.pad_token_id,
        }

    def close(self) -> None:
        self.model = None
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:  # pragma: no cover
            pass
