"""Loading an adapter onto a base model for evaluation: PEFT LoRA or gci-bench ALoRA.

The two are told apart by ``adapter_config.json``: ALoRA writes its own ``adapter_type``
(:data:`gci_bench.alora.config.ADAPTER_TYPE`), PEFT writes ``peft_type``. Either way the adapter is
evaluated *unmerged* (ALoRA cannot be merged; for LoRA this keeps the evaluated function exactly
the trained one, without the rounding of a merge in low precision).

An adapter trained on another base model is refused. Adapters record their base by name or path,
and the same model may live under another path on the evaluating machine, so the check is: same
resolved path, or the recorded base is a local folder whose config and weight files match, or
(for hub names) the same final name component. When shapes differ the loader's own error is turned
into a one-line :class:`~gci_bench.errors.GciError`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gci_bench.errors import GciError
from gci_bench.models.base import dir_fingerprint, json_hash

logger = logging.getLogger(__name__)

CONFIG_NAME = "adapter_config.json"

# Config keys that vary with the library version or load options, not with the weights.
_VOLATILE = frozenset(
    {"transformers_version", "torch_dtype", "dtype", "use_cache", "_name_or_path", "name_or_path"}
)


@dataclass(frozen=True)
class AdapterInfo:
    """What results.json records about an adapter."""

    path: str
    kind: str  # "lora" (any PEFT type) or "alora"
    peft_type: str | None
    base_model: str | None
    fingerprint: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def read_adapter_config(path: Path) -> dict[str, Any]:
    """The adapter's config, or a GciError saying why ``path`` is not an adapter directory."""
    cfg = path / CONFIG_NAME
    if not path.is_dir():
        raise GciError(f"--adapter {path}: no such directory")
    if not cfg.is_file():
        raise GciError(f"--adapter {path}: not an adapter directory ({CONFIG_NAME} is missing)")
    try:
        data = json.loads(cfg.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GciError(f"{cfg}: cannot read adapter config ({exc})") from None
    if not isinstance(data, dict):
        raise GciError(f"{cfg}: expected a JSON object")
    return data


def adapter_kind(data: dict[str, Any]) -> str:
    """``alora`` for a gci-bench ALoRA config, ``lora`` for a PEFT config; else GciError."""
    from gci_bench.alora.config import ADAPTER_TYPE

    if data.get("adapter_type") == ADAPTER_TYPE:
        return "alora"
    if data.get("peft_type"):
        return "lora"
    raise GciError(
        f"adapter config has neither adapter_type {ADAPTER_TYPE!r} (gci-bench ALoRA) nor a "
        "peft_type (PEFT); cannot tell how to load it"
    )


def model_identity(path: Path) -> str:
    """Config (less volatile keys) + weight file names and sizes: equal for copies of a model."""
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    config = {k: v for k, v in config.items() if k not in _VOLATILE}
    weights = sorted(
        (p.name, p.stat().st_size)
        for p in path.iterdir()
        if p.suffix in (".safetensors", ".bin", ".gguf") and p.is_file()
    )
    return json_hash({"config": config, "weights": weights})


def same_base(recorded: str | None, model_path: Path) -> bool | None:
    """Whether an adapter's recorded base is the model at ``model_path``.

    True/False when it can be decided, None when the recorded name is neither a local folder nor
    comparable by name (then the loader's shape checks are all we have).
    """
    if not recorded:
        return None
    model_path = model_path.resolve()
    rec = Path(recorded).expanduser()
    if rec.is_dir():
        if rec.resolve() == model_path:
            return True
        if (rec / "config.json").is_file():
            return model_identity(rec) == model_identity(model_path)
        return None
    if rec.is_absolute() or recorded.startswith("."):
        return None  # a local path that is gone: cannot tell
    return recorded.rstrip("/").split("/")[-1] == model_path.name


def load_adapter(model: Any, adapter_dir: Path, model_path: Path) -> tuple[Any, AdapterInfo]:
    """``model`` wrapped with the adapter at ``adapter_dir`` (inference mode, unmerged)."""
    path = Path(adapter_dir).expanduser()
    data = read_adapter_config(path)
    kind = adapter_kind(data)
    recorded = data.get("base_model") if kind == "alora" else data.get("base_model_name_or_path")
    verdict = same_base(recorded, model_path)
    if verdict is False:
        raise GciError(
            f"--adapter {path} was trained on base model {recorded!r}, not on {model_path} "
            "(their configs or weight files differ); evaluate it with the base it was trained on"
        )
    if verdict is None and recorded:
        logger.warning(
            "cannot check that %s is the base model %s of %s", model_path, recorded, path
        )
    if kind == "alora":
        from gci_bench.alora import AloraModel

        # Our own check above accepted the base; tell ALoRA's strict name check the same.
        wrapped = AloraModel.from_pretrained(model, path, base_model=recorded or None)
    else:
        from peft import PeftModel

        try:
            wrapped = PeftModel.from_pretrained(model, str(path), is_trainable=False)
        except (RuntimeError, ValueError, KeyError, OSError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise GciError(
                f"--adapter {path} does not fit the model {model_path} ({first[:300]}); was it "
                "trained on another base model?"
            ) from None
    wrapped.eval()
    info = AdapterInfo(
        path=str(path.resolve()),
        kind=kind,
        peft_type=data.get("peft_type"),
        base_model=recorded,
        fingerprint=dir_fingerprint(path),
    )
    return wrapped, info
