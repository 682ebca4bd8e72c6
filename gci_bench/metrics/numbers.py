"""The ``number`` answer type: the final number of an answer, converted to the gold unit.

Legal calculations are answered in prose ("经济补偿为6000×4=24000元", "决定执行有期徒刑三年六个月",
"三万五千元", "1.2万元"), so the extractor has to (1) read every number with its unit,
(2) skip the numbers that are not amounts (dates, article ordinals, list numbers), and (3) decide
which one is the answer. Rules for (3), in order:

* the clause after the last **conclusion marker** (答案, 最终, 综上, 因此, 结果, [金额] …) that
  holds a number in a unit compatible with the gold unit: "答案：27600元。解析：…13800元/年…"
  answers 27600 even though the explanation comes later;
* else the clause after the last **step marker** (为, =, 共计, 应支付, 决定执行 …) that holds one;
* within the chosen clause, the first compatible number after its last step marker
  ("最终补偿为5000×3=15000元" → 15000), else its first compatible number; numbers with an
  explicit unit are preferred over bare ones;
* with no marker at all, the **last** compatible number (again preferring explicit units).

Units: 元/块 (with 千/万/亿 magnitudes, so 1.2万元 = 12000元), durations in 年/个月/月
(三年六个月 = 42 months = 3.5 years, 一年半 = 18 months), days (日/天) and percentages. Days are
never converted to or from months or years (no single rule fits: 30 days? calendar months?), so
a duration that mixes them is incompatible with either gold unit. A number with no unit is taken
in the gold unit, except that a bare number with a magnitude (3万, 三万) counts as 元 when the
gold unit is money. Match: relative tolerance 1e-4 or absolute 0.01.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gci_bench.metrics.base import ANSWER_TYPES, AnswerType, Unparsed, halfwidth

REL_TOL = 1e-4
ABS_TOL = 0.01

_ZH = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"
#: An Arabic numeral (thousands separators allowed) or a Chinese one (with 点 decimals).
NUMERAL = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?|[{_ZH}]+(?:点[零〇一二三四五六七八九]+)?"

_MULTIPLIERS = {
    "千万": 1e7,
    "百万": 1e6,
    "十万": 1e5,
    "万亿": 1e12,
    "亿": 1e8,
    "万": 1e4,
    "千": 1e3,
}
_MONEY_UNITS = {"元", "块", "块钱"}
_DAY_UNITS = {"日", "天"}
_OTHER_UNITS = (
    "周岁|岁|倍|人|名|次|件|项|个|条|款|号|小时|时|分钟|分|秒|周|克|公斤|吨|平方米|公里|米|"
    "辆|台|部|只|张|份|套|笔|起|户|家|级|层|栋"
)

#: gold unit → (dimension, size of the unit in the dimension's base unit: 元, months, days).
GOLD_UNITS: dict[str, tuple[str, float]] = {
    "元": ("money", 1.0),
    "千元": ("money", 1e3),
    "万元": ("money", 1e4),
    "亿元": ("money", 1e8),
    "年": ("months", 12.0),
    "个月": ("months", 1.0),
    "月": ("months", 1.0),
    "日": ("days", 1.0),
    "天": ("days", 1.0),
    "%": ("percent", 1.0),
}

# Dates are masked before scanning so 2016年1月2日 is not read as 2016 years and 1 month.
_DATES = re.compile(
    r"(?:(?:1[89]|20)\d{2}|[〇零一二][〇零一二三四五六七八九]{3})年"
    r"(?:[\d一二三四五六七八九十]{1,3}月(?:[\d一二三四五六七八九十]{1,3}[日号])?)?"
    r"|[\d一二三四五六七八九十]{1,3}月[\d一二三四五六七八九十]{1,3}[日号]"
)
_MENTION = re.compile(
    rf"""(?<![{_ZH}\d.A-Za-z第之上下])
    (?:
      百分之(?P<pct>{NUMERAL})
    | (?P<y>{NUMERAL}|半)\s*年(?P<yh>半)?
        (?:\s*(?:零|又)?\s*(?P<ym>{NUMERAL}|半)\s*个?\s*月)?
        (?:\s*(?:零|又)?\s*(?P<yd>{NUMERAL})\s*[日天])?
    | (?P<m>{NUMERAL}|半)\s*个\s*月(?:\s*(?:零|又)?\s*(?P<md>{NUMERAL})\s*[日天])?
    | (?P<m2>{NUMERAL})\s*月
    | (?P<cur>[¥￥]|人民币)?\s*(?P<n>{NUMERAL})\s*
        (?P<mult>千万|百万|十万|万亿|亿|万|千(?![克米瓦]))?\s*
        (?P<unit>元|块钱|块|日|天|%|{_OTHER_UNITS})?
    )""",
    re.X,
)
_CONCLUSION = re.compile(r"答案|最终|结果|综上|总之|因此|所以|(?<!事)故(?!意)|\[金额\]")
_STEP = re.compile(
    r"合计|共计|总计|总额|总共|一共|累计|金额|数额|应支付|应当支付|应赔偿|应当赔偿|应补偿|"
    r"应获得|可获得|应得|应返还|决定执行|(?<![因认行作成以称])为|=|≈|等于"
)
_CLAUSE_END = re.compile(r"[，。；;！？!?\n]|,(?!\d)")


def parse_numeral(text: str) -> float | None:
    """``12,000.50`` → 12000.5, ``三万五千`` → 35000, ``两`` → 2; None if not a numeral."""
    if text == "半":
        return 0.5
    if text[0].isdigit():
        return float(text.replace(",", ""))
    import cn2an  # lazy: importing cn2an costs ~0.2 s

    try:
        return float(cn2an.cn2an(text, "normal"))
    except (ValueError, KeyError, IndexError):
        return None


@dataclass(frozen=True)
class Mention:
    """One number in the text: ``value`` in its dimension's base unit (元, months, days).

    ``dim`` is None for a bare number; ``scaled`` says a bare number carried a magnitude
    (万, 亿), which makes it an amount of 元 rather than of the gold unit.
    """

    start: int
    end: int
    value: float
    dim: str | None
    scaled: bool = False

    @property
    def has_unit(self) -> bool:
        return self.dim is not None


def _duration(years: float, months: float, days: float | None) -> tuple[float, str]:
    if days is not None:
        # A duration with a day part converts to neither months nor days (see module doc).
        return years * 12 + months, "mixed-duration"
    return years * 12 + months, "months"


def _mention(m: re.Match[str]) -> Mention | None:
    g = m.groupdict()

    def num(key: str) -> float | None:
        return parse_numeral(g[key]) if g[key] else None

    if g["pct"]:
        value = num("pct")
        return None if value is None else Mention(m.start(), m.end(), value, "percent")
    if g["y"] or g["m"] or g["m2"]:
        head = num("y") if g["y"] else num("m") if g["m"] else num("m2")
        extra = num("ym") if g["ym"] else 0.0
        days = num("yd") if g["yd"] else num("md") if g["md"] else None
        if head is None or extra is None or (days is None and (g["yd"] or g["md"])):
            return None
        if g["y"]:
            months, dim = _duration(head + (0.5 if g["yh"] else 0.0), extra, days)
        else:
            months, dim = _duration(0.0, head, days)
        return Mention(m.start(), m.end(), months, dim)
    raw = g["n"]
    value = num("n")
    if value is None:
        return None
    unit = g["unit"]
    if unit is None and g["cur"] is None and not g["mult"]:
        if raw[0] not in "0123456789" and len(raw) == 1:
            return None  # a lone 一/十 is a word (一般, 一审, 十分), not an answer
        tail = m.string[m.end() : m.end() + 2]
        if tail[:1] in ("、", ")", "）") or (tail[:1] == "." and not tail[1:2].isdigit()):
            return None  # list numbering: 1、 1. (1)
    scaled = bool(g["mult"]) or any(c in raw for c in "万亿")
    if g["mult"]:
        value *= _MULTIPLIERS[g["mult"]]
    if unit in _MONEY_UNITS or (unit is None and g["cur"]):
        dim: str | None = "money"
    elif unit in _DAY_UNITS:
        dim = "days"
    elif unit == "%":
        dim = "percent"
    elif unit:
        dim = f"other:{unit}"
    else:
        dim = None
    return Mention(m.start(), m.end(), value, dim, scaled)


def find_numbers(text: str) -> list[Mention]:
    """Every number in ``text`` with its unit, dates masked; reading order."""
    text = halfwidth(text)
    text = _DATES.sub(lambda d: "□" * len(d.group()), text)
    found = (_mention(m) for m in _MENTION.finditer(text))
    return [x for x in found if x is not None]


def _gold_unit(unit: str) -> tuple[str | None, float]:
    unit = unit.strip()
    if not unit:
        return None, 1.0
    return GOLD_UNITS.get(unit, (f"other:{unit}", 1.0))


def convert(mention: Mention, gold_unit: str) -> float | None:
    """The mention's value in ``gold_unit``, or None when the units are incompatible."""
    dim, size = _gold_unit(gold_unit)
    if dim is None:
        return mention.value
    if mention.dim is None:
        if mention.scaled and dim == "money":
            return mention.value / size
        return mention.value
    if mention.dim == dim:
        return mention.value / size
    return None


def _pick(mentions: list[Mention], first: bool) -> Mention:
    with_unit = [x for x in mentions if x.has_unit] or mentions
    return with_unit[0] if first else with_unit[-1]


def _after_marker(text: str, ok: list[Mention], markers: re.Pattern[str]) -> Mention | None:
    """The answer in the clause of the last ``markers`` match whose clause holds a candidate."""
    for marker in reversed(list(markers.finditer(text))):
        end = _CLAUSE_END.search(text, marker.end())
        stop = end.start() if end else len(text)
        inside = [x for x in ok if marker.end() <= x.start < stop]
        if not inside:
            continue
        for step in reversed(list(_STEP.finditer(text, marker.end(), stop))):
            after = [x for x in inside if x.start >= step.end()]
            if after:
                return _pick(after, first=True)
        return _pick(inside, first=True)
    return None


#: Gold unit of a calendar-year answer (``追诉期限在哪一年届满`` → 2031): read as a date.
CALENDAR_YEAR = "年份"
_YEAR = re.compile(r"(?<![\d.])((?:1[89]|20)\d{2})(?![\d.])")


def extract_year(text: str) -> float | Unparsed:
    """The answer year of ``text``: the year after the last conclusion marker, else the last."""
    norm = halfwidth(text)
    years = list(_YEAR.finditer(norm))
    if not years:
        return Unparsed("no calendar year found")
    markers = list(_CONCLUSION.finditer(norm)) + list(_STEP.finditer(norm))
    last_marker = max((m.end() for m in markers), default=0)
    after = [y for y in years if y.start() >= last_marker]
    return float((after[0] if after else years[-1]).group(1))


def extract_number(text: str, gold_unit: str = "") -> float | Unparsed:
    """The final answer number of ``text`` in ``gold_unit`` (rules in the module docstring)."""
    if gold_unit.strip() == CALENDAR_YEAR:
        return extract_year(text)
    norm = halfwidth(text)
    mentions = find_numbers(norm)
    if not mentions:
        return Unparsed("no number found")
    ok = [x for x in mentions if convert(x, gold_unit) is not None]
    if not ok:
        units = sorted({x.dim or "bare" for x in mentions})
        return Unparsed(f"no number convertible to {gold_unit!r} (found {', '.join(units)})")
    chosen = _after_marker(norm, ok, _CONCLUSION) or _after_marker(norm, ok, _STEP)
    if chosen is None:
        chosen = _pick(ok, first=False)
    value = convert(chosen, gold_unit)
    assert value is not None
    return value


def numbers_match(value: float, gold: float) -> bool:
    """Relative tolerance 1e-4 or absolute 0.01 (cents, and rounding of large amounts)."""
    return math.isclose(value, gold, rel_tol=REL_TOL, abs_tol=ABS_TOL)


@ANSWER_TYPES.register("number")
class NumberAnswer(AnswerType):
    """``gold = {"number": "8500", "unit": "元", …}``; other gold keys are ignored."""

    name = "number"

    def extract(self, text: str, gold: Mapping[str, Any], record: Mapping[str, Any]) -> Any:
        return extract_number(text, str(gold.get("unit") or ""))

    def score(self, value: Any, gold: Mapping[str, Any], record: Mapping[str, Any]) -> float:
        return 1.0 if numbers_match(float(value), float(gold["number"])) else 0.0
