"""Parsers for the answer and option formats found in the raw corpora.

Each returns None when the text does not have the expected shape, so the producer can drop
the record with a reason instead of guessing.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from gci_bench.builders.statutes import article_key

_AMOUNT = re.compile(r"([0-9][0-9,]*(?:\.[0-9]+)?)\s*元")
_LETTERS = re.compile(r"[：:]\s*([A-F]+)")
_LEADING_LETTERS = re.compile(r"[A-F ,，、]*")
_LEXEVAL_OPTION = re.compile(r"^\s*([A-F])\s*[:：.．、]\s*(.*)$")
_LAWBENCH_OPTIONS = re.compile(
    r"^(?P<stem>.*?)A[:：](?P<A>.*?)[;；]B[:：](?P<B>.*?)[;；]C[:：](?P<C>.*?)[;；]D[:：](?P<D>.*?)[。.]?\s*$",
    re.S,
)
_CN = "零〇一二三四五六七八九十百千两"
_CITED_ARTICLE = re.compile(rf"第([{_CN}]+|[0-9]+)条(?:之([{_CN}]+))?")
_DIGIT_ARTICLE = re.compile(r"刑法第\s*([0-9]+)\s*条")


def plain_decimal(text: str) -> str | None:
    """``"8500.0"`` → ``"8500"``; None unless the text is one plain decimal number."""
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def lawbench_amount(answer: str) -> str | None:
    """``上文涉及到的犯罪金额:8500.0元。`` → ``"8500"`` (LawBench 3-7)."""
    m = _AMOUNT.search(answer)
    return plain_decimal(m.group(1)) if m else None


def answer_letters(answer: str) -> list[str] | None:
    """``正确答案：B。`` / ``正确答案:C。`` / ``ABCD`` / ``选项CD`` / ``C（可能累犯）`` → sorted letters.

    A trailing explanation in brackets is ignored; lower-case letters are accepted.
    """
    text = answer.strip().upper().removeprefix("选项").removeprefix("答案")
    m = _LETTERS.search(text)
    letters = m.group(1) if m else _LEADING_LETTERS.match(text).group(0)  # type: ignore[union-attr]
    letters = letters.replace(",", "").replace("，", "").replace(" ", "").replace("、", "")
    if not letters or any(c not in "ABCDEF" for c in letters):
        return None
    return sorted(set(letters))


def split_lexeval_options(text: str) -> tuple[str, list[str]] | None:
    """A LexEval input with ``\\nA: …`` option lines → (stem, [option texts])."""
    lines = text.strip().split("\n")
    stem: list[str] = []
    options: list[str] = []
    for line in lines:
        m = _LEXEVAL_OPTION.match(line)
        if m and m.group(1) == "ABCDEF"[len(options)]:
            options.append(m.group(2).strip())
        elif options:
            options[-1] += "\n" + line.strip()
        else:
            stem.append(line)
    if len(options) < 2:
        return None
    return "\n".join(stem).strip(), options


def split_lawbench_options(text: str) -> tuple[str, list[str]] | None:
    """A LawBench question ending ``?A:…;B:…;C:…;D:…`` → (stem, [A, B, C, D])."""
    m = _LAWBENCH_OPTIONS.match(text.strip())
    if not m:
        return None
    return m.group("stem").strip(), [m.group(k).strip() for k in "ABCD"]


def lawbench_articles(answer: str) -> list[str] | None:
    """``法条:刑法第264条、刑法第266条`` → ``["264", "266"]``."""
    found = sorted({str(int(n)) for n in _DIGIT_ARTICLE.findall(answer)}, key=_article_order)
    return found or None


def cited_articles(text: str) -> list[str]:
    """Article keys cited in a statute quotation: ``《民法典》第一千零七十六条`` → ``1076``."""
    keys = set()
    for number, suffix in _CITED_ARTICLE.findall(text):
        try:
            keys.add(str(int(number)) if number.isdigit() else article_key(number, suffix or None))
        except ValueError:
            continue
    return sorted(keys, key=_article_order)


def _article_order(key: str) -> tuple[int, str]:
    head, _, tail = key.partition("之")
    return int(head), tail


def term_text(months: int, death: bool, life: bool) -> str:
    """A sentence as a judgment would state it: 死刑, 无期徒刑, 有期徒刑三年六个月 (digits)."""
    if death:
        return "死刑"
    if life:
        return "无期徒刑"
    if months <= 0:
        return "不判处有期徒刑"
    years, rest = divmod(months, 12)
    parts = (f"{years}年" if years else "") + (f"{rest}个月" if rest else "")
    return f"有期徒刑{parts}"
