"""ALoRA checks run over a table of tiny architectures (Llama, Qwen2, GPT-2, Gemma3 text).

Every architecture gets the same checks: exact identity at initialisation, causality, padding
invariance, cached decoding equal to recomputation, save/load, gradients, the parameter-count
formula of docs/alora.md, disable/merge/mismatch behaviour. Models are random, fp32, seeded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from torch import nn
from transformers import (
    AutoModelForCausalLM,
    DynamicCache,
    Gemma3TextConfig,
    GPT2Config,
    LlamaConfig,
    PretrainedConfig,
    Qwen2Config,
)
from transformers.pytorch_utils import Conv1D

from gci_bench.alora import AloraConfig, AloraLinear, AloraModel, get_alora_model
from gci_bench.errors import GciError

VOCAB = 96
ATOL = 1e-5


@dataclass(frozen=True)
class Arch:
    name: str
    make_config: Callable[[], PretrainedConfig]
    n_adapted: int  # adapted layers with the default target_modules


def _llama() -> PretrainedConfig:
    return LlamaConfig(
        vocab_size=VOCAB, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
    )  # fmt: skip


def _qwen2() -> PretrainedConfig:
    return Qwen2Config(
        vocab_size=VOCAB, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
    )  # fmt: skip


def _gpt2() -> PretrainedConfig:
    return GPT2Config(
        vocab_size=VOCAB, n_embd=64, n_layer=2, n_head=4, n_positions=128, bos_token_id=1,
        eos_token_id=2, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
    )  # fmt: skip


def _gemma3() -> PretrainedConfig:
    # sliding_window 8 < the generated lengths: the base cache slides, the ALoRA cache must not.
    return Gemma3TextConfig(
        vocab_size=VOCAB, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=128,
        sliding_window=8,
    )  # fmt: skip


ARCHS = [
    Arch("llama", _llama, 8),
    Arch("qwen2", _qwen2, 8),
    Arch("gpt2", _gpt2, 4),  # c_attn + attn.c_proj per block (mlp.c_proj is not targeted)
    Arch("gemma3", _gemma3, 8),
]
ARCH_IDS = [a.name for a in ARCHS]


def base_model(arch: Arch, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return AutoModelForCausalLM.from_config(arch.make_config()).eval()


def adapted(arch: Arch, seed: int = 0, **config: object) -> AloraModel:
    model = get_alora_model(base_model(arch, seed), AloraConfig(**config))
    torch.manual_seed(seed + 1)  # adapter init independent of how much RNG the base consumed
    for layer in model.alora_layers.values():
        layer.reset_adapter_parameters(model.alora_config)
    return model.eval()


def train_steps(model: AloraModel, steps: int = 3, seed: int = 0) -> None:
    """A few AdamW steps on random tokens, so B (and then A, q/k/v/o) leave their init."""
    gen = torch.Generator().manual_seed(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=2e-2)
    model.train()
    for _ in range(steps):
        ids = torch.randint(3, VOCAB, (2, 10), generator=gen)
        model(input_ids=ids, labels=ids).loss.backward()
        opt.step()
        opt.zero_grad()
    model.eval()


def tokens(*shape: int, seed: int = 1) -> torch.Tensor:
    return torch.randint(3, VOCAB, shape, generator=torch.Generator().manual_seed(seed))


def left_pad(seqs: list[torch.Tensor], pad: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, width - len(s) :] = s
        mask[i, width - len(s) :] = 1
    return ids, mask


def positions(mask: torch.Tensor) -> torch.Tensor:
    return (mask.cumsum(-1) - 1).clamp(min=0)


@torch.no_grad()
def logits(model: nn.Module, ids: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    if mask is None:
        return model(input_ids=ids, use_cache=False).logits
    return model(
        input_ids=ids, attention_mask=mask, position_ids=positions(mask), use_cache=False
    ).logits


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    """Tiny models gain nothing from threads, and on a busy machine OpenMP waits dominate."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(params=ARCHS, ids=ARCH_IDS)
def arch(request: pytest.FixtureRequest) -> Arch:
    return request.param


def test_starts_identical_to_base(arch: Arch) -> None:
    ids = tokens(2, 12)
    expected = logits(base_model(arch), ids)
    model = adapted(arch)
    assert len(model.alora_layers) == arch.n_adapted
    assert torch.equal(logits(model, ids), expected)


def test_causal(arch: Arch) -> None:
    model = adapted(arch)
    train_steps(model)
    outputs: dict[str, list[torch.Tensor]] = {}
    hooks = [
        layer.register_forward_hook(
            lambda _m, _i, out, n=name: outputs.setdefault(n, []).append(out)
        )
        for name, layer in model.alora_layers.items()
    ]
    ids = tokens(1, 12)
    changed = ids.clone()
    t = 6
    changed[0, t + 1 :] = (changed[0, t + 1 :] + 7) % VOCAB
    first, second = logits(model, ids), logits(model, changed)
    for hook in hooks:
        hook.remove()
    torch.testing.assert_close(first[:, : t + 1], second[:, : t + 1], rtol=0, atol=1e-6)
    assert not torch.allclose(first[:, t + 1 :], second[:, t + 1 :])
    for name, (a, b) in outputs.items():
        torch.testing.assert_close(a[:, : t + 1], b[:, : t + 1], rtol=0, atol=1e-6, msg=name)


def test_left_padding_matches_each_sequence_alone(arch: Arch) -> None:
    model = adapted(arch)
    train_steps(model)
    seqs = [tokens(5, seed=2), tokens(8, seed=3), tokens(3, seed=4)]
    ids, mask = left_pad(seqs)
    batched = logits(model, ids, mask)
    for i, seq in enumerate(seqs):
        alone = logits(model, seq[None])
        torch.testing.assert_close(batched[i, -len(seq) :], alone[0], rtol=0, atol=ATOL)
    assert torch.isfinite(batched).all()  # padding rows attend to themselves only: no NaN


def test_cached_decoding_equals_recomputation(arch: Arch) -> None:
    model = adapted(arch)
    train_steps(model)
    ids, mask = left_pad([tokens(6, seed=5), tokens(9, seed=6)])
    full_ids = torch.cat([ids, tokens(2, 5, seed=7)], dim=1)
    full_mask = torch.cat([mask, torch.ones(2, 5, dtype=torch.long)], dim=1)
    expected = logits(model, full_ids, full_mask)
    # manual loop: prefill, then one token at a time through the base cache
    width = ids.shape[1]
    with torch.no_grad():
        cache = DynamicCache(config=model.config)
        out = model(
            input_ids=ids, attention_mask=mask, position_ids=positions(mask), cache=cache,
            use_cache=True,
        )  # fmt: skip
        steps = [out.logits]
        for j in range(width, full_ids.shape[1]):
            m = full_mask[:, : j + 1]
            out = model(
                input_ids=full_ids[:, j : j + 1], attention_mask=m,
                position_ids=positions(m)[:, -1:], cache=out.cache, use_cache=True,
            )  # fmt: skip
            steps.append(out.logits)
    torch.testing.assert_close(torch.cat(steps, dim=1), expected, rtol=0, atol=ATOL)

    # generate: greedy tokens identical, step logits within ATOL
    kwargs = dict(
        attention_mask=mask, max_new_tokens=12, do_sample=False, pad_token_id=0,
        return_dict_in_generate=True, output_logits=True,
    )  # fmt: skip
    with torch.no_grad():
        cached = model.generate(ids, use_cache=True, **kwargs)
        recomputed = model.generate(ids, use_cache=False, **kwargs)
    assert torch.equal(cached.sequences, recomputed.sequences)
    torch.testing.assert_close(
        torch.stack(cached.logits), torch.stack(recomputed.logits), rtol=0, atol=ATOL
    )


def test_beam_search_cache_follows_reorders(arch: Arch) -> None:
    model = adapted(arch)
    train_steps(model)
    ids = tokens(2, 6, seed=8)
    kwargs = dict(
        max_new_tokens=8, num_beams=4, num_return_sequences=4, do_sample=False, pad_token_id=0,
        return_dict_in_generate=True, output_scores=True,
    )  # fmt: skip
    with torch.no_grad():
        cached = model.generate(ids, use_cache=True, **kwargs)
        recomputed = model.generate(ids, use_cache=False, **kwargs)
    assert torch.equal(cached.sequences, recomputed.sequences)
    torch.testing.assert_close(
        cached.sequences_scores, recomputed.sequences_scores, rtol=0, atol=ATOL
    )


def test_multi_token_steps_and_cache_rollback(arch: Arch) -> None:
    """Prompt-lookup decoding feeds several tokens per step and crops rejected ones from the cache."""
    model = adapted(arch)
    train_steps(model)
    ids = torch.cat([tokens(1, 5, seed=s) for s in (8, 9, 8, 9, 8)], dim=1)  # repeats to look up
    kwargs = dict(max_new_tokens=16, do_sample=False, pad_token_id=0)
    with torch.no_grad():
        greedy = model.generate(ids, use_cache=False, **kwargs)
        lookup = model.generate(ids, use_cache=True, prompt_lookup_num_tokens=4, **kwargs)
    assert torch.equal(greedy, lookup)


def test_save_load_round_trip(arch: Arch, tmp_path: Path) -> None:
    model = adapted(arch)
    train_steps(model)
    ids, mask = left_pad([tokens(4, seed=9), tokens(7, seed=10)])
    expected = logits(model, ids, mask)
    model.save_pretrained(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "adapter_config.json",
        "adapter_model.safetensors",
    ]
    saved = json.loads((tmp_path / "adapter_config.json").read_text())
    assert saved["adapter_type"] == "GCI_ALORA"
    loaded = AloraModel.from_pretrained(base_model(arch), tmp_path).eval()
    assert torch.equal(logits(loaded, ids, mask), expected)
    assert loaded.num_trainable_parameters() == 0  # inference load unless is_trainable=True


def test_every_adapter_weight_gets_gradients(arch: Arch) -> None:
    model = adapted(arch)
    train_steps(model, steps=1)  # B = 0 at init: only B has a gradient before this step
    model.train()
    ids = tokens(2, 10, seed=11)
    model(input_ids=ids, labels=ids).loss.backward()
    for name, param in model.named_parameters():
        if ".alora_" in name:
            assert param.grad is not None and param.grad.abs().sum() > 0, name
        else:
            assert not param.requires_grad and param.grad is None, name


def test_trainable_parameters_follow_the_documented_formula(arch: Arch) -> None:
    r = 8
    model = adapted(arch, r=r)
    expected = 0
    for layer in model.alora_layers.values():
        base = layer.base_layer
        if isinstance(base, Conv1D):
            d_in, d_out = base.weight.shape
        else:
            d_in, d_out = base.in_features, base.out_features
        expected += r * d_in + d_out * r + 4 * r * r  # docs/alora.md
    assert model.num_trainable_parameters() == expected


def test_disable_adapter_gives_base_outputs(arch: Arch) -> None:
    ids = tokens(2, 9, seed=12)
    expected = logits(base_model(arch), ids)
    model = adapted(arch)
    train_steps(model)
    with model.disable_adapter():
        assert torch.equal(logits(model, ids), expected)
    assert not torch.allclose(logits(model, ids), expected)


def test_merge_and_unload_refuses(arch: Arch) -> None:
    with pytest.raises(GciError, match="cannot be merged"):
        adapted(arch).merge_and_unload()


def test_from_pretrained_refuses_another_base(arch: Arch, tmp_path: Path) -> None:
    adapted(arch).save_pretrained(tmp_path)
    config = arch.make_config()
    config.vocab_size = VOCAB + 8  # same family, another model: the fingerprint differs
    other = AutoModelForCausalLM.from_config(config)
    with pytest.raises(GciError, match="trained on base model"):
        AloraModel.from_pretrained(other, tmp_path)


# ---------------------------------------------------------------- architecture-independent checks


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"r": 0}, "r must be"),
        ({"r": 8, "num_heads": 3}, "must divide r"),
        ({"alpha": 0}, "alpha"),
        ({"dropout": 1.0}, "dropout"),
        ({"target_modules": []}, "target_modules"),
        ({"init": "orthogonal"}, "init must be"),
        ({"attn_init_scale": 0.0}, "attn_init_scale"),
        ({"adapter_type": "aLoRA"}, "PEFT"),
    ],
)
def test_config_rejects(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(GciError, match=message):
        AloraConfig(**kwargs)


def test_config_round_trip_and_unknown_keys() -> None:
    config = AloraConfig(r=4, num_heads=4, residual=False, base_model="x")
    assert AloraConfig.from_dict(config.to_dict()) == config
    with pytest.raises(GciError, match="unknown keys"):
        AloraConfig.from_dict({**config.to_dict(), "peft_type": "LORA"})


def test_from_pretrained_errors(tmp_path: Path) -> None:
    arch = ARCHS[0]
    with pytest.raises(GciError, match="missing"):
        AloraModel.from_pretrained(base_model(arch), tmp_path)
    adapted(arch, base_model="someone/else").save_pretrained(tmp_path)
    with pytest.raises(GciError, match="someone/else"):
        AloraModel.from_pretrained(base_model(arch), tmp_path)
    loaded = AloraModel.from_pretrained(base_model(arch), tmp_path, base_model="someone/else")
    assert len(loaded.alora_layers) == arch.n_adapted
    peft_dir = tmp_path / "peft"
    peft_dir.mkdir()
    (peft_dir / "adapter_config.json").write_text(json.dumps({"peft_type": "ALORA"}))
    (peft_dir / "adapter_model.safetensors").write_bytes(b"")
    with pytest.raises(GciError, match="Activated LoRA"):
        AloraModel.from_pretrained(base_model(arch), peft_dir)


def test_bad_targets_and_double_injection() -> None:
    arch = ARCHS[0]
    with pytest.raises(GciError, match="matches target_modules"):
        get_alora_model(base_model(arch), AloraConfig(target_modules=["nope"]))
    with pytest.raises(GciError, match="nn.Linear"):
        get_alora_model(base_model(arch), AloraConfig(target_modules=["input_layernorm"]))
    with pytest.raises(GciError, match="already has ALoRA"):
        get_alora_model(adapted(arch), AloraConfig())


def test_unload_restores_plain_layers() -> None:
    arch = ARCHS[0]
    ids = tokens(1, 8)
    expected = logits(base_model(arch), ids)
    model = adapted(arch)
    train_steps(model)
    plain = model.unload()
    assert not any(isinstance(m, AloraLinear) for m in plain.modules())
    assert all(p.requires_grad for p in plain.parameters())  # the flags it had before
    assert torch.equal(logits(plain, ids), expected)


def test_half_precision_base_keeps_fp32_adapter() -> None:
    base = nn.Linear(16, 12).to(torch.bfloat16)
    layer = AloraLinear(base, AloraConfig(r=4, num_heads=2))
    assert layer.alora_A.dtype == torch.float32
    x = torch.randn(2, 5, 16, dtype=torch.bfloat16)
    assert torch.equal(layer(x), base(x))  # B = 0: exact, and in the base's dtype
    nn.init.normal_(layer.alora_B)
    assert layer(x).dtype == torch.bfloat16


def test_layer_alone_is_causal_and_continuation_needs_cache() -> None:
    layer = AloraLinear(nn.Linear(16, 12), AloraConfig(r=4, num_heads=2))
    nn.init.normal_(layer.alora_B)
    x = torch.randn(2, 5, 16)
    y = layer(x)
    x2 = x.clone()
    x2[:, 3:] += 1.0
    torch.testing.assert_close(layer(x2)[:, :3], y[:, :3], rtol=0, atol=1e-6)
    # a decode step without a prefill in the same model has no cache: a clear error, not garbage
    layer.context.set(batch=2, q_len=1, past_len=4, key_mask=None, store=True, device=x.device)
    with pytest.raises(GciError, match="no rank-space cache"):
        layer(x[:, :1])
