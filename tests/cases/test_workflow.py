"""Department work on cases: the done-when story, every transition and error, history immutability,
extension rules and notices. Expected deadlines are counted by hand from the Act (§19) and the
2026 Korean holiday calendar (설날 16–18 Feb; 3·1절 substitute 2 Mar)."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.cases.calendar import load_calendar
from minwon.cases.models import Case, CaseEvent, CaseStatus
from minwon.cases.notify import notify_case, pop_issued_verification_code, verification_digest
from minwon.cases.service import list_department_cases
from minwon.cases.standards import list_standards, seed_demo_standards
from minwon.cases.workflow import (
    accept_case,
    answer_case,
    close_case,
    enqueue_due_interim_notices,
    extend_case,
    extension_limit,
    hand_over_case,
    reclassify_case,
    send_to_agency,
    set_case_mobile,
)
from minwon.core.crypto import decrypt, encrypt
from minwon.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from minwon.notices.models import Notice
from tests.cases.support import Office, kst, make_office, notices_of, transfer


@pytest.fixture()
def office(db: Session) -> Office:
    return make_office(db)


def test_done_when_friday_afternoon_grievance_before_lunar_new_year(db: Session, office: Office) -> None:
    # Received Fri 13 Feb 2026 16:00. Day 1 = Fri 13 (first day counted, Act §19(2)); Sat 14, Sun 15 and
    # 설날 Mon 16–Wed 18 are not counted; Thu 19 = 2, Fri 20 = 3, Mon 23 = 4, Tue 24 = 5, Wed 25 = 6,
    # Thu 26 = 7 → due Thu 26 Feb 2026 18:00 KST.
    case = transfer(db, office, kst(2026, 2, 13, 16))
    assert case.due_at == kst(2026, 2, 26, 18)
    assert case.status is CaseStatus.TRANSFERRED
    assert (case.period_amount, case.period_unit) == (7, "days")
    # The department officer sees it in the department's open list (not in another department's).
    assert [
        c.id for c in list_department_cases(db=db, department_id=office.tax.id, now=kst(2026, 2, 19, 9))
    ] == [case.id]
    assert list_department_cases(db=db, department_id=office.water.id) == []
    # The receipt SMS is in the outbox, same transaction, to the caller's mobile, with the code.
    (receipt,) = notices_of(db, case)
    assert receipt.template_key == "case_receipt" and receipt.dedupe_key == f"case:{case.id}:receipt"
    assert decrypt(receipt.recipient_enc) == "01023456789" and receipt.recipient_masked == "010-****-6789"
    assert case.number in receipt.body and "2026-02-26 18:00" in receipt.body
    code = pop_issued_verification_code(db=db, case_id=case.id)
    assert code is not None and len(code) == 6 and code.isdigit()
    assert case.verification_digest == hashlib.sha256(code.encode()).hexdigest() == verification_digest(code)
    assert pop_issued_verification_code(db=db, case_id=case.id) is None  # shown once


def test_other_petition_three_working_hours_from_friday_1600(db: Session, office: Office) -> None:
    # 16:00–18:00 Friday = 2 h; next working day is Thu 19 Feb (설날 Mon–Wed): 09:00–10:00 = 1 h.
    case = transfer(db, office, kst(2026, 2, 13, 16), ptype="other")
    assert case.due_at == kst(2026, 2, 19, 10)


def test_mobile_kept_encrypted_and_landline_gives_no_sms(db: Session, office: Office) -> None:
    case = transfer(db, office, kst(2026, 3, 3, 10))
    assert case.notify_mobile_enc and "01023456789" not in case.notify_mobile_enc
    assert case.notify_mobile_masked == "010-****-6789"
    landline = transfer(db, office, kst(2026, 3, 3, 10), caller="02-123-4567")
    assert landline.notify_mobile_enc is None and notices_of(db, landline) == []
    assert landline.verification_digest is not None  # the code is still issued (shown on the desk)


def test_full_path_accept_answer_with_history_and_notices(db: Session, office: Office) -> None:
    case = transfer(db, office, kst(2026, 3, 3, 10))
    accept_case(db=db, case_id=case.id, officer=office.officer, now=kst(2026, 3, 3, 11))
    assert case.status is CaseStatus.IN_PROGRESS and case.assigned_officer_id == office.officer.id
    mine = list_department_cases(
        db=db, department_id=office.tax.id, view="mine", officer_id=office.officer.id
    )
    assert [c.id for c in mine] == [case.id]
    assert (
        list_department_cases(db=db, department_id=office.tax.id, view="mine", officer_id=office.officer2.id)
        == []
    )
    answer_case(
        db=db,
        case_id=case.id,
        officer=office.officer,
        answer="보수 완료했습니다.",
        close=False,
        now=kst(2026, 3, 4, 15),
    )
    assert case.status is CaseStatus.ANSWERED and case.answer == "보수 완료했습니다."
    close_case(db=db, case_id=case.id, officer=office.officer, now=kst(2026, 3, 4, 16))
    assert case.status is CaseStatus.CLOSED and case.closed_at == kst(2026, 3, 4, 16)
    actions = [
        e.action
        for e in db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))
    ]
    assert actions == ["received", "transferred", "accepted", "answered", "closed"]
    assert [n.template_key for n in notices_of(db, case)] == ["case_receipt", "case_answer"]


@pytest.mark.parametrize(
    ("step", "status"),
    [("accept", CaseStatus.IN_PROGRESS), ("answer", CaseStatus.CLOSED), ("close", CaseStatus.ANSWERED)],
)
def test_wrong_transitions_are_409(db: Session, office: Office, step: str, status: CaseStatus) -> None:
    case = transfer(db, office, kst(2026, 3, 3, 10))
    if step == "accept":
        accept_case(db=db, case_id=case.id, officer=office.officer)
        with pytest.raises(Conflict):
            accept_case(db=db, case_id=case.id, officer=office.officer)
    elif step == "answer":
        answer_case(db=db, case_id=case.id, officer=office.officer, answer="답변")
        assert case.status is status
        for again in (
            lambda: answer_case(db=db, case_id=case.id, officer=office.officer, answer="또"),
            lambda: hand_over_case(
                db=db, case_id=case.id, officer=office.officer, department_id=office.water.id, reason="x"
            ),
            lambda: send_to_agency(
                db=db, case_id=case.id, officer=office.officer, agency="경찰청", reason="x"
            ),
            lambda: extend_case(
                db=db, case_id=case.id, officer=office.officer, new_due_day=date(2026, 3, 12), reason="x"
            ),
        ):
            with pytest.raises(Conflict):
                again()
    else:
        with pytest.raises(Conflict):
            close_case(db=db, case_id=case.id, officer=office.officer)  # not answered yet


def test_officers_of_other_departments_and_other_roles_get_403(db: Session, office: Office) -> None:
    case = transfer(db, office, kst(2026, 3, 3, 10))
    for user in (office.water_officer, office.supervisor, office.counselor, office.admin):
        with pytest.raises(PermissionDenied):
            accept_case(db=db, case_id=case.id, officer=user)
        with pytest.raises(PermissionDenied):
            answer_case(db=db, case_id=case.id, officer=user, answer="답변")
    with pytest.raises(NotFound):
        accept_case(db=db, case_id=999_999, officer=office.officer)
    assert case.status is CaseStatus.TRANSFERRED


def test_hand_over_keeps_the_deadline_and_moves_the_queue(db: Session, office: Office) -> None:
    case = transfer(db, office, kst(2026, 2, 13, 16))
    accept_case(db=db, case_id=case.id, officer=office.officer, now=kst(2026, 2, 19, 9))
    hand_over_case(
        db=db,
        case_id=case.id,
        officer=office.officer,
        department_id=office.water.id,
        reason="상수도 소관",
        now=kst(2026, 2, 19, 10),
    )
    assert case.department_id == office.water.id and case.status is CaseStatus.TRANSFERRED
    assert case.assigned_officer_id is None
    assert case.due_at == kst(2026, 2, 26, 18)  # counted from the office's receipt, unchanged
    event = db.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "handed_over")
    ).one()
    assert event.detail["from_department"] == "세무과" and event.detail["department"] == "상하수도사업소"
    assert [n.template_key for n in notices_of(db, case)] == ["case_receipt", "case_transfer"]
    assert "상하수도사업소" in notices_of(db, case)[1].body
    # The old department can no longer act; the new one can.
    with pytest.raises(PermissionDenied):
        accept_case(db=db, case_id=case.id, officer=office.officer)
    accept_case(db=db, case_id=case.id, officer=office.water_officer)


def test_hand_over_errors(db: Session, office: Office) -> None:
    case = transfer(db, office, kst(2026, 3, 3, 10))
    for dept_id, field in ((999_999, "department_id"), (office.tax.id, "department_id")):
        with pytest.raises(ValidationError) as err:
            hand_over_case(db=db, case_id=case.id, officer=office.officer, department_id=dept_id, reason="x")
        assert err.value.field == field
    with pytest.raises(ValidationError) as err:
        hand_over_case(
            db=db, case_id=case.id, officer=office.officer, department_id=office.water.id, reason=" "
        )
    assert err.value.field == "reason"


def test_send_to_agency_closes_here(db: Session, office: Office) -> None:
    case = transfer(db, office, kst(2026, 3, 3, 10))
    with pytest.raises(ValidationError) as err:
        send_to_agency(db=db, case_id=case.id, officer=office.officer, agency="", reason="소관 아님")
    assert err.value.field == "agency"
    send_to_agency(
        db=db,
        case_id=case.id,
        officer=office.officer,
        agency="국토교통부",
        reason="소관 아님",
        now=kst(2026, 3, 3, 14),
    )
    assert case.status is CaseStatus.CLOSED and case.closed_at == kst(2026, 3, 3, 14)
    assert "국토교통부" in notices_of(db, case)[-1].body


def test_answer_errors(db: Session, office: Office) -> None:
    case = transfer(db, office, kst(2026, 3, 3, 10))
    with pytest.raises(ValidationError) as err:
        answer_case(db=db, case_id=case.id, officer=office.officer, answer="   ")
    assert err.value.field == "answer"
    with pytest.raises(ValidationError):
        answer_case(db=db, case_id=case.id, officer=office.officer, answer="가" * 8001)
    assert case.status is CaseStatus.TRANSFERRED and case.answer == ""


def test_extension_once_within_the_period_with_notice(db: Session, office: Office) -> None:
    # Received Tue 3 Mar 2026 10:00, 7 days: 3,4,5,6,9,10,11 → due Wed 11 Mar 18:00.
    case = transfer(db, office, kst(2026, 3, 3, 10))
    assert case.due_at == kst(2026, 3, 11, 18)
    # Limit (Decree §21: within the period): 7 more working days from Thu 12 → 12,13,16,17,18,19,20.
    assert extension_limit(case, load_calendar(db=db)) == kst(2026, 3, 20, 18)
    with pytest.raises(ValidationError) as err:
        extend_case(
            db=db,
            case_id=case.id,
            officer=office.officer,
            new_due_day=date(2026, 3, 23),
            reason="현장 조사",
            now=kst(2026, 3, 10, 9),
        )
    assert err.value.field == "new_due"
    for bad_day in (date(2026, 3, 11), date(2026, 3, 14)):  # not later / a Saturday
        with pytest.raises(ValidationError):
            extend_case(
                db=db,
                case_id=case.id,
                officer=office.officer,
                new_due_day=bad_day,
                reason="현장 조사",
                now=kst(2026, 3, 10, 9),
            )
    with pytest.raises(ValidationError) as err:
        extend_case(
            db=db,
            case_id=case.id,
            officer=office.officer,
            new_due_day=date(2026, 3, 20),
            reason="",
            now=kst(2026, 3, 10, 9),
        )
    assert err.value.field == "reason"
    extend_case(
        db=db,
        case_id=case.id,
        officer=office.officer,
        new_due_day=date(2026, 3, 20),
        reason="현장 조사",
        now=kst(2026, 3, 10, 9),
    )
    assert case.due_at == kst(2026, 3, 20, 18) and case.extended_at == kst(2026, 3, 10, 9)
    ext = notices_of(db, case)[-1]
    assert ext.template_key == "case_extension" and ext.dedupe_key == f"case:{case.id}:extension"
    assert "2026-03-20 18:00" in ext.body and "현장 조사" in ext.body
    with pytest.raises(Conflict) as conflict:
        extend_case(
            db=db,
            case_id=case.id,
            officer=office.officer,
            new_due_day=date(2026, 3, 19),
            reason="또",
            now=kst(2026, 3, 11, 9),
        )
    assert conflict.value.field == "extended_at"


def test_extension_after_the_deadline_is_refused(db: Session, office: Office) -> None:
    case = transfer(db, office, kst(2026, 3, 3, 10))
    with pytest.raises(Conflict) as err:
        extend_case(
            db=db,
            case_id=case.id,
            officer=office.officer,
            new_due_day=date(2026, 3, 18),
            reason="늦음",
            now=kst(2026, 3, 11, 18, 1),
        )
    assert err.value.field == "due_at"


def test_extension_limit_for_hour_counted_period(db: Session, office: Office) -> None:
    # "Other" 3 working hours from Tue 3 Mar 10:00 → 13:00... lunch 12–13 → 14:00; limit = 3 more h → 17:00.
    case = transfer(db, office, kst(2026, 3, 3, 10), ptype="other")
    assert case.due_at == kst(2026, 3, 3, 14)
    assert extension_limit(case, load_calendar(db=db)) == kst(2026, 3, 3, 17)


def test_case_update_survives_a_notice_that_cannot_be_built(db: Session, office: Office) -> None:
    case = transfer(db, office, kst(2026, 3, 3, 10))
    case.title = "제목 수정"
    # case_extension needs {reason}: the notice fails, the pending case change is kept and commits.
    assert notify_case(db=db, case=case, template_key="case_extension", dedupe_key="x") is None
    db.commit()
    db.expire_all()
    assert db.get(Case, case.id).title == "제목 수정"  # type: ignore[union-attr]
    # Without a mobile number the answer is still recorded.
    landline = transfer(db, office, kst(2026, 3, 3, 10), caller=None)
    answer_case(db=db, case_id=landline.id, officer=office.officer, answer="답변")
    assert landline.status is CaseStatus.CLOSED and notices_of(db, landline) == []


def test_notice_and_case_are_in_one_transaction(db: Session, office: Office) -> None:
    from minwon.cases.service import create_case_from_contact
    from minwon.contacts.models import Contact

    contact = Contact(
        agent_id=office.counselor.id,
        category_id=office.cats[0].id,
        inquiry="문의",
        answer="",
        outcome="transferred",
        channel="call",
        created_at=kst(2026, 3, 3, 10),
        wrapup_started_at=kst(2026, 3, 3, 10),
        caller_enc=encrypt("01023456789"),
    )
    db.add(contact)
    db.flush()
    with db.begin_nested() as sp:
        case = create_case_from_contact(
            db=db,
            contact=contact,
            department_id=office.tax.id,
            petition_type="grievance",
            actor=office.counselor,
            received_at=kst(2026, 3, 3, 10),
        )
        case_id = case.id
        assert [n.dedupe_key for n in notices_of(db, case)] == [f"case:{case_id}:receipt"]
        sp.rollback()  # the caller's transaction fails: neither the case nor its notice remains
    assert db.get(Case, case_id) is None
    assert db.scalar(select(Notice).where(Notice.dedupe_key == f"case:{case_id}:receipt")) is None


def test_history_rows_are_only_added(db: Session, office: Office) -> None:
    case = transfer(db, office, kst(2026, 3, 3, 10))
    first = [
        (e.id, e.action, dict(e.detail))
        for e in db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
    ]
    accept_case(db=db, case_id=case.id, officer=office.officer)
    extend_case(
        db=db,
        case_id=case.id,
        officer=office.officer,
        new_due_day=date(2026, 3, 13),
        reason="조사",
        now=kst(2026, 3, 4, 9),
    )
    answer_case(db=db, case_id=case.id, officer=office.officer, answer="답변")
    after = [
        (e.id, e.action, dict(e.detail))
        for e in db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
    ]
    assert after[: len(first)] == first
    assert [a for _i, a, _d in after[len(first) :]] == ["accepted", "extended", "answered"]


def test_reclassify_to_statutory_uses_the_table(db: Session, office: Office) -> None:
    seed_demo_standards(db=db)
    disclosure = next(s for s in list_standards(db=db) if s.code == "info_disclosure")
    case = transfer(db, office, kst(2026, 3, 3, 10), ptype="inquiry_procedure")
    # 10 working days from Tue 3 Mar: 3,4,5,6,9,10,11,12,13,16 → Mon 16 Mar 18:00.
    reclassify_case(
        db=db, case_id=case.id, officer=office.officer, petition_type="statutory", standard_id=disclosure.id
    )
    assert case.petition_type == "statutory" and case.due_at == kst(2026, 3, 16, 18)
    with pytest.raises(ValidationError) as err:
        reclassify_case(db=db, case_id=case.id, officer=office.officer, petition_type="statutory")
    assert err.value.field == "standard_id"
    with pytest.raises(ValidationError):
        reclassify_case(db=db, case_id=case.id, officer=office.officer, petition_type="nonsense")


def test_typed_mobile_number(db: Session, office: Office) -> None:
    case = transfer(db, office, kst(2026, 3, 3, 10), caller=None)
    with pytest.raises(ValidationError) as err:
        set_case_mobile(db=db, case_id=case.id, officer=office.officer, number="02-123-4567")
    assert err.value.field == "number"
    set_case_mobile(db=db, case_id=case.id, officer=office.officer, number="010 9876 5432")
    assert (
        decrypt(case.notify_mobile_enc or "") == "01098765432"
        and case.notify_mobile_masked == "010-****-5432"
    )
    answer_case(db=db, case_id=case.id, officer=office.officer, answer="답변")
    assert [n.template_key for n in notices_of(db, case)] == ["case_answer"]


def test_interim_notice_after_thirty_days(db: Session, office: Office) -> None:
    old = transfer(db, office, kst(2026, 3, 3, 10), ptype="proposal")
    fresh = transfer(db, office, kst(2026, 3, 20, 10), ptype="proposal")
    # 3 Mar 10:00 + 30 days = 2 Apr 10:00: not yet at 09:59, due at 10:00.
    assert enqueue_due_interim_notices(db=db, now=kst(2026, 4, 2, 9, 59)) == 0
    assert enqueue_due_interim_notices(db=db, now=kst(2026, 4, 2, 10)) == 1
    assert [n.template_key for n in notices_of(db, old)][-1] == "case_interim"
    assert old.interim_notified_at == kst(2026, 4, 2, 10) and fresh.interim_notified_at is None
    assert enqueue_due_interim_notices(db=db, now=kst(2026, 4, 3, 10)) == 0  # only once
