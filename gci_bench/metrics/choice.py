"""The ``choice`` answer type: the option letters a model chose; exact set match with the gold.

Models write "答案：ABCD", "[正确答案]A<eoa>" (LawBench), "正确答案：B。", "选C", "A和D", "AD" or
"B。因为…", and they also discuss the options they reject ("A选项错误，B选项正确"). So letters are
read, in order of trust, from (1) the last answer marker (答案, 应选, 故选, 选择, 正确的是 …),
(2) an output that is nothing but letters, (3) an output that opens with letters, (4) the one
option letter named in the text when it names exactly one. Letters are only taken where they
stand alone, never from inside a word ("Based", "AI"). Anything else is unparsed.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

from gci_bench.metrics.base import ANSWER_TYPES, AnswerType, Unparsed, halfwidth

#: Used when a record has no ``choices`` list (the options are written into the question).
DEFAULT_LETTERS = "ABCDEFGH"

_RUN = r"[A-Z]项?(?:\s*[、,，和与及/]?\s*[A-Z]项?)*"
_MARKED = re.compile(
    r"(?:正确答案|正确选项|答案|应选|故选|应当选|应该选|选择|正确的是|正确的有|答|选)"
    r"\s*(?:[\]】]\s*)?(?:应?为|是|应该是|应当是|选|选择)?\s*[:：]?\s*"
    rf"(?<![A-Za-z])({_RUN})(?![A-Za-z])"
)
_ONLY = re.compile(rf"^[\s\[【(（]*({_RUN})[\s\]】)）。.．!！]*$")
_LEADING = re.compile(rf"^[\s\[【(（]*({_RUN})(?![A-Za-z])(?=[\s\]】)）。.．:：,，、]|$)")
_NAMED = re.compile(r"(?<![A-Za-z])(?:选项)?([A-Z])(?![A-Za-z])(?=项|选项|[\s.．。、,，:：)）]|$)")


def _letters(run: str) -> list[str]:
    return sorted(set(re.findall(r"[A-Z]", run)))


def extract_choice(text: str, allowed: str = DEFAULT_LETTERS) -> list[str] | Unparsed:
    """The sorted option letters chosen in ``text`` (rules in the module docstring)."""
    text = halfwidth(text).replace("<eoa>", "")
    found: list[str] = []
    marked = list(_MARKED.finditer(text))
    if marked:
        found = _letters(marked[-1].group(1))
    elif m := _ONLY.match(text) or _LEADING.match(text):
        found = _letters(m.group(1))
    else:
        named = {x for x in _NAMED.findall(text) if x in allowed}
        if len(named) > 1:
            return Unparsed(
                f"several option letters and no answer marker: {''.join(sorted(named))}"
            )
        found = sorted(named)
    if not found:
        return Unparsed("no option letter found")
    outside = [x for x in found if x not in allowed]
    if outside:
        return Unparsed(f"letters outside the options {allowed}: {''.join(outside)}")
    return found


def allowed_letters(record: Mapping[str, Any]) -> str:
    """A, B, … for as many options as the record lists (default A–H when it lists none)."""
    choices = record.get("choices") or []
    return string.ascii_uppercase[: len(choices)] if choices else DEFAULT_LETTERS


@ANSWER_TYPES.register("choice")
class ChoiceAnswer(AnswerType):
    """``gold = {"letters": ["A", "C"]}``; score 1 only for exactly the gold set."""

    name = "choice"

    def extract(self, text: str, gold: Mapping[str, Any], record: Mapping[str, Any]) -> Any:
        return extract_choice(text, allowed_letters(record))

    def score(self, value: Any, gold: Mapping[str, Any], record: Mapping[str, Any]) -> float:
        wanted = {str(x).strip().upper() for x in gold.get("letters", [])}
        return 1.0 if set(value) == wanted else 0.0
