"""The baselines: supervised fine-tuning of all weights, of a LoRA adapter, of an ALoRA adapter.

They differ only in the parameterisation, which is why each is the base :class:`Method` with its
``fixed_peft`` set: the data, loss and sampling are the defaults.
"""

from __future__ import annotations

from gci_bench.training.methods import METHODS, Method


@METHODS.register("full")
class FullFineTuning(Method):
    name = "full"
    summary = "supervised fine-tuning of all weights"
    fixed_peft = "none"


@METHODS.register("lora")
class Lora(Method):
    name = "lora"
    summary = "supervised fine-tuning of a LoRA adapter (peft)"
    fixed_peft = "lora"


@METHODS.register("alora")
class Alora(Method):
    name = "alora"
    summary = "supervised fine-tuning of an ALoRA adapter (gci_bench.alora)"
    fixed_peft = "alora"
