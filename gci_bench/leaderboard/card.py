"""The model card every leaderboard entry carries: who the model is, what it was tuned from, how.

A submission brings ``model_card.json`` in its run directory (or the operator passes
``--card FILE``, which then replaces it). The fields are few and checked strictly because they are
the only submitted text that ends up on the web page. ``base_model`` names the model this one was
tuned from; when an entry with that name is in the registry too, the leaderboard reports the
forgetting (ΔG) against it. The dataclass fields are the JSON keys and carry their help text, which
``docs/leaderboard.md`` repeats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

from gci_bench.leaderboard.intake import SubmissionRejected, text_problem

CARD_FILE = "model_card.json"

_PARAM = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMBT]?)\s*$", re.IGNORECASE)
_SCALE = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}


@dataclass(frozen=True)
class ModelCard:
    """What the leaderboard shows about a submitted model."""

    name: str = field(
        metadata={"help": "the model's display name, unique in the registry (≤ 100 characters)"}
    )
    base_model: str | None = field(
        metadata={
            "help": "name of the model it was tuned from (null for a model that was not "
            "fine-tuned); forgetting is reported against the entry of that name"
        }
    )
    method: str = field(
        metadata={"help": "how it was made: alora, lora, full, rega, versatune, mixcpt, none, …"}
    )
    parameters: int = field(
        metadata={"help": 'total parameter count: an integer or a shorthand such as "7B", "270M"'}
    )
    licence: str = field(metadata={"help": "licence of the weights, e.g. apache-2.0"})
    link: str = field(metadata={"help": "http(s) URL of the weights or paper"})
    description: str = field(
        default="", metadata={"help": "optional: one paragraph (≤ 1000 characters)"}
    )
    trainable_parameters: int | None = field(
        default=None, metadata={"help": "optional: parameters updated by the tuning method"}
    )

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


REQUIRED = tuple(
    f.name for f in fields(ModelCard) if f.name not in ("description", "trainable_parameters")
)
KNOWN = tuple(f.name for f in fields(ModelCard))

_TEXT_LIMITS = {"name": 100, "base_model": 100, "method": 60, "licence": 100}


def parse_count(value: Any) -> int | None:
    """A positive parameter count from an integer or a "7B"-style string (None: not one)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value > 0 else None
    if isinstance(value, str):
        m = _PARAM.match(value)
        if m:
            n = round(float(m.group(1)) * _SCALE[m.group(2).upper()])
            return n if n > 0 else None
    return None


def link_problem(value: str, where: str) -> str | None:
    """Only absolute http(s) URLs without characters that could break out of an attribute."""
    if len(value) > 500:
        return f"{where}: longer than 500 characters"
    if re.search(r"[\s\"'<>`\\]", value):
        return f"{where}: spaces, quotes, backslashes and angle brackets are not allowed in a URL"
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return f"{where}: must be an http:// or https:// URL, got {value[:60]!r}"
    return None


def parse_card(obj: Any, where: str) -> ModelCard:
    """A validated :class:`ModelCard`; SubmissionRejected listing every bad field."""
    if not isinstance(obj, dict):
        raise SubmissionRejected([f"{where}: expected a JSON object with {', '.join(REQUIRED)}"])
    problems: list[str] = []
    unknown = sorted(set(obj) - set(KNOWN))
    if unknown:
        problems.append(
            f"{where}: unknown field(s) {', '.join(unknown)} (allowed: {', '.join(KNOWN)})"
        )
    missing = [k for k in REQUIRED if k not in obj]
    if missing:
        problems.append(f"{where}: missing field(s) {', '.join(missing)}")
    values: dict[str, Any] = {}
    for key, limit in _TEXT_LIMITS.items():
        if key not in obj:
            continue
        value = obj[key]
        if key == "base_model" and (value is None or value == ""):
            values[key] = None
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: {key} must be a non-empty string")
            continue
        problem = text_problem(value, f"{where}: {key}", max_len=limit)
        if problem:
            problems.append(problem)
        values[key] = value.strip()
    if "description" in obj:
        desc = obj["description"]
        if not isinstance(desc, str):
            problems.append(f"{where}: description must be a string")
        else:
            problem = text_problem(desc, f"{where}: description", max_len=1000, multiline=True)
            if problem:
                problems.append(problem)
            values["description"] = desc.strip()
    if "link" in obj:
        link = obj["link"]
        problem = (
            link_problem(link, f"{where}: link")
            if isinstance(link, str)
            else f"{where}: link must be a string"
        )
        if problem:
            problems.append(problem)
        values["link"] = link
    for key in ("parameters", "trainable_parameters"):
        if key not in obj or (key == "trainable_parameters" and obj[key] is None):
            continue
        count = parse_count(obj[key])
        if count is None:
            problems.append(
                f'{where}: {key} must be a positive integer or a shorthand like "7B", '
                f"got {str(obj[key])[:40]!r}"
            )
        values[key] = count
    if problems:
        raise SubmissionRejected(problems)
    return ModelCard(**values)
