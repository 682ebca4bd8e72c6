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
