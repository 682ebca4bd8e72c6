"""``train(config)``: one fine-tuning run, from a build directory to an evaluable output directory.

The run uses transformers' :class:`~transformers.Trainer`, which brings gradient accumulation,
mixed precision, checkpoints with optimizer state, and multi-process training under
``accelerate launch`` (each process runs this same function; only the main one writes outputs).
What is ours: the data (prompts exactly as ``gci-bench eval`` renders them, loss on answer
tokens only), the method hooks (:mod:`gci_bench.training.methods`), saving through the
parameterisation (so OUT is what ``eval --adapter`` / ``eval --model`` reads), resumption
checks, and ``training_manifest.json``.

Output directory::

    adapter_config.json + adapter_model.safetensors   (lora, alora)  |  config.json + weights (full)
    tokenizer files
    training_manifest.json      what was trained on what, how, with which result
    trainer_log.jsonl           the Trainer's log history, one JSON object per line
    train_config.json           the run's TrainConfig (checked when a run is resumed)
    checkpoints/checkpoint-N/   resumable checkpoints (weights, optimizer, scheduler, RNG states)
"""

from __future__ import annotations

import json
import logging
import os
import platform
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gci_bench.errors import GciError
from gci_bench.prompts import ROLE_SEPARATOR
from gci_bench.training.config import TrainConfig

logger = logging.getLogger(__name__)

MANIFEST = "training_manifest.json"
TRAIN_CONFIG = "train_config.json"
TRAINER_LOG = "trainer_log.jsonl"
CHECKPOINTS = "checkpoints"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class TrainProgress:
    """A progress event for the CLI: a stage, and during training the step and latest losses."""

    stage: str
    step: int = 0
    total: int = 0
    loss: float | None = None
    eval_loss: float | None = None
    message: str = ""


Progress = Callable[[TrainProgress], None]


@dataclass
class TrainResult:
    """What a run produced. ``is_main_process`` is False in the other processes of a launch."""

    out_dir: Path
    method: str
    peft: str
    global_step: int
    train_loss: float | None
    eval_loss: float | None
    resumed_from: str | None
    seconds: float
    manifest: dict[str, Any]
    is_main_process: bool = True
    #: The trained model in memory (unwrapped from DDP; the adapter wrapper for lora/alora).
    model: Any = field(default=None, repr=False)


# ---------------------------------------------------------------------- checks before the run


def resolve_paths(config: TrainConfig) -> TrainConfig:
    """The config with local paths made absolute, as recorded and as compared on resume."""
    model = Path(config.model).expanduser()
    return replace(
        config,
        model=str(model.resolve()) if model.exists() else config.model,
        out=config.out.expanduser().resolve(),
        data=config.data.expanduser().resolve(),
        general_data=(
            config.general_data.expanduser().resolve() if config.general_data is not None else None
        ),
    )


def base_model_dir(model: str) -> tuple[Path, Path | None]:
    """The transformers directory of ``--model`` (converting a GGUF once) and the GGUF, if any."""
    given = Path(model).expanduser()
    gguf = None
    if given.suffix == ".gguf":
        from gci_bench.models.gguf import ensure_hf_dir

        gguf = given.resolve()
        given = ensure_hf_dir(gguf)
    if not given.is_dir():
        raise GciError(
            f"--model {model}: no such directory; expected a transformers model directory or a "
            ".gguf file"
        )
    if not (given / "config.json").is_file():
        raise GciError(f"--model {model}: not a transformers model directory (no config.json)")
    return given.resolve(), gguf


def find_resume_checkpoint(config: TrainConfig) -> Path | None:
    """The checkpoint to continue from, or None for a fresh run; refuses to lose earlier work.

    - OUT has checkpoints: resume from the last one (``--no-resume`` refuses instead of
      overwriting them), after checking that the run's settings are those of the saved run;
    - OUT holds a finished run without checkpoints: refuse (its results would be overwritten);
    - OUT holds only the start of a run that never reached a checkpoint: start over;
    - OUT holds anything else: refuse, it is not ours to overwrite.
    """
    from transformers.trainer_utils import get_last_checkpoint

    out = config.out
    ckpt_dir = out / CHECKPOINTS
    last = get_last_checkpoint(str(ckpt_dir)) if ckpt_dir.is_dir() else None
    if last is not None:
        last_path = Path(last)
        if config.resume is False:
            raise GciError(
                f"--out {out} holds checkpoints of an earlier run (last: {last_path.name}); "
                "resume it (leave out --no-resume) or choose another --out"
            )
        saved_path = out / TRAIN_CONFIG
        if saved_path.is_file():
            saved = json.loads(saved_path.read_text(encoding="utf-8"))
            diff = config.differences(saved)
            if diff:
                shown = ", ".join(
                    f"--{k.replace('_', '-')} {saved.get(k)!r} → {config.to_json()[k]!r}"
                    for k in diff
                )
                raise GciError(
                    f"--out {out}: cannot resume {last_path.name} with other settings ({shown}); "
                    "use the saved settings or another --out"
                )
        return last_path
    if config.resume:
        raise GciError(f"--resume: {out} has no checkpoint to resume from")
    if out.is_dir() and any(out.iterdir()):
        if (out / MANIFEST).is_file():
            raise GciError(
                f"--out {out} already holds a finished run (training_manifest.json) and no "
                "checkpoint to continue from; choose another --out"
            )
        if not (out / TRAIN_CONFIG).is_file():
            raise GciError(
                f"--out {out} exists and is not a gci-bench training directory; choose another path"
            )
    return None


# ---------------------------------------------------------------------- the Trainer subclass


def _trainer_class() -> type:
    """The Trainer subclass, made on first use so importing this module does not import torch."""
    from transformers import Trainer

    class GciTrainer(Trainer):
        """The Trainer with our method hooks and our way of saving and reloading weights."""

        def __init__(self, *args: Any, method: Any, **kwargs: Any) -> None:
            self.method = method
            super().__init__(*args, **kwargs)

        def _get_train_sampler(self, train_dataset: Any = None) -> Any:
            dataset = train_dataset if train_dataset is not None else self.train_dataset
            sampler = self.method.sampler(dataset)
            return sampler if sampler is not None else super()._get_train_sampler(train_dataset)

        def compute_loss(
            self,
            model: Any,
            inputs: dict[str, Any],
            return_outputs: bool = False,
            num_items_in_batch: Any = None,
        ) -> Any:
            # Validation always measures the plain answer-token CE, comparable across methods.
            if model.training:
                custom = self.method.compute_loss(self, model, inputs, num_items_in_batch)
                if custom is not None:
                    loss, outputs = custom
                    if (
                        self.args.average_tokens_across_devices
                        and self.model_accepts_loss_kwargs
                        and num_items_in_batch is not None
                    ):
                        # As the Trainer does for a model's own loss: the token count is global.
                        loss = loss * self.accelerator.num_processes
                    return (loss, outputs) if return_outputs else loss
            return super().compute_loss(
                model, inputs, return_outputs=return_outputs, num_items_in_batch=num_items_in_batch
            )

        def _save(self, output_dir: str | None = None, state_dict: Any = None) -> None:
            """Save through the parameterisation: adapter files, or a full model directory."""
            output_dir = output_dir if output_dir is not None else self.args.output_dir
            if not self.args.should_save:
                return
            os.makedirs(output_dir, exist_ok=True)
            unwrapped = self.accelerator.unwrap_model(self.model)
            self.method.param.save(unwrapped, Path(output_dir))
            if self.processing_class is not None:
                self.processing_class.save_pretrained(output_dir)

        def _load_from_checkpoint(self, resume_from_checkpoint: str, model: Any = None) -> None:
            target = model if model is not None else self.model
            if not self.method.param.load_checkpoint(target, Path(resume_from_checkpoint)):
                super()._load_from_checkpoint(resume_from_checkpoint, model=model)

        def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
            if "loss" in logs:
                logs.update(self.method.pop_logs())
            super().log(logs, start_time)

    return GciTrainer


def _reporter(progress: Progress, out: Path) -> Any:
    """A callback that forwards progress (main process only) and keeps trainer_log.jsonl current."""
    from transformers import TrainerCallback

    class Reporter(TrainerCallback):
        def __init__(self) -> None:
            self.loss: float | None = None
            self.eval_loss: float | None = None

        def _emit(self, state: Any, stage: str = "training") -> None:
            if state.is_world_process_zero:
                progress(
                    TrainProgress(
                        stage, state.global_step, state.max_steps, self.loss, self.eval_loss
                    )
                )

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self._emit(state)

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self._emit(state)

        def on_log(
            self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any
        ) -> None:
            logs = logs or {}
            if "loss" in logs:
                self.loss = float(logs["loss"])
            if "eval_loss" in logs:
                self.eval_loss = float(logs["eval_loss"])
            self._emit(state)

        def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            # A killed run keeps the log up to its last checkpoint, which is where it resumes.
            if state.is_world_process_zero:
                write_log(out / TRAINER_LOG, state.log_history)

    return Reporter()


def write_log(path: Path, history: list[dict[str, Any]]) -> None:
    """The Trainer's log history as JSON lines (written whole: resumption restores the history)."""
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for entry in history:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    tmp.replace(path)


# ---------------------------------------------------------------------- the run


def training_arguments(config: TrainConfig, *, validate: bool, resuming: bool) -> Any:
    """transformers TrainingArguments for ``config``: quiet, checkpoints under OUT/checkpoints."""
    import torch
    from transformers import TrainingArguments

    precision = config.mixed_precision
    if precision == "auto":
        precision = "no"
        if torch.cuda.is_available():
            precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return TrainingArguments(
        output_dir=str(config.out / CHECKPOINTS),
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accum,
        learning_rate=config.lr,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps if config.max_steps is not None else -1,
        lr_scheduler_type=config.scheduler,
        warmup_steps=config.warmup_steps,
        weight_decay=config.weight_decay,
        logging_strategy="steps",
        logging_steps=config.logging_steps,
        logging_first_step=True,
        eval_strategy="steps" if validate else "no",
        eval_steps=config.eval_steps,
        eval_on_start=validate and not resuming,
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=config.save_total_limit,
        seed=config.seed,
        data_seed=config.seed,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        report_to="none",
        disable_tqdm=True,
        remove_unused_columns=False,
        label_names=["labels"],
        dataloader_num_workers=0,
        # Each process normalises its loss by its own answer tokens and DDP averages the
        # gradients. Averaging token counts across processes instead makes transformers scale
        # *validation* losses by a global count that includes the duplicated padding batches of
        # an uneven split, which distorts the validation loss of small held-out sets.
        average_tokens_across_devices=False,
        dataloader_pin_memory=torch.cuda.is_available(),
        # Several processes on a machine without CUDA (torchrun, `accelerate launch --multi_gpu`
        # on CPU): without this the Trainer would not form a gloo process group and every
        # process would train alone, all writing the same OUT.
        use_cpu=not torch.cuda.is_available() and int(os.environ.get("WORLD_SIZE", "1")) > 1,
    )


def versions() -> dict[str, str]:
    """Versions of the libraries that decide what a run computes."""
    from importlib.metadata import PackageNotFoundError, version

    from gci_bench import __version__

    out = {"gci-bench": __version__, "python": platform.python_version()}
    for pkg in ("torch", "transformers", "peft", "accelerate", "datasets", "safetensors"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "absent"
    return out


def _quiet_transformers() -> None:
    """The library never prints: no Trainer log lines, no tqdm bars on the terminal."""
    from transformers.utils import logging as hf_logging

    if hf_logging.get_verbosity() < hf_logging.WARNING:
        return  # the user asked for details (gci-bench -v)
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def load_base(name: str, base_path: Path) -> tuple[Any, Any]:
    """Tokenizer (with a pad token) and float32 weights of the base model.

    float32 master weights on every device: mixed precision, when on, is the Trainer's autocast,
    so optimizer updates are never rounded to half precision.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(base_path))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GciError(f"--model {name}: cannot load its tokenizer ({exc})") from None
    if tokenizer.pad_token_id is None:
        # Padding carries label -100 and attention 0, so any token serves; EOS is the usual pick.
        if tokenizer.eos_token is None:
            raise GciError(f"--model {name}: tokenizer has neither a pad nor an eos token")
        tokenizer.pad_token = tokenizer.eos_token
    try:
        model = AutoModelForCausalLM.from_pretrained(str(base_path), dtype=torch.float32)
    except (OSError, ValueError, KeyError) as exc:
        raise GciError(f"--model {name}: cannot load the model ({exc})") from None
    return tokenizer, model


def domain_examples(config: TrainConfig) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """Train and validation examples per task group, from the build's train splits."""
    from gci_bench.outputs import load_build
    from gci_bench.training.data import record_example, split_rows

    train_ex: dict[str, list[Any]] = {}
    val_ex: dict[str, list[Any]] = {}
    for group, dd in load_build(config.data, config.groups).items():
        if "train" not in dd or len(dd["train"]) == 0:
            raise GciError(f"{config.data}: group {group} has no train split records")
        rows, val_rows = split_rows(list(dd["train"]), config.val_size, config.limit)
        train_ex[group] = [record_example(r) for r in rows]
        val_ex[group] = [record_example(r) for r in val_rows]
    return train_ex, val_ex


def train(config: TrainConfig, progress: Progress | None = None) -> TrainResult:
    """Fine-tune ``config.model`` on the build's train splits and write OUT (see module doc).

    Every process of an ``accelerate launch`` calls this; they train together and only the main
    process writes files. A run whose OUT already has checkpoints continues from the last one.
    """
    started = time.time()
    note: Progress = progress or (lambda event: None)
    config = resolve_paths(config)

    from gci_bench.outputs import read_manifest

    build_manifest = read_manifest(config.data)
    base_path, gguf = base_model_dir(config.model)
    resume_from = find_resume_checkpoint(config)

    import transformers
    from transformers import PrinterCallback

    _quiet_transformers()
    transformers.set_seed(config.seed)
    args = training_arguments(
        config, validate=config.val_size > 0, resuming=resume_from is not None
    )
    is_main = args.process_index == 0
    if is_main:
        config.out.mkdir(parents=True, exist_ok=True)
        # Written whole and renamed: the other processes may be reading it (resume check).
        tmp = config.out / (TRAIN_CONFIG + ".tmp")
        tmp.write_text(json.dumps(config.to_json(), indent=2, ensure_ascii=False) + "\n", "utf-8")
        tmp.replace(config.out / TRAIN_CONFIG)

    note(TrainProgress("preparing", message="loading the base model"))
    tokenizer, model = load_base(config.model, base_path)

    from gci_bench.models.base import dir_fingerprint
    from gci_bench.prompts import has_chat_template
    from gci_bench.training.data import (
        Collator,
        EncodedDataset,
        Encoder,
        default_general_source,
        load_general,
        split_general,
    )
    from gci_bench.training.methods import METHODS, GeneralData, MethodContext

    chat = has_chat_template(tokenizer) if config.chat_template is None else config.chat_template
    if chat and not has_chat_template(tokenizer):
        raise GciError(
            f"--chat-template: the tokenizer of {config.model} has no chat template "
            "(use --no-chat-template for a plain prompt)"
        )
    gen_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    stop_ids = [tokenizer.eos_token_id] + (gen_eos if isinstance(gen_eos, list) else [gen_eos])
    encoder = Encoder(
        tokenizer, chat_template=chat, max_length=config.max_length, stop_ids=stop_ids
    )

    note(TrainProgress("preparing", message="reading the build"))
    train_ex, val_ex = domain_examples(config)

    general_cache: list[GeneralData] = []

    def general() -> GeneralData:
        if not general_cache:
            source = config.general_data or default_general_source(build_manifest)
            examples, problems = load_general(source)
            pool, val = split_general(examples, config.val_size, config.general_size)
            general_cache.append(GeneralData(pool, val, str(source), problems))
        return general_cache[0]

    method = METHODS.get(config.method)(config)
    ctx = MethodContext(
        config=config,
        tokenizer=tokenizer,
        chat_template=chat,
        encoder=encoder,
        train=train_ex,
        val=val_ex,
        general=general,
        base_model=model,
        base_path=str(base_path),
        base_fingerprint=dir_fingerprint(base_path),
        main_process_first=lambda: args.main_process_first(desc="gci-bench data"),
        is_main_process=is_main,
        device=str(args.device),
        status=lambda msg: note(TrainProgress("preparing", message=msg)),
    )
    train_examples = method.training_examples(ctx)
    val_examples = method.validation_examples(ctx) if config.val_size > 0 else []
    if not train_examples:
        raise GciError("no training examples: the selected groups have no train records")
    note(TrainProgress("preparing", message=f"tokenizing {len(train_examples)} examples"))
    train_ds = EncodedDataset.build(encoder, train_examples)
    val_ds = EncodedDataset.build(encoder, val_examples) if val_examples else None

    transformers.set_seed(config.seed)  # adapter init does not depend on what ran before
    with warnings.catch_warnings():
        # transformers' deprecation notice about an attribute that peft and the Trainer read.
        warnings.filterwarnings("ignore", ".*is_gradient_checkpointing", FutureWarning)
        model = method.prepare_model(model, ctx)
        trainer = _trainer_class()(
            model=model,
            args=args,
            train_dataset=train_ds,
            eval_dataset=val_ds,
            data_collator=Collator(tokenizer.pad_token_id),
            processing_class=tokenizer,
            method=method,
        )
        trainer.remove_callback(PrinterCallback)
        trainer.add_callback(_reporter(note, config.out))
        for cb in method.callbacks(ctx, trainer):
            trainer.add_callback(cb)
        output = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
        eval_loss = None
        if val_ds is not None:
            note(TrainProgress("evaluating", trainer.state.global_step, trainer.state.max_steps))
            eval_loss = float(trainer.evaluate()["eval_loss"])
        note(TrainProgress("saving", trainer.state.global_step, trainer.state.max_steps))
        trainer.save_model(str(config.out))

    history = list(trainer.state.log_history)
    losses = [h["loss"] for h in history if "loss" in h]
    train_loss = float(losses[-1]) if losses else None
    unwrapped = trainer.accelerator.unwrap_model(trainer.model)
    manifest: dict[str, Any] = {}
    if is_main:
        manifest = {
            "format_version": FORMAT_VERSION,
            "method": config.method,
            "peft": config.peft,
            "summary": method.summary,
            "hyperparameters": config.to_json(),
            "seed": config.seed,
            "versions": versions(),
            "base_model": {
                "path": str(base_path),
                "gguf": str(gguf) if gguf else None,
                "fingerprint": ctx.base_fingerprint,
                "architecture": type(ctx.base_model).__name__,
            },
            "data": {
                "build": str(config.data),
                "dataset_fingerprint": build_manifest.get("dataset_fingerprint"),
                "groups": list(config.groups),
                "train_examples": train_ds.counts(),
                "validation_examples": val_ds.counts() if val_ds is not None else {},
                "truncated_examples": encoder.truncated,
                "max_length": config.max_length,
                "general_data": general_cache[0].source if general_cache else None,
                "general_problems": general_cache[0].problems[:20] if general_cache else [],
            },
            "prompt": {
                "chat_template": chat,
                "system_prompt": method.inference_prompt(),
                "system_prompt_separator": ROLE_SEPARATOR,
            },
            "weights": {"output": method.param.output_kind, **method.param.describe(unwrapped)},
            "steps": trainer.state.global_step,
            "max_steps": trainer.state.max_steps,
            "epochs": trainer.state.epoch,
            "num_processes": args.world_size,
            "effective_batch_size": config.batch_size * config.grad_accum * args.world_size,
            "resumed_from": str(resume_from) if resume_from else None,
            "final": {
                "train_loss": train_loss,
                "train_loss_mean": float(output.training_loss),
                "eval_loss": eval_loss,
            },
            "method_details": method.report(),
            "seconds": round(time.time() - started, 1),
        }
        write_log(config.out / TRAINER_LOG, history)
        (config.out / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    trainer.accelerator.wait_for_everyone()
    note(
        TrainProgress(
            "done", trainer.state.global_step, trainer.state.max_steps, train_loss, eval_loss
        )
    )
    return TrainResult(
        out_dir=config.out,
        method=config.method,
        peft=str(config.peft),
        global_step=trainer.state.global_step,
        train_loss=train_loss,
        eval_loss=eval_loss,
        resumed_from=str(resume_from) if resume_from else None,
        seconds=time.time() - started,
        manifest=manifest,
        is_main_process=is_main,
        model=unwrapped,
    )
