"""The generated back office: deterministic, and following the calendar rules in every record."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from minwon.backoffice import demo_identities, rules
from minwon.backoffice.generator import PERSONAS, Dataset, generate
from minwon.backoffice.rules import TaxItem

AS_OF = date(2026, 11, 30)


@pytest.fixture(scope="module")
def data() -> Dataset:
    return generate(seed=11, residents=1500, as_of=AS_OF)


def test_same_inputs_same_rows_and_prefix_stability(data: Dataset) -> None:
    again = generate(seed=11, residents=1500, as_of=AS_OF)
    assert again.tables == data.tables
    other = generate(seed=12, residents=1500, as_of=AS_OF)
    assert other.tables["bo_residents"][10] != data.tables["bo_residents"][10]
    # fewer residents: the first residents keep their identity
    small = generate(seed=11, residents=100, as_of=AS_OF)
    assert small.tables["bo_residents"][:103] == data.tables["bo_residents"][:103]


def test_no_real_looking_rrn_and_unique_identifiers(data: Dataset) -> None:
    residents = data.tables["bo_residents"]
    assert all(rules.is_synthetic_rrn(r["rrn"]) for r in residents)
    assert len({r["rrn"] for r in residents}) == len(residents)
    plates = [v["plate"] for v in data.tables["bo_vehicles"]]
    assert len(set(plates)) == len(plates)
    numbers = [a["customer_number"] for a in data.tables["bo_water_accounts"]]
    assert len(set(numbers)) == len(numbers)


def test_tax_bills_follow_the_calendar(data: Dataset) -> None:
    bills = data.tables["bo_tax_bills"]
    assert {b["tax_year"] for b in bills} == {2025, 2026}
    for b in bills:
        start, due = rules.payment_period(TaxItem(b["tax_item"]), b["tax_year"])
        assert (b["period_start"], b["due_date"]) == (start, due)
        assert b["period_start"] <= AS_OF  # no bill before its period begins
        assert b["amount"] == b["base_tax"] + b["education_tax"]
        if b["paid_on"] is not None:
            assert b["paid_on"] <= AS_OF
            late = b["paid_on"] > b["due_date"]
            expected = b["amount"] + (
                rules.late_payment_surcharge(b["base_tax"], b["due_date"], b["paid_on"])
                + rules.late_payment_surcharge(b["education_tax"], b["due_date"], b["paid_on"])
                if late
                else 0
            )
            assert b["paid_amount"] == expected
    vehicle_dues = {b["due_date"] for b in bills if b["tax_item"].startswith("vehicle")}
    assert vehicle_dues == {date(2025, 6, 30), date(2025, 12, 31), date(2026, 6, 30)}
    items = Counter(b["tax_item"] for b in bills)
    assert set(items) == {i.value for i in TaxItem}
    assert 0 < sum(1 for b in bills if b["paid_on"] is None and b["due_date"] < AS_OF) < len(bills) * 0.1


def test_housing_tax_up_to_200000_is_billed_once_in_july(data: Dataset) -> None:
    # 지방세법 §115①3 단서
    by_resident_year: dict[tuple[int, int], list[dict[str, object]]] = {}
    for b in data.tables["bo_tax_bills"]:
        if b["tax_item"].startswith("property_housing"):
            by_resident_year.setdefault((b["resident_id"], b["tax_year"]), []).append(b)
    for group in by_resident_year.values():
        if len(group) == 1:
            assert group[0]["tax_item"] == "property_housing_1"
            assert group[0]["base_tax"] <= rules.HOUSING_SINGLE_BILL_LIMIT
        else:
            assert sorted(str(g["tax_item"]) for g in group) == ["property_housing_1", "property_housing_2"]


def test_water_bills_are_bimonthly_and_split(data: Dataset) -> None:
    per_account: dict[int, list[dict[str, object]]] = {}
    for b in data.tables["bo_water_bills"]:
        per_account.setdefault(int(b["account_id"]), []).append(b)
        charge = rules.water_charge(int(b["usage_m3"]), 15)
        assert b["water_use_levy"] == charge.levy
        assert b["amount"] == b["water_charge"] + b["sewage_charge"] + b["water_use_levy"]
    for bills in per_account.values():
        assert len(bills) == 6
        for b in bills:
            start, end = b["period_start"], b["period_end"]
            assert isinstance(start, date) and isinstance(end, date)
            assert start.day == 1 and (end + timedelta(days=1)).day == 1
            assert rules.add_months(start, 2) == end + timedelta(days=1)


def test_parking_violations_follow_the_statute(data: Dataset) -> None:
    vehicles = {v["id"]: v for v in data.tables["bo_vehicles"]}
    for v in data.tables["bo_parking_violations"]:
        kind = vehicles[v["vehicle_id"]]["kind"]
        assert v["fine"] == rules.PARKING_FINES[(kind, v["child_zone"])]
        assert v["objection_deadline"] - v["notice_date"] == timedelta(days=10)
        if v["paid_amount"] is not None and v["paid_on"] <= v["objection_deadline"]:
            assert v["paid_amount"] == v["fine"] * 8 // 10


def test_personas_are_planted_whatever_the_seed() -> None:
    for seed in (1, 2):
        residents = generate(seed=seed, residents=5, as_of=AS_OF).tables["bo_residents"]
        assert [r["rrn"] for r in residents[:3]] == [p.rrn for p in PERSONAS]
    people = demo_identities()
    assert [p.name for p in people] == ["김한빛", "박누리", "최다온"]
    assert all(rules.is_synthetic_rrn(p.rrn) for p in people)


def test_docs_list_the_demo_callers() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "backoffice.md").read_text()
    for person in demo_identities():
        assert f"| {person.name} | {person.rrn} |" in text
