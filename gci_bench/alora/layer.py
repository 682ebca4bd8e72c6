"""The ALoRA layer: LoRA plus causal self-attention in rank space.

For a frozen linear map ``W0`` and input ``x`` (B×T×d_in)::

    z = A · dropout(x)                       # B×T×r, as LoRA's down-projection
    a = O · MHA(Q·z, K·z, V·z)               # causal, padding-masked, over current + preceding tokens
    h = W0 · x + (alpha / r) · B · (z + a)   # B starts at zero: the adapted model equals the base

The attention lets each token's update depend on the tokens before it, which a fixed low-rank
matrix cannot; that is also why the adapter cannot be merged into ``W0``. Everything here lives in
rank space (r = 8 by default), so the extra cost is four r×r projections and an attention whose
head dim is r / num_heads.

A transformers layer never passes the attention mask to its linear layers, so the per-call facts
this layer needs (which keys are padding, how many tokens are already cached, whether to keep a
cache) come from an :class:`AloraCallContext` that :class:`~gci_bench.alora.model.AloraModel`
fills in a forward pre-hook on the base model and shares with every ``AloraLinear``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from transformers.pytorch_utils import Conv1D

from gci_bench.alora.config import AloraConfig
from gci_bench.errors import GciError


@dataclass
class AloraCallContext:
    """Facts about the current base-model call, shared by all adapted layers of one model.

    ``key_mask`` is B×S (True = real token) over past + current tokens, or None when every token
    is real; ``past_len`` is how many of the S tokens are already in the layers' caches;
    ``store`` says whether layers should keep their keys/values for a following call. When
    ``active`` is False (a layer called outside a model call) a layer sees its input as one
    unpadded causal sequence with no cache.
    """

    active: bool = False
    batch: int = 0
    q_len: int = 0
    past_len: int = 0
    key_mask: torch.Tensor | None = None
    store: bool = False
    device: torch.device | None = None
    _mask: tuple[torch.Tensor | None, bool] | None = field(default=None, repr=False)

    def set(
        self,
        *,
        batch: int,
        q_len: int,
        past_len: int,
        key_mask: torch.Tensor | None,
        store: bool,
        device: torch.device,
    ) -> None:
        """Start a new call; the attention mask is rebuilt lazily, once, for all layers."""
        self.active = True
        self.batch, self.q_len, self.past_len = batch, q_len, past_len
        self.key_mask, self.store, self.device = key_mask, store, device
        self._mask = None

    def attention_mask(self) -> tuple[torch.Tensor | None, bool]:
        """The boolean SDPA mask (B×1×q_len×S, True = attend) and the is_causal flag.

        Built once per call and shared by every layer. Query i sits at absolute position
        ``past_len + i``; it sees key j when ``j <= past_len + i`` and j is a real token. A query
        always sees itself, so a padding query (whose row would otherwise be empty and give NaN)
        attends to itself only; real queries never see padding, so their outputs do not depend on
        how much padding there is. Without padding the fast paths need no mask at all.
        """
        if self._mask is None:
            total = self.past_len + self.q_len
            if self.key_mask is None:
                if self.past_len == 0:
                    self._mask = (None, True)
                elif self.q_len == 1:
                    self._mask = (None, False)
                else:
                    self._mask = (self._causal(total, self.key_mask), False)
            else:
                self._mask = (self._causal(total, self.key_mask), False)
        return self._mask

    def _causal(self, total: int, key_mask: torch.Tensor | None) -> torch.Tensor:
        device = key_mask.device if key_mask is not None else self.device
        q_pos = torch.arange(self.past_len, total, device=device).unsqueeze(1)
        k_pos = torch.arange(total, device=device).unsqueeze(0)
        mask = (k_pos <= q_pos).unsqueeze(0)  # 1×q×S
        if key_mask is not None:
            mask = (mask & key_mask[:, None, :]) | (k_pos == q_pos).unsqueeze(0)
        return mask.unsqueeze(1)  # B×1×q×S


def base_layer_shape(layer: nn.Module) -> tuple[int, int]:
    """(d_in, d_out) of an ``nn.Linear`` or a GPT-2 ``Conv1D`` (whose weight is d_in×d_out)."""
    if isinstance(layer, nn.Linear):
        return layer.in_features, layer.out_features
    if isinstance(layer, Conv1D):
        return layer.weight.shape[0], layer.weight.shape[1]
    raise GciError(
        f"ALoRA can adapt nn.Linear and GPT-2 Conv1D layers, not {type(layer).__name__}; "
        "choose other target_modules"
    )


class AloraLinear(nn.Module):
    """A frozen linear layer plus an ALoRA adapter (see the module docstring for the formula).

    Parameters (plain tensors, no biases): ``alora_A`` (r×d_in), ``alora_B`` (d_out×r),
    ``alora_qkv`` (3r×r: the q, k, v projections fused into one matmul) and ``alora_o`` (r×r), so
    a layer has ``r·d_in + d_out·r + 4·r²`` trainable parameters. They are applied with
    functional ops rather than ``nn.Linear`` submodules: on CPU a module call costs several times
    the matmul of a rank-8 projection, and decode latency is mostly such overhead.
    """

    def __init__(
        self,
        base_layer: nn.Module,
        config: AloraConfig,
        context: AloraCallContext | None = None,
    ) -> None:
        super().__init__()
        self.base_layer = base_layer
        self.in_features, self.out_features = base_layer_shape(base_layer)
        self.r, self.num_heads = config.r, config.num_heads
        self.head_dim = config.r // config.num_heads
        self.scaling = config.scaling
        self.residual = config.residual
        self.dropout = config.dropout
        self.context = context if context is not None else AloraCallContext()
        self.disabled = False
        self._cache: tuple[torch.Tensor, torch.Tensor] | None = None

        weight = base_layer.weight
        # Half-precision bases keep the adapter in fp32 (as LoRA practice does): the rank-space
        # softmax and the small updates to B are where low precision hurts most.
        dtype = torch.float32 if weight.dtype in (torch.float16, torch.bfloat16) else weight.dtype

        def new(*shape: int) -> nn.Parameter:
            return nn.Parameter(torch.empty(*shape, device=weight.device, dtype=dtype))

        self.alora_A = new(self.r, self.in_features)
        self.alora_B = new(self.out_features, self.r)
        self.alora_qkv = new(3 * self.r, self.r)
        self.alora_o = new(self.r, self.r)
        self.reset_adapter_parameters(config)

    @torch.no_grad()
    def reset_adapter_parameters(self, config: AloraConfig) -> None:
        """A as in LoRA, B = 0 (identity at start), q/k/v/o small random.

        With B = 0 only B gets a gradient on the first step; after one step B ≠ 0 and A and all
        four attention projections receive gradients. All four projections are non-zero so that
        none of them is stuck (with V = 0 or O = 0 the others' gradients would stay zero).
        """
        if config.init == "kaiming":
            nn.init.kaiming_uniform_(self.alora_A, a=math.sqrt(5))  # = nn.Linear's default
        else:
            nn.init.normal_(self.alora_A, std=1.0 / self.r)
        nn.init.zeros_(self.alora_B)
        bound = config.attn_init_scale / math.sqrt(self.r)
        nn.init.uniform_(self.alora_qkv, -bound, bound)
        nn.init.uniform_(self.alora_o, -bound, bound)

    def reset_cache(self) -> None:
        """Drop the cached rank-space keys and values."""
        self._cache = None

    def reorder_cache(self, index: torch.Tensor) -> None:
        """Reorder the cached batch rows (beam search keeps some beams and copies others)."""
        if self._cache is not None:
            k, v = self._cache
            index = index.to(k.device)
            self._cache = (k.index_select(0, index), v.index_select(0, index))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.base_layer(x)
        if self.disabled:
            return out
        if x.dim() != 3:
            raise GciError(
                f"AloraLinear needs batch × tokens × features input, got shape {tuple(x.shape)}"
            )
        b, t, _ = x.shape
        # Work on (B·T)×features matrices with mm/addmm: a 3-D F.linear dispatches several
        # reshapes per call, and at decode time the adapter's cost is mostly such dispatch.
        x = x.reshape(b * t, self.in_features)
        if x.dtype != self.alora_A.dtype:
            x = x.to(self.alora_A.dtype)
        if self.dropout and self.training:
            x = F.dropout(x, self.dropout, training=True)
        z = torch.mm(x, self.alora_A.t())  # (B·T)×r
        attn = self._attend(z, b, t)
        if self.residual:
            h = torch.addmm(z, attn, self.alora_o.t())  # z + O·attn
        else:
            h = torch.mm(attn, self.alora_o.t())
        d_out = self.out_features
        if out.dtype == h.dtype:  # W0·x + s·B·h in one fused multiply-add
            flat = out.reshape(b * t, d_out)
            return torch.addmm(flat, h, self.alora_B.t(), alpha=self.scaling).view(b, t, d_out)
        delta = torch.mm(h, self.alora_B.t()).view(b, t, d_out) * self.scaling
        return out + delta.to(out.dtype)

    def _attend(self, z: torch.Tensor, b: int, t: int) -> torch.Tensor:
        """Causal multi-head attention of z over itself and the cached prefix; (B·T)×r."""
        qkv = torch.mm(z, self.alora_qkv.t()).view(b, t, 3, self.num_heads, self.head_dim)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each B×h×T×hd
        ctx = self.context
        if not ctx.active:
            mask, causal = None, True
        else:
            if b != ctx.batch or t != ctx.q_len:
                raise GciError(
                    f"AloraLinear got input of batch×length {b}×{t} but the model call has "
                    f"{ctx.batch}×{ctx.q_len}; ALoRA can only adapt layers that see the token "
                    "sequence of the causal LM"
                )
            if ctx.past_len:
                k, v = self._with_past(k, v, ctx.past_len)
            # plain attribute write: nn.Module.__setattr__ is slow and this runs per token
            object.__setattr__(self, "_cache", (k, v) if ctx.store else None)
            mask, causal = ctx.attention_mask()
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal)
        if t == 1:  # decode step: B×h×1×hd is already laid out as B×r
            return out.reshape(b, self.r)
        return out.transpose(1, 2).reshape(b * t, self.r)

    def _with_past(
        self, k: torch.Tensor, v: torch.Tensor, past_len: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Prepend the first ``past_len`` cached positions to the new keys and values.

        Taking exactly ``past_len`` (not the whole cache) makes a repeated call idempotent and
        follows a base cache that was cropped (assisted decoding rolls back rejected tokens).
        """
        cache = self._cache
        if cache is None or cache[0].shape[2] < past_len or cache[0].shape[0] != k.shape[0]:
            have = "none" if cache is None else f"{cache[0].shape[0]}×{cache[0].shape[2]}"
            raise GciError(
                f"ALoRA layer has no rank-space cache for this continuation (needs batch×length "
                f"{k.shape[0]}×{past_len}, has {have}); start decoding with a call that has no "
                "cache (past_key_values) and use_cache=True, in eval mode, on this AloraModel"
            )
        ck, cv = cache
        if ck.shape[2] != past_len:
            ck, cv = ck[:, :, :past_len], cv[:, :, :past_len]
        return torch.cat((ck, k), dim=2), torch.cat((cv, v), dim=2)
