"""contacts.service: recording contacts (ACW, transfer, callback, validation) and caller history.

Expected instants are worked out by hand in the comments (Asia/Seoul, working hours 09–12, 13–18).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.cases.models import Case, CaseEvent, CaseStatus
from minwon.contacts.models import Callback, CallbackStatus, Channel, Contact, Outcome
from minwon.contacts.service import (
    MAX_ACW_S,
    caller_history,
    complete_callback,
    list_my_callbacks_due,
    record_contact,
    view_contact,
)
from minwon.core.crypto import decrypt, pseudonym
from minwon.core.errors import Conflict, MinwonError, NotFound, PermissionDenied, ValidationError
from minwon.core.models import AccessRecord
from minwon.org.models import Category, Department
from tests.contacts.support import make_call
from tests.factories import make_org, make_user

KST = ZoneInfo("Asia/Seoul")
# Wednesday 4 March 2026, 10:00 in Seoul (no public holiday between 2 and 13 March 2026).
WED_10 = datetime(2026, 3, 4, 10, 0, tzinfo=KST)


@pytest.fixture()
def org(db: Session) -> tuple[list[Category], list[Department], User]:
    cats, depts, _queues = make_org(db)
    agent = make_user(db, "counselor1", pbx_agent_id="AGENT_01")
    return cats, depts, agent


def test_acw_runs_from_the_call_end(db: Session, org: tuple[list[Category], list[Department], User]) -> None:
    cats, _depts, agent = org
    call = make_call(
        db,
        "c1",
        ringing_at=WED_10,
        answered_at=WED_10 + timedelta(seconds=5),
        ended_at=WED_10 + timedelta(minutes=3),
    )
    # Saved 95 s after the hang-up; the form's opened-at time is ignored once the call has ended.
    contact = record_contact(
        db=db,
        agent=agent,
        call_id=call.id,
        category_id=cats[0].id,
        inquiry="자동차세 연납 신청 기간 문의",
        answer="1월, 3월, 6월, 9월에 신청할 수 있다고 안내",
        outcome="resolved",
        wrapup_started_at=WED_10,
        now=WED_10 + timedelta(minutes=3, seconds=95),
    )
    assert contact.acw_s == 95
    assert contact.wrapup_started_at == WED_10 + timedelta(minutes=3)
    assert contact.channel == Channel.CALL
    # The caller is copied from the call: same ciphertext, pseudonym and mask.
    assert contact.caller_masked == "010-****-5678"
    assert contact.caller_ref == pseudonym("01012345678", purpose="caller")
    assert contact.caller_enc is not None and decrypt(contact.caller_enc) == "01012345678"
    assert contact.case_id is None


def test_acw_of_a_live_call_runs_from_form_opened_and_is_clamped(
    db: Session, org: tuple[list[Category], list[Department], User]
) -> None:
    cats, _depts, agent = org
    live = make_call(db, "live", ringing_at=WED_10, answered_at=WED_10 + timedelta(seconds=10))
    now = WED_10 + timedelta(minutes=2)
    contact = record_contact(
        db=db,
        agent=agent,
        call_id=live.id,
        category_id=cats[0].id,
        inquiry="q",
        outcome="resolved",
        wrapup_started_at=now - timedelta(seconds=40),
        now=now,
    )
    assert contact.acw_s == 40
    # A form time before the answer is clamped to the answer (2 min − 10 s = 110 s).
    other = make_call(db, "live2", ringing_at=WED_10, answered_at=WED_10 + timedelta(seconds=10))
    contact2 = record_contact(
        db=db,
        agent=agent,
        call_id=other.id,
        category_id=cats[0].id,
        inquiry="q",
        outcome="resolved",
        wrapup_started_at=WED_10 - timedelta(hours=3),
        now=now,
    )
    assert contact2.acw_s == 110
    # Manual contacts: a form time in the future counts 0 s; five hours ago is capped at one hour.
    manual = record_contact(
        db=db,
        agent=agent,
        category_id=cats[0].id,
        inquiry="q",
        outcome="resolved",
        wrapup_started_at=now + timedelta(minutes=5),
        now=now,
    )
    assert manual.acw_s == 0
    stale = record_contact(
        db=db,
        agent=agent,
        category_id=cats[0].id,
        inquiry="q",
        outcome="resolved",
        wrapup_started_at=now - timedelta(hours=5),
        now=now,
    )
    assert stale.acw_s == MAX_ACW_S == 3600


def test_transfer_creates_case_with_statutory_deadline(
    db: Session, org: tuple[list[Category], list[Department], User]
) -> None:
    cats, depts, agent = org
    call = make_call(
        db,
        "c1",
        ringing_at=WED_10 - timedelta(minutes=4),
        answered_at=WED_10 - timedelta(minutes=4),
        ended_at=WED_10 - timedelta(minutes=1),
    )
    contact = record_contact(
        db=db,
        agent=agent,
        call_id=call.id,
        category_id=cats[0].id,
        inquiry="재산세 고지서가 이중으로 발송됨\n확인 요청",
        answer="부서 확인 후 회신 안내",
        outcome=Outcome.TRANSFERRED,
        department_id=depts[0].id,
        now=WED_10,
    )
    assert contact.case_id is not None
    case = db.get(Case, contact.case_id)
    assert case is not None
    assert re.fullmatch(r"2026-\d{6}", case.number)
    assert case.status == CaseStatus.TRANSFERRED
    assert case.petition_type == "inquiry_procedure"
    assert case.department_id == depts[0].id
    assert case.caller_ref == contact.caller_ref
    assert case.title == "재산세 고지서가 이중으로 발송됨"
    # Inquiry (procedure) = 7 working days, day of receipt counted (Act §19(2)):
    # Wed 4, Thu 5, Fri 6, Mon 9, Tue 10, Wed 11, Thu 12 March → 12 March 18:00 KST.
    assert case.due_at == datetime(2026, 3, 12, 18, 0, tzinfo=KST)
    events = db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
    assert [e.action for e in events] == ["received", "transferred"]
    assert events[1].detail["department_id"] == depts[0].id


def test_transfer_petition_type_other_counts_working_hours_and_numbers_increase(
    db: Session, org: tuple[list[Category], list[Department], User]
) -> None:
    cats, depts, agent = org
    received = datetime(2026, 3, 4, 16, 30, tzinfo=KST)
    first = record_contact(
        db=db,
        agent=agent,
        category_id=cats[1].id,
        inquiry="단수 예정 문의",
        outcome="transferred",
        department_id=depts[1].id,
        petition_type="other",
        now=received,
    )
    second = record_contact(
        db=db,
        agent=agent,
        category_id=cats[1].id,
        inquiry="누수 신고",
        outcome="transferred",
        department_id=depts[1].id,
        petition_type="grievance",
        now=received,
    )
    case1, case2 = db.get(Case, first.case_id), db.get(Case, second.case_id)
    assert case1 is not None and case2 is not None
    # Other = 3 working hours: 16:30–18:00 is 1.5 h, then 09:00 + 1.5 h on Thursday → 10:30.
    assert case1.due_at == datetime(2026, 3, 5, 10, 30, tzinfo=KST)
    assert int(case2.number[5:]) == int(case1.number[5:]) + 1


def test_callback_default_due_is_24_working_hours(
    db: Session, org: tuple[list[Category], list[Department], User]
) -> None:
    cats, _depts, agent = org
    contact = record_contact(
        db=db,
        agent=agent,
        category_id=cats[0].id,
        inquiry="체납액 확인 후 전화 요청",
        outcome="callback",
        caller="010-9876-5432",
        channel="visit",
        now=WED_10,
    )
    cb = db.scalar(select(Callback).where(Callback.contact_id == contact.id))
    assert cb is not None
    # Wed 10–12 + 13–18 = 7 h, Thu 8 h (15), Fri 8 h (23), Mon 09:00 + 1 h → Mon 9 March 10:00.
    assert cb.due_at == datetime(2026, 3, 9, 10, 0, tzinfo=KST)
    assert cb.assigned_agent_id == agent.id and cb.status == CallbackStatus.PENDING
    assert contact.channel == Channel.VISIT
    assert contact.caller_masked == "010-****-5432"
    due = list_my_callbacks_due(db=db, agent=agent, now=WED_10)
    assert [(d.id, d.overdue) for d in due] == [(cb.id, False)]
    assert list_my_callbacks_due(db=db, agent=agent, now=datetime(2026, 3, 9, 11, 0, tzinfo=KST))[0].overdue
    complete_callback(db=db, callback_id=cb.id, agent=agent, status="done")
    assert list_my_callbacks_due(db=db, agent=agent, now=WED_10) == []


def test_explicit_callback_time_is_kept(
    db: Session, org: tuple[list[Category], list[Department], User]
) -> None:
    cats, _depts, agent = org
    due = datetime(2026, 3, 4, 15, 0, tzinfo=KST)
    contact = record_contact(
        db=db,
        agent=agent,
        category_id=cats[0].id,
        inquiry="q",
        outcome="callback",
        caller="01055556666",
        callback_due_at=due,
        now=WED_10,
    )
    assert db.scalar(select(Callback.due_at).where(Callback.contact_id == contact.id)) == due


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"inquiry": "   "}, "inquiry", ValidationError),
        ({"inquiry": "x" * 4001}, "inquiry", ValidationError),
        ({"category_id": 999_999}, "category_id", ValidationError),
        ({"outcome": "maybe"}, "outcome", ValidationError),
        ({"outcome": "transferred"}, "department_id", ValidationError),
        ({"outcome": "transferred", "department_id": 999_999}, "department_id", ValidationError),
        ({"outcome": "resolved", "department_id": 999_999}, "department_id", ValidationError),
        (
            {"outcome": "transferred", "dept": 0, "petition_type": "statutory"},
            "petition_type",
            ValidationError,
        ),
        (
            {
                "outcome": "callback",
                "caller": "010-1111-2222",
                "callback_due_at": WED_10 - timedelta(minutes=1),
            },
            "callback_due_at",
            ValidationError,
        ),
        (
            {
                "outcome": "callback",
                "caller": "010-1111-2222",
                "callback_due_at": WED_10 + timedelta(days=61),
            },
            "callback_due_at",
            ValidationError,
        ),
        ({"outcome": "callback"}, "caller", ValidationError),
        ({"caller": "not a number"}, "caller", ValidationError),
        ({"channel": "fax"}, "channel", ValidationError),
        ({"article_id": 999_999}, "article_id", ValidationError),
        ({"call_id": 999_999}, "call_id", NotFound),
    ],
)
def test_validation_errors_name_the_field(
    db: Session,
    org: tuple[list[Category], list[Department], User],
    changes: dict[str, object],
    field: str,
    error: type[MinwonError],
) -> None:
    cats, depts, agent = org
    kwargs: dict[str, object] = {"category_id": cats[0].id, "inquiry": "문의", "outcome": "resolved"}
    changes = dict(changes)
    if changes.pop("dept", None) is not None:
        kwargs["department_id"] = depts[0].id
    kwargs.update(changes)
    with pytest.raises(error) as info:
        record_contact(db=db, agent=agent, now=WED_10, **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field
    assert db.scalar(select(func.count()).select_from(Contact)) == 0


def test_call_rules(db: Session, org: tuple[list[Category], list[Department], User]) -> None:
    cats, _depts, agent = org
    other = make_user(db, "counselor2", pbx_agent_id="AGENT_02")
    supervisor = make_user(db, "sup1", role="supervisor")
    call = make_call(db, "c1", ringing_at=WED_10, answered_at=WED_10, ended_at=WED_10 + timedelta(minutes=1))
    never = make_call(db, "c2", ringing_at=WED_10)
    base = {
        "category_id": cats[0].id,
        "inquiry": "문의",
        "outcome": "resolved",
        "now": WED_10 + timedelta(minutes=2),
    }
    with pytest.raises(PermissionDenied) as denied:
        record_contact(db=db, agent=other, call_id=call.id, **base)  # type: ignore[arg-type]
    assert denied.value.field == "call_id"
    with pytest.raises(ValidationError) as unanswered:
        record_contact(db=db, agent=agent, call_id=never.id, **base)  # type: ignore[arg-type]
    assert unanswered.value.field == "call_id"
    # A supervisor may record on any counselor's call; the call is then taken.
    saved = record_contact(db=db, agent=supervisor, call_id=call.id, **base)  # type: ignore[arg-type]
    assert saved.agent_id == supervisor.id
    with pytest.raises(Conflict) as twice:
        record_contact(db=db, agent=agent, call_id=call.id, **base)  # type: ignore[arg-type]
    assert twice.value.field == "call_id"


def test_caller_history_writes_one_access_record(
    db: Session, org: tuple[list[Category], list[Department], User]
) -> None:
    cats, depts, agent = org
    record_contact(
        db=db,
        agent=agent,
        category_id=cats[0].id,
        inquiry="첫 문의",
        outcome="resolved",
        caller="010-1234-5678",
        now=WED_10 - timedelta(days=30),
    )
    record_contact(
        db=db,
        agent=agent,
        category_id=cats[1].id,
        inquiry="두번째",
        outcome="transferred",
        department_id=depts[1].id,
        caller="010-1234-5678",
        now=WED_10 - timedelta(days=20),
    )
    ref = pseudonym("01012345678", purpose="caller")
    before = db.scalar(select(func.count()).select_from(AccessRecord))
    history = caller_history(
        db=db, caller_ref=ref, viewer=agent, ip="10.0.0.7", purpose="call:123", now=WED_10
    )
    records = db.scalars(select(AccessRecord).order_by(AccessRecord.id)).all()
    assert len(records) == before + 1
    rec = records[-1]
    assert (rec.account_id, rec.subject_ref, rec.action, rec.purpose, rec.ip) == (
        agent.id,
        ref,
        "view",
        "call:123",
        "10.0.0.7",
    )
    assert [c.inquiry for c in history.previous_contacts] == ["두번째", "첫 문의"]
    assert [c.outcome for c in history.previous_contacts] == [Outcome.TRANSFERRED, Outcome.RESOLVED]
    assert history.previous_contacts[1].category_name == "지방세"
    assert len(history.open_cases) == 1 and history.open_cases[0].department_name == "상하수도사업소"
    assert history.repeat_warning is None  # 20 days ago is outside the 7-day window


def test_history_keeps_the_last_ten_of_any_age(
    db: Session, org: tuple[list[Category], list[Department], User]
) -> None:
    cats, _depts, agent = org
    for i in range(12):
        record_contact(
            db=db,
            agent=agent,
            category_id=cats[0].id,
            inquiry=f"문의 {i}",
            outcome="resolved",
            caller="0212345678",
            now=WED_10 - timedelta(days=400 - i),
        )
    ref = pseudonym("0212345678", purpose="caller")
    history = caller_history(db=db, caller_ref=ref, viewer=agent, ip=None, purpose="call:1", now=WED_10)
    assert [c.inquiry for c in history.previous_contacts] == [f"문의 {i}" for i in range(11, 1, -1)]


def test_repeat_warning_within_seven_days_not_at_eight(
    db: Session, org: tuple[list[Category], list[Department], User]
) -> None:
    cats, _depts, agent = org
    ref_a = pseudonym("01011112222", purpose="caller")
    ref_b = pseudonym("01033334444", purpose="caller")
    # Caller A: 6 days 23 hours ago (water) and 2 days ago (local tax). Caller B: exactly 8 days ago.
    record_contact(
        db=db,
        agent=agent,
        category_id=cats[1].id,
        inquiry="수도",
        outcome="resolved",
        caller="010-1111-2222",
        now=WED_10 - timedelta(days=6, hours=23),
    )
    record_contact(
        db=db,
        agent=agent,
        category_id=cats[0].id,
        inquiry="세금",
        outcome="resolved",
        caller="010-1111-2222",
        now=WED_10 - timedelta(days=2),
    )
    record_contact(
        db=db,
        agent=agent,
        category_id=cats[0].id,
        inquiry="세금",
        outcome="resolved",
        caller="010-3333-4444",
        now=WED_10 - timedelta(days=8),
    )
    a = caller_history(db=db, caller_ref=ref_a, viewer=agent, ip=None, purpose="call:1", now=WED_10)
    assert a.repeat_warning is not None
    assert a.repeat_warning.count == 2 and a.repeat_warning.days == 7
    assert a.repeat_warning.categories == [(cats[0].id, "지방세"), (cats[1].id, "상하수도")]
    b = caller_history(db=db, caller_ref=ref_b, viewer=agent, ip=None, purpose="call:2", now=WED_10)
    assert b.repeat_warning is None
    assert len(b.previous_contacts) == 1


def test_withheld_number_has_no_history(
    db: Session, org: tuple[list[Category], list[Department], User]
) -> None:
    _cats, _depts, agent = org
    before = db.scalar(select(func.count()).select_from(AccessRecord))
    history = caller_history(db=db, caller_ref=None, viewer=agent, ip=None, purpose="call:1")
    assert history.previous_contacts == [] and history.repeat_warning is None
    assert db.scalar(select(func.count()).select_from(AccessRecord)) == before


def test_view_contact_logs_access_and_guards_other_counselors(
    db: Session, org: tuple[list[Category], list[Department], User]
) -> None:
    cats, _depts, agent = org
    other = make_user(db, "counselor2")
    contact = record_contact(
        db=db,
        agent=agent,
        category_id=cats[0].id,
        inquiry="q",
        outcome="resolved",
        caller="01012345678",
        now=WED_10,
    )
    with pytest.raises(PermissionDenied):
        view_contact(db=db, contact_id=contact.id, viewer=other, ip=None)
    view_contact(db=db, contact_id=contact.id, viewer=agent, ip="1.2.3.4")
    last = db.scalars(select(AccessRecord).order_by(AccessRecord.id.desc())).first()
    assert last is not None and last.purpose == f"contact:{contact.id}"


def test_format_phone_groups_digits_for_reading_aloud() -> None:
    from minwon.contacts.service import format_phone

    assert format_phone("01044445555") == "010-4444-5555"
    assert format_phone("0215550101") == "02-1555-0101"
    assert format_phone("021230101") == "02-123-0101"
    assert format_phone("0312345678") == "031-234-5678"
    assert format_phone("1588") == "1588"
