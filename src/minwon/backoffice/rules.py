"""Statutory rules the reference back office follows: the local-tax calendar, late-payment surcharges,
parking-fine reductions and objection periods, and the (fictional) 한빛시 water tariff.

Pure functions with no database or HTTP import. Amounts are integers in KRW; dates are calendar dates in
Asia/Seoul. Each rule names its source; the 한빛시 figures that a real city sets by ordinance (조례) are
marked *fictional* and modelled on typical metropolitan ordinances.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

import holidays


class TaxItem(StrEnum):
    """Local-tax items (세목) and their instalments."""

    VEHICLE_1 = "vehicle_1"  # 자동차세 1기
    VEHICLE_2 = "vehicle_2"  # 자동차세 2기
    PROPERTY_BUILDING = "property_building"  # 재산세(건축물)
    PROPERTY_HOUSING_1 = "property_housing_1"  # 재산세(주택) 1/2
    PROPERTY_HOUSING_2 = "property_housing_2"  # 재산세(주택) 2/2
    PROPERTY_LAND = "property_land"  # 재산세(토지)
    RESIDENT_PERSONAL = "resident_personal"  # 주민세(개인분)
    RESIDENT_BUSINESS = "resident_business"  # 주민세(사업소분)
    LOCAL_INCOME = "local_income"  # 지방소득세(종합소득분)


#: Korean labels shown on the desk.
TAX_ITEM_LABELS: dict[TaxItem, str] = {
    TaxItem.VEHICLE_1: "자동차세 1기",
    TaxItem.VEHICLE_2: "자동차세 2기",
    TaxItem.PROPERTY_BUILDING: "재산세(건축물)",
    TaxItem.PROPERTY_HOUSING_1: "재산세(주택) 1기분",
    TaxItem.PROPERTY_HOUSING_2: "재산세(주택) 2기분",
    TaxItem.PROPERTY_LAND: "재산세(토지)",
    TaxItem.RESIDENT_PERSONAL: "주민세(개인분)",
    TaxItem.RESIDENT_BUSINESS: "주민세(사업소분)",
    TaxItem.LOCAL_INCOME: "지방소득세(종합소득분)",
}

#: Statutory payment period (first day, last day) as (month, day) pairs, by item.
#: 자동차세: 지방세법 §128③ (6.16–6.30, 12.16–12.31). 재산세: 지방세법 §115①1–3 (건축물 7.16–7.31,
#: 토지 9.16–9.30, 주택 half in each). 주민세 개인분: §79② (8.16–8.31); 사업소분: §83② (8.1–8.31,
#: 신고납부). 지방소득세 종합소득분: §95① (by the income-tax return deadline, 5.31).
PAYMENT_PERIODS: dict[TaxItem, tuple[tuple[int, int], tuple[int, int]]] = {
    TaxItem.VEHICLE_1: ((6, 16), (6, 30)),
    TaxItem.VEHICLE_2: ((12, 16), (12, 31)),
    TaxItem.PROPERTY_BUILDING: ((7, 16), (7, 31)),
    TaxItem.PROPERTY_HOUSING_1: ((7, 16), (7, 31)),
    TaxItem.PROPERTY_HOUSING_2: ((9, 16), (9, 30)),
    TaxItem.PROPERTY_LAND: ((9, 16), (9, 30)),
    TaxItem.RESIDENT_PERSONAL: ((8, 16), (8, 31)),
    TaxItem.RESIDENT_BUSINESS: ((8, 1), (8, 31)),
    TaxItem.LOCAL_INCOME: ((5, 1), (5, 31)),
}

#: 지방교육세 (local education tax) as a share of the main tax, 지방세법 §151①: 재산세 20%,
#: 자동차세(비영업용 승용) 30%, 주민세 개인분·사업소분 10% (cities under 500,000 people).
EDUCATION_TAX_RATE: dict[TaxItem, float] = {
    TaxItem.VEHICLE_1: 0.30,
    TaxItem.VEHICLE_2: 0.30,
    TaxItem.PROPERTY_BUILDING: 0.20,
    TaxItem.PROPERTY_HOUSING_1: 0.20,
    TaxItem.PROPERTY_HOUSING_2: 0.20,
    TaxItem.PROPERTY_LAND: 0.20,
    TaxItem.RESIDENT_PERSONAL: 0.10,
    TaxItem.RESIDENT_BUSINESS: 0.10,
    TaxItem.LOCAL_INCOME: 0.0,
}

#: 재산세(주택): a yearly tax of at most this amount is billed in full in July (지방세법 §115①3 단서).
HOUSING_SINGLE_BILL_LIMIT = 200_000


@lru_cache(maxsize=64)
def _kr_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("KR", years=year)


@lru_cache(maxsize=4096)
def is_non_working_day(day: date) -> bool:
    """Saturday, Sunday, a Korean public holiday, or Labour Day (May 1)."""
    return day.weekday() >= 5 or day in _kr_holidays(day.year) or (day.month, day.day) == (5, 1)


def deadline_extension(day: date) -> date:
    """A deadline falling on a Saturday, public holiday or Labour Day moves to the next working day
    (지방세기본법 §24① 기한의 특례)."""
    while is_non_working_day(day):
        day += timedelta(days=1)
    return day


@lru_cache(maxsize=512)
def payment_period(item: TaxItem, year: int) -> tuple[date, date]:
    """(first day, due date) of ``item`` in ``year``; the due date has the §24① extension applied."""
    (m1, d1), (m2, d2) = PAYMENT_PERIODS[item]
    return date(year, m1, d1), deadline_extension(date(year, m2, d2))


def education_tax(item: TaxItem, base_tax: int) -> int:
    """지방교육세 on ``base_tax`` (KRW, truncated below 10 won as 지방세기본법 §53 does for the tax)."""
    return truncate_10(int(base_tax * EDUCATION_TAX_RATE[item]))


def truncate_10(amount: int) -> int:
    """Amounts under 10 won are dropped (국고금 관리법 §47 / 지방회계법 practice for tax bills)."""
    return amount - amount % 10


# --- 자동차세 (지방세법 §127) -----------------------------------------------------------------------


def vehicle_tax_per_cc(displacement_cc: int) -> int:
    """Yearly 자동차세 rate per cc for a private (비영업용) passenger car, 지방세법 §127①1:
    ≤1,000 cc 80원, ≤1,600 cc 140원, above 200원."""
    if displacement_cc <= 1000:
        return 80
    if displacement_cc <= 1600:
        return 140
    return 200


def vehicle_age_reduction(first_registered: date, tax_year: int) -> float:
    """Share of the tax reduced for older cars, 지방세법 §127③: from the third year 5% a year, at most
    50%. Age counts the years since first registration (1st year = the registration year)."""
    age = tax_year - first_registered.year + 1
    if age < 3:
        return 0.0
    return min(0.05 * (age - 2), 0.5)


def vehicle_tax_half(displacement_cc: int, first_registered: date, tax_year: int) -> int:
    """One instalment (1기 or 2기) of 자동차세 without 지방교육세, KRW: half of the yearly tax
    (지방세법 §128①; the 2nd-half instalment of a car registered mid-year is not prorated here)."""
    yearly = displacement_cc * vehicle_tax_per_cc(displacement_cc)
    yearly = int(yearly * (1 - vehicle_age_reduction(first_registered, tax_year)))
    return truncate_10(yearly // 2)


# --- 납부지연가산세 (지방세기본법 §55) ------------------------------------------------------------------

#: One-off surcharge when a billed tax is not paid by the bill's due date, §55①3.
LATE_SURCHARGE_RATE = 0.03
#: Monthly surcharge after that, §55①4 with 지방세기본법 시행령 §34 (1만분의 66).
MONTHLY_SURCHARGE_RATE = 0.0066
#: The monthly surcharge applies only to a tax of at least this amount per bill and item, and for at
#: most 60 months (§55①4 proviso and §55⑤).
MONTHLY_SURCHARGE_THRESHOLD = 450_000
MONTHLY_SURCHARGE_MAX_MONTHS = 60


def add_months(day: date, months: int) -> date:
    """``day`` moved ``months`` calendar months on, clamped to the month's last day
    (31 Jan + 1 month → 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def months_elapsed(due: date, on: date) -> int:
    """Whole months passed after the due date by day ``on``: the largest ``k`` with
    ``add_months(due, k) < on`` (0 on or before the due date)."""
    if on <= due:
        return 0
    k = (on.year - due.year) * 12 + (on.month - due.month)
    while k > 0 and add_months(due, k) >= on:
        k -= 1
    return k


def late_payment_surcharge(unpaid_tax: int, due: date, on: date) -> int:
    """납부지연가산세 on an unpaid billed tax ``unpaid_tax`` (one item of one bill, KRW) on day ``on``.

    3% once the due date has passed (지방세기본법 §55①3), plus 0.66% for every month passed after the
    due date (§55①4, 시행령 §34) when the unpaid tax is at least 450,000 won, for at most 60 months.
    Returns 0 on or before the due date. Truncated below 10 won.
    """
    if on <= due or unpaid_tax <= 0:
        return 0
    total = unpaid_tax * LATE_SURCHARGE_RATE
    if unpaid_tax >= MONTHLY_SURCHARGE_THRESHOLD:
        months = min(months_elapsed(due, on), MONTHLY_SURCHARGE_MAX_MONTHS)
        total += unpaid_tax * MONTHLY_SURCHARGE_RATE * months
    return truncate_10(int(round(total, 6)))


# --- 주정차 위반 과태료 (도로교통법, 질서위반행위규제법) ----------------------------------------------------

#: 과태료 for illegal stopping/parking by vehicle kind, 도로교통법 §160③ and 시행령 별표 6 (12호):
#: 승용자동차 40,000원, 승합자동차 50,000원; in a children's protection zone (어린이보호구역, 별표 7)
#: 120,000원 / 130,000원 (08:00–20:00).
PARKING_FINES: dict[tuple[str, bool], int] = {
    ("passenger", False): 40_000,
    ("van", False): 50_000,
    ("passenger", True): 120_000,
    ("van", True): 130_000,
}
#: Days between the violation and the pre-notice (사전통지서) being issued in the reference data.
NOTICE_DELAY_DAYS = 7
#: The pre-notice gives the owner at least 10 days to object (의견제출), 질서위반행위규제법 §16①.
OBJECTION_PERIOD_DAYS = 10
#: Paying within the objection period reduces the fine by 20%, 질서위반행위규제법 §18① with
#: 시행령 §5 (자진납부자 감경).
EARLY_PAYMENT_REDUCTION = 0.20
#: After the fine is imposed, non-payment by its due date adds 3% (질서위반행위규제법 §24①) and 1.2%
#: a month for at most 60 months (§24②).
FINE_LATE_RATE = 0.03
FINE_MONTHLY_RATE = 0.012
#: Days from the imposition (부과) to its due date in the reference data (the notice of imposition
#: gives a due date; 60 days is common practice).
IMPOSITION_DUE_DAYS = 60
#: Towing fee for a passenger car (견인료) and daily storage fee (보관료): fictional 한빛시 조례,
#: under 도로교통법 §35⑥.
TOWING_FEE = 40_000
STORAGE_FEE_PER_DAY = 10_000


@dataclass(frozen=True)
class FineSchedule:
    """A parking fine's money and dates: ``fine`` KRW, ``reduced_fine`` KRW if paid by
    ``objection_deadline`` (inclusive), ``notice_date`` of the pre-notice, ``imposition_due`` of the
    fine once imposed the day after the objection period."""

    fine: int
    reduced_fine: int
    reduction: int
    notice_date: date
    objection_deadline: date
    imposition_due: date


def parking_fine(vehicle_kind: str, child_zone: bool, violated_on: date) -> FineSchedule:
    """The fine schedule of one violation (see the module constants for sources).

    ``vehicle_kind``: ``passenger`` or ``van``. Raises KeyError for another kind.
    """
    fine = PARKING_FINES[(vehicle_kind, child_zone)]
    reduction = int(fine * EARLY_PAYMENT_REDUCTION)
    notice = violated_on + timedelta(days=NOTICE_DELAY_DAYS)
    objection_deadline = notice + timedelta(days=OBJECTION_PERIOD_DAYS)
    return FineSchedule(
        fine=fine,
        reduced_fine=fine - reduction,
        reduction=reduction,
        notice_date=notice,
        objection_deadline=objection_deadline,
        imposition_due=objection_deadline + timedelta(days=1 + IMPOSITION_DUE_DAYS),
    )


def fine_surcharge(fine: int, due: date, on: date) -> int:
    """가산금 on an imposed, unpaid fine on day ``on``: 3% after ``due`` and 1.2% for every month
    passed after it, at most 60 months (질서위반행위규제법 §24①②). KRW, truncated below 10 won."""
    if on <= due:
        return 0
    months = min(months_elapsed(due, on), 60)
    return truncate_10(int(round(fine * (FINE_LATE_RATE + FINE_MONTHLY_RATE * months), 6)))


# --- 상하수도 요금 (fictional 한빛시 조례) ------------------------------------------------------------

#: Household (가정용) water tariff per m³ by monthly-usage tier (upper bound m³, KRW/m³); bimonthly
#: bills apply the tiers to half the usage twice. Fictional 한빛시 수도급수 조례, modelled on
#: metropolitan household tariffs.
WATER_TIERS: tuple[tuple[float, int], ...] = ((20, 580), (30, 850), (float("inf"), 1_060))
#: Sewage (하수도) household tariff per m³, fictional 한빛시 하수도 사용 조례.
SEWAGE_TIERS: tuple[tuple[float, int], ...] = ((30, 400), (50, 690), (float("inf"), 950))
#: 물이용부담금 per m³ of water supplied from the Han River basin (한강수계 상수원관리 및 주민지원
#: 등에 관한 법률 §19, 170원/㎥).
WATER_USE_LEVY_PER_M3 = 170
#: Basic charge per bimonthly bill by meter size (mm), fictional 조례.
BASIC_CHARGE: dict[int, int] = {15: 2_160, 20: 3_600, 25: 6_240}
#: Late charge on a water bill unpaid after its due date: 5% once (fictional 조례; 지방자치법 §156
#: lets a city impose such 가산금 on charges).
WATER_LATE_RATE = 0.05
#: Bimonthly usage at least this many times the account's usual usage is flagged as a possible leak
#: (누수 의심), which makes the bill eligible for a leak reduction on request.
LEAK_FACTOR = 3.0


def _tiered(monthly_usage: float, tiers: tuple[tuple[float, int], ...]) -> float:
    charge, lower = 0.0, 0.0
    for upper, price in tiers:
        if monthly_usage <= lower:
            break
        charge += (min(monthly_usage, upper) - lower) * price
        lower = upper
    return charge


@dataclass(frozen=True)
class WaterCharge:
    """One bimonthly bill's split: 상수도 ``water``, 하수도 ``sewage``, 물이용부담금 ``levy`` and their
    ``total`` (KRW)."""

    water: int
    sewage: int
    levy: int

    @property
    def total(self) -> int:
        return self.water + self.sewage + self.levy


def water_charge(usage_m3: int, meter_mm: int = 15) -> WaterCharge:
    """Charges of a bimonthly household bill for ``usage_m3`` (two months' usage, m³): the tiers are
    applied to each month's half of the usage; amounts truncated below 10 won."""
    half = usage_m3 / 2
    water = BASIC_CHARGE.get(meter_mm, BASIC_CHARGE[15]) + 2 * _tiered(half, WATER_TIERS)
    sewage = 2 * _tiered(half, SEWAGE_TIERS)
    levy = usage_m3 * WATER_USE_LEVY_PER_M3
    return WaterCharge(truncate_10(int(water)), truncate_10(int(sewage)), truncate_10(levy))


# --- 주민등록번호 (synthetic) ----------------------------------------------------------------------

_RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def rrn_check_digit(first12: str) -> int:
    """The check digit the old RRN scheme used: (11 − Σ wᵢ·dᵢ mod 11) mod 10."""
    total = sum(int(d) * w for d, w in zip(first12, _RRN_WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def fake_rrn(birth: date, sex_digit: int, serial: int) -> str:
    """A synthetic resident registration number ``YYMMDD-GSSSSSC`` whose check digit ``C`` is
    deliberately WRONG (valid + 1 mod 10), so it can never be a real person's number under the
    checked scheme; ``serial`` is taken modulo 100,000."""
    first12 = f"{birth:%y%m%d}{sex_digit}{serial % 100_000:05d}"
    bad = (rrn_check_digit(first12) + 1) % 10
    return f"{first12[:6]}-{first12[6:]}{bad}"


def is_synthetic_rrn(rrn: str) -> bool:
    """True when ``rrn`` (with or without the hyphen) carries the deliberately wrong check digit."""
    digits = rrn.replace("-", "")
    if len(digits) != 13 or not digits.isdigit():
        return False
    return int(digits[12]) == (rrn_check_digit(digits[:12]) + 1) % 10
