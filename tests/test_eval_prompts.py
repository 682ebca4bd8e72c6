"""The one prompt format shared by eval and training: case table of records → user text."""

from __future__ import annotations

import pytest

from gci_bench.models.tiny import CHAT_TEMPLATE, char_tokenizer
from gci_bench.prompts import PLAIN_ANSWER_CUE, build_prompt, format_choices, render

CASES = [
    (
        "instruction and input",
        {"instruction": "请计算。", "input": "3+4=?", "choices": []},
        "请计算。\n\n3+4=?",
    ),
    (
        "lettered choices",
        {"instruction": "选择。", "input": "哪个对？", "choices": ["甲", " 乙 ", "丙"]},
        "选择。\n\n哪个对？\n\nA. 甲\nB. 乙\nC. 丙",
    ),
    ("no input", {"instruction": "写标题。", "input": "", "choices": []}, "写标题。"),
    (
        "whitespace trimmed",
        {"instruction": " 问 \n", "input": "\n答\n", "choices": None},
        "问\n\n答",
    ),
]


@pytest.mark.parametrize(("name", "record", "expected"), CASES, ids=[c[0] for c in CASES])
def test_build_prompt(name: str, record: dict, expected: str) -> None:
    assert build_prompt(record) == expected


def test_too_many_choices_is_an_error() -> None:
    with pytest.raises(ValueError, match="at most 26"):
        format_choices([str(i) for i in range(27)])


def test_render_plain_and_chat() -> None:
    plain = char_tokenizer(["你好"])
    chat = char_tokenizer(["你好"], chat_template=True)
    assert render(plain, "你好", chat_template=True) == "你好" + PLAIN_ANSWER_CUE
    assert render(chat, "你好", chat_template=False) == "你好" + PLAIN_ANSWER_CUE
    assert render(chat, "你好", chat_template=True) == "<s><|user|>你好<|end|><|assistant|>"
    assert chat.chat_template == CHAT_TEMPLATE


def test_trained_role_prompt_is_used_at_inference(tmp_path) -> None:
    """REGA records its central prompt; eval prefixes it to every user message."""
    import json

    from gci_bench.prompts import ROLE_SEPARATOR, trained_role_prompt, with_role

    (tmp_path / "training_manifest.json").write_text(
        json.dumps({"prompt": {"system_prompt": "你是一名中国法律助手。", "chat_template": False}}),
        encoding="utf-8",
    )
    role = trained_role_prompt(tmp_path)
    assert role == "你是一名中国法律助手。"
    assert with_role(role, "问题") == "你是一名中国法律助手。" + ROLE_SEPARATOR + "问题"
    assert with_role(None, "问题") == "问题"
    assert trained_role_prompt(tmp_path / "missing") is None
