"""Shared builders for the petitions workflow tests: an office with two departments, a counselor,
officers, and cases transferred from the desk through ``record_contact``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.cases.models import Case
from minwon.contacts.service import record_contact
from minwon.notices.models import Notice
from minwon.org.models import Category, Department
from tests.factories import make_org, make_user

KST = ZoneInfo("Asia/Seoul")
MOBILE = "010-2345-6789"


@dataclass
class Office:
    cats: list[Category]
    tax: Department
    water: Department
    counselor: User
    officer: User  # 세무과
    officer2: User  # 세무과
    water_officer: User
    supervisor: User
    admin: User


def make_office(db: Session) -> Office:
    cats, (tax, water), _q = make_org(db)
    return Office(
        cats=cats,
        tax=tax,
        water=water,
        counselor=make_user(db, "counselor1"),
        officer=make_user(db, "tax_officer", role="department_officer", department_id=tax.id),
        officer2=make_user(db, "tax_officer2", role="department_officer", department_id=tax.id),
        water_officer=make_user(db, "water_officer", role="department_officer", department_id=water.id),
        supervisor=make_user(db, "supervisor1", role="supervisor"),
        admin=make_user(db, "admin1", role="administrator"),
    )


def transfer(
    db: Session,
    office: Office,
    at: datetime,
    *,
    ptype: str = "grievance",
    caller: str | None = MOBILE,
    department: Department | None = None,
    inquiry: str = "도로 파손 신고가 처리되지 않았습니다",
) -> Case:
    contact = record_contact(
        db=db,
        agent=office.counselor,
        category_id=office.cats[0].id,
        inquiry=inquiry,
        outcome="transferred",
        department_id=(department or office.tax).id,
        petition_type=ptype,
        caller=caller,
        now=at,
    )
    case = db.get(Case, contact.case_id)
    assert case is not None
    return case


def notices_of(db: Session, case: Case) -> list[Notice]:
    return list(db.scalars(select(Notice).where(Notice.case_id == case.id).order_by(Notice.id)))


def kst(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=KST)
