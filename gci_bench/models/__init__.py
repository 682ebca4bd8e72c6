"""Backends that turn benchmark prompts into outputs, one registry entry each.

Public API::

    from gci_bench.models import ModelSpec, GenerationSettings, Prompt, load_backend

    backend = load_backend(ModelSpec(model="path/to/model"))       # hf, inferred
    outputs = backend.generate([Prompt(id, text)], GenerationSettings(256, chat_template=True))

Backends (:data:`BACKENDS`): ``hf`` (:mod:`~gci_bench.models.hf`, a local transformers model or
GGUF file, optional LoRA/ALoRA adapter), ``openai`` (:mod:`~gci_bench.models.openai_compat`, an
OpenAI-compatible server), ``retrieval`` (TF-IDF nearest train item), ``oracle`` (reference
answers; the pipeline's self-check) and ``predictions`` (outputs from a file). Heavy libraries
(torch, transformers, httpx, scikit-learn) are imported only by the backend that needs them.
"""

from __future__ import annotations

from gci_bench.models.base import (
    BACKENDS,
    Backend,
    EvalContext,
    GenerationSettings,
    ModelSpec,
    Prompt,
    infer_backend,
    load_backend,
)

__all__ = [
    "BACKENDS",
    "Backend",
    "EvalContext",
    "GenerationSettings",
    "ModelSpec",
    "Prompt",
    "infer_backend",
    "load_backend",
]
