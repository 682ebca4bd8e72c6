"""Checks run over every registered ``statute_calc`` generator.

Each generator must be deterministic, keep train and test parameter sets disjoint, link its three
records both ways inside one split, store gold answers that the solvers re-derive from
``gold["params"]`` alone (the table :data:`RESOLVE` below calls the solvers directly, not the
generator), quote the real article text in the general twin, and fail with a GciError when a
statute it needs is missing. The statutes come from the embedded default corpus, which ships
every statute file whole.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from gci_bench.build import default_raw_dir
from gci_bench.builders.base import BuildReport
from gci_bench.builders.statute_calc import GENERATORS, generate, generate_splits
from gci_bench.builders.statute_calc import solvers as s
from gci_bench.builders.statute_calc.generators import CALENDAR_YEAR, LICENCE, Statutes
from gci_bench.builders.statutes import load_statutes
from gci_bench.errors import GciError
from gci_bench.records import Record

RAW_DIR = default_raw_dir()
N = 25  # parameter sets per split in the per-generator checks
TASK_OF = {"integrated": "statute_calc", "domain": "statute_recall", "general": "statute_given"}

Resolver = Callable[[dict[str, Any]], dict[str, Decimal]]


def _lending(p: dict[str, Any]) -> dict[str, Decimal]:
    interest = s.lending_supported_interest(
        p["principal"], p["agreed_rate_pct"], p["lpr_pct"], p["months"]
    )
    rate = s.lending_supported_rate(p["agreed_rate_pct"], p["lpr_pct"])
    return {"integrated": interest, "domain": rate, "general": interest}


def _severance(p: dict[str, Any]) -> dict[str, Decimal]:
    pay = s.severance_pay(p["monthly_wage"], p["local_average_wage"], p["years"], p["months"])
    capped = s.severance_wage_capped(p["monthly_wage"], p["local_average_wage"])
    months = s.severance_months(p["years"], p["months"], capped=capped)
    return {"integrated": pay, "domain": months, "general": pay}


def _double_wage(p: dict[str, Any]) -> dict[str, Decimal]:
    extra = s.double_wage_extra(p["monthly_wage"], p["months_without_contract"])
    months = Decimal(s.double_wage_months(p["months_without_contract"]))
    return {"integrated": extra, "domain": months, "general": extra}


def _overtime(p: dict[str, Any]) -> dict[str, Decimal]:
    hours = (p["weekday_hours"], p["restday_hours"], p["holiday_hours"])
    wage = {"hourly_wage" if p["wage_basis"] == "hourly" else "monthly_wage": p["wage"]}
    pay = s.overtime_pay(*hours, **wage)
    return {"integrated": pay, "domain": s.overtime_equivalent_hours(*hours), "general": pay}


def _combined(p: dict[str, Any]) -> dict[str, Decimal]:
    years = Decimal(s.combined_sentence_max(p["terms_years"]))
    return {"integrated": years, "domain": years, "general": years}


def _custody(p: dict[str, Any]) -> dict[str, Decimal]:
    start = dt.date.fromisoformat(p["start_date"])
    left = Decimal(
        s.custody_remaining_days(p["penalty"], p["term_months"], p["custody_days"], start)
    )
    credit = Decimal(s.custody_credit_days(p["penalty"], p["custody_days"]))
    return {"integrated": left, "domain": credit, "general": left}


def _limitation(p: dict[str, Any]) -> dict[str, Decimal]:
    day = dt.date.fromisoformat(p["crime_date"])
    year = Decimal(s.prosecution_expiry_year(day, p["max_penalty"], p["max_years"]))
    period = Decimal(s.prosecution_limitation_years(p["max_penalty"], p["max_years"]))
    return {"integrated": year, "domain": period, "general": year}


def _theft(p: dict[str, Any]) -> dict[str, Decimal]:
    years = Decimal(s.theft_max_fixed_term(p["amount"], p["thresholds"]))
    return {"integrated": years, "domain": years, "general": years}


#: generator → (re-derivation from params, units by subset, articles its general twin must quote)
RESOLVE: dict[
    str, tuple[Resolver, dict[str, str], Callable[[dict[str, Any]], list[tuple[str, str]]]]
] = {
    "lending_interest": (
        _lending,
        {"integrated": "元", "domain": "%", "general": "元"},
        lambda p: [("最高人民法院关于审理民间借贷案件适用法律若干问题的规定", "25")],
    ),
    "severance_pay": (
        _severance,
        {"integrated": "元", "domain": "个月", "general": "元"},
        lambda p: [("劳动合同法", "47")],
    ),
    "double_wage": (
        _double_wage,
        {"integrated": "元", "domain": "个月", "general": "元"},
        lambda p: [("劳动合同法", "10"), ("劳动合同法", "82")],
    ),
    "overtime_pay": (
        _overtime,
        {"integrated": "元", "domain": "小时", "general": "元"},
        lambda p: [("劳动法", "44")],
    ),
    "combined_sentence": (_combined, dict.fromkeys(TASK_OF, "年"), lambda p: [("刑法", "69")]),
    "custody_credit": (
        _custody,
        dict.fromkeys(TASK_OF, "日"),
        lambda p: [("刑法", {"管制": "41", "拘役": "44", "有期徒刑": "47"}[p["penalty"]])],
    ),
    "prosecution_limitation": (
        _limitation,
        {"integrated": CALENDAR_YEAR, "domain": "年", "general": CALENDAR_YEAR},
        lambda p: [("刑法", "87"), ("刑法", "89")],
    ),
    "theft_sentence": (
        _theft,
        dict.fromkeys(TASK_OF, "年"),
        lambda p: [
            ("刑法", "264"),
            ("最高人民法院、最高人民检察院关于办理盗窃刑事案件适用法律若干问题的解释", "1"),
            ("刑法", "45"),
        ],
    ),
}

#: generator → boundary cases that 200 draws must hit at least once each.
BOUNDARIES: dict[str, dict[str, Callable[[dict[str, Any]], bool]]] = {
    "lending_interest": {
        "agreed-equals-4xLPR": lambda p: Decimal(p["agreed_rate_pct"]) == 4 * Decimal(p["lpr_pct"]),
        "agreed-below-4xLPR": lambda p: Decimal(p["agreed_rate_pct"]) < 4 * Decimal(p["lpr_pct"]),
        "agreed-above-4xLPR": lambda p: Decimal(p["agreed_rate_pct"]) > 4 * Decimal(p["lpr_pct"]),
        "monthly-rate": lambda p: p["rate_basis"] == "monthly",
    },
    "severance_pay": {
        "exactly-6-months": lambda p: p["months"] == 6,
        "5-months": lambda p: p["months"] == 5,
        "under-a-year": lambda p: p["years"] == 0,
        "wage-exactly-3x": lambda p: p["monthly_wage"] == 3 * p["local_average_wage"],
        "both-caps": lambda p: p["monthly_wage"] > 3 * p["local_average_wage"] and p["years"] >= 12,
    },
    "double_wage": {
        "2-months": lambda p: p["months_without_contract"] == 2,
        "12-months": lambda p: p["months_without_contract"] == 12,
        "over-a-year": lambda p: p["months_without_contract"] > 12,
    },
    "overtime_pay": {
        "weekday-only": lambda p: (
            p["weekday_hours"] and not p["restday_hours"] and not p["holiday_hours"]
        ),
        "restday-only": lambda p: (
            p["restday_hours"] and not p["weekday_hours"] and not p["holiday_hours"]
        ),
        "holiday-only": lambda p: (
            p["holiday_hours"] and not p["weekday_hours"] and not p["restday_hours"]
        ),
        "monthly-wage": lambda p: p["wage_basis"] == "monthly",
        "hourly-wage": lambda p: p["wage_basis"] == "hourly",
    },
    "combined_sentence": {
        "total-34": lambda p: sum(p["terms_years"]) == 34,
        "total-35": lambda p: sum(p["terms_years"]) == 35,
        "total-under-20": lambda p: sum(p["terms_years"]) < 20,
    },
    "custody_credit": {
        "guanzhi": lambda p: p["penalty"] == "管制",
        "juyi": lambda p: p["penalty"] == "拘役",
        "imprisonment": lambda p: p["penalty"] == "有期徒刑",
    },
    "prosecution_limitation": {
        "max-exactly-5": lambda p: p["max_years"] == 5,
        "max-exactly-10": lambda p: p["max_years"] == 10,
        "under-5": lambda p: p["max_penalty"] == "拘役" or (p["max_years"] or 99) < 5,
        "life-or-death": lambda p: p["max_penalty"] in ("无期徒刑", "死刑"),
    },
    "theft_sentence": {
        "exactly-larger": lambda p: p["amount"] == p["thresholds"][0],
        "exactly-huge": lambda p: p["amount"] == p["thresholds"][1],
        "exactly-especially-huge": lambda p: p["amount"] == p["thresholds"][2],
        "one-below-huge": lambda p: p["amount"] == p["thresholds"][1] - 1,
        "one-below-especially-huge": lambda p: p["amount"] == p["thresholds"][2] - 1,
    },
}


@pytest.fixture(scope="module")
def statutes() -> Statutes:
    return load_statutes(RAW_DIR, BuildReport())


def _rows(records: list[Record]) -> list[dict[str, Any]]:
    return [r.to_row() | {"split": r.split} for r in records]


def _triples(records: list[Record]) -> list[tuple[Record, Record, Record]]:
    assert len(records) % 3 == 0
    return [(records[i], records[i + 1], records[i + 2]) for i in range(0, len(records), 3)]


def test_every_generator_has_a_resolver() -> None:
    assert set(GENERATORS.names()) == set(RESOLVE) == set(BOUNDARIES)
    assert len(GENERATORS.names()) >= 8


@pytest.mark.parametrize("name", GENERATORS.names())
def test_deterministic(statutes: Statutes, name: str) -> None:
    first = generate_splits(statutes, N, N, seed=7, names=[name])
    second = generate_splits(statutes, N, N, seed=7, names=[name])
    for split in ("train", "test"):
        assert _rows(first[split]) == _rows(second[split])
    other = generate_splits(statutes, N, N, seed=8, names=[name])
    assert _rows(other["train"]) != _rows(first["train"])


@pytest.mark.parametrize("name", GENERATORS.names())
def test_splits_disjoint_and_sized(statutes: Statutes, name: str) -> None:
    gen = GENERATORS.get(name)
    splits = generate_splits(statutes, N, N, seed=3, names=[name])
    keys = {split: {gen.key(r.gold["params"]) for r in recs} for split, recs in splits.items()}
    assert len(keys["train"]) == len(keys["test"]) == N
    assert not keys["train"] & keys["test"]
    params = {
        split: {json.dumps(r.gold["params"], sort_keys=True) for r in recs}
        for split, recs in splits.items()
    }
    assert not params["train"] & params["test"]
    ids = {split: [r.id for r in recs] for split, recs in splits.items()}
    for split in ("train", "test"):
        assert len(ids[split]) == len(set(ids[split])) == 3 * N
    assert not set(ids["train"]) & set(ids["test"])


@pytest.mark.parametrize("name", GENERATORS.names())
def test_twins_linked_in_same_split(statutes: Statutes, name: str) -> None:
    splits = generate_splits(statutes, N, N, seed=5, names=[name])
    for split, records in splits.items():
        by_id = {r.id: r for r in records}
        for triple in _triples(records):
            assert [r.subset for r in triple] == ["integrated", "domain", "general"]
            assert len({json.dumps(r.gold["params"], sort_keys=True) for r in triple}) == 1
            for rec in triple:
                assert rec.split == split
                assert rec.links == sorted(o.id for o in triple if o is not rec)
                for linked in rec.links:
                    assert rec.id in by_id[linked].links


@pytest.mark.parametrize("name", GENERATORS.names())
def test_record_fields(statutes: Statutes, name: str) -> None:
    for rec in generate_splits(statutes, N, 1, seed=11, names=[name])["train"]:
        assert rec.group == "computation"
        assert rec.task == TASK_OF[rec.subset]
        assert rec.answer_type == "number"
        assert rec.source == f"generator:{name}"
        assert rec.licence == LICENCE
        assert rec.instruction and rec.input and not rec.choices
        assert rec.gold["generator"] == name
        unit = "年" if rec.gold["unit"] == CALENDAR_YEAR else rec.gold["unit"]  # 2031年: a year
        assert rec.answer == f"{rec.gold['number']}{unit}"
        json.dumps(rec.gold["params"])  # JSON-safe
        assert all(
            isinstance(v, str | int | list | type(None)) for v in rec.gold["params"].values()
        )


@pytest.mark.parametrize("name", GENERATORS.names())
def test_gold_rederived_from_params(statutes: Statutes, name: str) -> None:
    resolve, units, _ = RESOLVE[name]
    splits = generate_splits(statutes, N, N, seed=13, names=[name])
    for rec in splits["train"] + splits["test"]:
        expected = resolve(rec.gold["params"])[rec.subset]
        assert Decimal(rec.gold["number"]) == expected, rec.input
        assert rec.gold["unit"] == units[rec.subset]


@pytest.mark.parametrize("name", GENERATORS.names())
def test_money_has_two_decimals(statutes: Statutes, name: str) -> None:
    for rec in generate_splits(statutes, N, 1, seed=17, names=[name])["train"]:
        if rec.gold["unit"] == "元":
            assert re.fullmatch(r"\d+\.\d{2}", rec.gold["number"]), rec.gold["number"]
        else:
            assert re.fullmatch(r"\d+(\.\d+)?", rec.gold["number"]), rec.gold["number"]


@pytest.mark.parametrize("name", GENERATORS.names())
def test_general_twin_quotes_real_article(statutes: Statutes, name: str) -> None:
    _, _, articles = RESOLVE[name]
    for integrated, domain, general in _triples(
        generate_splits(statutes, N, 1, seed=19, names=[name])["train"]
    ):
        for law, key in articles(general.gold["params"]):
            assert statutes[law][key] in general.input
        assert integrated.input in general.input  # same computation, the rule put in front
        for law, key in articles(general.gold["params"]):
            assert statutes[law][key] not in integrated.input  # the case never states the rule
            assert statutes[law][key] not in domain.input


@pytest.mark.parametrize("name", GENERATORS.names())
def test_boundaries_are_sampled(statutes: Statutes, name: str) -> None:
    params = [
        r.gold["params"]
        for r in generate_splits(statutes, 200, 0, seed=23, names=[name])["train"][::3]
    ]
    for case, hit in BOUNDARIES[name].items():
        assert any(hit(p) for p in params), f"{name}: boundary {case!r} never sampled in 200 draws"


@pytest.mark.parametrize("name", GENERATORS.names())
def test_missing_statute_raises(statutes: Statutes, name: str) -> None:
    law, key = GENERATORS.get(name).requires[0]
    without_law = {k: v for k, v in statutes.items() if k != law}
    with pytest.raises(GciError, match=re.escape(law)):
        generate_splits(without_law, 2, 2, names=[name])
    without_article = dict(statutes) | {law: {k: v for k, v in statutes[law].items() if k != key}}
    with pytest.raises(GciError, match=rf"article {re.escape(key)}\b"):
        generate_splits(without_article, 2, 2, names=[name])


def test_all_generators_together(statutes: Statutes) -> None:
    splits = generate_splits(statutes, 10, 5, seed=0)
    n_gen = len(GENERATORS.names())
    assert len(splits["train"]) == 3 * 10 * n_gen
    assert len(splits["test"]) == 3 * 5 * n_gen
    ids = [r.id for r in splits["train"] + splits["test"]]
    assert len(ids) == len(set(ids))
    assert _rows(generate(statutes, "test", 5, seed=0)) == _rows(
        generate_splits(statutes, 5, 5, seed=0)["test"]
    )


def test_unknown_generator_and_split(statutes: Statutes) -> None:
    with pytest.raises(GciError, match="did you mean"):
        generate_splits(statutes, 1, 1, names=["severance"])
    with pytest.raises(GciError, match="split"):
        generate(statutes, "dev", 1)
