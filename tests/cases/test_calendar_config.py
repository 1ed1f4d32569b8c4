"""Calendar configuration (working hours, temporary holidays) with deadline recompute; the
processing-standards table; the supervisor risk overview; the Korean deadline basis."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.cases.basis import deadline_basis_ko
from minwon.cases.calendar import (
    add_temporary_holiday,
    get_working_hours,
    load_calendar,
    remove_temporary_holiday,
    save_working_hours,
)
from minwon.cases.deadlines import Period, PeriodUnit
from minwon.cases.models import CaseEvent, TemporaryHoliday
from minwon.cases.overview import deadline_risk_by_department
from minwon.cases.standards import (
    DEMO_STANDARDS,
    list_standards,
    retire_standard,
    save_standard,
    seed_demo_standards,
)
from minwon.cases.workflow import answer_case, extend_case
from minwon.core.errors import Conflict, NotFound, ValidationError
from minwon.core.models import AuditEvent
from tests.cases.support import Office, kst, make_office, transfer


@pytest.fixture()
def office(db: Session) -> Office:
    return make_office(db)


def _events(db: Session, case_id: int, action: str) -> list[CaseEvent]:
    stmt = (
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.action == action)
        .order_by(CaseEvent.id)
    )
    return list(db.scalars(stmt))


def test_temporary_holiday_moves_open_deadlines_and_back(db: Session, office: Office) -> None:
    # Tue 3 Mar 2026 10:00, 7 days → Wed 11 Mar 18:00. A temporary holiday on Fri 6 Mar removes one
    # counted day → Thu 12 Mar 18:00. The "other" case (3 h, due Tue 3 Mar 14:00) and a case due
    # before 6 Mar are not affected; an answered case is not touched.
    grievance = transfer(db, office, kst(2026, 3, 3, 10))
    quick = transfer(db, office, kst(2026, 3, 3, 10), ptype="other")
    done = transfer(db, office, kst(2026, 3, 3, 10))
    answer_case(db=db, case_id=done.id, officer=office.officer, answer="답변", now=kst(2026, 3, 4, 9))
    changed = add_temporary_holiday(
        db=db, actor=office.admin, day=date(2026, 3, 6), name="임시공휴일", now=kst(2026, 3, 4, 10)
    )
    assert [c.case_id for c in changed] == [grievance.id]
    assert grievance.due_at == kst(2026, 3, 12, 18) and quick.due_at == kst(2026, 3, 3, 14)
    assert done.due_at == kst(2026, 3, 11, 18)
    (event,) = _events(db, grievance.id, "due_recomputed")
    assert event.detail["old_due"] == kst(2026, 3, 11, 18).isoformat()
    assert event.detail["new_due"] == kst(2026, 3, 12, 18).isoformat()
    assert "2026-03-06" in event.detail["reason"]
    audit = db.scalars(select(AuditEvent).where(AuditEvent.action == "temporary_holiday_added")).one()
    assert audit.detail["recomputed_cases"] == [grievance.id] and audit.actor_name == "admin1"
    # New cases count the holiday too: Thu 5 Mar 10:00 "other" 3 h → 5 Mar 14:00; 7 days from Thu 5:
    # 5, 9, 10, 11, 12, 13, 16 → Mon 16 Mar 18:00.
    assert transfer(db, office, kst(2026, 3, 5, 10)).due_at == kst(2026, 3, 16, 18)

    holiday = db.scalars(select(TemporaryHoliday)).one()
    changed = remove_temporary_holiday(db=db, actor=office.admin, holiday_id=holiday.id)
    assert grievance.id in [c.case_id for c in changed]
    assert grievance.due_at == kst(2026, 3, 11, 18)
    assert len(_events(db, grievance.id, "due_recomputed")) == 2


def test_temporary_holiday_on_an_extended_due_date_moves_it_to_the_next_working_day(
    db: Session, office: Office
) -> None:
    case = transfer(db, office, kst(2026, 3, 3, 10))
    extend_case(
        db=db,
        case_id=case.id,
        officer=office.officer,
        new_due_day=date(2026, 3, 18),
        reason="조사",
        now=kst(2026, 3, 5, 9),
    )
    add_temporary_holiday(db=db, actor=office.admin, day=date(2026, 3, 18), name="임시")
    assert case.due_at == kst(2026, 3, 19, 18)


def test_temporary_holiday_errors(db: Session, office: Office) -> None:
    with pytest.raises(ValidationError) as err:
        add_temporary_holiday(db=db, actor=office.admin, day=date(2026, 3, 7), name="토요일")
    assert err.value.field == "day"
    with pytest.raises(ValidationError) as err:
        add_temporary_holiday(db=db, actor=office.admin, day=date(2026, 2, 17), name="설날")
    assert err.value.field == "day"
    with pytest.raises(ValidationError) as err:
        add_temporary_holiday(db=db, actor=office.admin, day=date(2026, 3, 6), name=" ")
    assert err.value.field == "name"
    add_temporary_holiday(db=db, actor=office.admin, day=date(2026, 3, 6), name="임시")
    with pytest.raises(Conflict):
        add_temporary_holiday(db=db, actor=office.admin, day=date(2026, 3, 6), name="임시")
    with pytest.raises(NotFound):
        remove_temporary_holiday(db=db, actor=office.admin, holiday_id=999_999)


def test_working_hours_are_configuration(db: Session, office: Office) -> None:
    assert get_working_hours(db=db).work_start == time(9)
    quick = transfer(db, office, kst(2026, 3, 3, 10), ptype="other")
    assert quick.due_at == kst(2026, 3, 3, 14)
    # 08:00–17:00 with the same break: 10–12 (2 h) + 13–14 (1 h) → unchanged; 7-day deadline ends at 17:00.
    grievance = transfer(db, office, kst(2026, 3, 3, 10))
    changed = save_working_hours(
        db=db,
        actor=office.admin,
        work_start=time(8),
        work_end=time(17),
        break_start=time(12),
        break_end=time(13),
    )
    assert grievance.due_at == kst(2026, 3, 11, 17) and quick.due_at == kst(2026, 3, 3, 14)
    assert [c.case_id for c in changed] == [grievance.id]
    assert load_calendar(db=db).work_end == time(17)
    with pytest.raises(ValidationError):
        save_working_hours(
            db=db, actor=office.admin, work_start=time(18), work_end=time(9), break_start=None, break_end=None
        )
    with pytest.raises(ValidationError):
        save_working_hours(
            db=db,
            actor=office.admin,
            work_start=time(9),
            work_end=time(18),
            break_start=time(12),
            break_end=None,
        )


def test_processing_standards_table(db: Session, office: Office) -> None:
    assert seed_demo_standards(db=db) == len(DEMO_STANDARDS)
    assert seed_demo_standards(db=db) == 0
    row = save_standard(
        db=db,
        actor=office.admin,
        code="car_transfer",
        name="자동차 이전등록",
        period_amount=1,
        period_unit="days",
        legal_basis="자동차관리법 제12조",
    )
    assert row.id in [s.id for s in list_standards(db=db, active_only=True)]
    save_standard(
        db=db,
        actor=office.admin,
        code="car_transfer",
        name="자동차 이전등록",
        period_amount=2,
        period_unit="days",
        standard_id=row.id,
    )
    assert row.period_amount == 2
    retire_standard(db=db, actor=office.admin, standard_id=row.id)
    assert row.id not in [s.id for s in list_standards(db=db, active_only=True)]
    actions = list(
        db.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("processing_standard%"))
            .order_by(AuditEvent.id)
        )
    )
    assert actions == [
        "processing_standard_saved",
        "processing_standard_saved",
        "processing_standard_retired",
    ]
    for kwargs, field in (
        ({"code": "bad code"}, "code"),
        ({"name": ""}, "name"),
        ({"period_unit": "years"}, "period_unit"),
        ({"period_amount": 41, "period_unit": "hours"}, "period_amount"),
        ({"period_amount": 0}, "period_amount"),
    ):
        args = {"code": "x1", "name": "이름", "period_amount": 3, "period_unit": "days", **kwargs}
        with pytest.raises(ValidationError) as err:
            save_standard(db=db, actor=office.admin, **args)  # type: ignore[arg-type]
        assert err.value.field == field
    with pytest.raises(Conflict):
        save_standard(
            db=db, actor=office.admin, code="resident_copy", name="중복", period_amount=1, period_unit="days"
        )


def test_risk_overview_by_department(db: Session, office: Office) -> None:
    # now = Thu 12 Mar 2026 10:00. Overdue: due Wed 11 Mar (received 3 Mar). Due today: 3 h case received
    # 12 Mar 09:00 → 12:00. Next working day (Fri 13): 7 days from Thu 5 Mar → 5,6,9,10,11,12,13.
    # Later: 7 days from 12 Mar → 12,13,16,17,18,19,20 Mar.
    transfer(db, office, kst(2026, 3, 3, 10))
    transfer(db, office, kst(2026, 3, 12, 9), ptype="other")
    transfer(db, office, kst(2026, 3, 5, 10))
    transfer(db, office, kst(2026, 3, 12, 9), department=office.water)
    rows = deadline_risk_by_department(db=db, now=kst(2026, 3, 12, 10))
    assert [(r.department, r.overdue, r.due_today, r.next_working_day, r.later, r.total) for r in rows] == [
        ("세무과", 1, 1, 1, 0, 3),
        ("상하수도사업소", 0, 0, 0, 1, 1),
    ]
    # On Friday 13 Mar the next working day is Monday 16 Mar.
    rows = deadline_risk_by_department(db=db, now=kst(2026, 3, 13, 9))
    assert rows[0].department == "세무과" and (rows[0].overdue, rows[0].due_today) == (2, 1)


def test_korean_basis_per_rule() -> None:
    assert deadline_basis_ko("grievance", Period(7, PeriodUnit.DAYS)) == (
        "고충민원 7일: 접수일 포함, 토요일·공휴일 제외 (민원처리법 제19조제2항, 시행령 제17조)"
    )
    assert deadline_basis_ko("other", Period(3, PeriodUnit.HOURS)) == (
        "기타민원 즉시(3근무시간): 접수 시각부터 근무시간(3시간, 1일 8시간)으로 계산, 토요일·공휴일 제외 "
        "(민원처리법 제19조제1항, 시행령 제16조)"
    )
    text = deadline_basis_ko(
        "statutory",
        Period(1, PeriodUnit.MONTHS),
        service_name="건축허가",
        legal_basis="건축법 제11조",
        extended=True,
    )
    assert text.startswith("법정민원(건축허가) 1개월: 접수일 포함, 역(曆)에 따라 계산")
    assert "민법 제159조~제161조" in text and "건축법 제11조" in text and text.endswith("(시행령 제21조)")
    assert deadline_basis_ko("inquiry_law", Period(14, PeriodUnit.DAYS)).startswith(
        "질의민원(법령 해석) 14일"
    )
    assert "40시간" in deadline_basis_ko("statutory", Period(5, PeriodUnit.DAYS))
