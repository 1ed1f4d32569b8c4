"""cases.service: numbering, department work lists, and viewing a case (access record)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.cases.models import Case, CaseStatus
from minwon.cases.service import list_department_cases, next_case_number, view_case
from minwon.contacts.service import record_contact
from minwon.core.errors import PermissionDenied, ValidationError
from minwon.core.models import AccessRecord
from tests.factories import make_org, make_user

KST = ZoneInfo("Asia/Seoul")


def _transfer(
    db: Session,
    agent,
    cat_id: int,
    dept_id: int,
    at: datetime,
    ptype: str = "inquiry_procedure",
    caller: str | None = "010-2222-3333",
) -> Case:  # type: ignore[no-untyped-def]
    contact = record_contact(
        db=db,
        agent=agent,
        category_id=cat_id,
        inquiry=f"문의 {at.isoformat()}",
        outcome="transferred",
        department_id=dept_id,
        petition_type=ptype,
        caller=caller,
        now=at,
    )
    case = db.get(Case, contact.case_id)
    assert case is not None
    return case


def test_case_numbers_are_per_year_and_six_digits(db: Session) -> None:
    cats, depts, _q = make_org(db)
    agent = make_user(db)
    assert next_case_number(db=db, year=2026) == "2026-000001"
    a = _transfer(db, agent, cats[0].id, depts[0].id, datetime(2026, 12, 31, 17, 0, tzinfo=KST))
    # 1 Jan 2027 00:30 in Seoul is still 31 Dec in UTC: the local year decides.
    b = _transfer(db, agent, cats[0].id, depts[0].id, datetime(2027, 1, 1, 0, 30, tzinfo=KST))
    c = _transfer(db, agent, cats[0].id, depts[0].id, datetime(2027, 1, 4, 9, 30, tzinfo=KST))
    assert (a.number, b.number, c.number) == ("2026-000001", "2027-000001", "2027-000002")
    assert next_case_number(db=db, year=2027) == "2027-000003"


def test_department_views(db: Session) -> None:
    cats, depts, _q = make_org(db)
    agent = make_user(db)
    tax, water = depts
    # "Other" petitions are due 3 working hours after receipt.
    # Received Mon 2 Mar 2026 is a substitute holiday, so use Tue 3 Mar:
    # at 09:00 → due 12:00 the same day; at 15:00 → 15–18 = 3 h → due 18:00 the same day.
    early = _transfer(db, agent, cats[0].id, tax.id, datetime(2026, 3, 3, 9, 0, tzinfo=KST), "other")
    late = _transfer(db, agent, cats[0].id, tax.id, datetime(2026, 3, 3, 15, 0, tzinfo=KST), "other")
    # Inquiry of 7 days received the same morning → due Thu 12 Mar 18:00.
    week = _transfer(db, agent, cats[0].id, tax.id, datetime(2026, 3, 3, 9, 0, tzinfo=KST))
    other_dept = _transfer(db, agent, cats[1].id, water.id, datetime(2026, 3, 3, 9, 0, tzinfo=KST), "other")
    assert early.due_at == datetime(2026, 3, 3, 12, 0, tzinfo=KST)
    assert late.due_at == datetime(2026, 3, 3, 18, 0, tzinfo=KST)
    now = datetime(2026, 3, 3, 14, 0, tzinfo=KST)

    def ids(view: str, dept: int | None = tax.id) -> list[int]:
        return [c.id for c in list_department_cases(db=db, department_id=dept, view=view, now=now)]  # type: ignore[arg-type]

    assert ids("open") == [early.id, late.id, week.id]  # earliest deadline first
    assert ids("due_today") == [early.id, late.id]
    assert ids("overdue") == [early.id]
    assert set(ids("open", None)) == {early.id, late.id, week.id, other_dept.id}
    early.status = CaseStatus.CLOSED
    db.commit()
    assert ids("overdue") == [] and early.id not in ids("open")
    with pytest.raises(ValidationError) as info:
        ids("someday")
    assert info.value.field == "view"


def test_view_case_checks_department_and_logs_access(db: Session) -> None:
    cats, depts, _q = make_org(db)
    agent = make_user(db)
    tax_officer = make_user(db, "tax1", role="department_officer", department_id=depts[0].id)
    water_officer = make_user(db, "water1", role="department_officer", department_id=depts[1].id)
    case = _transfer(db, agent, cats[0].id, depts[0].id, datetime(2026, 3, 4, 10, 0, tzinfo=KST))
    with pytest.raises(PermissionDenied):
        view_case(db=db, case_id=case.id, viewer=water_officer, ip=None)
    with pytest.raises(PermissionDenied):
        view_case(db=db, case_id=case.id, viewer=agent, ip=None)
    detail = view_case(db=db, case_id=case.id, viewer=tax_officer, ip="10.1.1.1")
    assert [e.action for e in detail.events] == ["received", "transferred"]
    assert detail.caller_masked == "010-****-3333"
    assert detail.department is not None and detail.department.name == "세무과"
    rec = db.scalars(select(AccessRecord).order_by(AccessRecord.id.desc())).first()
    assert rec is not None
    assert (rec.account_id, rec.subject_ref, rec.purpose, rec.action) == (
        tax_officer.id,
        case.caller_ref,
        f"case:{case.id}",
        "view",
    )


def test_case_without_caller_writes_no_access_record(db: Session) -> None:
    cats, depts, _q = make_org(db)
    agent = make_user(db)
    sup = make_user(db, "sup", role="supervisor")
    case = _transfer(db, agent, cats[0].id, depts[0].id, datetime(2026, 3, 4, 10, 0, tzinfo=KST), caller=None)
    before = len(db.scalars(select(AccessRecord)).all())
    view_case(db=db, case_id=case.id, viewer=sup, ip=None)
    assert len(db.scalars(select(AccessRecord)).all()) == before
    assert case.due_at == datetime(2026, 3, 4, 10, 0, tzinfo=KST) + timedelta(days=8, hours=8)
