"""What an evaluation run can be told: one dataclass, whose fields are also the CLI options.

:class:`EvalConfig` (what to evaluate on and how) and :class:`~gci_bench.models.ModelSpec` (which
model) are dataclasses whose fields carry their help text; :func:`add_dataclass_arguments` turns
them into ``gci-bench eval`` options (field ``max_new_tokens`` ↔ ``--max-new-tokens``) and
results.json stores the same fields under the same names.
"""

from __future__ import annotations

import argparse
import re
import types
import typing
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from gci_bench.errors import GciError
from gci_bench.records import GROUPS, SPLITS, SUBSETS


@dataclass
class EvalConfig:
    """Which items to evaluate, how to generate, where results go."""

    data: Path = field(
        default=Path("gci-build"),
        metadata={"help": "build directory written by `gci-bench build` (default: gci-build)"},
    )
    groups: tuple[str, ...] = field(
        default=(),
        metadata={
            "help": "task groups to evaluate (default: every group of the build)",
            "choices": GROUPS,
        },
    )
    subsets: tuple[str, ...] = field(
        default=SUBSETS, metadata={"help": "subsets to evaluate", "choices": SUBSETS}
    )
    split: str = field(
        default="test", metadata={"help": "split to evaluate (default: test)", "choices": SPLITS}
    )
    limit: int | None = field(
        default=None,
        metadata={
            "help": "at most N items per task, chosen deterministically and keeping linked "
            "twins together"
        },
    )
    batch_size: int = field(default=8, metadata={"help": "prompts per generate call (hf backend)"})
    max_new_tokens: int = field(
        default=256, metadata={"help": "greedy decoding stops after this many new tokens"}
    )
    chat_template: bool | None = field(
        default=None,
        metadata={
            "help": "wrap prompts in the tokenizer's chat template (default: when it has one; "
            "the openai backend: the server's)"
        },
    )
    out: Path | None = field(
        default=None, metadata={"help": "output directory (default: runs/<model name>)"}
    )
    cache_dir: Path | None = field(
        default=None,
        metadata={
            "help": "generation cache directory, shareable between runs (default: OUT/cache)"
        },
    )
    cache: bool = field(
        default=True, metadata={"help": "reuse and record generations in the cache"}
    )
    bootstrap: int = field(
        default=1000, metadata={"help": "bootstrap resamples for the 95%% intervals"}
    )
    seed: int = field(default=0, metadata={"help": "seed of the bootstrap"})

    def __post_init__(self) -> None:
        self.data = Path(self.data)
        self.groups = tuple(self.groups)
        self.subsets = tuple(self.subsets)
        problems = []
        for g in self.groups:
            if g not in GROUPS:
                problems.append(f"--groups: unknown group {g!r} (expected {', '.join(GROUPS)})")
        for s in self.subsets:
            if s not in SUBSETS:
                problems.append(f"--subsets: unknown subset {s!r} (expected {', '.join(SUBSETS)})")
        if not self.subsets:
            problems.append("--subsets: at least one subset is needed")
        if self.split not in SPLITS:
            problems.append(f"--split must be one of {', '.join(SPLITS)}, got {self.split!r}")
        if self.limit is not None and self.limit < 1:
            problems.append(f"--limit must be at least 1, got {self.limit}")
        if self.batch_size < 1:
            problems.append(f"--batch-size must be at least 1, got {self.batch_size}")
        if self.max_new_tokens < 1:
            problems.append(f"--max-new-tokens must be at least 1, got {self.max_new_tokens}")
        if self.bootstrap < 0:
            problems.append(f"--bootstrap must be >= 0, got {self.bootstrap}")
        if problems:
            raise GciError("; ".join(problems))

    def to_json(self) -> dict[str, Any]:
        return to_json(self)


def to_json(obj: Any) -> dict[str, Any]:
    """A dataclass as JSON-able dict (paths as strings, tuples as lists)."""

    def conv(v: Any) -> Any:
        if isinstance(v, Path):
            return str(v)
        if isinstance(v, tuple | list):
            return [conv(x) for x in v]
        return v

    return {k: conv(v) for k, v in asdict(obj).items()}


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _unwrap_optional(tp: Any) -> Any:
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return args[0] if len(args) == 1 else tp
    return tp


def add_dataclass_arguments(
    parser: argparse.ArgumentParser | Any,
    cls: type,
    *,
    skip: tuple[str, ...] = (),
    required: tuple[str, ...] = (),
) -> None:
    """One option per field of ``cls``: ``--field-name``, typed, with the field's help.

    Booleans become ``--x/--no-x``; tuples take one or more values; defaults are left as
    ``argparse.SUPPRESS`` so :func:`from_namespace` can tell "not given" from "given the default".
    """
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        if f.name in skip:
            continue
        tp = _unwrap_optional(hints[f.name])
        meta = dict(f.metadata)
        kwargs: dict[str, Any] = {"help": meta.get("help", ""), "default": argparse.SUPPRESS}
        default = f.default if f.default is not MISSING else None
        if f.default_factory is not MISSING:  # type: ignore[misc]
            default = f.default_factory()  # type: ignore[misc]
        if "choices" in meta:
            kwargs["choices"] = meta["choices"]
        if tp is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif typing.get_origin(tp) is tuple:
            kwargs["nargs"] = "+"
            kwargs["metavar"] = f.name.upper().rstrip("S")
        else:
            kwargs["type"] = tp if tp in (int, float, str, Path) else str
            kwargs["metavar"] = meta.get("metavar", _metavar(f.name, tp))
        if default not in (None, ()) and tp is not bool:
            shown = " ".join(default) if isinstance(default, tuple) else default
            if "(default" not in kwargs["help"]:
                kwargs["help"] += f" (default: {shown})"
        if f.name in required:
            kwargs["required"] = True
        parser.add_argument(flag(f.name), **kwargs)


def _metavar(name: str, tp: Any) -> str:
    if tp is Path:
        return "PATH"
    if tp is int:
        return "N"
    if tp is float:
        return "X"
    return re.sub(r"[^A-Z]", "_", name.upper())


def from_namespace(cls: type, args: argparse.Namespace, **overrides: Any) -> Any:
    """Build ``cls`` from the options that were given (others keep the dataclass default)."""
    given = {f.name: getattr(args, f.name) for f in fields(cls) if hasattr(args, f.name)}
    given.update(overrides)
    return cls(**given)
