"""Training methods, one registry entry each: full, lora, alora, rega, versatune, mixcpt, replay.

A method is a class registered in :data:`METHODS` by a decorator next to it. The trainer never
branches on a method's name; it asks the method, in this order, for

1. :meth:`Method.training_examples` / :meth:`Method.validation_examples` — the data mix
   (replay and REGA add general data, REGA adds role prompts);
2. :meth:`Method.prepare_model` — the model to train (by default the base wrapped by the
   ``--peft`` parameterisation; Mix-CPT also keeps its teacher);
3. :meth:`Method.sampler` — how batches are drawn (VersaTune's domain weights);
4. :meth:`Method.compute_loss` — the training loss (Mix-CPT's CE + λ·KL);
5. :meth:`Method.callbacks` — what runs between steps (VersaTune's weight rounds);
6. :meth:`Method.report` / :meth:`Method.inference_prompt` — what goes into the manifest.

Each hook has a default that makes plain supervised fine-tuning, so a method overrides only what
it changes.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from gci_bench.registry import Registry

if TYPE_CHECKING:
    from gci_bench.training.adapters import Parameterization
    from gci_bench.training.config import TrainConfig
    from gci_bench.training.data import EncodedDataset, Encoder, Example


@dataclass
class GeneralData:
    """General instructions for a run: a training pool, a held-out slice, and reading problems."""

    pool: list[Example]
    val: list[Example]
    source: str
    problems: list[str]


@dataclass
class MethodContext:
    """What a method may look at while it prepares a run.

    ``train`` / ``val`` hold the benchmark examples per task group (validation held out already).
    ``general()`` reads the general instructions on first use, so methods that never mix general
    data never need the file. ``base_model`` is the model before any adapter is attached.
    ``main_process_first()`` lets the main process do a one-off job (REGA's generation) while the
    other processes of an ``accelerate launch`` wait and then read its result; ``status(msg)``
    reports what a long preparation step is doing.
    """

    config: TrainConfig
    tokenizer: Any
    chat_template: bool
    encoder: Encoder
    train: dict[str, list[Example]]
    val: dict[str, list[Example]]
    general: Callable[[], GeneralData]
    base_model: Any
    base_path: str
    base_fingerprint: str
    main_process_first: Callable[[], AbstractContextManager[Any]]
    is_main_process: bool = True
    device: str = "cpu"
    status: Callable[[str], None] = lambda message: None


class Method:
    """Plain supervised fine-tuning on the domain data; subclasses change one hook each."""

    name: ClassVar[str]
    #: One line for ``gci-bench train --help`` and the docs.
    summary: ClassVar[str] = ""
    #: The parameterisation a method *is* (full/lora/alora); None lets ``--peft`` choose.
    fixed_peft: ClassVar[str | None] = None

    def __init__(self, config: TrainConfig) -> None:
        from gci_bench.training.adapters import parameterization

        self.config = config
        self.param: Parameterization = parameterization(config.peft or "lora")

    def training_examples(self, ctx: MethodContext) -> list[Example]:
        """The training mix: by default every train example of the selected groups."""
        return [e for g in self.config.groups for e in ctx.train[g]]

    def validation_examples(self, ctx: MethodContext) -> list[Example]:
        """The validation examples, prompted as at inference (default: the held-out slice)."""
        return [e for g in self.config.groups for e in ctx.val[g]]

    def prepare_model(self, model: Any, ctx: MethodContext) -> Any:
        """The model to train: ``model`` wrapped by the ``--peft`` parameterisation."""
        return self.param.wrap(model, self.config)

    def sampler(self, dataset: EncodedDataset) -> Any | None:
        """A sampler for the training DataLoader; None keeps the Trainer's seeded shuffle."""
        return None

    def compute_loss(
        self, trainer: Any, model: Any, inputs: dict[str, Any], num_items_in_batch: Any
    ) -> tuple[Any, Any] | None:
        """``(loss, outputs)`` for one training micro-batch; None keeps the model's own CE."""
        return None

    def callbacks(self, ctx: MethodContext, trainer: Any) -> list[Any]:
        """TrainerCallbacks the method needs between steps."""
        return []

    def pop_logs(self) -> dict[str, float]:
        """Extra values for the next log line (e.g. the loss terms), reset after each call."""
        return {}

    def inference_prompt(self) -> str | None:
        """A role prompt that eval must put before every user message, or None."""
        return None

    def report(self) -> dict[str, Any]:
        """Method-specific facts for ``training_manifest.json`` (mix sizes, weight history)."""
        return {}


METHODS: Registry[type[Method]] = Registry(
    "training method",
    modules=(
        "gci_bench.training.methods.sft",
        "gci_bench.training.methods.replay",
        "gci_bench.training.methods.rega",
        "gci_bench.training.methods.versatune",
        "gci_bench.training.methods.mixcpt",
    ),
)

__all__ = ["METHODS", "GeneralData", "Method", "MethodContext"]
