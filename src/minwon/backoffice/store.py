"""The back office's own database: building it from the generator, and the read queries its API serves.

Functions are keyword-only and take a SQLAlchemy ``Session`` (or an engine for :func:`build_database`).
Amounts are KRW integers; statuses are computed at the database's ``as_of`` date so answers are
deterministic. The queries never log identifiers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session

from minwon.backoffice import generator, rules
from minwon.backoffice.models import (
    BackofficeBase,
    Meta,
    ParkingViolation,
    Resident,
    TaxBill,
    Towing,
    Vehicle,
    WaterAccount,
    WaterBill,
)
from minwon.backoffice.rules import TAX_ITEM_LABELS, TaxItem

_INSERT_ORDER = (
    "bo_residents",
    "bo_vehicles",
    "bo_tax_bills",
    "bo_water_accounts",
    "bo_water_bills",
    "bo_parking_violations",
    "bo_towings",
)


def _wanted_meta(seed: int, residents: int, as_of: date) -> dict[str, str]:
    return {
        "seed": str(seed),
        "residents": str(residents),
        "as_of": as_of.isoformat(),
        "version": generator.GENERATOR_VERSION,
    }


def read_meta(engine: Engine) -> dict[str, str]:
    """The generation parameters stored in the database ({} when it was never generated)."""
    from sqlalchemy import inspect

    if not inspect(engine).has_table(Meta.__tablename__):
        return {}
    with Session(engine) as db:
        return {m.key: m.value for m in db.scalars(select(Meta))}


def build_database(*, engine: Engine, seed: int, residents: int, as_of: date, force: bool = False) -> bool:
    """Create the tables and fill them from :func:`generator.generate`, unless the database already holds
    the same ``(seed, residents, as_of, generator version)`` and ``force`` is false.

    Returns True when the data was (re)generated. Runs in one transaction: a failure leaves the previous
    contents.
    """
    wanted = _wanted_meta(seed, residents, as_of)
    if not force and read_meta(engine) == wanted:
        return False
    data = generator.generate(seed=seed, residents=residents, as_of=as_of)
    BackofficeBase.metadata.create_all(engine)
    tables = BackofficeBase.metadata.tables
    with engine.begin() as conn:
        for name in reversed((*_INSERT_ORDER, "bo_meta")):
            conn.execute(delete(tables[name]))
        for name in _INSERT_ORDER:
            rows = data.tables.get(name, [])
            for start in range(0, len(rows), 5000):
                conn.execute(insert(tables[name]), rows[start : start + 5000])
        conn.execute(insert(tables["bo_meta"]), [{"key": k, "value": v} for k, v in wanted.items()])
    return True


def as_of_date(db: Session) -> date:
    """The date the data describes (the ``as_of`` it was generated for)."""
    value = db.get(Meta, "as_of")
    if value is None:
        raise LookupError("the back-office database was not generated")
    return date.fromisoformat(value.value)


def as_of_instant(db: Session) -> datetime:
    """End of the ``as_of`` day in Asia/Seoul, as a UTC instant (the data's freshness)."""
    day = as_of_date(db)
    return datetime.combine(day, time(18, 0), tzinfo=generator.SEOUL).astimezone(UTC)


def find_resident(*, db: Session, rrn: str) -> Resident | None:
    """The resident with ``rrn`` (``YYMMDD-NNNNNNN``; the hyphen is optional)."""
    digits = rrn.replace("-", "").strip()
    if len(digits) != 13 or not digits.isdigit():
        return None
    return db.scalar(select(Resident).where(Resident.rrn == f"{digits[:6]}-{digits[6:]}"))


# --- local tax ------------------------------------------------------------------------------------


def _tax_status(bill: TaxBill, on: date) -> str:
    if bill.paid_on is not None:
        return "paid"
    return "overdue" if on > bill.due_date else "unpaid"


def tax_bill_view(bill: TaxBill, on: date) -> dict[str, Any]:
    """One bill as the API shows it; ``surcharge`` is the 납부지연가산세 owed on ``on`` when overdue and
    ``amount_due`` what paying on ``on`` costs (0 when paid)."""
    status = _tax_status(bill, on)
    surcharge = 0
    if status == "overdue":
        surcharge = rules.late_payment_surcharge(
            bill.base_tax, bill.due_date, on
        ) + rules.late_payment_surcharge(bill.education_tax, bill.due_date, on)
    return {
        "bill_no": bill.bill_no,
        "tax_item": bill.tax_item,
        "tax_item_name": TAX_ITEM_LABELS[TaxItem(bill.tax_item)],
        "tax_year": bill.tax_year,
        "object": bill.object_desc,
        "base_tax": bill.base_tax,
        "education_tax": bill.education_tax,
        "amount": bill.amount,
        "period_start": bill.period_start.isoformat(),
        "due_date": bill.due_date.isoformat(),
        "status": status,
        "paid_on": bill.paid_on.isoformat() if bill.paid_on else None,
        "paid_amount": bill.paid_amount,
        "surcharge": surcharge,
        "amount_due": 0 if status == "paid" else bill.amount + surcharge,
        "virtual_account": {"bank": bill.bank, "number": bill.virtual_account},
    }


def tax_bills(*, db: Session, rrn: str, year: int | None = None) -> list[dict[str, Any]] | None:
    """Bills of the resident (newest period first), optionally of one tax ``year``; None if unknown."""
    resident = find_resident(db=db, rrn=rrn)
    if resident is None:
        return None
    on = as_of_date(db)
    query = select(TaxBill).where(TaxBill.resident_id == resident.id)
    if year is not None:
        query = query.where(TaxBill.tax_year == year)
    bills = db.scalars(query.order_by(TaxBill.period_start.desc(), TaxBill.id)).all()
    return [tax_bill_view(b, on) for b in bills]


def tax_arrears(*, db: Session, rrn: str) -> list[dict[str, Any]] | None:
    """Overdue unpaid bills with their surcharge (지방세기본법 §55), oldest first; None if unknown."""
    bills = tax_bills(db=db, rrn=rrn)
    if bills is None:
        return None
    return sorted((b for b in bills if b["status"] == "overdue"), key=lambda b: (b["due_date"], b["bill_no"]))


# --- water ----------------------------------------------------------------------------------------


def _water_account_view(account: WaterAccount, holder: Resident) -> dict[str, Any]:
    return {
        "customer_number": account.customer_number,
        "holder_name": holder.name,
        "address": account.address,
        "usage_type": account.usage_type,
        "meter_mm": account.meter_mm,
        "meter_number": account.meter_number,
        "status": account.status,
    }


def water_accounts(
    *, db: Session, customer_number: str | None = None, rrn: str | None = None
) -> list[dict[str, Any]]:
    """Accounts by customer number, or held by the resident with ``rrn``; each with its unpaid balance."""
    query = select(WaterAccount, Resident).join(Resident, Resident.id == WaterAccount.holder_id)
    if customer_number is not None:
        query = query.where(WaterAccount.customer_number == customer_number.strip())
    elif rrn is not None:
        resident = find_resident(db=db, rrn=rrn)
        if resident is None:
            return []
        query = query.where(WaterAccount.holder_id == resident.id)
    else:
        return []
    on = as_of_date(db)
    out = []
    for account, holder in db.execute(query.order_by(WaterAccount.id)).all():
        view = _water_account_view(account, holder)
        bills = [water_bill_view(b, on) for b in _bills_of(db, account.id)]
        view["unpaid_amount"] = sum(b["amount_due"] for b in bills)
        view["overdue_bills"] = sum(1 for b in bills if b["status"] == "overdue")
        out.append(view)
    return out


def _bills_of(db: Session, account_id: int) -> list[WaterBill]:
    return list(
        db.scalars(
            select(WaterBill).where(WaterBill.account_id == account_id).order_by(WaterBill.period_end.desc())
        ).all()
    )


def water_bill_view(bill: WaterBill, on: date) -> dict[str, Any]:
    """One bimonthly bill; an overdue bill owes the 5% late charge of the (fictional) ordinance."""
    status = "paid" if bill.paid_on else ("overdue" if on > bill.due_date else "unpaid")
    late = rules.truncate_10(int(bill.amount * rules.WATER_LATE_RATE)) if status == "overdue" else 0
    return {
        "bill_no": bill.bill_no,
        "period_start": bill.period_start.isoformat(),
        "period_end": bill.period_end.isoformat(),
        "reading_date": bill.reading_date.isoformat(),
        "previous_reading": bill.previous_reading,
        "current_reading": bill.current_reading,
        "usage_m3": bill.usage_m3,
        "water_charge": bill.water_charge,
        "sewage_charge": bill.sewage_charge,
        "water_use_levy": bill.water_use_levy,
        "amount": bill.amount,
        "due_date": bill.due_date.isoformat(),
        "status": status,
        "paid_on": bill.paid_on.isoformat() if bill.paid_on else None,
        "paid_amount": bill.paid_amount,
        "late_charge": late,
        "amount_due": 0 if status == "paid" else bill.amount + late,
        "leak_suspected": bill.leak_suspected,
        "virtual_account": {"bank": bill.bank, "number": bill.virtual_account},
    }


def water_bills(*, db: Session, customer_number: str) -> list[dict[str, Any]] | None:
    """Bills of the account, newest first; None when the customer number is unknown."""
    account = db.scalar(select(WaterAccount).where(WaterAccount.customer_number == customer_number.strip()))
    if account is None:
        return None
    on = as_of_date(db)
    return [water_bill_view(b, on) for b in _bills_of(db, account.id)]


# --- parking --------------------------------------------------------------------------------------


def parking_vehicles(
    *, db: Session, vehicle_number: str | None = None, rrn: str | None = None
) -> list[Vehicle]:
    """The vehicle with that number, or every vehicle the resident owns ([] when unknown)."""
    return _vehicles(db, vehicle_number, rrn)


def _vehicles(db: Session, vehicle_number: str | None, rrn: str | None) -> list[Vehicle]:
    if vehicle_number is not None:
        plate = vehicle_number.replace(" ", "")
        return list(db.scalars(select(Vehicle).where(Vehicle.plate == plate)).all())
    if rrn is not None:
        resident = find_resident(db=db, rrn=rrn)
        if resident is None:
            return []
        return list(
            db.scalars(select(Vehicle).where(Vehicle.owner_id == resident.id).order_by(Vehicle.id)).all()
        )
    return []


def violation_view(v: ParkingViolation, vehicle: Vehicle, on: date) -> dict[str, Any]:
    """A violation with its stage on ``on``: ``notice_pending`` (before the pre-notice), ``objection_period``
    (reduced payment possible), ``objection_filed``, ``imposed``, ``overdue`` (가산금 accrues) or ``paid``."""
    schedule = rules.parking_fine(
        vehicle.kind, v.child_zone, v.occurred_at.astimezone(generator.SEOUL).date()
    )
    if v.paid_on is not None:
        status = "paid"
    elif v.objection_filed_on is not None and on <= schedule.imposition_due:
        status = "objection_filed"
    elif on < v.notice_date:
        status = "notice_pending"
    elif on <= v.objection_deadline:
        status = "objection_period"
    elif on <= schedule.imposition_due:
        status = "imposed"
    else:
        status = "overdue"
    surcharge = rules.fine_surcharge(v.fine, schedule.imposition_due, on) if status == "overdue" else 0
    if status == "paid":
        due_now = 0
    elif status in ("notice_pending", "objection_period"):
        due_now = schedule.reduced_fine
    else:
        due_now = v.fine + surcharge
    return {
        "notice_no": v.notice_no,
        "vehicle_number": vehicle.plate,
        "occurred_at": v.occurred_at.isoformat(),
        "place": v.place,
        "child_zone": v.child_zone,
        "violation": "주정차 위반" + (" (어린이보호구역)" if v.child_zone else ""),
        "fine": v.fine,
        "reduced_fine": schedule.reduced_fine,
        "reduction": schedule.reduction,
        "reduction_deadline": v.objection_deadline.isoformat(),
        "notice_date": v.notice_date.isoformat(),
        "objection_deadline": v.objection_deadline.isoformat(),
        "objection_filed_on": v.objection_filed_on.isoformat() if v.objection_filed_on else None,
        "imposition_due": schedule.imposition_due.isoformat(),
        "status": status,
        "paid_on": v.paid_on.isoformat() if v.paid_on else None,
        "paid_amount": v.paid_amount,
        "surcharge": surcharge,
        "amount_due": due_now,
        "virtual_account": {"bank": v.bank, "number": v.virtual_account},
    }


def parking_violations(
    *, db: Session, vehicle_number: str | None = None, rrn: str | None = None
) -> list[dict[str, Any]]:
    """Violations of the vehicle (or of every vehicle the resident owns), newest first."""
    on = as_of_date(db)
    out: list[dict[str, Any]] = []
    for vehicle in _vehicles(db, vehicle_number, rrn):
        rows = db.scalars(
            select(ParkingViolation)
            .where(ParkingViolation.vehicle_id == vehicle.id)
            .order_by(ParkingViolation.occurred_at.desc())
        ).all()
        out.extend(violation_view(v, vehicle, on) for v in rows)
    return sorted(out, key=lambda v: v["occurred_at"], reverse=True)


def towings(
    *, db: Session, vehicle_number: str | None = None, rrn: str | None = None
) -> list[dict[str, Any]]:
    """Tows of the vehicle(s), newest first; ``status`` ``impounded`` (with fees so far) or ``released``."""
    on = as_of_date(db)
    out: list[dict[str, Any]] = []
    for vehicle in _vehicles(db, vehicle_number, rrn):
        for tow in db.scalars(select(Towing).where(Towing.vehicle_id == vehicle.id)).all():
            violation = db.get(ParkingViolation, tow.violation_id)
            days = max((on - tow.towed_at.astimezone(generator.SEOUL).date()).days + 1, 1)
            impounded = tow.released_at is None
            out.append(
                {
                    "vehicle_number": vehicle.plate,
                    "notice_no": violation.notice_no if violation else None,
                    "towed_at": tow.towed_at.isoformat(),
                    "towed_from": violation.place if violation else None,
                    "lot": tow.lot,
                    "lot_phone": tow.lot_phone,
                    "status": "impounded" if impounded else "released",
                    "released_at": tow.released_at.isoformat() if tow.released_at else None,
                    "towing_fee": rules.TOWING_FEE,
                    "storage_fee": rules.STORAGE_FEE_PER_DAY * days if impounded else 0,
                }
            )
    return sorted(out, key=lambda t: t["towed_at"], reverse=True)


def counts(*, db: Session) -> dict[str, int]:
    """Rows per table (for ``/_meta`` and the CLI)."""
    from sqlalchemy import func

    tables = BackofficeBase.metadata.tables
    return {
        name: int(db.scalar(select(func.count()).select_from(tables[name])) or 0) for name in _INSERT_ORDER
    }
