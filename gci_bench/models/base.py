"""What every backend shares: the model spec, generation settings, the base class, the registry.

A *backend* turns prompts into outputs. ``hf`` runs a local transformers model, ``openai`` asks an
OpenAI-compatible server, ``retrieval`` and ``oracle`` need no weights, ``predictions`` reads
outputs someone already generated. Each is one class registered in :data:`BACKENDS` by a decorator
next to it, so the evaluator never branches on the backend's name: it calls :meth:`Backend.prepare`,
:meth:`Backend.generate` and reads :attr:`Backend.fingerprint`.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from gci_bench.errors import GciError
from gci_bench.hashing import sha256_file
from gci_bench.registry import Registry

#: Files up to this size are hashed by content for fingerprints; bigger ones (weights of real
#: models) by name, size and modification time, so fingerprinting a 1 GB checkpoint stays instant.
HASH_CONTENT_LIMIT = 64 * 1024 * 1024

#: Called after each finished batch with the batch's indices into the prompt list and its outputs;
#: the evaluator appends them to the cache there, so a killed run loses at most one batch.
OnBatch = Callable[[list[int], list[str]], None]


@dataclass(frozen=True)
class Prompt:
    """One request: the record id (for backends that look answers up) and the user message."""

    id: str
    text: str


@dataclass(frozen=True)
class GenerationSettings:
    """How outputs are produced. Everything here except ``batch_size`` changes the outputs.

    ``chat_template`` is the effective choice (resolved by :meth:`Backend.resolve_chat_template`),
    not the request: two runs whose tokenizers lead to different effective choices must not be
    compared or share cache entries.
    """

    max_new_tokens: int
    chat_template: bool
    batch_size: int = 8

    def key(self) -> dict[str, Any]:
        """The settings that decide an output: part of every cache key and checked by compare.

        ``batch_size`` is left out on purpose: padding must not change a greedy answer, so a run
        resumed with another batch size reuses what is cached.
        """
        return {
            "decoding": "greedy",
            "max_new_tokens": self.max_new_tokens,
            "chat_template": self.chat_template,
        }


@dataclass
class ModelSpec:
    """Which model to evaluate and how to reach it; ``gci-bench eval`` exposes every field."""

    model: str | None = field(
        default=None,
        metadata={
            "help": "a transformers model directory, a .gguf file, the served model name "
            "(with --base-url), or 'retrieval' / 'oracle'"
        },
    )
    backend: str | None = field(
        default=None,
        metadata={
            "help": "hf, openai, retrieval, oracle or predictions (default: inferred from "
            "--model, --base-url and --predictions)"
        },
    )
    adapter: Path | None = field(
        default=None,
        metadata={"help": "a PEFT LoRA or gci-bench ALoRA adapter directory (hf backend)"},
    )
    predictions: Path | None = field(
        default=None,
        metadata={"help": 'score existing generations: a JSON-lines file of {"id", "output"}'},
    )
    base_url: str | None = field(
        default=None,
        metadata={"help": "OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1"},
    )
    api_key_env: str = field(
        default="OPENAI_API_KEY",
        metadata={"help": "environment variable holding the server's API key (may be unset)"},
    )
    concurrency: int = field(
        default=8, metadata={"help": "requests in flight at once (openai backend)"}
    )
    max_retries: int = field(
        default=5,
        metadata={"help": "retries of a request after 429, 5xx, a timeout or a dropped connection"},
    )
    retry_backoff: float = field(
        default=1.0,
        metadata={"help": "seconds before the first retry; doubled each time (capped at 60)"},
    )
    request_timeout: float = field(
        default=300.0, metadata={"help": "seconds to wait for one server response"}
    )
    dtype: str = field(
        default="auto",
        metadata={
            "help": "hf weights dtype: auto (bfloat16 on a GPU that has it, float32 on CPU), "
            "float32, bfloat16 or float16",
            "choices": ("auto", "float32", "bfloat16", "float16"),
        },
    )
    device: str = field(
        default="auto",
        metadata={
            "help": "hf device: auto (cuda when available, else cpu), cpu, cuda, cuda:1, mps"
        },
    )

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise GciError(f"--concurrency must be at least 1, got {self.concurrency}")
        if self.max_retries < 0:
            raise GciError(f"--max-retries must be >= 0, got {self.max_retries}")
        if self.retry_backoff < 0:
            raise GciError(f"--retry-backoff must be >= 0, got {self.retry_backoff}")
        if self.request_timeout <= 0:
            raise GciError(f"--request-timeout must be > 0, got {self.request_timeout}")

    def to_json(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}


@dataclass
class EvalContext:
    """What a backend may look at before generating (the items, the train split).

    ``train_rows(group)`` loads that group's train split on demand, so backends that never need it
    (hf, openai) never pay for it. ``known_ids`` holds every item id in the build, all groups and
    splits, so predictions can tell an unknown id from one merely outside the selection.
    """

    items: Sequence[Mapping[str, Any]]
    train_rows: Callable[[str], Sequence[Mapping[str, Any]]]
    known_ids: Callable[[], set[str]]
    dataset_fingerprint: str


class Backend(ABC):
    """A way of producing outputs for prompts.

    ``cacheable`` backends produce their outputs by computation worth keeping (a model, a server):
    the evaluator caches them. ``fingerprint`` identifies the model so that a cache entry is only
    reused for the same weights; ``adapter_fingerprint`` likewise for the adapter, if any.
    """

    name: ClassVar[str]
    cacheable: ClassVar[bool] = False

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec

    @property
    @abstractmethod
    def fingerprint(self) -> str:
        """A stable identifier of the model (weights, config, tokenizer)."""

    @property
    def adapter_fingerprint(self) -> str | None:
        return None

    def describe(self) -> dict[str, Any]:
        """What results.json records about the model (extended by backends)."""
        return {
            "backend": self.name,
            "model": self.spec.model,
            "fingerprint": self.fingerprint,
            "adapter": None,
        }

    def resolve_chat_template(self, requested: bool | None) -> bool:
        """The effective chat-template choice for a request (None: the backend's default)."""
        return bool(requested)

    def render(self, text: str, settings: GenerationSettings) -> str:
        """The prompt exactly as the model receives it (what samples/ records)."""
        return text

    def prepare(self, context: EvalContext) -> None:
        """Look at the items before generation (fit an index, check ids); default: nothing."""
        return None

    @abstractmethod
    def generate(
        self,
        prompts: Sequence[Prompt],
        settings: GenerationSettings,
        on_batch: OnBatch | None = None,
    ) -> list[str]:
        """One output per prompt, in the prompts' order; ``on_batch`` after each finished batch."""

    def close(self) -> None:
        """Release resources (connections, GPU memory); default: nothing."""
        return None


#: The backend registry; importing the listed modules fills it.
BACKENDS: Registry[type[Backend]] = Registry(
    "backend",
    modules=(
        "gci_bench.models.hf",
        "gci_bench.models.openai_compat",
        "gci_bench.models.retrieval",
        "gci_bench.models.oracle",
        "gci_bench.models.predictions",
    ),
)

#: Model names that select a weightless backend.
NAMED_MODELS = ("retrieval", "oracle")


class LookupBackend(Backend):
    """A backend whose outputs exist before generation (references, predictions, retrieval).

    Subclasses fill their table in ``__init__`` or ``prepare`` and say how an item id is looked
    up; generation is then one batch of lookups, reported at once.
    """

    @abstractmethod
    def lookup(self, item_id: str) -> str:
        """The output for one item (GciError when there is none and that is the user's doing)."""

    def generate(
        self,
        prompts: Sequence[Prompt],
        settings: GenerationSettings,
        on_batch: OnBatch | None = None,
    ) -> list[str]:
        outputs = [self.lookup(p.id) for p in prompts]
        if on_batch is not None and outputs:
            on_batch(list(range(len(outputs))), outputs)
        return outputs


def infer_backend(spec: ModelSpec) -> str:
    """The backend a spec asks for: named explicitly, or read from what was given.

    ``--predictions`` → predictions; ``--base-url`` → openai; ``retrieval`` / ``oracle`` → those;
    an existing directory or ``.gguf`` file → hf. Anything else is a user error naming what was
    expected, raised before any heavy import.
    """
    if spec.backend:
        return spec.backend
    if spec.predictions is not None:
        return "predictions"
    if spec.base_url:
        return "openai"
    if spec.model in NAMED_MODELS:
        return str(spec.model)
    if spec.model is None:
        raise GciError("--model is required (or --predictions FILE to score existing outputs)")
    path = Path(spec.model).expanduser()
    if path.is_dir() or (path.is_file() and path.suffix == ".gguf"):
        return "hf"
    if path.exists():
        raise GciError(
            f"--model {spec.model}: a file but not a .gguf; expected a transformers model "
            "directory or a .gguf file"
        )
    raise GciError(
        f"--model {spec.model}: no such file or directory; expected a transformers model "
        "directory, a .gguf file, 'retrieval' or 'oracle' (or --base-url URL for a server, "
        "--predictions FILE for existing outputs)"
    )


def load_backend(spec: ModelSpec) -> Backend:
    """The backend for ``spec``, constructed (for hf: the model loaded)."""
    name = infer_backend(spec)
    cls = BACKENDS.get(name)
    return cls(spec)


def file_identity(path: Path, *, content_limit: int = HASH_CONTENT_LIMIT) -> dict[str, Any]:
    """How one file enters a fingerprint: its SHA-256 when small, else name + size + mtime."""
    stat = path.stat()
    if stat.st_size <= content_limit:
        return {"name": path.name, "sha256": sha256_file(path)}
    return {"name": path.name, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


#: Files in a model or adapter directory that do not change its function.
_IGNORED = ("README.md", "LICENSE", "training_args.bin", ".gitattributes")


def dir_fingerprint(path: Path, extra: Mapping[str, Any] | None = None) -> str:
    """A hash of every file directly in ``path`` (see :func:`file_identity`) plus ``extra``."""
    files = [
        file_identity(p)
        for p in sorted(path.iterdir())
        if p.is_file() and not p.name.startswith(".") and p.name not in _IGNORED
    ]
    return json_hash({"files": files, "extra": dict(extra or {})})


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """Hide transformers' own progress bars (weight loading, shard writing) for a while.

    The library stays quiet and the CLI draws its own progress; the previous setting is
    restored afterwards so that a caller who wants the bars keeps them.
    """
    from transformers.utils import logging as hf_logging

    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_on:
            hf_logging.enable_progress_bar()


def json_hash(obj: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``obj``."""
    blob = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
