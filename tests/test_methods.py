"""Part B methods: each mechanism pinned on hand-made numbers, then each method trained and evaluated.

Mechanisms: Mix-CPT's swapped teacher and KL term, VersaTune's weight update and sampler, REGA's
prompt assignment and integration share, replay's ratio. Then every method trains 20 steps on a
tiny random model and its output goes through `gci-bench eval`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from gci_bench.cli import main
from gci_bench.training import TrainConfig, train
from gci_bench.training.data import Example, load_general
from gci_bench.training.methods.mixcpt import kl_teacher_student, mixcpt_terms, swap_top1_gold
from gci_bench.training.methods.rega import CENTRAL_PROMPT, ROLE_PROMPTS, assign_roles
from gci_bench.training.methods.replay import general_count, mix
from gci_bench.training.methods.versatune import DomainSampler, loss_scores, update_weights

# ---------------------------------------------------------------------- Mix-CPT


def test_swap_exchanges_top1_and_gold_logits() -> None:
    logits = torch.tensor(
        [
            [1.0, 3.0, 2.0, 0.5],  # top-1 is 1, gold 2: swap
            [0.0, 4.0, 1.0, 2.0],  # top-1 is gold: unchanged
            [5.0, 1.0, 1.5, -1.0],  # top-1 is 0, gold 3: swap
        ]
    )
    gold = torch.tensor([2, 1, 3])
    swapped = swap_top1_gold(logits, gold)
    expected = torch.tensor([[1.0, 2.0, 3.0, 0.5], [0.0, 4.0, 1.0, 2.0], [-1.0, 1.0, 1.5, 5.0]])
    torch.testing.assert_close(swapped, expected)
    # The teacher distribution: the gold token now has the base model's top probability, and
    # every other token keeps its own.
    p = torch.softmax(swapped, dim=-1)
    q = torch.softmax(logits, dim=-1)
    assert p.argmax(-1).tolist() == gold.tolist()
    torch.testing.assert_close(p[0, 2], q[0, 1])
    torch.testing.assert_close(p[0, [0, 3]], q[0, [0, 3]])
    assert logits[0, 1] == 3.0  # the input is not modified


def test_kl_is_zero_when_student_equals_teacher() -> None:
    torch.manual_seed(0)
    teacher = torch.randn(2, 6, 11)
    labels = torch.randint(0, 11, (2, 6))
    labels[:, :3] = -100  # prompt
    gold = labels[:, 1:]
    mask = gold != -100
    # A student that already computes the swapped teacher: the KL term vanishes.
    student = teacher.clone()
    student[:, :-1][mask] = swap_top1_gold(teacher[:, :-1][mask], gold[mask])
    ce, kl, n = mixcpt_terms(student, teacher, labels)
    assert n == int(mask.sum()) == 6
    assert float(kl) == pytest.approx(0.0, abs=1e-5)
    assert float(ce) > 0
    assert torch.allclose(kl_teacher_student(teacher, teacher), torch.zeros(2, 6), atol=1e-6)
    # Any other student pays a positive KL.
    _, kl_other, _ = mixcpt_terms(teacher, teacher, labels)
    if not bool((teacher[:, :-1][mask].argmax(-1) == gold[mask]).all()):
        assert float(kl_other) > 0


# ---------------------------------------------------------------------- VersaTune


def test_versatune_update_on_given_losses() -> None:
    base = {"computation": 2.0, "safety": 2.0, "summarization": 4.0, "general": 1.0}
    now = {"computation": 1.0, "safety": 2.0, "summarization": 3.0, "general": 1.1}
    s = loss_scores(now, base)
    assert s == pytest.approx(
        {"computation": -0.5, "safety": 0.0, "summarization": -0.25, "general": 0.1}
    )
    order = list(base)
    w = update_weights([0.25] * 4, [s[d] for d in order])
    raw = [math.exp(-0.5), 1.0, math.exp(-0.25), math.exp(0.1)]
    assert w == pytest.approx([r / sum(raw) for r in raw])
    assert sum(w) == pytest.approx(1.0)
    # Forgetting (general got worse) gains weight, the most-improved domain loses the most.
    assert w[3] > w[1] > w[2] > w[0]
    # Non-uniform weights are multiplied, not replaced.
    w2 = update_weights([0.4, 0.3, 0.2, 0.1], [0.0, 0.0, 0.0, 0.0])
    assert w2 == pytest.approx([0.4, 0.3, 0.2, 0.1])


def test_domain_sampler_follows_current_weights() -> None:
    domains = ["a"] * 50 + ["b"] * 30 + ["c"] * 20
    weights = [0.7, 0.2, 0.1]
    sampler = DomainSampler(domains, ["a", "b", "c"], weights, seed=1)
    sampler.num_samples = 4000
    it = iter(sampler)
    first = [domains[next(it)] for _ in range(2000)]
    assert first.count("a") / 2000 == pytest.approx(0.7, abs=0.04)
    weights[:] = [0.1, 0.1, 0.8]  # an update in place takes effect mid-epoch
    rest = [domains[i] for i in it]
    assert rest.count("c") / 2000 == pytest.approx(0.8, abs=0.04)
    # Same seed, same weights: the same draws (every process of a launch agrees).
    again = DomainSampler(domains, ["a", "b", "c"], [0.7, 0.2, 0.1], seed=1)
    again.num_samples = 100
    other = DomainSampler(domains, ["a", "b", "c"], [0.7, 0.2, 0.1], seed=1)
    other.num_samples = 100
    assert list(again) == list(other)


# ---------------------------------------------------------------------- REGA


def _examples(domain: str, n: int) -> list[Example]:
    return [Example(f"{domain}{i}", domain, f"问题{domain}{i}", f"答{i}") for i in range(n)]


def test_rega_role_prompts_and_integration_share() -> None:
    domain = _examples("computation", 10) + _examples("safety", 20)
    general = _examples("general", 5)
    mixed = assign_roles(domain, general, share=0.3, seed=0)
    central = [e for e in mixed if e.id.endswith("#central")]
    roles = [e for e in mixed if e.domain != "general" and not e.id.endswith("#central")]
    gen = [e for e in mixed if e.domain == "general"]
    assert len(mixed) == 30 + 3 + 6 + 5
    # Each domain example once under its own group's role prompt.
    assert sorted(e.id for e in roles) == sorted(e.id for e in domain)
    for e in roles:
        assert e.user_text == f"{ROLE_PROMPTS[e.domain]}\n\n问题{e.id}"
    # Integration: 30% of each group again, under the central prompt.
    assert sum(e.domain == "computation" for e in central) == 3
    assert sum(e.domain == "safety" for e in central) == 6
    for e in central + gen:
        assert e.user_text.startswith(CENTRAL_PROMPT + "\n\n")
    assert {e.id for e in gen} == {e.id for e in general}
    # Seeded: the same choice every time, another seed another choice.
    again = assign_roles(domain, general, share=0.3, seed=0)
    assert [e.id for e in again] == [e.id for e in mixed]
    assert assign_roles(domain, general, 0.0, 0) and not any(
        e.id.endswith("#central") for e in assign_roles(domain, general, 0.0, 0)
    )


# ---------------------------------------------------------------------- replay


@pytest.mark.parametrize("ratio", [0.1, 0.25, 0.5])
def test_replay_ratio_on_a_1000_example_mix(ratio: float) -> None:
    n_domain = round(1000 * (1 - ratio))
    domain = _examples("computation", n_domain)
    pool = _examples("general", 40)  # smaller than needed: cycled
    mixed = mix(domain, pool, ratio, seed=3)
    share = sum(e.domain == "general" for e in mixed) / len(mixed)
    assert len(mixed) == pytest.approx(1000, abs=1)
    assert abs(share - ratio) <= 0.02
    counts = [sum(e.id == p.id for e in mixed) for p in pool]
    assert max(counts) - min(counts) <= 1  # each pool entry used evenly
    assert general_count(100, 0.0) == 0


def test_general_data_through_the_alpaca_builder(embedded_dir: Path) -> None:
    examples, problems = load_general(embedded_dir / "alpaca_zh")
    assert len(examples) > 100
    assert all(e.domain == "general" and e.answer for e in examples)
    assert any("output" in p for p in problems)  # the sample's broken entry is reported


# ---------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def tiny(embedded_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gci_bench.build import default_raw_dir
    from gci_bench.models.tiny import make_tiny_model
    from gci_bench.outputs import load_build

    texts: list[str] = []
    for dd in load_build(embedded_build).values():
        for split in dd.values():
            for col in ("instruction", "input", "answer"):
                texts.extend(split[col])
            texts.extend(c for cs in split["choices"] for c in cs)
    texts.append((default_raw_dir() / "alpaca_zh" / "zh-data-part-00.json").read_text("utf-8"))
    out = tmp_path_factory.mktemp("tiny-methods") / "model"
    return make_tiny_model(out, texts, chat_template=True, seed=1)


def _config(tiny: Path, build: Path, out: Path, **kw: object) -> TrainConfig:
    base: dict[str, object] = dict(
        model=str(tiny),
        data=build,
        out=out,
        limit=6,
        val_size=3,
        max_steps=20,
        batch_size=2,
        max_length=64,
        lr=1e-2,
        logging_steps=5,
        eval_steps=10,
        save_steps=10,
        general_size=8,
        rega_max_new_tokens=6,
        versatune_round_steps=5,
        seed=0,
    )
    base.update(kw)
    return TrainConfig(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("method", "peft"),
    [("replay", "lora"), ("rega", "alora"), ("versatune", "lora"), ("mixcpt", "lora")],
)
def test_method_trains_20_steps_and_evaluates(
    method: str, peft: str, tiny: Path, embedded_build: Path, tmp_path: Path
) -> None:
    out = tmp_path / f"{method}-{peft}"
    result = train(
        _config(tiny, embedded_build, out, method=method, peft=peft, cache_dir=tmp_path / "cache")
    )
    assert result.global_step == 20
    m = json.loads((out / "training_manifest.json").read_text(encoding="utf-8"))
    assert m["method"] == method and m["peft"] == peft
    details = m["method_details"]
    if method == "replay":
        assert details["general_share"] == pytest.approx(0.2, abs=0.02)
    if method == "rega":
        assert m["prompt"]["system_prompt"] == CENTRAL_PROMPT
        assert details["self_distilled_examples"] + details["empty_answers_dropped"] == 8
        cache = Path(details["self_distill_cache"])
        assert len(cache.read_text(encoding="utf-8").splitlines()) == 8
    else:
        assert m["prompt"]["system_prompt"] is None
    if method == "versatune":
        rounds = details["history"]
        assert [r["step"] for r in rounds] == [0, 5, 10, 15]
        assert sum(details["final_weights"].values()) == pytest.approx(1.0, abs=1e-4)
        assert set(details["final_weights"]) == {
            "computation",
            "safety",
            "summarization",
            "general",
        }
    if method == "mixcpt":
        logged = [json.loads(x) for x in (out / "trainer_log.jsonl").read_text().splitlines()]
        assert any("kl" in h and h["kl"] >= 0 for h in logged)

    runs = tmp_path / "eval"
    code = main(
        [
            "eval", "--model", str(tiny), "--adapter", str(out), "--data", str(embedded_build),
            "--limit", "2", "--groups", "computation", "--subsets", "domain",
            "--max-new-tokens", "4", "--bootstrap", "0", "--out", str(runs),
        ]
    )  # fmt: skip
    assert code == 0
    results = json.loads((runs / "results.json").read_text(encoding="utf-8"))
    assert results["model"]["adapter"]["kind"] == ("alora" if peft == "alora" else "lora")


@pytest.mark.parametrize("peft", ["alora", "none"])
def test_mixcpt_teacher_per_parameterisation(
    peft: str, tiny: Path, embedded_build: Path, tmp_path: Path
) -> None:
    """ALoRA: the adapter switched off is the teacher; all weights: a frozen copy."""
    out = tmp_path / peft
    train(_config(tiny, embedded_build, out, method="mixcpt", peft=peft, max_steps=4))
    m = json.loads((out / "training_manifest.json").read_text(encoding="utf-8"))
    teacher = m["method_details"]["teacher"]
    assert ("disabled" in teacher) == (peft == "alora")
    assert m["weights"]["output"] == ("model" if peft == "none" else "adapter")
    if peft == "none":  # all weights trained: OUT is a model directory for `eval --model`
        runs = tmp_path / "eval"
        code = main(
            [
                "eval", "--model", str(out), "--data", str(embedded_build), "--limit", "1",
                "--groups", "safety", "--subsets", "general", "--max-new-tokens", "4",
                "--bootstrap", "0", "--out", str(runs),
            ]
        )  # fmt: skip
        assert code == 0 and (runs / "results.json").is_file()
