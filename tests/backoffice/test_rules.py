"""Statutory rules of the reference back office, checked against values worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from minwon.backoffice import rules
from minwon.backoffice.rules import TaxItem


def test_vehicle_tax_due_dates_june_30_and_december_31() -> None:
    # 지방세법 §128③: 1기 6.16–6.30, 2기 12.16–12.31 (2026: Tuesday 30 June, Thursday 31 December)
    assert rules.payment_period(TaxItem.VEHICLE_1, 2026) == (date(2026, 6, 16), date(2026, 6, 30))
    assert rules.payment_period(TaxItem.VEHICLE_2, 2026) == (date(2026, 12, 16), date(2026, 12, 31))


def test_due_date_on_a_weekend_or_holiday_moves_to_the_next_working_day() -> None:
    # 지방세기본법 §24①: 30 June 2024 was a Sunday → Monday 1 July
    assert rules.payment_period(TaxItem.VEHICLE_1, 2024)[1] == date(2024, 7, 1)
    # 31 May 2025 (지방소득세) was a Saturday → Monday 2 June (1 June a Sunday)
    assert rules.payment_period(TaxItem.LOCAL_INCOME, 2025)[1] == date(2025, 6, 2)
    # 31 August 2025 (주민세) was a Sunday → 1 September
    assert rules.payment_period(TaxItem.RESIDENT_PERSONAL, 2025)[1] == date(2025, 9, 1)


@pytest.mark.parametrize(
    ("item", "start", "due"),
    [
        (TaxItem.PROPERTY_BUILDING, date(2026, 7, 16), date(2026, 7, 31)),  # §115①2
        (TaxItem.PROPERTY_HOUSING_1, date(2026, 7, 16), date(2026, 7, 31)),  # §115①3
        (TaxItem.PROPERTY_HOUSING_2, date(2026, 9, 16), date(2026, 9, 30)),  # §115①3
        (TaxItem.PROPERTY_LAND, date(2026, 9, 16), date(2026, 9, 30)),  # §115①1
        (TaxItem.RESIDENT_PERSONAL, date(2026, 8, 16), date(2026, 8, 31)),  # §79②
        (TaxItem.RESIDENT_BUSINESS, date(2026, 8, 1), date(2026, 8, 31)),  # §83②
        (TaxItem.LOCAL_INCOME, date(2026, 5, 1), date(2026, 6, 1)),  # §95①; 31 May 2026 is a Sunday
    ],
)
def test_tax_calendar(item: TaxItem, start: date, due: date) -> None:
    assert rules.payment_period(item, 2026) == (start, due)


def test_vehicle_tax_by_displacement_and_age() -> None:
    # 지방세법 §127①1: 1,999 cc × 200원 = 399,800원 a year; §127③: 5% a year from the 3rd year, max 50%
    first = date(2024, 3, 1)
    assert rules.vehicle_tax_half(1999, first, 2024) == 199_900
    assert rules.vehicle_tax_half(1999, first, 2025) == 199_900  # 2nd year: no reduction
    assert rules.vehicle_tax_half(1999, first, 2026) == 189_900  # 3rd year: 5% → 379,810 / 2
    assert rules.vehicle_tax_half(998, date(2010, 1, 1), 2026) == 19_960  # 998 × 80 × 50% / 2
    assert rules.vehicle_tax_half(1598, date(2026, 1, 1), 2026) == 111_860  # 1,598 × 140 / 2
    assert rules.education_tax(TaxItem.VEHICLE_1, 199_900) == 59_970  # 지방세법 §151①: 30%


def test_late_payment_surcharge() -> None:
    due = date(2025, 7, 31)
    assert rules.late_payment_surcharge(600_000, due, due) == 0
    # 3% the day after the due date (지방세기본법 §55①3)
    assert rules.late_payment_surcharge(600_000, due, date(2025, 8, 1)) == 18_000
    # + 0.66% per month passed for ≥ 450,000 (§55①4): one month has passed on 1 September
    assert rules.late_payment_surcharge(600_000, due, date(2025, 8, 31)) == 18_000
    assert rules.late_payment_surcharge(600_000, due, date(2025, 9, 1)) == 18_000 + 3_960
    # below 450,000 only the 3%, however long
    assert rules.late_payment_surcharge(449_990, due, date(2030, 1, 1)) == 13_490
    # at most 60 months: 3% + 60 × 0.66% = 42.6%
    assert rules.late_payment_surcharge(1_000_000, due, date(2035, 1, 1)) == 426_000


def test_months_elapsed_at_month_ends() -> None:
    assert rules.months_elapsed(date(2026, 1, 31), date(2026, 2, 28)) == 0
    assert rules.months_elapsed(date(2026, 1, 31), date(2026, 3, 1)) == 1
    assert rules.months_elapsed(date(2026, 6, 30), date(2026, 7, 31)) == 1
    assert rules.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_parking_fine_reduction_and_objection_deadline() -> None:
    # 도로교통법 시행령 별표 6: 승용 40,000원; 질서위반행위규제법 §18 + 시행령 §5: 20% → 32,000원
    s = rules.parking_fine("passenger", False, date(2026, 11, 1))
    assert (s.fine, s.reduction, s.reduced_fine) == (40_000, 8_000, 32_000)
    # pre-notice 7 days later; at least 10 days to object (§16①)
    assert s.notice_date == date(2026, 11, 8)
    assert s.objection_deadline == date(2026, 11, 18)
    assert rules.parking_fine("van", False, date(2026, 11, 1)).fine == 50_000
    assert rules.parking_fine("passenger", True, date(2026, 11, 1)).reduced_fine == 96_000
    # 가산금 3% after the imposed due date, +1.2% per month (§24①②)
    assert rules.fine_surcharge(40_000, date(2026, 1, 10), date(2026, 1, 11)) == 1_200
    assert rules.fine_surcharge(40_000, date(2026, 1, 10), date(2026, 3, 11)) == 1_200 + 960


def test_water_charge_split() -> None:
    # 40 m³ over two months → 20 m³ a month, all in the first tier (580원); sewage 400원; levy 170원
    charge = rules.water_charge(40, 15)
    assert charge.water == 2_160 + 40 * 580
    assert charge.sewage == 40 * 400
    assert charge.levy == 40 * 170
    # 80 m³ → 40 a month: water 20×580 + 10×850 + 10×1,060 a month; sewage 30×400 + 10×690 a month
    big = rules.water_charge(80, 15)
    assert big.water == 2_160 + 2 * (20 * 580 + 10 * 850 + 10 * 1_060)
    assert big.sewage == 2 * (30 * 400 + 10 * 690)
    assert big.total == big.water + big.sewage + 80 * 170


def test_synthetic_rrns_never_pass_the_check_digit() -> None:
    rrn = rules.fake_rrn(date(1978, 3, 14), 1, 10001)
    assert rrn.startswith("780314-1") and len(rrn) == 14
    digits = rrn.replace("-", "")
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    valid = (11 - sum(int(d) * w for d, w in zip(digits[:12], weights, strict=True)) % 11) % 10
    assert int(digits[12]) != valid
    assert rules.is_synthetic_rrn(rrn)
    assert not rules.is_synthetic_rrn(digits[:12] + str(valid))
