"""Cases for reminder and status tests, opened the way the desk opens them (a transferred contact)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.cases.models import Case
from minwon.contacts.service import record_contact
from minwon.org.models import Category, Department
from tests.factories import make_org, make_user


def open_case(
    db: Session, *, agent: User, category: Category, department: Department, petition_type: str, at: datetime
) -> Case:
    contact = record_contact(
        db=db,
        agent=agent,
        category_id=category.id,
        inquiry="도로 파손 신고\n세부 내용",
        outcome="transferred",
        department_id=department.id,
        petition_type=petition_type,
        channel="visit",
        now=at,
    )
    case = db.get(Case, contact.case_id)
    assert case is not None
    return case


def reminder_org(db: Session) -> tuple[list[Category], list[Department], dict[str, User]]:
    """The test org plus a counselor, two tax officers (one with e-mail), a tax head, a water officer."""
    cats, depts, _queues = make_org(db)
    tax, water = depts
    users = {
        "counselor": make_user(db, "counselor1"),
        "officer": make_user(db, "tax1", role="department_officer", department_id=tax.id),
        "officer2": make_user(db, "tax2", role="department_officer", department_id=tax.id),
        "head": make_user(
            db,
            "taxhead",
            role="department_officer",
            department_id=tax.id,
        ),
        "water": make_user(db, "water1", role="department_officer", department_id=water.id),
    }
    users["officer"].email = "tax1@city.example"
    users["head"].email = "head@city.example"
    users["head"].is_department_head = True
    users["water"].email = "w@city.example"
    db.commit()
    return cats, depts, users
