"""Fine-tuning on a gci-bench build: ``gci-bench train`` and the methods it offers.

Public API::

    from gci_bench.training import TrainConfig, train, METHODS

    result = train(TrainConfig(model="base/", method="lora", data="gci-build", out="runs/lora"))
    result.out_dir          # what `gci-bench eval --model base/ --adapter runs/lora` reads

Methods (:data:`METHODS`): ``full``, ``lora``, ``alora`` (the baselines), ``replay``, ``rega``,
``versatune`` and ``mixcpt`` (recipes from the related work, each over ``--peft lora|alora|none``).
See docs/training.md and docs/methods.md.
"""

from __future__ import annotations

from gci_bench.training.config import PEFT_KINDS, TrainConfig
from gci_bench.training.methods import METHODS, Method, MethodContext
from gci_bench.training.trainer import TrainProgress, TrainResult, train

__all__ = [
    "METHODS",
    "PEFT_KINDS",
    "Method",
    "MethodContext",
    "TrainConfig",
    "TrainProgress",
    "TrainResult",
    "train",
]
