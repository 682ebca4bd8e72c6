"""Benchmark records and general instructions → token ids with answer-only labels.

A training example is the prompt ``gci-bench eval`` would show for the record
(:func:`gci_bench.prompts.build_prompt` + :func:`gci_bench.prompts.render`, tokenized exactly as
the hf backend tokenizes it) followed by the reference answer. Only the answer tokens carry a
label; the prompt and the padding are ``-100``, so the loss teaches the model what to answer, not
how to write questions. Prompt and answer are tokenized separately and concatenated: the prompt
ids are then identical to the ids the model receives at evaluation, whatever the tokenizer would
have merged across the boundary.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gci_bench.errors import GciError
from gci_bench.prompts import build_prompt, render

logger = logging.getLogger(__name__)

#: Label value the loss ignores (PyTorch's cross-entropy default).
IGNORE_INDEX = -100


@dataclass(frozen=True)
class Example:
    """One prompt/answer pair before tokenization.

    ``domain`` is the task group of a benchmark record or ``general`` for general instructions; the
    methods that mix or weight data (replay, rega, versatune) work on it.
    """

    id: str
    domain: str
    user_text: str
    answer: str


def record_example(row: Mapping[str, Any]) -> Example:
    """A build record (a dataset row) as a training example: the eval prompt and its answer."""
    return Example(
        id=str(row["id"]),
        domain=str(row["group"]),
        user_text=build_prompt(row),
        answer=str(row["answer"]),
    )


def stable_order(ids: Iterable[str], salt: str = "") -> list[str]:
    """``ids`` sorted by a hash of (salt, id): a shuffle that is the same on every machine."""
    return sorted(ids, key=lambda i: hashlib.sha256(f"{salt}\0{i}".encode()).hexdigest())


def split_rows(
    rows: Sequence[Mapping[str, Any]], val_size: int, limit: int | None
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """Hold out ``val_size`` rows for validation; keep at most ``limit`` of the rest for training.

    The choice is by content hash, not by the seed, so runs with different seeds (or methods)
    share one validation slice and their validation losses are comparable. At most a quarter of
    the rows are held out, so a small group keeps most of its data for training.
    """
    by_id = {str(r["id"]): r for r in rows}
    order = stable_order(by_id, "validation")
    n_val = min(val_size, len(order) // 4)
    val = [by_id[i] for i in order[:n_val]]
    train = [by_id[i] for i in order[n_val:]]
    if limit is not None:
        train = train[:limit]
    return train, val


# ---------------------------------------------------------------------- general instructions


def general_files(path: Path) -> list[Path]:
    """The JSON files of an alpaca-style source (a file, or a directory of ``*.json``)."""
    path = Path(path).expanduser()
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(path.glob("*.json"))
        if files:
            return files
        raise GciError(f"--general-data {path}: no *.json file in this directory")
    raise GciError(f"--general-data {path}: no such file or directory")


def default_general_source(build_manifest: Mapping[str, Any]) -> Path:
    """alpaca_zh/ of the raw corpus the build was made from, else the embedded sample's."""
    from gci_bench.build import default_raw_dir

    raw = build_manifest.get("options", {}).get("raw_dir")
    candidates = [Path(raw) / "alpaca_zh"] if raw else []
    candidates.append(default_raw_dir() / "alpaca_zh")
    for cand in candidates:
        if cand.is_dir() and any(cand.glob("*.json")):
            return cand
    raise GciError(
        "no general data: the build's raw corpus has no alpaca_zh/*.json; pass --general-data FILE"
    )


def load_general(path: Path) -> tuple[list[Example], list[str]]:
    """General instructions as examples (domain ``general``) and the problems met reading them.

    Read with the project's alpaca builder, so malformed entries are dropped and reported the
    same way a build reports them, instead of failing the run.
    """
    from gci_bench.builders import BUILDERS, BuildReport

    builder = BUILDERS.get("alpaca")()
    report = BuildReport()
    examples: list[Example] = []
    seen: set[str] = set()
    for file in general_files(path):
        for rec in builder.read(file, file.name, report):
            data = rec.data
            user = build_prompt(
                {"instruction": data.get("instruction"), "input": data.get("input")}
            )
            answer = str(data.get("output") or "").strip()
            if not user or not answer:
                report.drop(rec.file, rec.line, "empty instruction or output")
                continue
            ident = hashlib.sha256(f"{user}\0{answer}".encode()).hexdigest()[:16]
            if ident in seen:
                continue
            seen.add(ident)
            examples.append(Example(id=ident, domain="general", user_text=user, answer=answer))
    if not examples:
        raise GciError(f"--general-data {path}: no usable instruction/output pairs")
    problems = [str(p) for p in (*report.dropped, *report.warnings)]
    return examples, problems


def split_general(
    examples: Sequence[Example], val_size: int, size: int
) -> tuple[list[Example], list[Example]]:
    """A hash-ordered pool of at most ``size`` general examples and a disjoint validation slice."""
    by_id = {e.id: e for e in examples}
    order = stable_order(by_id, "general")
    n_val = min(val_size, len(order) // 4)
    val = [by_id[i] for i in order[:n_val]]
    pool = [by_id[i] for i in order[n_val : n_val + size]]
    return pool, val


# ---------------------------------------------------------------------- tokenization


class Encoder:
    """Turns examples into ``input_ids`` / ``labels`` the way eval will prompt the model.

    ``stop_ids`` are the token ids generation stops at (the tokenizer's EOS and the model's
    generation-config EOS ids): an answer that does not already end in one gets the EOS appended,
    so the tuned model learns to stop where eval stops reading.
    """

    def __init__(
        self, tokenizer: Any, *, chat_template: bool, max_length: int, stop_ids: Iterable[int]
    ) -> None:
        self.tokenizer = tokenizer
        self.chat_template = chat_template
        self.max_length = max_length
        self.stop_ids = {int(i) for i in stop_ids if i is not None}
        self.eos_id = tokenizer.eos_token_id
        self.truncated = 0

    def prompt_ids(self, user_text: str) -> list[int]:
        """The prompt exactly as the hf backend encodes it (special tokens only when plain)."""
        text = render(self.tokenizer, user_text, self.chat_template)
        return list(self.tokenizer(text, add_special_tokens=not self.chat_template)["input_ids"])

    def answer_ids(self, user_text: str, answer: str) -> list[int]:
        """The answer tokens, closed the way the chat template closes an assistant turn.

        With a template, the conversation is rendered with the answer as the assistant turn and the
        part after the rendered prompt is the target (answer + end-of-turn marker). A template that
        renders the prompt differently inside a full conversation falls back to answer + EOS.
        """
        text = answer
        if self.chat_template:
            prompt = render(self.tokenizer, user_text, True)
            full = self.tokenizer.apply_chat_template(
                [{"role": "user", "content": user_text}, {"role": "assistant", "content": answer}],
                tokenize=False,
            )
            if isinstance(full, str) and full.startswith(prompt) and answer in full[len(prompt) :]:
                text = full[len(prompt) :].rstrip()
        ids = list(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        if self.eos_id is not None and (not ids or ids[-1] not in self.stop_ids):
            ids.append(int(self.eos_id))
        return ids

    def encode(self, example: Example) -> dict[str, list[int]]:
        """``input_ids`` and ``labels`` (−100 on the prompt) for one example, fitted to max_length.

        Too long: the answer keeps at most half the budget (its end is cut), the prompt keeps its
        end (where the question and the answer cue are), as eval's left truncation does.
        """
        prompt = self.prompt_ids(example.user_text)
        answer = self.answer_ids(example.user_text, example.answer)
        if len(prompt) + len(answer) > self.max_length:
            self.truncated += 1
            answer = answer[: max(1, min(len(answer), self.max_length // 2))]
            room = self.max_length - len(answer)
            prompt = prompt[-room:] if room > 0 else []
        return {
            "input_ids": prompt + answer,
            "labels": [IGNORE_INDEX] * len(prompt) + answer,
        }


class EncodedDataset:
    """Tokenized examples with their domains, indexable by a DataLoader (a map-style dataset)."""

    def __init__(self, encoded: list[dict[str, list[int]]], domains: list[str]) -> None:
        self.encoded = encoded
        self.domains = domains

    def __len__(self) -> int:
        return len(self.encoded)

    def __getitem__(self, index: int) -> dict[str, list[int]]:
        return self.encoded[index]

    @classmethod
    def build(cls, encoder: Encoder, examples: Sequence[Example]) -> EncodedDataset:
        return cls([encoder.encode(e) for e in examples], [e.domain for e in examples])

    def counts(self) -> dict[str, int]:
        """Examples per domain (what the manifest reports)."""
        out: dict[str, int] = {}
        for d in self.domains:
            out[d] = out.get(d, 0) + 1
        return out


class Collator:
    """Right-pads a batch: padding gets attention 0 and label −100."""

    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, batch: Sequence[Mapping[str, list[int]]]) -> dict[str, Any]:
        import torch

        width = max(len(b["input_ids"]) for b in batch)
        ids = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
        labels = torch.full((len(batch), width), IGNORE_INDEX, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for i, b in enumerate(batch):
            n = len(b["input_ids"])
            ids[i, :n] = torch.tensor(b["input_ids"], dtype=torch.long)
            labels[i, :n] = torch.tensor(b["labels"], dtype=torch.long)
            mask[i, :n] = 1
        return {"input_ids": ids, "attention_mask": mask, "labels": labels}
