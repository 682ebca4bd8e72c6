"""GGUF checkpoints for the hf backend: convert once to a transformers folder, reuse thereafter.

transformers can read a GGUF file (``gguf_file=``), but it de-quantizes every tensor and rebuilds
the tokenizer from the file's vocabulary on each load — about a minute for Gemma-3-270M. We do
that once and save the result as an ordinary safetensors folder under the user cache, keyed by the
GGUF's identity, so later runs load in seconds. The folder remembers which GGUF it came from
(:data:`SOURCE_FILE`), and the hf backend fingerprints the model by the GGUF itself.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from gci_bench.errors import GciError
from gci_bench.models.base import file_identity, json_hash, quiet_transformers

logger = logging.getLogger(__name__)

#: Written into each converted folder: the GGUF it was made from.
SOURCE_FILE = "gci_gguf_source.json"


def cache_root() -> Path:
    """Where converted GGUF folders live: ``$GCI_BENCH_CACHE/gguf`` or ``~/.cache/gci-bench/gguf``."""
    base = os.environ.get("GCI_BENCH_CACHE")
    root = Path(base) if base else Path.home() / ".cache" / "gci-bench"
    return root / "gguf"


def gguf_identity(gguf_path: Path) -> dict[str, Any]:
    """How a GGUF file is identified (name + size + mtime for big files, see file_identity)."""
    return file_identity(gguf_path)


def converted_dir(gguf_path: Path, root: Path | None = None) -> Path:
    """The folder a GGUF converts to (it may not exist yet)."""
    ident = json_hash(gguf_identity(gguf_path))[:16]
    return (root or cache_root()) / f"{gguf_path.stem}-{ident}"


def ensure_hf_dir(gguf_path: str | Path, root: Path | None = None) -> Path:
    """A transformers folder (config, tokenizer, safetensors) equivalent to ``gguf_path``.

    Converts on first use (needs the ``gguf`` package) and reuses the folder afterwards. The
    conversion is written to a temporary sibling and renamed into place, so a killed conversion
    never leaves a half-written folder that a later run would trust.
    """
    src = Path(gguf_path).expanduser().resolve()
    if not src.is_file():
        raise GciError(f"--model {gguf_path}: GGUF file not found")
    target = converted_dir(src, root)
    if (target / SOURCE_FILE).is_file() and (target / "config.json").is_file():
        return target
    try:
        import gguf  # noqa: F401  (transformers needs it to read the file)
    except ImportError:
        raise GciError(
            f"--model {gguf_path}: reading GGUF files needs the 'gguf' package "
            "(pip install 'gci-bench[models]')"
        ) from None
    from transformers import AutoModelForCausalLM, AutoTokenizer

    logger.info("converting %s to a transformers folder in %s (once)", src, target)
    with quiet_transformers():
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(src.parent), gguf_file=src.name)
            model = AutoModelForCausalLM.from_pretrained(str(src.parent), gguf_file=src.name)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise GciError(f"--model {gguf_path}: cannot load this GGUF file ({exc})") from None
    _forget_gguf_origin(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        with quiet_transformers():
            model.save_pretrained(str(tmp))
        tokenizer.save_pretrained(str(tmp))
        (tmp / SOURCE_FILE).write_text(
            json.dumps({"gguf": str(src), "identity": gguf_identity(src)}, indent=2) + "\n",
            encoding="utf-8",
        )
        if target.exists():  # another process converted it meanwhile; keep theirs
            shutil.rmtree(tmp)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _forget_gguf_origin(model: Any) -> None:
    """Make a GGUF-loaded model savable as plain weights.

    transformers attaches its GGUF "quantizer" to the model and refuses ``save_pretrained`` for
    quantized models, although the tensors are already de-quantized floats. Dropping the
    quantizer, the flags and the config's ``quantization_config`` turns it into an ordinary model
    whose saved config loads without the gguf package.
    """
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model, "quantization_method"):
        model.quantization_method = None
    config = model.config
    if hasattr(config, "quantization_config"):
        delattr(config, "quantization_config")
