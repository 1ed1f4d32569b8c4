"""Deterministic synthetic records of the fictional 한빛시 back office.

:func:`generate` turns ``(seed, residents, as_of)`` into rows for every table of :mod:`.models` — the same
inputs always give the same rows (each resident draws from its own ``random.Random(f"{seed}:{i}")``, so
changing the resident count keeps the first residents' records). Nothing here is a real person: names are
drawn from syllable lists, RRNs carry a deliberately wrong check digit (:func:`.rules.fake_rrn`), plates
and customer numbers are random.

Calendar and amounts follow :mod:`.rules` (지방세법, 지방세기본법, 도로교통법, 질서위반행위규제법). The
records cover the tax years ``as_of.year - 1`` and ``as_of.year`` (bills whose payment period has begun by
``as_of``), the last six bimonthly water bills, and a year of parking violations.

Three demo personas (:data:`PERSONAS`) are always residents 1–3, with planted records: arrears and a
towed car; a water-leak bill and a fine still in its objection period; a business owner who paid all.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from minwon.backoffice import rules
from minwon.backoffice.rules import TaxItem

SEOUL = ZoneInfo("Asia/Seoul")
#: Bumped when the generation rules change, so an old database is regenerated.
GENERATOR_VERSION = "1"

_SURNAMES = "김이박최정강조윤장임한오서신권황안송전홍"
_GIVEN = "민서지하윤준도현수은예우연주시가나다라온솔빛결람새봄별찬유진"
_DISTRICTS = ("중앙구", "새빛구", "누리구", "가람구")
ROADS = (
    "한빛대로",
    "시청로",
    "누리로",
    "새빛로",
    "햇살길",
    "은하수로",
    "솔내길",
    "가람로",
    "미르로",
    "별빛공원길",
    "한빛역로",
    "강변로",
    "온누리길",
    "푸른숲로",
    "반딧불로",
)
_APARTMENTS = ("한빛마을", "새빛아파트", "누리타운", "가람리버뷰", "햇살마을", "은하수파크")
#: Places near schools (어린이보호구역) where fines are tripled (도로교통법 시행령 별표 7).
CHILD_ZONES = ("한빛초등학교 정문 앞", "새빛초등학교 후문 앞", "누리유치원 앞", "가람초등학교 앞")
_PLACE_SUFFIX = ("앞", "맞은편", "교차로 부근", "버스정류장 앞", "상가 앞")
#: Plate letters for private (비사업용) cars (자동차 등록번호판 등의 기준에 관한 고시).
_PLATE_LETTERS = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주"
_CAR_MODELS: tuple[tuple[str, str, int], ...] = (
    ("모닝", "passenger", 998),
    ("레이", "passenger", 998),
    ("아반떼", "passenger", 1598),
    ("K5", "passenger", 1999),
    ("쏘나타", "passenger", 1999),
    ("그랜저", "passenger", 2497),
    ("투싼", "passenger", 1598),
    ("싼타페", "passenger", 2199),
    ("스타리아", "van", 2199),
    ("카니발", "van", 2199),
)
BANKS = ("농협은행", "국민은행", "신한은행", "우리은행", "하나은행", "IBK기업은행")
_BANK_PREFIX = {
    "농협은행": "790",
    "국민은행": "562",
    "신한은행": "562",
    "우리은행": "270",
    "하나은행": "391",
    "IBK기업은행": "570",
}
IMPOUND_LOT = "한빛시 견인차량보관소 (누리구 강변로 200)"
IMPOUND_PHONE = "02-000-3190"


@dataclass(frozen=True)
class Persona:
    """A demo caller with planted records; every value is fictional."""

    key: str
    name: str
    birth: date
    sex_digit: int
    serial: int
    plate: str | None
    water_customer_number: str | None
    story: str

    @property
    def rrn(self) -> str:
        return rules.fake_rrn(self.birth, self.sex_digit, self.serial)


PERSONAS: tuple[Persona, ...] = (
    Persona(
        key="arrears_towed",
        name="김한빛",
        birth=date(1978, 3, 14),
        sex_digit=1,
        serial=10001,
        plate="123가4567",
        water_customer_number=None,
        story="자동차세·재산세 체납(납부지연가산세), 어제 견인된 승용차가 보관소에 있음",
    ),
    Persona(
        key="water_leak",
        name="박누리",
        birth=date(1985, 11, 2),
        sex_digit=2,
        serial=20002,
        plate="45나6789",
        water_customer_number="2401000017",
        story="최근 상하수도 요금 누수 의심(평소의 4배), 어린이보호구역 주정차 위반 의견진술 기간 중",
    ),
    Persona(
        key="business_paid",
        name="최다온",
        birth=date(1969, 7, 21),
        sex_digit=1,
        serial=30003,
        plate="67다8901",
        water_customer_number="2401000025",
        story="사업소분 주민세 포함 모두 납부 완료, 과태료 자진납부(20% 감경)",
    ),
)


@dataclass
class Dataset:
    """Rows per table name of :mod:`.models` (dicts ready for a bulk insert)."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any]) -> int:
        rows = self.tables.setdefault(table, [])
        row["id"] = len(rows) + 1
        rows.append(row)
        return int(row["id"])

    def count(self, table: str) -> int:
        return len(self.tables.get(table, []))


@dataclass
class _Profile:
    household_head: bool
    income_tax: int
    housing_tax: int
    land_tax: int
    business_area_m2: int
    delinquency: float
    forced_unpaid: frozenset[tuple[int, TaxItem]] = frozenset()
    all_paid: bool = False


def _virtual_account(rng: random.Random) -> tuple[str, str]:
    bank = rng.choice(BANKS)
    number = f"{_BANK_PREFIX[bank]}-{rng.randrange(10**6):06d}-{rng.randrange(10**5):05d}"
    return bank, number


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN)


def _address(rng: random.Random) -> str:
    district = rng.choice(_DISTRICTS)
    road = rng.choice(ROADS)
    if rng.random() < 0.6:
        apt = rng.choice(_APARTMENTS)
        number, dong = rng.randint(1, 300), rng.randint(101, 115)
        ho = f"{rng.randint(1, 25)}0{rng.randint(1, 4)}"
        return f"한빛시 {district} {road} {number}, {apt} {dong}동 {ho}호"
    return f"한빛시 {district} {road} {rng.randint(1, 400)}"


def _business_name(rng: random.Random) -> str:
    prefix = rng.choice(("한빛", "새빛", "누리", "가람"))
    return prefix + rng.choice(("상사", "식당", "공업사", "약국", "문구"))


def _plate(rng: random.Random) -> str:
    letter = rng.choice(_PLATE_LETTERS)
    if rng.random() < 0.5:
        return f"{rng.randint(10, 99)}{letter}{rng.randint(1000, 9999)}"
    return f"{rng.randint(100, 399)}{letter}{rng.randint(1000, 9999)}"


def _local_instant(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SEOUL).astimezone(UTC)


class _Builder:
    def __init__(self, seed: int, as_of: date) -> None:
        self.seed = seed
        self.as_of = as_of
        self.data = Dataset()
        self.plates: set[str] = set()
        self.customer_numbers: set[str] = {
            p.water_customer_number for p in PERSONAS if p.water_customer_number
        }
        self.plates.update(p.plate for p in PERSONAS if p.plate)

    # -- residents ---------------------------------------------------------------------------------
    def resident(self, index: int) -> None:
        rng = random.Random(f"{self.seed}:{index}")
        birth = date(1945, 1, 1) + timedelta(days=rng.randrange(365 * 60))
        sex = rng.choice((1, 2)) if birth.year < 2000 else rng.choice((3, 4))
        business = rng.random() < 0.08
        rid = self.data.add(
            "bo_residents",
            {
                "rrn": rules.fake_rrn(birth, sex, 40_000 + index),
                "name": _name(rng),
                "birth_date": birth,
                "address": _address(rng),
                "business_name": _business_name(rng) if business else None,
            },
        )
        profile = _Profile(
            household_head=rng.random() < 0.5,
            income_tax=rules.truncate_10(int(50_000 * 60 ** rng.random())) if rng.random() < 0.45 else 0,
            housing_tax=rules.truncate_10(rng.randint(60_000, 1_400_000)) if rng.random() < 0.4 else 0,
            land_tax=rules.truncate_10(rng.randint(20_000, 1_800_000)) if rng.random() < 0.12 else 0,
            business_area_m2=rng.randint(60, 900) if business else 0,
            delinquency=0.5 if rng.random() < 0.03 else 0.03,
        )
        vehicles = []
        n_vehicles = 0 if rng.random() < 0.55 else (1 if rng.random() < 0.85 else 2)
        for _ in range(n_vehicles):
            vehicles.append(self.vehicle(rng, rid, plate=None))
        self.taxes(rng, rid, profile, vehicles)
        if profile.household_head and rng.random() < 0.8:
            self.water_account(rng, rid, customer_number=None, leak=False)
        for vid, kind in vehicles:
            for _ in range(rng.choices((0, 1, 2), (0.72, 0.23, 0.05))[0]):
                day = self.as_of - timedelta(days=rng.randrange(365))
                self.violation(rng, vid, kind, day, child_zone=rng.random() < 0.06, pay="random")

    def vehicle(
        self, rng: random.Random, owner_id: int, plate: str | None, model: int | None = None
    ) -> tuple[int, str]:
        if plate is None:
            plate = _plate(rng)
            while plate in self.plates:
                plate = _plate(rng)
        self.plates.add(plate)
        name, kind, cc = _CAR_MODELS[model if model is not None else rng.randrange(len(_CAR_MODELS))]
        first = date(rng.randint(2008, self.as_of.year - 2), rng.randint(1, 12), rng.randint(1, 28))
        vid = self.data.add(
            "bo_vehicles",
            {
                "plate": plate,
                "owner_id": owner_id,
                "model": name,
                "kind": kind,
                "displacement_cc": cc,
                "first_registered": first,
            },
        )
        return vid, kind

    # -- local tax ---------------------------------------------------------------------------------
    def taxes(self, rng: random.Random, rid: int, p: _Profile, vehicles: list[tuple[int, str]]) -> None:
        for year in (self.as_of.year - 1, self.as_of.year):
            if p.income_tax:
                self.bill(rng, rid, p, TaxItem.LOCAL_INCOME, year, p.income_tax, "종합소득분", None)
            if p.housing_tax:
                if p.housing_tax <= rules.HOUSING_SINGLE_BILL_LIMIT:
                    self.bill(
                        rng, rid, p, TaxItem.PROPERTY_HOUSING_1, year, p.housing_tax, "주택(전액)", None
                    )
                else:
                    half = rules.truncate_10(p.housing_tax // 2)
                    self.bill(rng, rid, p, TaxItem.PROPERTY_HOUSING_1, year, half, "주택", None)
                    self.bill(rng, rid, p, TaxItem.PROPERTY_HOUSING_2, year, half, "주택", None)
            if p.land_tax:
                self.bill(rng, rid, p, TaxItem.PROPERTY_LAND, year, p.land_tax, "토지", None)
            if p.business_area_m2:
                # 사업소분 기본세율 5만원 + 연면적 330㎡ 초과 시 ㎡당 250원 (지방세법 §81①)
                tax = 50_000 + (p.business_area_m2 * 250 if p.business_area_m2 > 330 else 0)
                self.bill(
                    rng, rid, p, TaxItem.RESIDENT_BUSINESS, year, tax, f"사업소 {p.business_area_m2}㎡", None
                )
                self.bill(
                    rng,
                    rid,
                    p,
                    TaxItem.PROPERTY_BUILDING,
                    year,
                    rules.truncate_10(tax * 3),
                    "사업용 건축물",
                    None,
                )
            if p.household_head:
                # 개인분 세액은 조례로 1만원 이내 (지방세법 §78①); 한빛시 조례(가상) 1만원
                self.bill(rng, rid, p, TaxItem.RESIDENT_PERSONAL, year, 10_000, "개인분", None)
            for vid, _kind in vehicles:
                vehicle = self.data.tables["bo_vehicles"][vid - 1]
                if vehicle["first_registered"].year > year:
                    continue
                half = rules.vehicle_tax_half(vehicle["displacement_cc"], vehicle["first_registered"], year)
                desc = f"{vehicle['plate']} {vehicle['model']} {vehicle['displacement_cc']}cc"
                self.bill(rng, rid, p, TaxItem.VEHICLE_1, year, half, desc, vid)
                self.bill(rng, rid, p, TaxItem.VEHICLE_2, year, half, desc, vid)

    def bill(
        self,
        rng: random.Random,
        rid: int,
        p: _Profile,
        item: TaxItem,
        year: int,
        base: int,
        desc: str,
        vehicle_id: int | None,
    ) -> None:
        start, due = rules.payment_period(item, year)
        if start > self.as_of:
            return
        edu = rules.education_tax(item, base)
        amount = base + edu
        paid_on: date | None = None
        paid_amount: int | None = None
        draw = rng.random()
        late_days = rng.randint(1, 120)
        pay_day = start + timedelta(days=rng.randrange((due - start).days + 1))
        if (year, item) in p.forced_unpaid:
            pass
        elif due < self.as_of:
            if p.all_paid or draw > p.delinquency * 2:
                paid_on, paid_amount = pay_day, amount
            elif draw > p.delinquency and due + timedelta(days=late_days) <= self.as_of:
                paid_on = due + timedelta(days=late_days)
                paid_amount = amount + self.surcharge(base, edu, due, paid_on)
        elif pay_day <= self.as_of and (p.all_paid or draw < 0.6):
            paid_on, paid_amount = pay_day, amount
        bank, account = _virtual_account(rng)
        seq = self.data.count("bo_tax_bills") + 1
        self.data.add(
            "bo_tax_bills",
            {
                "bill_no": f"{year}-{list(TaxItem).index(item) + 1:02d}-{seq:08d}",
                "resident_id": rid,
                "vehicle_id": vehicle_id,
                "tax_item": item.value,
                "tax_year": year,
                "object_desc": desc,
                "base_tax": base,
                "education_tax": edu,
                "amount": amount,
                "period_start": start,
                "due_date": due,
                "paid_on": paid_on,
                "paid_amount": paid_amount,
                "bank": bank,
                "virtual_account": account,
            },
        )

    @staticmethod
    def surcharge(base: int, edu: int, due: date, on: date) -> int:
        return rules.late_payment_surcharge(base, due, on) + rules.late_payment_surcharge(edu, due, on)

    # -- water ---------------------------------------------------------------------------------------
    def water_account(self, rng: random.Random, rid: int, customer_number: str | None, leak: bool) -> None:
        if customer_number is None:
            customer_number = f"24{rng.randrange(10**8):08d}"
            while customer_number in self.customer_numbers:
                customer_number = f"24{rng.randrange(10**8):08d}"
        self.customer_numbers.add(customer_number)
        resident = self.data.tables["bo_residents"][rid - 1]
        meter_mm = 15 if rng.random() < 0.9 else 20
        aid = self.data.add(
            "bo_water_accounts",
            {
                "customer_number": customer_number,
                "holder_id": rid,
                "address": resident["address"],
                "usage_type": "가정용",
                "meter_mm": meter_mm,
                "meter_number": f"HB{rng.randrange(10**8):08d}",
                "status": "정상",
            },
        )
        usual = rng.randint(12, 45)
        cycle = rng.randrange(2)
        # the six bimonthly periods whose bill was issued by as_of, oldest first
        periods: list[tuple[date, date]] = []
        month_index = self.as_of.year * 12 + self.as_of.month - 1
        while len(periods) < 6:
            year, m0 = divmod(month_index, 12)
            month = m0 + 1
            if month % 2 == cycle:
                end = rules.add_months(date(year, month, 1), 1) - timedelta(days=1)
                if end + timedelta(days=5) <= self.as_of:
                    periods.append((rules.add_months(date(year, month, 1), -1), end))
            month_index -= 1
        periods.reverse()
        reading = rng.randint(100, 3000)
        for n, (start, end) in enumerate(periods):
            usage = max(2, int(rng.gauss(usual, usual * 0.15)))
            leaking = (leak and n == len(periods) - 1) or (not leak and rng.random() < 0.004)
            if leaking:
                usage = usual * 4
            charge = rules.water_charge(usage, meter_mm)
            reading_date = end - timedelta(days=rng.randint(0, 3))
            issue = end + timedelta(days=5)
            due = rules.deadline_extension(rules.add_months(issue, 1).replace(day=25))
            paid_on: date | None = None
            paid_amount: int | None = None
            last = n == len(periods) - 1
            if not (leak and last):
                if due < self.as_of and rng.random() > 0.04:
                    paid_on = issue + timedelta(days=rng.randrange((due - issue).days + 1))
                    paid_amount = charge.total
                elif due >= self.as_of and rng.random() < 0.5:
                    paid_on = min(self.as_of, issue + timedelta(days=rng.randrange(10)))
                    paid_amount = charge.total
            bank, account = _virtual_account(rng)
            self.data.add(
                "bo_water_bills",
                {
                    "bill_no": f"W{end:%Y%m}-{aid:07d}",
                    "account_id": aid,
                    "period_start": start,
                    "period_end": end,
                    "reading_date": reading_date,
                    "previous_reading": reading,
                    "current_reading": reading + usage,
                    "usage_m3": usage,
                    "water_charge": charge.water,
                    "sewage_charge": charge.sewage,
                    "water_use_levy": charge.levy,
                    "amount": charge.total,
                    "due_date": due,
                    "paid_on": paid_on,
                    "paid_amount": paid_amount,
                    "leak_suspected": leaking,
                    "bank": bank,
                    "virtual_account": account,
                },
            )
            reading += usage

    # -- parking ---------------------------------------------------------------------------------------
    def violation(
        self,
        rng: random.Random,
        vid: int,
        kind: str,
        day: date,
        *,
        child_zone: bool,
        pay: str,
        hour: int | None = None,
        towed: bool = False,
    ) -> None:
        schedule = rules.parking_fine(kind, child_zone, day)
        if child_zone:
            place = f"한빛시 {rng.choice(_DISTRICTS)} {rng.choice(CHILD_ZONES)} (어린이보호구역)"
        else:
            district, road, number = rng.choice(_DISTRICTS), rng.choice(ROADS), rng.randint(1, 300)
            place = f"한빛시 {district} {road} {number} {rng.choice(_PLACE_SUFFIX)}"
        occurred = _local_instant(day, hour if hour is not None else rng.randint(8, 21), rng.randrange(60))
        paid_on: date | None = None
        paid_amount: int | None = None
        objection: date | None = None
        if pay == "reduced":
            paid_on, paid_amount = schedule.notice_date + timedelta(days=2), schedule.reduced_fine
        elif pay == "random":
            draw = rng.random()
            if draw < 0.6:
                paid_day = schedule.notice_date + timedelta(
                    days=rng.randrange(rules.OBJECTION_PERIOD_DAYS + 1)
                )
                if paid_day <= self.as_of:
                    paid_on, paid_amount = paid_day, schedule.reduced_fine
            elif draw < 0.8:
                paid_day = schedule.objection_deadline + timedelta(days=rng.randint(5, 60))
                if paid_day <= self.as_of:
                    paid_on, paid_amount = paid_day, schedule.fine
            elif draw < 0.84 and schedule.notice_date + timedelta(days=3) <= self.as_of:
                objection = schedule.notice_date + timedelta(days=3)
        bank, account = _virtual_account(rng)
        seq = self.data.count("bo_parking_violations") + 1
        violation_id = self.data.add(
            "bo_parking_violations",
            {
                "notice_no": f"P{day:%Y%m%d}-{seq:06d}",
                "vehicle_id": vid,
                "occurred_at": occurred,
                "place": place,
                "child_zone": child_zone,
                "fine": schedule.fine,
                "notice_date": schedule.notice_date,
                "objection_deadline": schedule.objection_deadline,
                "objection_filed_on": objection,
                "paid_on": paid_on,
                "paid_amount": paid_amount,
                "bank": bank,
                "virtual_account": account,
            },
        )
        if towed or (not child_zone and kind == "passenger" and rng.random() < 0.05):
            towed_at = occurred + timedelta(minutes=rng.randint(20, 50))
            released = None if towed else towed_at + timedelta(hours=rng.randint(2, 30))
            self.data.add(
                "bo_towings",
                {
                    "violation_id": violation_id,
                    "vehicle_id": vid,
                    "towed_at": towed_at,
                    "lot": IMPOUND_LOT,
                    "lot_phone": IMPOUND_PHONE,
                    "released_at": released,
                },
            )

    # -- personas -----------------------------------------------------------------------------------
    def personas(self) -> None:
        last = self.as_of.year - 1
        specs: dict[str, _Profile] = {
            "arrears_towed": _Profile(
                household_head=True,
                income_tax=0,
                housing_tax=1_200_000,
                land_tax=0,
                business_area_m2=0,
                delinquency=0.0,
                forced_unpaid=frozenset(
                    {
                        (last, TaxItem.VEHICLE_2),
                        (last, TaxItem.PROPERTY_HOUSING_1),
                        (last, TaxItem.PROPERTY_HOUSING_2),
                    }
                ),
                all_paid=True,
            ),
            "water_leak": _Profile(True, 320_000, 180_000, 0, 0, 0.0, all_paid=True),
            "business_paid": _Profile(True, 2_400_000, 640_000, 450_000, 420, 0.0, all_paid=True),
        }
        for persona in PERSONAS:
            rng = random.Random(f"{self.seed}:persona:{persona.key}")
            rid = self.data.add(
                "bo_residents",
                {
                    "rrn": persona.rrn,
                    "name": persona.name,
                    "birth_date": persona.birth,
                    "address": _address(rng),
                    "business_name": "다온상사" if persona.key == "business_paid" else None,
                },
            )
            vehicles = []
            if persona.plate:
                vehicles.append(self.vehicle(rng, rid, plate=persona.plate, model=4))
            self.taxes(rng, rid, specs[persona.key], vehicles)
            if persona.water_customer_number:
                self.water_account(
                    rng, rid, customer_number=persona.water_customer_number, leak=persona.key == "water_leak"
                )
            vid, kind = vehicles[0]
            if persona.key == "arrears_towed":
                self.violation(
                    rng,
                    vid,
                    kind,
                    self.as_of - timedelta(days=1),
                    child_zone=False,
                    pay="none",
                    hour=9,
                    towed=True,
                )
            elif persona.key == "water_leak":
                self.violation(
                    rng, vid, kind, self.as_of - timedelta(days=8), child_zone=True, pay="none", hour=14
                )
            else:
                self.violation(
                    rng, vid, kind, self.as_of - timedelta(days=40), child_zone=False, pay="reduced"
                )


def generate(*, seed: int, residents: int, as_of: date) -> Dataset:
    """All rows of a back office with the demo personas plus ``residents`` generated residents.

    Deterministic in ``(seed, residents, as_of)``. Raises ValueError for a negative ``residents``.
    """
    if residents < 0:
        raise ValueError("residents must be zero or more")
    builder = _Builder(seed, as_of)
    builder.personas()
    for index in range(residents):
        builder.resident(index)
    return builder.data
