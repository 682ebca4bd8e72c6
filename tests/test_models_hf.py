"""The hf backend on tiny random models: padding invariance over a table of architectures,
adapters (PEFT LoRA and gci-bench ALoRA, evaluated unmerged), fingerprints, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from gci_bench.cli import main
from gci_bench.errors import GciError
from gci_bench.models import GenerationSettings, ModelSpec, Prompt, infer_backend, load_backend
from gci_bench.models.tiny import make_tiny_model

PROMPTS = [
    "请计算：被告人盗窃3次，共计5000元，数额如何认定？",
    "刑法第六十九条规定的总和刑期是多少年？",
    "选择：\n\nA. 甲\nB. 乙",
    "短",
    "下面这种行为构成什么罪？被告人张某于2016年5月在某市某区持刀抢劫路人钱包一个，内有现金800元。",
    "请为下面的论文摘要生成一个标题。我国对奥林匹克标志采用民事和行政双轨制保护模式。",
    "计算加班费：月工资6000元，法定休假日加班2天。",
]
TEXTS = PROMPTS + ["答案：第条罪元年月日"]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("hf-models")
    return {
        "llama": make_tiny_model(root / "llama", TEXTS),
        "llama-chat": make_tiny_model(root / "llama-chat", TEXTS, chat_template=True),
        "gpt2": make_tiny_model(root / "gpt2", TEXTS, arch="gpt2"),
        "llama-other": make_tiny_model(root / "llama-other", TEXTS, hidden_size=48, seed=1),
    }


def generate(path: Path, batch_size: int, *, adapter: Path | None = None, **kw: object) -> list:
    be = load_backend(ModelSpec(model=str(path), adapter=adapter))
    settings = GenerationSettings(
        max_new_tokens=10, chat_template=be.resolve_chat_template(None), batch_size=batch_size
    )
    return be.generate([Prompt(str(i), p) for i, p in enumerate(PROMPTS)], settings, **kw)


@pytest.mark.parametrize("arch", ["llama", "llama-chat", "gpt2"])
def test_padding_does_not_change_greedy_outputs(models: dict[str, Path], arch: str) -> None:
    one = generate(models[arch], 1)
    batches: list[list[int]] = []
    four = generate(models[arch], 4, on_batch=lambda idx, _outs: batches.append(idx))
    assert one == generate(models[arch], 16) == four
    assert all(o for o in one)
    # length-sorted batches, longest first, each prompt exactly once
    assert sorted(i for b in batches for i in b) == list(range(len(PROMPTS)))
    assert [len(b) for b in batches] == [4, 3]


def test_chat_template_is_used_when_present(models: dict[str, Path]) -> None:
    chat = load_backend(ModelSpec(model=str(models["llama-chat"])))
    plain = load_backend(ModelSpec(model=str(models["llama"])))
    assert chat.resolve_chat_template(None) is True
    assert plain.resolve_chat_template(None) is False
    assert chat.resolve_chat_template(False) is False
    with pytest.raises(GciError, match="has no chat template"):
        plain.resolve_chat_template(True)
    settings = GenerationSettings(8, chat_template=True)
    assert chat.render("问", settings) == "<s><|user|>问<|end|><|assistant|>"


def test_fingerprint_is_stable_and_tracks_weights_and_dtype(models: dict[str, Path]) -> None:
    fp = load_backend(ModelSpec(model=str(models["llama"]))).fingerprint
    assert fp == load_backend(ModelSpec(model=str(models["llama"]))).fingerprint
    assert fp != load_backend(ModelSpec(model=str(models["llama-other"]))).fingerprint
    assert fp != load_backend(ModelSpec(model=str(models["llama"]), dtype="bfloat16")).fingerprint


def lora_adapter(base: Path, out: Path) -> Path:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(str(base))
    targets = ["c_attn"] if model.config.model_type == "gpt2" else ["q_proj", "v_proj"]
    config = LoraConfig(r=4, lora_alpha=8, target_modules=targets, init_lora_weights=False)
    get_peft_model(model, config).save_pretrained(str(out))
    return out


def alora_adapter(base: Path, out: Path) -> Path:
    from transformers import AutoModelForCausalLM

    from gci_bench.alora import AloraConfig, get_alora_model

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(str(base.resolve()))
    wrapped = get_alora_model(model, AloraConfig(r=4, num_heads=2))
    with torch.no_grad():
        for layer in wrapped.alora_layers.values():
            layer.alora_B.normal_(0, 2.0)  # trained-looking: the adapter changes outputs
    wrapped.save_pretrained(out)
    return out


@pytest.mark.parametrize("kind", ["lora", "alora"])
def test_adapter_is_loaded_unmerged_and_fingerprinted(
    models: dict[str, Path], tmp_path: Path, kind: str
) -> None:
    make = lora_adapter if kind == "lora" else alora_adapter
    adapter = make(models["llama"], tmp_path / kind)
    be = load_backend(ModelSpec(model=str(models["llama"]), adapter=adapter))
    info = be.describe()["adapter"]
    assert info["kind"] == kind and info["fingerprint"] == be.adapter_fingerprint
    assert be.adapter_fingerprint is not None
    base_outputs = generate(models["llama"], 4)
    adapted = generate(models["llama"], 4, adapter=adapter)
    assert adapted != base_outputs
    assert adapted == generate(models["llama"], 1, adapter=adapter)  # padding invariant too
    if kind == "lora":
        from peft.tuners.lora import LoraLayer

        assert any(isinstance(m, LoraLayer) for m in be.model.modules())  # not merged


@pytest.mark.parametrize(
    ("kind", "trained_on"),
    [("lora", "gpt2"), ("lora", "llama-other"), ("alora", "llama-other")],
)
def test_adapter_for_another_base_is_refused(
    models: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    trained_on: str,
) -> None:
    make = lora_adapter if kind == "lora" else alora_adapter
    adapter = make(models[trained_on], tmp_path / "adapter")
    with pytest.raises(GciError, match="trained on base model|does not fit"):
        load_backend(ModelSpec(model=str(models["llama"]), adapter=adapter))


def test_adapter_on_a_copy_of_its_base_is_accepted(models: dict[str, Path], tmp_path: Path) -> None:
    import shutil

    adapter = lora_adapter(models["llama"], tmp_path / "lora")
    copy = Path(shutil.copytree(models["llama"], tmp_path / "elsewhere" / "llama"))
    be = load_backend(ModelSpec(model=str(copy), adapter=adapter))
    assert be.adapter is not None


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: d, "not an adapter directory"),
        (lambda d: d / "missing", "no such directory"),
        (lambda d: _write(d / "adapter_config.json", {"r": 4}), "neither adapter_type"),
    ],
    ids=["no-config", "missing-dir", "unknown-type"],
)
def test_bad_adapter_dir(models: dict[str, Path], tmp_path: Path, setup, message: str) -> None:
    path = setup(tmp_path)
    with pytest.raises(GciError, match=message):
        load_backend(ModelSpec(model=str(models["llama"]), adapter=path))


def _write(path: Path, obj: dict) -> Path:
    path.write_text(json.dumps(obj))
    return path.parent


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (ModelSpec(model="oracle"), "oracle"),
        (ModelSpec(model="retrieval"), "retrieval"),
        (ModelSpec(model="m", base_url="http://127.0.0.1:1/v1"), "openai"),
        (ModelSpec(model=None, predictions=Path("p.jsonl")), "predictions"),
        (ModelSpec(model="oracle", backend="retrieval"), "retrieval"),
    ],
)
def test_infer_backend(spec: ModelSpec, expected: str) -> None:
    assert infer_backend(spec) == expected


def test_infer_backend_hf_from_dir_or_gguf(models: dict[str, Path], tmp_path: Path) -> None:
    assert infer_backend(ModelSpec(model=str(models["llama"]))) == "hf"
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    assert infer_backend(ModelSpec(model=str(tmp_path / "m.gguf"))) == "hf"
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(GciError, match="not a .gguf"):
        infer_backend(ModelSpec(model=str(tmp_path / "weights.bin")))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--model", "/nonexistent/model"],
            "--model /nonexistent/model: no such file or directory",
        ),
        (["--model", "{tmp}"], "not a transformers model directory (config.json is missing)"),
        (["--model", "{tmp}/x.gguf"], "no such file or directory"),
        (["--model", "{llama}", "--adapter", "{gpt2-lora}"], "was trained on base model"),
        (["--model", "{llama}", "--chat-template"], "has no chat template"),
        (["--model", "oracle", "--batch-size", "0"], "--batch-size must be at least 1"),
        (["--model", "oracle", "--data", "{tmp}/nobuild"], "does not exist; run `gci-bench build`"),
    ],
    ids=[
        "unknown-path",
        "dir-without-config",
        "missing-gguf",
        "adapter-other-base",
        "no-template",
        "bad-batch-size",
        "missing-build",
    ],  # fmt: skip
)
def test_cli_bad_input_is_one_line_and_nonzero(
    models: dict[str, Path],
    embedded_build: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    subs = {"{tmp}": str(tmp_path), "{llama}": str(models["llama"])}
    if any("{gpt2-lora}" in a for a in args):
        subs["{gpt2-lora}"] = str(lora_adapter(models["gpt2"], tmp_path / "gpt2-lora"))
    argv = [_sub(a, subs) for a in args]
    if "--data" not in argv:
        argv += ["--data", str(embedded_build)]
    capsys.readouterr()  # drop what making the fixtures printed
    code = main(["eval", *argv, "--out", str(tmp_path / "out"), "--limit", "1"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in " ".join(err.split()), err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 3  # one message (rich may wrap it)


def _sub(arg: str, subs: dict[str, str]) -> str:
    for k, v in subs.items():
        arg = arg.replace(k, v)
    return arg
