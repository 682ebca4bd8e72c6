"""Exact solvers for the ``statute_calc`` generators.

Each function encodes one statutory rule as plain arithmetic so that the answer of every
generated item can be re-derived from its ``gold["params"]`` without trusting the generator's
text. Money is always :class:`~decimal.Decimal` (a float would turn 0.1 + 0.2 into a wrong
reference answer) and is rounded once, at the end, to 0.01 with ROUND_HALF_UP, the rounding a
court or an arbitration award uses. Invalid inputs raise :class:`ValueError` naming the argument:
a solver fed nonsense must fail loudly rather than produce a plausible wrong gold answer.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")

#: The penalties whose term a pre-trial custody day reduces, with the days it is worth
#: (刑法第四十一条: 管制 two days; 第四十四条 拘役 and 第四十七条 有期徒刑: one day).
CUSTODY_RATIO: dict[str, int] = {"管制": 2, "拘役": 1, "有期徒刑": 1}

#: Statutory term limits in months (刑法第三十八条 管制 3 months–2 years, 第四十二条 拘役
#: 1–6 months, 第四十五条 有期徒刑 6 months–15 years), used to reject impossible sentences.
TERM_LIMITS_MONTHS: dict[str, tuple[int, int]] = {
    "管制": (3, 24),
    "拘役": (1, 6),
    "有期徒刑": (6, 180),
}

#: Penalty kinds a statutory maximum can name (刑法第八十七条 brackets them).
MAX_PENALTIES: tuple[str, ...] = ("管制", "拘役", "有期徒刑", "无期徒刑", "死刑")

#: The 2013 theft interpretation, art. 1: the national ranges inside which a province fixes its
#: 数额较大 / 数额巨大 / 数额特别巨大 thresholds (yuan, both ends included).
THEFT_RANGES: tuple[tuple[int, int], ...] = ((1_000, 3_000), (30_000, 100_000), (300_000, 500_000))

#: Tier names, index = tier number returned by :func:`theft_tier`.
THEFT_TIERS: tuple[str, ...] = ("不满数额较大", "数额较大", "数额巨大", "数额特别巨大")

#: The highest fixed-term imprisonment (years) available in each tier of 刑法第二百六十四条:
#: 较大 "三年以下", 巨大 "三年以上十年以下", 特别巨大 "十年以上" — whose ceiling is the
#: general 15-year maximum of 刑法第四十五条 (无期徒刑 is a separate penalty, not a term).
THEFT_MAX_FIXED_TERM: dict[int, int] = {1: 3, 2: 10, 3: 15}


def money(value: Decimal) -> Decimal:
    """Round an amount of yuan to the cent, half up (the one rounding every money answer gets)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _dec(value: object, name: str) -> Decimal:
    """A finite Decimal from an int, str or Decimal; floats are refused (they are inexact)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"{name} must be an int, a decimal string or a Decimal, not {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{name} is not a number: {value!r}") from None
    else:
        raise ValueError(f"{name} must be an int, a decimal string or a Decimal, not {value!r}")
    if not result.is_finite():
        raise ValueError(f"{name} must be finite, got {value!r}")
    return result


def _positive(value: object, name: str) -> Decimal:
    result = _dec(value, name)
    if result <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return result


def _non_negative(value: object, name: str) -> Decimal:
    result = _dec(value, name)
    if result < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")
    return result


def _int(value: object, name: str, low: int, high: int | None = None) -> int:
    """An int in [low, high]; bools and floats are refused so a typo cannot slip through."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an int, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


def _normalize(value: Decimal) -> Decimal:
    """``Decimal('15.40')`` → ``Decimal('15.4')`` without the ``2E+1`` form of ``normalize``."""
    return Decimal(format(value.normalize(), "f"))


# --- 1. private lending: 民间借贷规定第二十五条 -------------------------------------------


def lending_supported_rate(agreed_rate_pct: object, lpr_pct: object) -> Decimal:
    """The annual rate (percent) a court supports under 民间借贷规定第二十五条.

    Art. 25 supports the agreed rate "但是双方约定的利率超过合同成立时一年期贷款市场报价利率四倍的
    除外"; in practice the excess over 4× the one-year LPR at contract time is cut off, so the
    supported rate is ``min(agreed, 4 × LPR)``. A rate exactly at 4× LPR does not *exceed* it
    and is supported in full.
    """
    agreed = _non_negative(agreed_rate_pct, "agreed_rate_pct")
    lpr = _positive(lpr_pct, "lpr_pct")
    if lpr > 20:
        raise ValueError(f"lpr_pct is a percentage such as 3.85, got {lpr_pct!r}")
    return _normalize(min(agreed, 4 * lpr))


def lending_supported_interest(
    principal: object, agreed_rate_pct: object, lpr_pct: object, months: int
) -> Decimal:
    """Interest (yuan) a court supports for ``months`` months of a loan (民间借贷规定第二十五条).

    ``interest = principal × min(agreed, 4 × LPR) / 100 × months / 12``: the term is counted in
    whole months so no day-count convention (360 vs 365) is needed, and the result is rounded to
    the cent once.
    """
    base = _positive(principal, "principal")
    term = _int(months, "months", 1)
    rate = lending_supported_rate(agreed_rate_pct, lpr_pct)
    return money(base * rate * term / Decimal(1200))


# --- 2. severance pay: 劳动合同法第四十七条 ---------------------------------------------


def severance_wage_capped(monthly_wage: object, local_average_wage: object) -> bool:
    """Whether art. 47(2) applies: the wage is *higher than* 3× the local average monthly wage.

    A wage exactly equal to 3× the average is not higher, so neither cap applies.
    """
    wage = _positive(monthly_wage, "monthly_wage")
    average = _positive(local_average_wage, "local_average_wage")
    return wage > 3 * average


def severance_months(years: int, months: int, *, capped: bool = False) -> Decimal:
    """Months of wage owed as severance for ``years`` years and ``months`` months of service.

    劳动合同法第四十七条: one month's wage per full year; a remainder of six months or more counts
    as a full year, a remainder under six months gives half a month. When the wage is above 3×
    the local average (``capped``), the years counted are at most twelve, so the result is
    ``min(count, 12)`` (12 years 3 months with the cap gives 12, not 12.5).
    """
    y = _int(years, "years", 0)
    m = _int(months, "months", 0, 11)
    if y == 0 and m == 0:
        raise ValueError("service must be at least one month (years=0, months=0)")
    if m >= 6:
        count = Decimal(y + 1)
    elif m > 0:
        count = Decimal(y) + Decimal("0.5")
    else:
        count = Decimal(y)
    if capped:
        count = min(count, Decimal(12))
    return _normalize(count)


def severance_pay(
    monthly_wage: object, local_average_wage: object, years: int, months: int
) -> Decimal:
    """Severance (yuan) under 劳动合同法第四十七条, both caps of its second paragraph included.

    ``monthly_wage`` is the average of the last twelve months (art. 47(3)). If it is higher than
    3× ``local_average_wage`` the wage base becomes 3× the average *and* the counted years stop
    at twelve; otherwise the base is the wage itself and there is no year cap.
    """
    wage = _positive(monthly_wage, "monthly_wage")
    average = _positive(local_average_wage, "local_average_wage")
    capped = wage > 3 * average
    base = 3 * average if capped else wage
    return money(base * severance_months(years, months, capped=capped))


# --- 3. double wages without a written contract: 劳动合同法第八十二条 -------------------


def double_wage_months(months_without_contract: int) -> int:
    """Months for which the extra (second) wage is owed under 劳动合同法第八十二条.

    The employer has one month from the start of work to sign (第十条); from the second month
    to the end of the first year ("超过一个月不满一年") each month is paid twice. So ``n`` months
    without a contract give ``min(n − 1, 11)`` months: after a full year the relation is
    deemed an open-ended contract (实施条例第七条) and the penalty stops at eleven months.
    """
    n = _int(months_without_contract, "months_without_contract", 1)
    return min(n - 1, 11)


def double_wage_extra(monthly_wage: object, months_without_contract: int) -> Decimal:
    """The extra wage (yuan) owed on top of the wages already paid (劳动合同法第八十二条).

    "二倍的工资" means one additional monthly wage per qualifying month, not two.
    """
    wage = _positive(monthly_wage, "monthly_wage")
    return money(wage * double_wage_months(months_without_contract))


# --- 4. overtime pay: 劳动法第四十四条 ---------------------------------------------------

#: Hours in a pay month: 21.75 paid days × 8 hours (劳社部发〔2008〕3号).
PAID_HOURS_PER_MONTH = Decimal("21.75") * 8


def overtime_equivalent_hours(
    weekday_hours: object, restday_hours: object, holiday_hours: object
) -> Decimal:
    """Overtime hours weighted by 劳动法第四十四条: 150% · 200% · 300%.

    Extended hours on a working day count 1.5×, rest-day work without compensatory rest 2×,
    work on a statutory holiday 3×; the result is the number of ordinary hourly wages owed.
    """
    a = _non_negative(weekday_hours, "weekday_hours")
    b = _non_negative(restday_hours, "restday_hours")
    c = _non_negative(holiday_hours, "holiday_hours")
    if a + b + c == 0:
        raise ValueError("at least one of weekday_hours, restday_hours, holiday_hours must be > 0")
    return _normalize(Decimal("1.5") * a + 2 * b + 3 * c)


def overtime_pay(
    weekday_hours: object,
    restday_hours: object,
    holiday_hours: object,
    *,
    hourly_wage: object | None = None,
    monthly_wage: object | None = None,
) -> Decimal:
    """Minimum overtime pay (yuan) under 劳动法第四十四条.

    Give exactly one of ``hourly_wage`` or ``monthly_wage``; a monthly wage is turned into an
    hourly one as ``monthly / 21.75 / 8`` without intermediate rounding (``monthly × hours /
    174`` in one division), so the only rounding is the final one to the cent.
    """
    if (hourly_wage is None) == (monthly_wage is None):
        raise ValueError("give exactly one of hourly_wage and monthly_wage")
    hours = overtime_equivalent_hours(weekday_hours, restday_hours, holiday_hours)
    if hourly_wage is not None:
        return money(_positive(hourly_wage, "hourly_wage") * hours)
    return money(_positive(monthly_wage, "monthly_wage") * hours / PAID_HOURS_PER_MONTH)


# --- 5. combined sentences: 刑法第六十九条 -----------------------------------------------


def combined_sentence_cap(total_years: int) -> int:
    """The ceiling of 刑法第六十九条 for fixed-term imprisonment: 20 years if the total is under
    35 years ("不满三十五年"), 25 years if it is 35 years or more ("三十五年以上" includes 35)."""
    total = _int(total_years, "total_years", 1)
    return 25 if total >= 35 else 20


def combined_sentence_max(terms_years: list[int] | tuple[int, ...]) -> int:
    """The longest term that can be decided for several fixed-term sentences (刑法第六十九条).

    The executed term lies between the highest single term and the total, and may not exceed
    the 20/25-year ceiling, so its maximum is ``min(total, cap)``. Terms are whole years, each
    within 刑法第四十五条 (at most 15 years); at least two are needed for 数罪并罚.
    """
    if not isinstance(terms_years, list | tuple) or len(terms_years) < 2:
        raise ValueError(f"terms_years must list at least two sentences, got {terms_years!r}")
    terms = [_int(t, f"terms_years[{i}]", 1, 15) for i, t in enumerate(terms_years)]
    total = sum(terms)
    return min(total, combined_sentence_cap(total))


# --- 6. custody credit: 刑法第四十一条、第四十四条、第四十七条 ----------------------------


def custody_credit_days(penalty: str, custody_days: int) -> int:
    """Days of term that pre-trial custody is worth: ×2 for 管制 (第四十一条), ×1 for 拘役
    (第四十四条) and 有期徒刑 (第四十七条). 管制 is served at liberty, so a custody day counts double."""
    if penalty not in CUSTODY_RATIO:
        raise ValueError(f"penalty must be one of {tuple(CUSTODY_RATIO)}, got {penalty!r}")
    return CUSTODY_RATIO[penalty] * _int(custody_days, "custody_days", 0)


def add_months(start: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` later (the start day must be 1–28 so it exists)."""
    if start.day > 28:
        raise ValueError(f"start day must be 1-28 so the corresponding day exists, got {start}")
    index = start.month - 1 + _int(months, "months", 0)
    return start.replace(year=start.year + index // 12, month=index % 12 + 1)


def _term_days(penalty: str, term_months: int, start: dt.date) -> int:
    if penalty not in TERM_LIMITS_MONTHS:
        raise ValueError(f"penalty must be one of {tuple(TERM_LIMITS_MONTHS)}, got {penalty!r}")
    low, high = TERM_LIMITS_MONTHS[penalty]
    months = _int(term_months, "term_months", low, high)
    if not isinstance(start, dt.date):
        raise ValueError(f"start must be a datetime.date, got {start!r}")
    return (add_months(start, months) - start).days


def custody_remaining_days(
    penalty: str, term_months: int, custody_days: int, start: dt.date
) -> int:
    """Days still to serve from ``start`` (the day the judgment is executed, counted) after credit.

    The term runs by the calendar: ``n`` months from ``start`` end the day before the same day
    ``n`` months later, so the uncredited term has ``(add_months(start, n) − start).days`` days.
    Pre-trial custody is then deducted at the rate of 刑法第四十一/四十四/四十七条. Custody worth the
    whole term or more leaves 0 days (the term is served).
    """
    total = _term_days(penalty, term_months, start)
    return max(0, total - custody_credit_days(penalty, custody_days))


def custody_term_end(penalty: str, term_months: int, custody_days: int, start: dt.date) -> dt.date:
    """The last day of the term after custody credit (the day before ``start`` if nothing is left)."""
    remaining = custody_remaining_days(penalty, term_months, custody_days, start)
    return start + dt.timedelta(days=remaining - 1)


# --- 7. limitation of prosecution: 刑法第八十七条 ----------------------------------------


def prosecution_limitation_years(max_penalty: str, max_years: int | None = None) -> int:
    """The limitation period (years) of 刑法第八十七条 for a crime's statutory maximum penalty.

    Fixed-term maximum under 5 years → 5; 5 years or more but under 10 → 10; 10 years or more
    → 15; 无期徒刑 or 死刑 → 20. "以上" includes the number, so a maximum of exactly 5 years gives
    10 and exactly 10 gives 15. 管制 and 拘役 maxima are under five years of imprisonment → 5.
    ``max_years`` is required for 有期徒刑 (1–15, 刑法第四十五条) and refused otherwise.
    """
    if max_penalty not in MAX_PENALTIES:
        raise ValueError(f"max_penalty must be one of {MAX_PENALTIES}, got {max_penalty!r}")
    if max_penalty != "有期徒刑":
        if max_years is not None:
            raise ValueError(f"max_years is only meaningful for 有期徒刑, got {max_years!r}")
        return 20 if max_penalty in ("无期徒刑", "死刑") else 5
    if max_years is None:
        raise ValueError("max_years is required when max_penalty is 有期徒刑")
    years = _int(max_years, "max_years", 1, 15)
    if years < 5:
        return 5
    if years < 10:
        return 10
    return 15


def prosecution_expiry_year(
    crime_date: dt.date, max_penalty: str, max_years: int | None = None
) -> int:
    """The calendar year in which the limitation period ends.

    刑法第八十九条 counts the period from the day of the crime, so a crime on 2012-05-10 with a
    five-year period is no longer prosecutable from 2017-05-10: the year is ``crime year +
    period``. (No interruption: the generators state that no case was opened and no complaint
    filed, so 第八十八条 does not apply.)
    """
    if not isinstance(crime_date, dt.date):
        raise ValueError(f"crime_date must be a datetime.date, got {crime_date!r}")
    return crime_date.year + prosecution_limitation_years(max_penalty, max_years)


# --- 8. theft tiers: 刑法第二百六十四条 + 2013 年盗窃解释第一条 -----------------------------


def check_theft_thresholds(thresholds: tuple[int, int, int] | list[int]) -> tuple[int, int, int]:
    """Validate a province's three thresholds: each inside the range of 盗窃解释第一条."""
    if not isinstance(thresholds, tuple | list) or len(thresholds) != 3:
        raise ValueError(
            f"thresholds must be three amounts (较大, 巨大, 特别巨大), got {thresholds!r}"
        )
    checked = []
    for i, (value, (low, high)) in enumerate(zip(thresholds, THEFT_RANGES, strict=True)):
        checked.append(_int(value, f"thresholds[{i}] ({THEFT_TIERS[i + 1]})", low, high))
    return checked[0], checked[1], checked[2]


def theft_tier(amount: object, thresholds: tuple[int, int, int] | list[int]) -> int:
    """The amount tier of a theft: 0 below 数额较大, then 1 较大, 2 巨大, 3 特别巨大.

    盗窃解释第一条 speaks of "一千元至三千元以上…": "以上" includes the threshold, so an amount
    exactly at a threshold falls in the higher tier and one yuan below stays in the lower one.
    """
    value = _non_negative(amount, "amount")
    limits = check_theft_thresholds(thresholds)
    return sum(1 for limit in limits if value >= limit)


def theft_max_fixed_term(amount: object, thresholds: tuple[int, int, int] | list[int]) -> int:
    """The highest fixed-term imprisonment (years) 刑法第二百六十四条 allows for the amount's tier.

    较大 → 3 ("三年以下"), 巨大 → 10 ("三年以上十年以下"), 特别巨大 → 15 ("十年以上", capped by the
    15-year maximum of 刑法第四十五条; 无期徒刑 is a different penalty and is not asked). An amount
    below 数额较大 is not theft by amount alone, so there is no range to report: ValueError.
    """
    tier = theft_tier(amount, thresholds)
    if tier == 0:
        raise ValueError(
            f"amount {amount} is below 数额较大 ({thresholds[0]}): no sentencing range"
        )
    return THEFT_MAX_FIXED_TERM[tier]
