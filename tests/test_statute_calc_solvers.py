"""Hand-worked cases for every ``statute_calc`` solver, boundaries included.

Each row carries its arithmetic in a comment so a failing case can be checked by hand; the ids
name the rule and the boundary the row exercises.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gci_bench.builders.statute_calc import solvers as s

D = Decimal


def _case(case_id: str, *values: object) -> object:
    return pytest.param(*values, id=case_id)


# --- 1. 民间借贷规定第二十五条 -----------------------------------------------------------------

LENDING_RATE = [
    _case("below-cap", "10", "3.85", D("10")),  # 4 × 3.85 = 15.4 > 10 → 10
    _case("above-cap", "24", "3.85", D("15.4")),  # 24 > 15.4 → 15.4
    _case("exactly-cap-not-exceeding", "15.4", "3.85", D("15.4")),  # equal is not "超过"
    _case("one-basis-point-over", "13.81", "3.45", D("13.8")),  # 4 × 3.45 = 13.8
    _case("monthly-3-percent-as-36", "36", "3.10", D("12.4")),  # 4 × 3.10 = 12.4
]


@pytest.mark.parametrize(("agreed", "lpr", "expected"), LENDING_RATE)
def test_lending_supported_rate(agreed: str, lpr: str, expected: Decimal) -> None:
    assert s.lending_supported_rate(agreed, lpr) == expected


LENDING_INTEREST = [
    # 100000 × 10% × 12/12 = 10000
    _case("below-cap-one-year", 100_000, "10", "3.85", 12, D("10000.00")),
    # 200000 × 15.4% × 12/12 = 30800 (24% is cut to 4 × 3.85)
    _case("above-cap-one-year", 200_000, "24", "3.85", 12, D("30800.00")),
    # 100000 × 15.4% × 6/12 = 7700 (at the cap: supported in full)
    _case("exactly-cap-half-year", 100_000, "15.4", "3.85", 6, D("7700.00")),
    # 123457 × 13.8 × 7 / 1200 = 11925946.2 / 1200 = 9938.2885 → 9938.29
    _case("above-cap-rounded", 123_457, "18", "3.45", 7, D("9938.29")),
    # 3 × 10 × 1 / 1200 = 0.025 → half up 0.03 (banker's rounding would give 0.02)
    _case("half-up-rounding", 3, "10", "3.85", 1, D("0.03")),
]


@pytest.mark.parametrize(("principal", "agreed", "lpr", "months", "expected"), LENDING_INTEREST)
def test_lending_supported_interest(
    principal: int, agreed: str, lpr: str, months: int, expected: Decimal
) -> None:
    assert s.lending_supported_interest(principal, agreed, lpr, months) == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param(
            {"principal": 0, "agreed_rate_pct": "10", "lpr_pct": "3.85", "months": 12},
            id="zero-principal",
        ),
        pytest.param(
            {"principal": 1000, "agreed_rate_pct": "10", "lpr_pct": "3.85", "months": 0},
            id="zero-months",
        ),
        pytest.param(
            {"principal": 1000, "agreed_rate_pct": "-1", "lpr_pct": "3.85", "months": 3},
            id="negative-rate",
        ),
        pytest.param(
            {"principal": 1000, "agreed_rate_pct": "10", "lpr_pct": "0", "months": 3}, id="zero-lpr"
        ),
        pytest.param(
            {"principal": 1000, "agreed_rate_pct": "10", "lpr_pct": "385", "months": 3},
            id="lpr-not-percent",
        ),
        pytest.param(
            {"principal": 1000.0, "agreed_rate_pct": "10", "lpr_pct": "3.85", "months": 3},
            id="float-principal",
        ),
        pytest.param(
            {"principal": 1000, "agreed_rate_pct": "ten", "lpr_pct": "3.85", "months": 3},
            id="not-a-number",
        ),
        pytest.param(
            {"principal": 1000, "agreed_rate_pct": "10", "lpr_pct": "3.85", "months": 1.5},
            id="fractional-months",
        ),
    ],
)
def test_lending_rejects_invalid(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        s.lending_supported_interest(**kwargs)  # type: ignore[arg-type]


# --- 2. 劳动合同法第四十七条 -------------------------------------------------------------------

SEVERANCE_MONTHS = [
    _case("exactly-6-months-is-one-year", 0, 6, False, D("1")),
    _case("5-months-is-half", 0, 5, False, D("0.5")),
    _case("1-month-is-half", 0, 1, False, D("0.5")),
    _case("3y7m", 3, 7, False, D("4")),  # 3 + 1 (7 ≥ 6)
    _case("2y5m", 2, 5, False, D("2.5")),  # 2 + 0.5
    _case("full-years", 8, 0, False, D("8")),
    _case("12y7m-uncapped", 12, 7, False, D("13")),
    _case("12y7m-capped", 12, 7, True, D("12")),  # 13 → at most 12
    _case("12y3m-capped", 12, 3, True, D("12")),  # 12.5 → at most 12
    _case("11y5m-capped-below-12", 11, 5, True, D("11.5")),
    _case("11y6m-capped-reaches-12", 11, 6, True, D("12")),
]


@pytest.mark.parametrize(("years", "months", "capped", "expected"), SEVERANCE_MONTHS)
def test_severance_months(years: int, months: int, capped: bool, expected: Decimal) -> None:
    assert s.severance_months(years, months, capped=capped) == expected


SEVERANCE_PAY = [
    _case("3y7m", 8000, 10_000, 3, 7, D("32000.00")),  # 4 × 8000
    _case("exactly-6-months", 6000, 9000, 0, 6, D("6000.00")),  # 1 × 6000
    _case("5-months", 6000, 9000, 0, 5, D("3000.00")),  # 0.5 × 6000
    _case("2y5m", 7000, 9000, 2, 5, D("17500.00")),  # 2.5 × 7000
    # 40000 > 3 × 10000: base 30000, 15 years → 12: 12 × 30000
    _case("wage-and-year-cap-15y", 40_000, 10_000, 15, 0, D("360000.00")),
    # 40000 > 30000: base 30000, 3.5 months (no year cap reached)
    _case("wage-cap-short-service", 40_000, 10_000, 3, 2, D("105000.00")),
    # 30000 == 3 × 10000 is not "higher than": no cap, 15 × 30000
    _case("wage-exactly-3x-not-capped", 30_000, 10_000, 15, 0, D("450000.00")),
    # 30001 > 30000: base 30000, 13 → 12
    _case("wage-one-yuan-over-3x", 30_001, 10_000, 13, 0, D("360000.00")),
    # 12y3m with cap: 12.5 → 12 × 3 × 11000 = 396000
    _case("half-year-beyond-cap", 35_000, 11_000, 12, 3, D("396000.00")),
    # 2 × 8536.55 = 17073.10
    _case("wage-with-cents", "8536.55", 9000, 1, 8, D("17073.10")),
]


@pytest.mark.parametrize(("wage", "average", "years", "months", "expected"), SEVERANCE_PAY)
def test_severance_pay(
    wage: object, average: int, years: int, months: int, expected: Decimal
) -> None:
    assert s.severance_pay(wage, average, years, months) == expected


@pytest.mark.parametrize(
    "args",
    [
        pytest.param((8000, 9000, 0, 0), id="no-service"),
        pytest.param((8000, 9000, 1, 12), id="months-not-below-12"),
        pytest.param((8000, 9000, -1, 3), id="negative-years"),
        pytest.param((0, 9000, 1, 3), id="zero-wage"),
        pytest.param((8000, 0, 1, 3), id="zero-average"),
        pytest.param((8000.0, 9000, 1, 3), id="float-wage"),
        pytest.param((8000, 9000, True, 3), id="bool-years"),
    ],
)
def test_severance_rejects_invalid(args: tuple[object, ...]) -> None:
    with pytest.raises(ValueError):
        s.severance_pay(*args)  # type: ignore[arg-type]


# --- 3. 劳动合同法第八十二条 -------------------------------------------------------------------

DOUBLE_WAGE_MONTHS = [
    _case("one-month-grace", 1, 0),
    _case("2-months", 2, 1),
    _case("11-months", 11, 10),
    _case("12-months-reaches-cap", 12, 11),
    _case("13-months-capped", 13, 11),
    _case("24-months-capped", 24, 11),
]


@pytest.mark.parametrize(("months", "expected"), DOUBLE_WAGE_MONTHS)
def test_double_wage_months(months: int, expected: int) -> None:
    assert s.double_wage_months(months) == expected


DOUBLE_WAGE_EXTRA = [
    _case("5-months", 8000, 5, D("32000.00")),  # (5 − 1) × 8000
    _case("14-months-capped", 6500, 14, D("71500.00")),  # 11 × 6500
    _case("one-month-nothing", 6500, 1, D("0.00")),
    _case("wage-with-cents", "5123.45", 3, D("10246.90")),  # 2 × 5123.45
]


@pytest.mark.parametrize(("wage", "months", "expected"), DOUBLE_WAGE_EXTRA)
def test_double_wage_extra(wage: object, months: int, expected: Decimal) -> None:
    assert s.double_wage_extra(wage, months) == expected


@pytest.mark.parametrize(
    "args",
    [
        pytest.param((8000, 0), id="zero-months"),
        pytest.param((8000, -2), id="negative-months"),
        pytest.param((-8000, 3), id="negative-wage"),
        pytest.param((8000, "3"), id="months-as-string"),
    ],
)
def test_double_wage_rejects_invalid(args: tuple[object, ...]) -> None:
    with pytest.raises(ValueError):
        s.double_wage_extra(*args)  # type: ignore[arg-type]


# --- 4. 劳动法第四十四条 -----------------------------------------------------------------------

OVERTIME = [
    _case("150-weekday", (10, 0, 0), {"hourly_wage": 40}, D("600.00")),  # 40 × 1.5 × 10
    _case("200-restday", (0, 8, 0), {"hourly_wage": 40}, D("640.00")),  # 40 × 2 × 8
    _case("300-holiday", (0, 0, 8), {"hourly_wage": 40}, D("960.00")),  # 40 × 3 × 8
    _case("all-three", (10, 8, 8), {"hourly_wage": 40}, D("2200.00")),  # 600 + 640 + 960
    _case(
        "monthly-exact", (10, 0, 0), {"monthly_wage": 8700}, D("750.00")
    ),  # 8700/174 = 50; 50 × 15
    # 3300 × 28 / 174 = 92400 / 174 = 531.034… → 531.03
    _case("monthly-rounded-down", (0, 14, 0), {"monthly_wage": 3300}, D("531.03")),
    # 5000 × 9 / 174 = 45000 / 174 = 258.620… → 258.62
    _case("monthly-holiday", (0, 0, 3), {"monthly_wage": 5000}, D("258.62")),
    # 6000 × 1.5 × 7 / 174 = 63000 / 174 = 362.068… → 362.07 (no intermediate rounding of 34.48/h)
    _case("monthly-rounded-up", (7, 0, 0), {"monthly_wage": 6000}, D("362.07")),
]


@pytest.mark.parametrize(("hours", "wage", "expected"), OVERTIME)
def test_overtime_pay(hours: tuple[int, int, int], wage: dict[str, int], expected: Decimal) -> None:
    assert s.overtime_pay(*hours, **wage) == expected


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        pytest.param((4, 22, 20), D("110"), id="mixed"),  # 6 + 44 + 60
        pytest.param((1, 0, 0), D("1.5"), id="one-weekday-hour"),
        pytest.param((0, 0, 1), D("3"), id="one-holiday-hour"),
    ],
)
def test_overtime_equivalent_hours(hours: tuple[int, int, int], expected: Decimal) -> None:
    assert s.overtime_equivalent_hours(*hours) == expected


@pytest.mark.parametrize(
    ("hours", "wage"),
    [
        pytest.param((1, 0, 0), {}, id="no-wage"),
        pytest.param((1, 0, 0), {"hourly_wage": 40, "monthly_wage": 8000}, id="both-wages"),
        pytest.param((0, 0, 0), {"hourly_wage": 40}, id="no-hours"),
        pytest.param((-1, 2, 0), {"hourly_wage": 40}, id="negative-hours"),
        pytest.param((1, 0, 0), {"hourly_wage": 0}, id="zero-wage"),
    ],
)
def test_overtime_rejects_invalid(hours: tuple[int, int, int], wage: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        s.overtime_pay(*hours, **wage)


# --- 5. 刑法第六十九条 -------------------------------------------------------------------------

COMBINED = [
    _case("total-under-20", [5, 7], 12),  # 12 < 20: the total
    _case("total-19", [10, 9], 19),
    _case("total-exactly-20", [10, 10], 20),
    _case("total-30-cap-20", [8, 10, 12], 20),  # 30 < 35 → 20
    _case("total-34-cap-20", [10, 12, 12], 20),  # 34 < 35 → 20
    _case("total-exactly-35-cap-25", [10, 12, 13], 25),  # 35 ≥ 35 → 25
    _case("total-36-cap-25", [12, 12, 12], 25),
    _case("total-45-cap-25", [15, 15, 15], 25),
]


@pytest.mark.parametrize(("terms", "expected"), COMBINED)
def test_combined_sentence_max(terms: list[int], expected: int) -> None:
    assert s.combined_sentence_max(terms) == expected


@pytest.mark.parametrize(
    ("total", "cap"),
    [pytest.param(34, 20, id="34"), pytest.param(35, 25, id="35"), pytest.param(12, 20, id="12")],
)
def test_combined_sentence_cap(total: int, cap: int) -> None:
    assert s.combined_sentence_cap(total) == cap


@pytest.mark.parametrize(
    "terms",
    [
        pytest.param([8], id="single-sentence"),
        pytest.param([], id="empty"),
        pytest.param([16, 3], id="term-over-15"),
        pytest.param([0, 3], id="zero-term"),
        pytest.param([2.5, 3], id="fractional-term"),
        pytest.param("8,3", id="not-a-list"),
    ],
)
def test_combined_rejects_invalid(terms: object) -> None:
    with pytest.raises(ValueError):
        s.combined_sentence_max(terms)  # type: ignore[arg-type]


# --- 6. 刑法第四十一、四十四、四十七条 --------------------------------------------------------

CUSTODY_CREDIT = [
    _case("guanzhi-counts-double", "管制", 30, 60),
    _case("juyi-counts-single", "拘役", 30, 30),
    _case("imprisonment-counts-single", "有期徒刑", 30, 30),
    _case("no-custody", "管制", 0, 0),
]


@pytest.mark.parametrize(("penalty", "custody", "expected"), CUSTODY_CREDIT)
def test_custody_credit_days(penalty: str, custody: int, expected: int) -> None:
    assert s.custody_credit_days(penalty, custody) == expected


CUSTODY_REMAINING = [
    # 2023-03-01 → 2024-03-01 is 366 days (2024-02-29 inside); 30 custody days × 2 = 60 → 306,
    # i.e. 2023-03-01 … 2023-12-31.
    _case("guanzhi-1y-leap", "管制", 12, 30, dt.date(2023, 3, 1), 306, dt.date(2023, 12, 31)),
    # 2022-03-01 → 2023-03-01 is 365 days; − 60 → 305, ending 2022-12-30.
    _case("guanzhi-1y", "管制", 12, 30, dt.date(2022, 3, 1), 305, dt.date(2022, 12, 30)),
    # 2024-01-10 → 2024-05-10: 31 + 29 + 31 + 30 = 121 days; − 20 → 101, ending 2024-04-19.
    _case("juyi-4m", "拘役", 4, 20, dt.date(2024, 1, 10), 101, dt.date(2024, 4, 19)),
    # 2021-07-01 → 2022-01-01: 31+31+30+31+30+31 = 184 days; − 45 → 139, ending 2021-11-16.
    _case("imprisonment-6m", "有期徒刑", 6, 45, dt.date(2021, 7, 1), 139, dt.date(2021, 11, 16)),
    # 2023-01-15 → 2023-04-15: 31 + 28 + 31 = 90 days; 50 × 2 = 100 ≥ 90 → nothing left.
    _case("guanzhi-fully-credited", "管制", 3, 50, dt.date(2023, 1, 15), 0, dt.date(2023, 1, 14)),
    # The same 50 days against 拘役 3 months: 90 − 50 = 40, ending 2023-02-23.
    _case(
        "juyi-same-custody-single", "拘役", 3, 50, dt.date(2023, 1, 15), 40, dt.date(2023, 2, 23)
    ),
]


@pytest.mark.parametrize(
    ("penalty", "months", "custody", "start", "remaining", "end"), CUSTODY_REMAINING
)
def test_custody_remaining_days(
    penalty: str, months: int, custody: int, start: dt.date, remaining: int, end: dt.date
) -> None:
    assert s.custody_remaining_days(penalty, months, custody, start) == remaining
    assert s.custody_term_end(penalty, months, custody, start) == end


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("罚金", 3, 10, dt.date(2023, 1, 1)), id="not-a-term-penalty"),
        pytest.param(("管制", 25, 10, dt.date(2023, 1, 1)), id="guanzhi-over-2-years"),
        pytest.param(("拘役", 7, 10, dt.date(2023, 1, 1)), id="juyi-over-6-months"),
        pytest.param(("有期徒刑", 5, 10, dt.date(2023, 1, 1)), id="imprisonment-under-6-months"),
        pytest.param(("管制", 6, -1, dt.date(2023, 1, 1)), id="negative-custody"),
        pytest.param(("管制", 6, 10, dt.date(2023, 1, 30)), id="start-day-30"),
        pytest.param(("管制", 6, 10, "2023-01-01"), id="start-not-a-date"),
    ],
)
def test_custody_rejects_invalid(args: tuple[object, ...]) -> None:
    with pytest.raises(ValueError):
        s.custody_remaining_days(*args)  # type: ignore[arg-type]


# --- 7. 刑法第八十七条 -------------------------------------------------------------------------

LIMITATION = [
    _case("guanzhi", "管制", None, 5),
    _case("juyi", "拘役", None, 5),
    _case("3-years", "有期徒刑", 3, 5),
    _case("4-years-under-5", "有期徒刑", 4, 5),
    _case("exactly-5-years", "有期徒刑", 5, 10),  # "五年以上" includes 5
    _case("7-years", "有期徒刑", 7, 10),
    _case("9-years-under-10", "有期徒刑", 9, 10),
    _case("exactly-10-years", "有期徒刑", 10, 15),  # "十年以上" includes 10
    _case("15-years", "有期徒刑", 15, 15),
    _case("life", "无期徒刑", None, 20),
    _case("death", "死刑", None, 20),
]


@pytest.mark.parametrize(("penalty", "years", "expected"), LIMITATION)
def test_prosecution_limitation_years(penalty: str, years: int | None, expected: int) -> None:
    assert s.prosecution_limitation_years(penalty, years) == expected


@pytest.mark.parametrize(
    ("crime_date", "penalty", "years", "expected"),
    [
        pytest.param(dt.date(2012, 5, 10), "有期徒刑", 5, 2022, id="2012+10"),  # 5 → 10-year period
        pytest.param(dt.date(2016, 2, 29), "有期徒刑", 3, 2021, id="leap-day+5"),
        pytest.param(dt.date(1998, 1, 1), "死刑", None, 2018, id="1998+20"),
    ],
)
def test_prosecution_expiry_year(
    crime_date: dt.date, penalty: str, years: int | None, expected: int
) -> None:
    assert s.prosecution_expiry_year(crime_date, penalty, years) == expected


@pytest.mark.parametrize(
    ("penalty", "years"),
    [
        pytest.param("有期徒刑", None, id="imprisonment-without-years"),
        pytest.param("无期徒刑", 20, id="life-with-years"),
        pytest.param("有期徒刑", 16, id="over-15-years"),
        pytest.param("有期徒刑", 0, id="zero-years"),
        pytest.param("罚金", None, id="unknown-penalty"),
    ],
)
def test_limitation_rejects_invalid(penalty: str, years: int | None) -> None:
    with pytest.raises(ValueError):
        s.prosecution_limitation_years(penalty, years)


# --- 8. 刑法第二百六十四条 + 盗窃解释第一条 -----------------------------------------------------

PROVINCE = (2000, 50_000, 400_000)

THEFT = [
    _case("one-below-larger", 1999, PROVINCE, 0, None),
    _case("exactly-larger", 2000, PROVINCE, 1, 3),
    _case("one-below-huge", 49_999, PROVINCE, 1, 3),
    _case("exactly-huge", 50_000, PROVINCE, 2, 10),
    _case("one-below-especially-huge", 399_999, PROVINCE, 2, 10),
    _case("exactly-especially-huge", 400_000, PROVINCE, 3, 15),
    _case("far-above", 2_000_000, PROVINCE, 3, 15),
    _case("lowest-national-thresholds", 1000, (1000, 30_000, 300_000), 1, 3),
    _case("highest-national-thresholds", 99_999, (3000, 100_000, 500_000), 1, 3),
    _case("amount-with-cents", "49999.99", PROVINCE, 1, 3),
]


@pytest.mark.parametrize(("amount", "thresholds", "tier", "max_term"), THEFT)
def test_theft(
    amount: object, thresholds: tuple[int, int, int], tier: int, max_term: int | None
) -> None:
    assert s.theft_tier(amount, thresholds) == tier
    if max_term is None:
        with pytest.raises(ValueError, match="below"):
            s.theft_max_fixed_term(amount, thresholds)
    else:
        assert s.theft_max_fixed_term(amount, thresholds) == max_term


@pytest.mark.parametrize(
    ("amount", "thresholds"),
    [
        pytest.param(5000, (999, 50_000, 400_000), id="larger-below-range"),
        pytest.param(5000, (3001, 50_000, 400_000), id="larger-above-range"),
        pytest.param(5000, (2000, 29_999, 400_000), id="huge-below-range"),
        pytest.param(5000, (2000, 50_000, 500_001), id="especially-huge-above-range"),
        pytest.param(5000, (2000, 50_000), id="two-thresholds"),
        pytest.param(-1, PROVINCE, id="negative-amount"),
        pytest.param(5000.0, PROVINCE, id="float-amount"),
    ],
)
def test_theft_rejects_invalid(amount: object, thresholds: tuple[int, ...]) -> None:
    with pytest.raises(ValueError):
        s.theft_tier(amount, thresholds)  # type: ignore[arg-type]


def test_money_rounds_half_up() -> None:
    assert s.money(D("0.005")) == D("0.01")
    assert s.money(D("2.675")) == D("2.68")  # a float 2.675 would round to 2.67
