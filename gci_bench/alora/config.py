"""What can be set for an ALoRA adapter.

One dataclass, one name per concept: the field names are the keys of the saved
``adapter_config.json``, the options a training CLI exposes, and the names the docs use
(docs/alora.md). Every design choice of this project's ALoRA construction that changes the
function the adapter computes is a field here, so a saved adapter says how it was built.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from gci_bench.errors import GciError

#: The adapter type written into ``adapter_config.json``. Deliberately not PEFT's "aLoRA", which is
#: a different method (Activated LoRA); a PEFT loader must not mistake one for the other.
ADAPTER_TYPE = "GCI_ALORA"

#: Attention projections of Llama / Qwen2 / Gemma (``q_proj`` …) and GPT-2 (``c_attn`` is the
#: fused qkv Conv1D; ``attn.c_proj`` is the attention output, not the MLP's ``mlp.c_proj``).
DEFAULT_TARGET_MODULES: tuple[str, ...] = (
    "q_proj",
    "k_proj",
    "v_proj",
    "o_proj",
    "c_attn",
    "attn.c_proj",
)

_INITS = ("kaiming", "gaussian")


@dataclass
class AloraConfig:
    """Hyper-parameters of ALoRA: ``h = W0·x + (alpha/r)·B·(z + MHA(z))`` with ``z = A·dropout(x)``."""

    r: int = field(default=8, metadata={"help": "Rank of the adapter: width of z = A·x."})
    alpha: float = field(
        default=16.0,
        metadata={"help": "Scale numerator: the adapter output is multiplied by alpha / r."},
    )
    num_heads: int = field(
        default=2,
        metadata={"help": "Heads of the rank-space self-attention; must divide r."},
    )
    dropout: float = field(
        default=0.0,
        metadata={"help": "Dropout on the adapter's input x (training only), as in LoRA."},
    )
    target_modules: list[str] = field(
        default_factory=lambda: list(DEFAULT_TARGET_MODULES),
        metadata={
            "help": "Names of the linear (or GPT-2 Conv1D) layers to adapt. A module is adapted "
            "when its dotted name equals an entry or ends with '.' + entry."
        },
    )
    base_model: str | None = field(
        default=None,
        metadata={
            "help": "Name or fingerprint of the base model. Filled in by get_alora_model when "
            "left empty; from_pretrained refuses to load the adapter onto another base."
        },
    )
    residual: bool = field(
        default=True,
        metadata={
            "help": "Feed B with z + MHA(z) (True) rather than MHA(z) alone, so the adapter "
            "contains plain LoRA as the path through the residual."
        },
    )
    init: str = field(
        default="kaiming",
        metadata={
            "help": "Initialisation of A: 'kaiming' (uniform, as nn.Linear and LoRA) or "
            "'gaussian' (normal with std 1/r). B always starts at zero."
        },
    )
    attn_init_scale: float = field(
        default=1.0,
        metadata={
            "help": "Multiplier on the kaiming-uniform bound (1/sqrt(r)) used to initialise the "
            "q, k, v, o projections. Must be > 0: with all four at zero none of them would "
            "ever receive a gradient."
        },
    )
    adapter_type: str = field(
        default=ADAPTER_TYPE,
        metadata={"help": "Fixed tag written to adapter_config.json; not a choice."},
    )

    def __post_init__(self) -> None:
        if isinstance(self.target_modules, str):
            self.target_modules = [self.target_modules]
        else:
            self.target_modules = list(self.target_modules)
        problems: list[str] = []
        if not isinstance(self.r, int) or isinstance(self.r, bool) or self.r < 1:
            problems.append(f"r must be a positive integer, got {self.r!r}")
        if not isinstance(self.num_heads, int) or self.num_heads < 1:
            problems.append(f"num_heads must be a positive integer, got {self.num_heads!r}")
        elif isinstance(self.r, int) and self.r >= 1 and self.r % self.num_heads:
            problems.append(f"num_heads ({self.num_heads}) must divide r ({self.r})")
        if not self.alpha > 0:
            problems.append(f"alpha must be > 0, got {self.alpha!r}")
        if not 0.0 <= self.dropout < 1.0:
            problems.append(f"dropout must be in [0, 1), got {self.dropout!r}")
        if not self.target_modules or not all(
            isinstance(t, str) and t for t in self.target_modules
        ):
            problems.append("target_modules must be a non-empty list of module names")
        if self.init not in _INITS:
            problems.append(f"init must be one of {', '.join(_INITS)}, got {self.init!r}")
        if not self.attn_init_scale > 0:
            problems.append(f"attn_init_scale must be > 0, got {self.attn_init_scale!r}")
        if self.adapter_type != ADAPTER_TYPE:
            problems.append(
                f"adapter_type is {self.adapter_type!r}, expected {ADAPTER_TYPE!r} "
                "(is this a PEFT adapter rather than a gci-bench ALoRA adapter?)"
            )
        if problems:
            raise GciError("invalid AloraConfig: " + "; ".join(problems))

    @property
    def scaling(self) -> float:
        """The factor alpha / r applied to B's output."""
        return self.alpha / self.r

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict, the content of ``adapter_config.json``."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AloraConfig:
        """Rebuild a config from :meth:`to_dict` output; unknown keys are an error, not ignored.

        An unknown key means the file was written by another method or a newer version whose
        function we would silently compute differently, so we refuse rather than guess.
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise GciError(
                f"adapter config has unknown keys {', '.join(unknown)} "
                f"(known: {', '.join(sorted(known))})"
            )
        return cls(**data)
