"""How a benchmark record becomes the text a model sees — one definition for eval and training.

Evaluation and fine-tuning must show a model exactly the same prompt for the same record, or a
tuned model is scored on a format it never saw. So there is one :func:`build_prompt` (the user
message: instruction, input, lettered choices) and one :func:`render` (that message wrapped in the
tokenizer's chat template, or the plain fallback), and both ``gci-bench eval`` and
``gci-bench train`` call them.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: Letters used for options; LexEval and SafetyBench items have at most a handful of choices.
LETTERS = string.ascii_uppercase

#: What follows the user text in a plain (no chat template) prompt, so that a base model continues
#: with an answer rather than with more question.
PLAIN_ANSWER_CUE = "\n答案："


def format_choices(choices: Sequence[str]) -> str:
    """Options as ``A. …`` lines, in the order given (the gold letters refer to this order)."""
    if len(choices) > len(LETTERS):
        raise ValueError(f"{len(choices)} choices; at most {len(LETTERS)} can be lettered")
    return "\n".join(f"{LETTERS[i]}. {str(c).strip()}" for i, c in enumerate(choices))


def build_prompt(record: Mapping[str, Any]) -> str:
    """The user message for ``record``: instruction, input, then lettered choices if any.

    Blocks are separated by a blank line and empty blocks are left out, so records without an
    input (or without choices) carry no stray separators.
    """
    parts = [str(record.get("instruction") or "").strip(), str(record.get("input") or "").strip()]
    choices = list(record.get("choices") or [])
    if choices:
        parts.append(format_choices(choices))
    return "\n\n".join(p for p in parts if p)


def has_chat_template(tokenizer: Any) -> bool:
    """Whether ``tokenizer`` carries a chat template (a GGUF or a base model often has none)."""
    return bool(getattr(tokenizer, "chat_template", None))


def render(tokenizer: Any, user_text: str, chat_template: bool) -> str:
    """The full prompt string for one user message.

    With ``chat_template`` the tokenizer's template renders one user turn and opens the assistant
    turn; the result already holds the special tokens (BOS, turn markers), so tokenize it with
    ``add_special_tokens=False``. Without it the plain form is the message followed by
    :data:`PLAIN_ANSWER_CUE`. Asking for the template when the tokenizer has none is a plain
    prompt, not an error: callers resolve the effective setting with :func:`has_chat_template`.
    """
    if chat_template and tokenizer is not None and has_chat_template(tokenizer):
        return tokenizer.apply_chat_template(
            [{"role": "user", "content": user_text}], tokenize=False, add_generation_prompt=True
        )
    return user_text + PLAIN_ANSWER_CUE


#: Between a trained role prompt (REGA's central prompt) and the user message.
ROLE_SEPARATOR = "\n\n"


def with_role(role_prompt: str | None, user_text: str) -> str:
    """The user message preceded by a role prompt (REGA), or unchanged without one.

    The role prompt goes into the user message rather than a ``system`` turn because several chat
    templates (Gemma's among them) have no system role, and the plain prompt has no turns at all;
    a prefix means the same thing under every template.
    """
    if not role_prompt:
        return user_text
    return f"{role_prompt}{ROLE_SEPARATOR}{user_text}"


def trained_role_prompt(directory: str | Path | None) -> str | None:
    """The inference prompt a training run recorded (REGA's central prompt), if any.

    ``gci-bench train`` writes it to ``training_manifest.json`` (``prompt.system_prompt``) in the
    adapter directory, or in the model directory for full fine-tuning; eval must use it, since it
    is the only prompt the trained model saw for inference-time use.
    """
    if directory is None:
        return None
    manifest = Path(directory) / "training_manifest.json"
    if not manifest.is_file():
        return None
    try:
        prompt = json.loads(manifest.read_text(encoding="utf-8")).get("prompt") or {}
    except (json.JSONDecodeError, OSError):
        return None
    value = prompt.get("system_prompt")
    return value if isinstance(value, str) and value else None
