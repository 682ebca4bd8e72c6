"""ALoRA: LoRA plus causal self-attention in rank space (this project's reference construction).

The paper (Liu et al., EMNLP 2024) describes the idea without equations or code; the construction
here is fixed by docs/alora.md. Public API::

    from gci_bench.alora import AloraConfig, get_alora_model, AloraModel

    model = get_alora_model(base, AloraConfig(r=8))
    ...train...
    model.save_pretrained("out/adapter")
    model = AloraModel.from_pretrained(base2, "out/adapter")
"""

from __future__ import annotations

from gci_bench.alora.config import ADAPTER_TYPE, AloraConfig
from gci_bench.alora.layer import AloraLinear
from gci_bench.alora.model import AloraModel, base_model_fingerprint, get_alora_model

__all__ = [
    "ADAPTER_TYPE",
    "AloraConfig",
    "AloraLinear",
    "AloraModel",
    "base_model_fingerprint",
    "get_alora_model",
]
