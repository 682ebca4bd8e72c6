"""`gci-bench train`: labels, the three baseline methods, outputs, resume, accelerate, bad input.

Every run uses a tiny random Llama with a character tokenizer (built offline in a second), a few
records per group and short sequences, so each training run takes seconds on a CPU.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from gci_bench.cli import main
from gci_bench.errors import GciError
from gci_bench.training import TrainConfig, train
from gci_bench.training.data import IGNORE_INDEX, Collator, Encoder, Example

REPO = Path(__file__).resolve().parents[1]


def corpus_texts(build: Path) -> list[str]:
    """Every string of the build and of the general data: the tiny tokenizer's alphabet."""
    from gci_bench.build import default_raw_dir
    from gci_bench.outputs import load_build

    texts: list[str] = []
    for dd in load_build(build).values():
        for split in dd.values():
            for col in ("instruction", "input", "answer"):
                texts.extend(split[col])
            texts.extend(c for cs in split["choices"] for c in cs)
    raw = (default_raw_dir() / "alpaca_zh" / "zh-data-part-00.json").read_text(encoding="utf-8")
    texts.append(raw)
    return texts


@pytest.fixture(scope="module")
def tiny(embedded_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gci_bench.models.tiny import make_tiny_model

    out = tmp_path_factory.mktemp("tiny") / "model"
    return make_tiny_model(out, corpus_texts(embedded_build), chat_template=True, seed=0)


def quick(tiny: Path, build: Path, out: Path, **kw: object) -> TrainConfig:
    """A config for a seconds-long run; keyword arguments override."""
    base: dict[str, object] = dict(
        model=str(tiny),
        data=build,
        out=out,
        limit=8,
        val_size=4,
        max_steps=30,
        batch_size=4,
        max_length=96,
        logging_steps=1,
        eval_steps=15,
        save_steps=15,
        seed=0,
    )
    base.update(kw)
    return TrainConfig(**base)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- labels


def test_labels_mask_prompt_chat_template(tiny: Path) -> None:
    """Worked by hand on the character tokenizer: only 答 + end-of-turn + EOS are labelled."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tiny))
    enc = Encoder(tok, chat_template=True, max_length=64, stop_ids=[tok.eos_token_id])
    row = enc.encode(Example("x", "computation", "问题", "答"))
    ids = tok.convert_tokens_to_ids
    prompt = [
        ids("<s>"),
        ids("<|user|>"),
        ids("问"),
        ids("题"),
        ids("<|end|>"),
        ids("<|assistant|>"),
    ]
    answer = [ids("答"), ids("<|end|>"), tok.eos_token_id]
    assert row["input_ids"] == prompt + answer
    assert row["labels"] == [IGNORE_INDEX] * len(prompt) + answer


def test_labels_mask_prompt_plain(tiny: Path) -> None:
    """Plain prompt: the eval cue 答案： belongs to the prompt; the answer ends with EOS."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tiny))
    enc = Encoder(tok, chat_template=False, max_length=64, stop_ids=[tok.eos_token_id])
    row = enc.encode(Example("x", "safety", "问题", "答"))
    prompt = tok("问题\n答案：", add_special_tokens=True)["input_ids"]
    assert row["input_ids"] == prompt + [tok.convert_tokens_to_ids("答"), tok.eos_token_id]
    assert row["labels"][: len(prompt)] == [IGNORE_INDEX] * len(prompt)
    assert row["labels"][len(prompt) :] == row["input_ids"][len(prompt) :]


def test_truncation_keeps_prompt_end_and_answer_start(tiny: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tiny))
    enc = Encoder(tok, chat_template=False, max_length=10, stop_ids=[tok.eos_token_id])
    row = enc.encode(Example("x", "safety", "一二三四五六七八九十", "甲乙丙丁戊己庚辛"))
    assert len(row["input_ids"]) == 10 and enc.truncated == 1
    text = tok.decode(row["input_ids"])
    assert text.startswith("十\n答案：") and text.endswith("甲乙丙丁戊")  # 5 prompt + 5 answer


def test_collator_pads_with_ignored_labels() -> None:
    batch = Collator(pad_id=0)(
        [{"input_ids": [5, 6, 7], "labels": [-100, 6, 7]}, {"input_ids": [8], "labels": [8]}]
    )
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert batch["labels"].tolist() == [[-100, 6, 7], [8, -100, -100]]


# ---------------------------------------------------------------------- the three baselines


def _reload(method: str, tiny: Path, out: Path):  # noqa: ANN202 - a model of any kind
    from transformers import AutoModelForCausalLM

    if method == "full":
        return AutoModelForCausalLM.from_pretrained(str(out))
    base = AutoModelForCausalLM.from_pretrained(str(tiny))
    if method == "lora":
        from peft import PeftModel

        return PeftModel.from_pretrained(base, str(out))
    from gci_bench.alora import AloraModel

    return AloraModel.from_pretrained(base, out)


@pytest.mark.parametrize(
    ("method", "lr", "weights_file"),
    [
        ("full", 3e-3, "model.safetensors"),
        ("lora", 2e-2, "adapter_model.safetensors"),
        ("alora", 2e-2, "adapter_model.safetensors"),
    ],
)
def test_baseline_trains_saves_and_reloads(
    method: str, lr: float, weights_file: str, tiny: Path, embedded_build: Path, tmp_path: Path
) -> None:
    import torch

    out = tmp_path / method
    result = train(quick(tiny, embedded_build, out, method=method, lr=lr))

    # 30 steps lower the training loss.
    losses = [h["loss"] for h in json_lines(out / "trainer_log.jsonl") if "loss" in h]
    assert len(losses) == 30
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5 - 0.05, losses

    # The output directory is what eval reads, plus the tokenizer and the run's records.
    for name in (weights_file, "tokenizer.json", "training_manifest.json", "trainer_log.jsonl"):
        assert (out / name).is_file(), name
    if method != "full":
        assert (out / "adapter_config.json").is_file()

    # training_manifest.json: data, method, hyper-parameters under the flag names, versions, …
    m = json.loads((out / "training_manifest.json").read_text(encoding="utf-8"))
    build_fp = json.loads((embedded_build / "build_manifest.json").read_text())[
        "dataset_fingerprint"
    ]
    assert m["data"]["dataset_fingerprint"] == build_fp
    assert m["method"] == method
    hp = m["hyperparameters"]
    assert hp["lr"] == lr and hp["rank"] == 8 and hp["max_steps"] == 30 and hp["seed"] == 0
    assert set(hp) >= {"batch_size", "grad_accum", "eval_steps", "alpha", "target_modules"}
    assert {"torch", "transformers", "peft", "gci-bench"} <= set(m["versions"])
    assert m["base_model"]["path"] == str(tiny.resolve()) and m["base_model"]["fingerprint"]
    assert m["steps"] == 30 and m["seed"] == 0
    assert m["final"]["train_loss"] == pytest.approx(losses[-1])
    assert m["final"]["eval_loss"] is not None
    assert m["data"]["train_examples"] == {"computation": 8, "safety": 8, "summarization": 8}

    # Reloaded from disk, the model computes what the trained model in memory computes.
    reloaded = _reload(method, tiny, out).eval()
    trained = result.model.eval()
    ids = torch.tensor([[1, 4, 100, 200, 300, 6, 5, 400, 500]])
    mask = torch.ones_like(ids)
    with torch.no_grad():
        a = trained(input_ids=ids, attention_mask=mask).logits
        b = reloaded(input_ids=ids, attention_mask=mask).logits
    torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def json_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ---------------------------------------------------------------------- resume


def test_resume_continues_from_last_checkpoint(
    tiny: Path, embedded_build: Path, tmp_path: Path
) -> None:
    """An interrupted run resumed from its last checkpoint computes what the whole run computed."""
    import shutil

    out = tmp_path / "run"

    def cfg(**kw: object) -> TrainConfig:
        base: dict[str, object] = dict(
            method="alora", max_steps=6, save_steps=2, save_total_limit=3
        )
        base.update(kw)
        return quick(tiny, embedded_build, out, **base)

    whole = train(cfg())
    assert whole.global_step == 6 and whole.resumed_from is None
    losses = [h["loss"] for h in json_lines(out / "trainer_log.jsonl") if "loss" in h]
    # Pretend the run was killed after step 4: its last checkpoint is checkpoint-4.
    shutil.rmtree(out / "checkpoints" / "checkpoint-6")
    (out / "training_manifest.json").unlink()
    again = train(cfg())  # the same command: resumes by itself
    assert again.resumed_from is not None and again.resumed_from.endswith("checkpoint-4")
    assert [h["loss"] for h in json_lines(out / "trainer_log.jsonl") if "loss" in h] == losses
    # More steps: continues from checkpoint-6; the log keeps every step.
    longer = train(cfg(max_steps=8))
    assert longer.resumed_from.endswith("checkpoint-6") and longer.global_step == 8
    steps = [h["step"] for h in json_lines(out / "trainer_log.jsonl") if "loss" in h]
    assert steps == [1, 2, 3, 4, 5, 6, 7, 8]

    with pytest.raises(GciError, match="holds checkpoints"):
        train(cfg(max_steps=8, resume=False))
    with pytest.raises(GciError, match="--rank"):
        train(cfg(max_steps=10, rank=4))


def test_refuses_foreign_or_finished_output(
    tiny: Path, embedded_build: Path, tmp_path: Path
) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(GciError, match="not a gci-bench training directory"):
        train(quick(tiny, embedded_build, foreign))
    with pytest.raises(GciError, match="no checkpoint to resume"):
        train(quick(tiny, embedded_build, tmp_path / "empty", resume=True))


# ---------------------------------------------------------------------- accelerate


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_accelerate_two_processes(tiny: Path, embedded_build: Path, tmp_path: Path) -> None:
    """Two CPU processes (gloo) train one adapter together; one set of outputs is written."""
    out = tmp_path / "ddp"
    accelerate = Path(sys.executable).with_name("accelerate")
    cmd = [
        str(accelerate), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
        "--mixed_precision", "no", "--dynamo_backend", "no",
        "--main_process_port", str(_free_port()),
        "-m", "gci_bench.cli", "train",
        "--model", str(tiny), "--method", "lora", "--data", str(embedded_build), "--out", str(out),
        "--max-steps", "4", "--limit", "8", "--val-size", "4", "--batch-size", "2",
        "--max-length", "64", "--logging-steps", "1", "--eval-steps", "2", "--save-steps", "2",
    ]  # fmt: skip
    env = {**os.environ, "ACCELERATE_USE_CPU": "true", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    m = json.loads((out / "training_manifest.json").read_text(encoding="utf-8"))
    assert m["num_processes"] == 2 and m["steps"] == 4
    assert m["effective_batch_size"] == 4
    assert (out / "adapter_model.safetensors").is_file()
    assert len(list(out.glob("adapter_model*.safetensors"))) == 1
    # Only the main process talks: one summary table, not one per process.
    assert (proc.stdout + proc.stderr).count("validation loss") == 1


# ---------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--data", "/nonexistent/build"], "does not exist"),
        (["--method", "lroa"], "did you mean lora"),
        (["--rank", "0"], "--rank must be a positive integer"),
        (["--method", "lora", "--peft", "alora"], "cannot be combined with --peft alora"),
        (["--versatune-weights", "1", "2"], "--versatune-weights"),
        (["--target-modules", "no_such_proj"], "no linear layer"),
    ],
)
def test_bad_input_is_one_line_error(
    extra: list[str],
    message: str,
    tiny: Path,
    embedded_build: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["train", "--model", str(tiny), "--data", str(embedded_build), "--out"]
    argv += [str(tmp_path / "out"), "--max-steps", "1", "--limit", "2", *extra]
    code = main(argv)
    err = capsys.readouterr().err
    assert code != 0
    assert "error:" in err and message in " ".join(err.split())
    assert "Traceback" not in err


def test_cli_flags_are_config_fields() -> None:
    """One name per concept: every TrainConfig field is a flag of `gci-bench train`."""
    from dataclasses import fields

    from gci_bench.cli import make_parser

    parser = make_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    train_parser = sub.choices["train"]  # type: ignore[index]
    flags = {s for a in train_parser._actions for s in a.option_strings}
    for f in fields(TrainConfig):
        assert "--" + f.name.replace("_", "-") in flags, f.name
    assert "--no-chat-template" in flags and "--no-resume" in flags
