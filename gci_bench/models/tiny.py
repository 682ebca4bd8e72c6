"""Tiny random causal LMs with a character-level Chinese tokenizer, built offline in a second.

Tests, benchmarks and demos need a real transformers model folder — config, tokenizer, weights,
optionally a chat template — without downloading anything. :func:`make_tiny_model` writes one:
random weights (seeded), a word-level tokenizer whose words are single characters taken from the
given texts (so Chinese prompts tokenize without unknowns), and a minimal chat template when asked.
Its outputs are gibberish; what matters is that every code path of the hf backend runs on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

#: A minimal chat template (user / assistant turns with explicit markers).
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|end|>"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}"
)

_SPECIALS = ["<pad>", "<s>", "</s>", "<unk>", "<|user|>", "<|assistant|>", "<|end|>"]
_BASE_CHARS = (
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,:;!?%()[]+-*/=\n"
    "，。：；！？、（）《》“”‘’％"
)


def char_tokenizer(texts: Iterable[str], *, chat_template: bool = False) -> object:
    """A ``PreTrainedTokenizerFast`` with one token per character seen in ``texts``."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    chars = sorted(set(_BASE_CHARS).union(*(set(t) for t in texts)))
    vocab = {tok: i for i, tok in enumerate(_SPECIALS)}
    for ch in chars:
        vocab.setdefault(ch, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    # Special tokens are matched before pre-tokenization; everything else is one char per token.
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    tok.decoder = decoders.Fuse()
    tok.add_special_tokens(_SPECIALS)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        additional_special_tokens=_SPECIALS[4:],
    )
    if chat_template:
        fast.chat_template = CHAT_TEMPLATE
    return fast


def make_tiny_model(
    out_dir: str | Path,
    texts: Iterable[str],
    *,
    arch: str = "llama",
    chat_template: bool = False,
    seed: int = 0,
    hidden_size: int = 32,
    layers: int = 2,
    heads: int = 2,
    max_positions: int = 4096,
) -> Path:
    """Write a random ``arch`` (llama or gpt2) causal LM plus tokenizer to ``out_dir``.

    Architectures whose model type maps to a model-specific tokenizer class (qwen2, …) are not
    offered: transformers would load that class instead of the character tokenizer saved here.
    """
    import torch
    import transformers

    tokenizer = char_tokenizer(texts, chat_template=chat_template)
    vocab = len(tokenizer)  # type: ignore[arg-type]
    common = {
        "vocab_size": vocab,
        "bos_token_id": tokenizer.bos_token_id,  # type: ignore[attr-defined]
        "eos_token_id": tokenizer.eos_token_id,  # type: ignore[attr-defined]
        "pad_token_id": tokenizer.pad_token_id,  # type: ignore[attr-defined]
    }
    if arch == "llama":
        config = transformers.LlamaConfig(
            hidden_size=hidden_size,
            intermediate_size=hidden_size * 2,
            num_hidden_layers=layers,
            num_attention_heads=heads,
            num_key_value_heads=heads,
            max_position_embeddings=max_positions,
            tie_word_embeddings=False,
            **common,
        )
    elif arch == "gpt2":
        config = transformers.GPT2Config(
            n_embd=hidden_size, n_layer=layers, n_head=heads, n_positions=max_positions, **common
        )
    else:
        raise ValueError(f"unknown tiny architecture {arch!r} (llama, gpt2)")
    torch.manual_seed(seed)
    model = transformers.AutoModelForCausalLM.from_config(config)
    # Random init leaves logits almost flat; widen them so greedy choices are not near-ties
    # that float rounding between batch shapes could flip.
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                p.mul_(4.0)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)  # type: ignore[attr-defined]
    return out
