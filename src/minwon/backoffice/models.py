"""Tables of the reference back office. They live in the back office's OWN database (``var/backoffice.db``
by default), on a metadata of their own — never in minwon's schema or its Alembic history.

Amounts are integers in KRW; dates are Asia/Seoul calendar dates. Created with ``create_all`` when the
database is generated (the data is synthetic and regenerated, so it has no migrations).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from minwon.db.base import UTCDateTime


class BackofficeBase(DeclarativeBase):
    """Declarative base of the back office's own database."""


class Meta(BackofficeBase):
    """Generation parameters (seed, residents, as_of, version) so a matching database is reused."""

    __tablename__ = "bo_meta"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class Resident(BackofficeBase):
    """A fictional resident; ``rrn`` is synthetic (deliberately wrong check digit, see rules.fake_rrn)."""

    __tablename__ = "bo_residents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rrn: Mapped[str] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(20))
    birth_date: Mapped[date] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(120))
    business_name: Mapped[str | None] = mapped_column(String(60), nullable=True)


class Vehicle(BackofficeBase):
    """A registered vehicle. ``kind``: ``passenger`` (승용) or ``van`` (승합)."""

    __tablename__ = "bo_vehicles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plate: Mapped[str] = mapped_column(String(12), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("bo_residents.id"), index=True)
    model: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(12))
    displacement_cc: Mapped[int] = mapped_column(Integer)
    first_registered: Mapped[date] = mapped_column(Date)


class TaxBill(BackofficeBase):
    """One local-tax bill (고지서): one item and instalment of one year.

    ``base_tax`` + ``education_tax`` = ``amount`` (지방교육세 folded into the same bill, as printed).
    ``paid_on``/``paid_amount`` are null while unpaid; ``bank``/``virtual_account`` is the bill's
    payment account.
    """

    __tablename__ = "bo_tax_bills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_no: Mapped[str] = mapped_column(String(24), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("bo_residents.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("bo_vehicles.id"), nullable=True)
    tax_item: Mapped[str] = mapped_column(String(24))
    tax_year: Mapped[int] = mapped_column(Integer)
    object_desc: Mapped[str] = mapped_column(String(120))
    base_tax: Mapped[int] = mapped_column(Integer)
    education_tax: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    paid_amount: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bank: Mapped[str] = mapped_column(String(20))
    virtual_account: Mapped[str] = mapped_column(String(24))


class WaterAccount(BackofficeBase):
    """A water customer (수용가): ``customer_number`` (10 digits), holder, address, meter size (mm)."""

    __tablename__ = "bo_water_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_number: Mapped[str] = mapped_column(String(12), unique=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("bo_residents.id"), index=True)
    address: Mapped[str] = mapped_column(String(120))
    usage_type: Mapped[str] = mapped_column(String(12))
    meter_mm: Mapped[int] = mapped_column(Integer)
    meter_number: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12))


class WaterBill(BackofficeBase):
    """A bimonthly water and sewage bill with its meter reading (검침)."""

    __tablename__ = "bo_water_bills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_no: Mapped[str] = mapped_column(String(24), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("bo_water_accounts.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    reading_date: Mapped[date] = mapped_column(Date)
    previous_reading: Mapped[int] = mapped_column(Integer)
    current_reading: Mapped[int] = mapped_column(Integer)
    usage_m3: Mapped[int] = mapped_column(Integer)
    water_charge: Mapped[int] = mapped_column(Integer)
    sewage_charge: Mapped[int] = mapped_column(Integer)
    water_use_levy: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    paid_amount: Mapped[int | None] = mapped_column(Integer, nullable=True)
    leak_suspected: Mapped[bool] = mapped_column(Boolean, default=False)
    bank: Mapped[str] = mapped_column(String(20))
    virtual_account: Mapped[str] = mapped_column(String(24))


class ParkingViolation(BackofficeBase):
    """A parking violation (주정차 위반) and its fine; ``occurred_at`` is aware (UTC in the database)."""

    __tablename__ = "bo_parking_violations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_no: Mapped[str] = mapped_column(String(24), unique=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("bo_vehicles.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(String(120))
    child_zone: Mapped[bool] = mapped_column(Boolean, default=False)
    fine: Mapped[int] = mapped_column(Integer)
    notice_date: Mapped[date] = mapped_column(Date)
    objection_deadline: Mapped[date] = mapped_column(Date)
    objection_filed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    paid_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    paid_amount: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bank: Mapped[str] = mapped_column(String(20))
    virtual_account: Mapped[str] = mapped_column(String(24))


class Towing(BackofficeBase):
    """A tow (견인) after a violation; ``released_at`` null while the car is in the impound lot."""

    __tablename__ = "bo_towings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("bo_parking_violations.id"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("bo_vehicles.id"), index=True)
    towed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lot: Mapped[str] = mapped_column(String(80))
    lot_phone: Mapped[str] = mapped_column(String(20))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
