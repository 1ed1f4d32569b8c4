"""Survey invitations, the citizen's answers, follow-ups, complaints and the month's figures, on the real
database. Every expected number is worked out by hand in the test's docstring or comments."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.cases.models import Case, CaseStatus
from minwon.contacts.models import Outcome
from minwon.contacts.service import record_contact
from minwon.core.crypto import token_digest
from minwon.core.errors import Conflict, ValidationError
from minwon.feedback.models import (
    ComplaintStatus,
    FollowUpStatus,
    SurveyAnswer,
    SurveyFollowUp,
    SurveyInvitation,
    SurveyResponse,
)
from minwon.feedback.rules import SurveySettings
from minwon.feedback.service import (
    SurveyLinkProblem,
    close_complaint,
    close_followup,
    followup_to_complaint,
    invite_due,
    open_survey,
    record_complaint,
    save_question,
    submit_response,
    survey_summary,
    update_followup,
)
from minwon.notices.models import Notice
from minwon.org.models import Department
from minwon.quality.kpi import statuses
from minwon.quality.service import breakdown_kpis, period_kpis
from tests.factories import make_org, make_user
from tests.feedback.support import BASE, SETTINGS, answers, contact, invite_one, kst, questions, token_of

NOW = kst(2026, 11, 10, 10, 0)


@pytest.fixture()
def org(db: Session) -> dict[str, object]:
    cats, _depts, _queues = make_org(db)
    return {
        "a1": make_user(db, "a1", display_name="상담사1", team="A"),
        "a2": make_user(db, "a2", display_name="상담사2", team="B"),
        "sup": make_user(db, "sup", "supervisor", display_name="감독자"),
        "qm": make_user(db, "qm", "quality_manager", display_name="품질관리자"),
        "tax": cats[0],
        "water": cats[1],
    }


def test_invitation_waits_for_the_delay_queues_one_sms_with_the_link_and_is_idempotent(
    db: Session, org: dict
) -> None:
    c = contact(db, org["a1"], org["tax"], "010-0000-1111", NOW)
    assert invite_due(db=db, now=NOW + timedelta(minutes=9), settings=SETTINGS).invited == 0
    report = invite_due(db=db, now=NOW + timedelta(minutes=11), settings=SETTINGS)
    assert report.as_dict() == {
        "invited": 1,
        "skipped_recent": 0,
        "skipped_sample": 0,
        "skipped_no_mobile": 0,
    }
    inv = db.scalar(select(SurveyInvitation).where(SurveyInvitation.contact_id == c.id))
    assert inv is not None
    notice = db.get(Notice, inv.notice_id)
    assert notice is not None and notice.template_key == "survey_invitation" and notice.contact_id == c.id
    assert notice.recipient_masked == "010-****-1111"
    token = token_of(db, inv)
    assert f"{BASE}/s/{token}" in notice.body and "11-17까지" in notice.body  # expires 7 days later
    assert inv.token_digest == token_digest(token) and token not in inv.token_digest
    assert inv.expires_at == NOW + timedelta(minutes=11) + timedelta(days=7)
    assert inv.subject_at == NOW and inv.agent_id == org["a1"].id
    # the job runs again (and again): nothing new
    for minutes in (12, 60):
        assert invite_due(db=db, now=NOW + timedelta(minutes=minutes), settings=SETTINGS).invited == 0
    assert db.scalar(select(func.count(SurveyInvitation.id))) == 1
    assert db.scalar(select(func.count(Notice.id)).where(Notice.template_key == "survey_invitation")) == 1


def test_no_resurvey_of_the_same_citizen_within_the_window(db: Session, org: dict) -> None:
    """Caller P: contacts on 11-10, 11-11 and 12-10 (30 days after the first invitation + 1 day).
    Invited 11-10; 11-11 is within 30 days → skipped; 12-11 is 31 days later → invited. Caller Q on
    11-11 is another citizen → invited."""
    a1, tax = org["a1"], org["tax"]
    invite_one(db, a1, tax, "010-0000-2222", NOW)
    contact(db, a1, tax, "010-0000-2222", NOW + timedelta(days=1))
    contact(db, a1, tax, "010 0000 3333", NOW + timedelta(days=1))
    report = invite_due(db=db, now=NOW + timedelta(days=1, minutes=11), settings=SETTINGS)
    assert (report.invited, report.skipped_recent) == (1, 1)
    later = NOW + timedelta(days=31)
    contact(db, a1, tax, "+82 10-0000-2222", later)
    report = invite_due(db=db, now=later + timedelta(minutes=11), settings=SETTINGS)
    assert (report.invited, report.skipped_recent) == (1, 0)
    assert db.scalar(select(func.count(SurveyInvitation.id))) == 3


def test_who_is_not_invited(db: Session, org: dict) -> None:
    """A landline, no number at all, a transferred contact (its case is surveyed later) and a contact
    outside a 0 % sample get no invitation."""
    a1, tax = org["a1"], org["tax"]
    contact(db, a1, tax, "02-000-4444", NOW)
    contact(db, a1, tax, None, NOW)
    report = invite_due(db=db, now=NOW + timedelta(minutes=11), settings=SETTINGS)
    assert report.as_dict() == {
        "invited": 0,
        "skipped_recent": 0,
        "skipped_sample": 0,
        "skipped_no_mobile": 1,
    }
    contact(db, a1, tax, "010-0000-5555", NOW + timedelta(hours=1))
    none_share = SurveySettings(base_url=BASE, sample_share=0.0)
    report = invite_due(db=db, now=NOW + timedelta(hours=1, minutes=11), settings=none_share)
    # skipped items are looked at again on each run (the landline too, within the look-back)
    assert (report.invited, report.skipped_sample) == (0, 2)
    off = SurveySettings(base_url=BASE, enabled=False)
    assert invite_due(db=db, now=NOW + timedelta(hours=1, minutes=11), settings=off).invited == 0


def test_single_use_expiry_and_unknown_links(db: Session, org: dict) -> None:
    _inv, token = invite_one(db, org["a1"], org["tax"], "010-0000-6666", NOW)
    later = NOW + timedelta(hours=1)
    form = open_survey(db=db, token=token, ip="198.51.100.1", now=later)
    assert [q.label_ko for q in form.questions] == ["전반적 만족도", "상담사 친절도", "안내 내용의 명확성"]
    submit_response(db=db, token=token, ratings=answers(db, 5, 4, 4), comment="좋아요", ip="x", now=later)
    with pytest.raises(SurveyLinkProblem) as used:
        submit_response(db=db, token=token, ratings=answers(db, 1, 1, 1), ip="x", now=later)
    assert (used.value.kind, used.value.status_code) == ("used", 410)
    with pytest.raises(SurveyLinkProblem) as used_form:
        open_survey(db=db, token=token, ip="x", now=later)
    assert used_form.value.kind == "used"
    assert db.scalar(select(func.count(SurveyResponse.id))) == 1

    inv2, token2 = invite_one(db, org["a1"], org["tax"], "010-0000-7777", NOW)
    expired_at = inv2.expires_at
    with pytest.raises(SurveyLinkProblem) as expired:
        submit_response(db=db, token=token2, ratings=answers(db, 5, 5, 5), ip="x", now=expired_at)
    assert expired.value.kind == "expired"
    with pytest.raises(SurveyLinkProblem) as unknown:
        open_survey(db=db, token="A" * 32, ip="x", now=later)
    assert (unknown.value.kind, unknown.value.status_code) == ("unknown", 404)


def test_unknown_links_are_rate_limited_per_ip(
    db: Session, org: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINWON_SURVEY_RATE_LIMIT_FAILURES", "2")
    _inv, token = invite_one(db, org["a1"], org["tax"], "010-0000-8888", NOW)
    for _ in range(2):
        with pytest.raises(SurveyLinkProblem):
            open_survey(db=db, token="B" * 32, ip="203.0.113.9", now=NOW)
    with pytest.raises(SurveyLinkProblem) as limited:
        open_survey(db=db, token=token, ip="203.0.113.9", now=NOW)
    assert (limited.value.kind, limited.value.status_code) == ("too_many", 429)
    assert open_survey(db=db, token=token, ip="203.0.113.10", now=NOW).questions  # another address


@pytest.mark.parametrize(
    ("ratings", "comment", "field"),
    [
        ((0, 5, 5), "", "q"),
        ((5, 6, 5), "", "q"),
        ((5, 5, None), "", "q"),
        ((5, 5, 5), "가" * 1001, "comment"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_stored(
    db: Session, org: dict, ratings: tuple[int | None, ...], comment: str, field: str
) -> None:
    inv, token = invite_one(db, org["a1"], org["tax"], "010-0000-9999", NOW)
    given = {k: v for k, v in answers(db, *(r or 0 for r in ratings)).items() if v != "0" or ratings[0] == 0}
    if ratings[2] is None:
        given.popitem()
    with pytest.raises(ValidationError) as err:
        submit_response(
            db=db, token=token, ratings=given, comment=comment, ip="x", now=NOW + timedelta(hours=1)
        )
    assert (err.value.field or "").startswith(field)
    db.rollback()
    assert db.scalar(select(func.count(SurveyResponse.id))) == 0
    assert db.scalar(select(func.count(SurveyAnswer.id))) == 0
    db.refresh(inv)
    assert inv.responded_at is None
    # the link still works after the error
    submit_response(db=db, token=token, ratings=answers(db, 4, 4, 4), ip="x", now=NOW + timedelta(hours=1))


def test_low_scores_open_a_follow_up_due_in_three_days(db: Session, org: dict) -> None:
    """Rule: any question ≤ 2. (4, 2, 5) is low although the overall is 4; (3, 3, 3) is not."""
    _inv, token = invite_one(db, org["a1"], org["tax"], "010-0000-1212", NOW)
    _inv2, token2 = invite_one(db, org["a2"], org["tax"], "010-0000-1313", NOW)
    answered = kst(2026, 11, 10, 23, 30)  # local day 11-10 → due 11-13
    low = submit_response(db=db, token=token, ratings=answers(db, 4, 2, 5), ip="x", now=answered)
    submit_response(db=db, token=token2, ratings=answers(db, 3, 3, 3), ip="x", now=answered)
    fus = list(db.scalars(select(SurveyFollowUp)))
    assert [(f.response_id, f.due_on, f.status) for f in fus] == [
        (low.id, date(2026, 11, 13), FollowUpStatus.OPEN)
    ]
    assert (low.overall, low.lowest) == (4, 2)


def test_follow_up_is_taken_closed_and_turned_into_a_complaint(db: Session, org: dict) -> None:
    _inv, token = invite_one(db, org["a1"], org["tax"], "010-0000-1414", NOW)
    submit_response(
        db=db,
        token=token,
        ratings=answers(db, 1, 1, 2),
        comment="010-0000-1414로 전화 주세요",
        ip="x",
        now=NOW,
    )
    fu = db.scalar(select(SurveyFollowUp))
    assert fu is not None
    with pytest.raises(ValidationError):
        update_followup(db=db, followup_id=fu.id, actor=org["sup"], assignee_id=org["a1"].id)
    update_followup(db=db, followup_id=fu.id, actor=org["sup"], claim=True)
    assert fu.assigned_to_id == org["sup"].id
    complaint = followup_to_complaint(db=db, followup_id=fu.id, actor=org["sup"], subject="attitude")
    assert (complaint.channel.value, complaint.agent_id, complaint.contact_id) == (
        "survey",
        org["a1"].id,
        _inv.contact_id,
    )
    assert "전화 주세요" in complaint.description
    with pytest.raises(Conflict):
        followup_to_complaint(db=db, followup_id=fu.id, actor=org["sup"], subject="other")
    with pytest.raises(ValidationError):
        close_followup(db=db, followup_id=fu.id, actor=org["sup"], outcome="maybe")
    close_followup(db=db, followup_id=fu.id, actor=org["sup"], outcome="resolved", outcome_note="사과드림")
    assert fu.status == FollowUpStatus.CLOSED and fu.closed_by_id == org["sup"].id
    with pytest.raises(Conflict):
        close_followup(db=db, followup_id=fu.id, actor=org["sup"], outcome="resolved")


def test_complaints_are_validated_and_closed(db: Session, org: dict) -> None:
    with pytest.raises(ValidationError) as err:
        record_complaint(db=db, channel="fax", subject="waiting", description="x", actor=org["qm"])
    assert err.value.field == "channel"
    with pytest.raises(ValidationError) as err:
        record_complaint(db=db, channel="phone", subject="waiting", description="  ", actor=org["qm"])
    assert err.value.field == "description"
    c = record_complaint(db=db, channel="visit", subject="waiting", description="30분 대기", actor=org["qm"])
    assert c.status == ComplaintStatus.OPEN
    with pytest.raises(ValidationError):
        close_complaint(db=db, complaint_id=c.id, actor=org["qm"], resolution="")
    close_complaint(db=db, complaint_id=c.id, actor=org["qm"], resolution="대기 인력 보강")
    assert c.status == ComplaintStatus.CLOSED


def test_questions_keep_exactly_one_active_overall(db: Session, org: dict) -> None:
    qs = {q.label_ko: q for q in questions(db)}
    overall = qs["전반적 만족도"]
    with pytest.raises(ValidationError):
        save_question(
            db=db,
            question_id=overall.id,
            label_ko="전반적 만족도",
            sort_order=1,
            is_active=False,
            is_overall=True,
            actor=org["qm"],
        )
    db.rollback()
    new = save_question(
        db=db,
        question_id=None,
        label_ko="대기 시간 만족도",
        sort_order=4,
        is_active=True,
        is_overall=True,
        actor=org["qm"],
    )
    db.refresh(overall)
    assert new.is_overall and not overall.is_overall


def _month_fixture(db: Session, org: dict) -> None:
    """November 2026 (days of the contacts): a1 11-02 overall 5 (5,5,4); a1 11-03 overall 4 (4,3,3);
    a2 11-04 overall 2 (2,4,4) → low; a2 11-05 invited, no answer. October: a1 10-30 overall 1 (1,1,1).
    A complaint on 11-06 (closed) and one on 11-07 (open)."""
    a1, a2, tax = org["a1"], org["a2"], org["tax"]
    plan = [
        (a1, "010-0000-2001", kst(2026, 11, 2), (5, 5, 4)),
        (a1, "010-0000-2002", kst(2026, 11, 3), (4, 3, 3)),
        (a2, "010-0000-2003", kst(2026, 11, 4), (2, 4, 4)),
        (a2, "010-0000-2004", kst(2026, 11, 5), None),
        (a1, "010-0000-2005", kst(2026, 10, 30), (1, 1, 1)),
    ]
    for agent, caller, at, ratings in plan:
        _inv, token = invite_one(db, agent, tax, caller, at)
        if ratings is not None:
            submit_response(
                db=db, token=token, ratings=answers(db, *ratings), ip="x", now=at + timedelta(hours=2)
            )
    c1 = record_complaint(
        db=db,
        channel="phone",
        subject="waiting",
        description="대기",
        actor=org["qm"],
        received_at=kst(2026, 11, 6),
    )
    close_complaint(db=db, complaint_id=c1.id, actor=org["qm"], resolution="안내")
    record_complaint(
        db=db,
        channel="web",
        subject="process",
        description="절차",
        actor=org["qm"],
        received_at=kst(2026, 11, 7),
    )


def test_survey_summary_of_the_month_by_hand(db: Session, org: dict) -> None:
    """Nov: invited 4, responded 3 → 0.75; overall 5, 4, 2 → CSAT 2/3, mean 11/3; questions: overall
    11/3 (n 3), courtesy (5+3+4)/3 = 4, clarity (4+3+4)/3 = 11/3; follow-ups opened 1 (the 11-04 one),
    open 1; complaints 2, open 1. October alone: 1 invited, 1 responded, CSAT 0, follow-up 1."""
    _month_fixture(db, org)
    s = survey_summary(db=db, first_day=date(2026, 11, 1), last_day=date(2026, 11, 30))
    assert (s.invited, s.responded) == (4, 3)
    assert s.response_rate == pytest.approx(0.75)
    assert s.csat == pytest.approx(2 / 3)
    assert s.mean_rating == pytest.approx(11 / 3)
    assert [(q.label, q.n) for q in s.questions] == [
        ("전반적 만족도", 3),
        ("상담사 친절도", 3),
        ("안내 내용의 명확성", 3),
    ]
    assert [q.mean for q in s.questions] == pytest.approx([11 / 3, 4.0, 11 / 3])
    assert (s.low_score_followups_opened, s.low_score_followups_open) == (1, 1)
    assert (s.complaints_recorded, s.complaints_open) == (2, 1)
    october = survey_summary(db=db, first_day=date(2026, 10, 1), last_day=date(2026, 10, 31))
    assert (october.invited, october.responded, october.csat, october.low_score_followups_opened) == (
        1,
        1,
        0.0,
        1,
    )
    empty = survey_summary(db=db, first_day=date(2026, 9, 1), last_day=date(2026, 9, 30))
    assert (empty.invited, empty.response_rate, empty.csat, empty.mean_rating, empty.questions) == (
        0,
        None,
        None,
        None,
        [],
    )


def test_csat_in_the_kpis_by_hand(db: Session, org: dict) -> None:
    """CSAT Nov = 2/3 ≈ 0.667 < amber 0.75 → red. By counselor: a1 (5, 4) → 1.0 green; a2 (2) → 0 red."""
    _month_fixture(db, org)
    k = period_kpis(db=db, first_day=date(2026, 11, 1), last_day=date(2026, 11, 30))
    assert k["csat"] == pytest.approx(2 / 3)
    assert (k["csat_answers"], k["csat_satisfied"]) == (3, 2)
    assert "csat" not in k["unsupported"]
    assert statuses(k)["csat"] == "red"
    rows = {
        r["key"]: r
        for r in breakdown_kpis(db=db, first_day=date(2026, 11, 1), last_day=date(2026, 11, 30), by="agent")
    }
    assert rows["a1"]["csat"] == pytest.approx(1.0)
    assert rows["a2"]["csat"] == pytest.approx(0.0)
    by_cat = {
        r["key"]: r
        for r in breakdown_kpis(
            db=db, first_day=date(2026, 11, 1), last_day=date(2026, 11, 30), by="category"
        )
    }
    assert by_cat["local_tax"]["csat_answers"] == 3
    sept = period_kpis(db=db, first_day=date(2026, 9, 1), last_day=date(2026, 9, 30))
    assert sept["csat"] is None and sept["unsupported"]["csat"] == "no survey data"


def test_transferred_contact_is_surveyed_through_its_answered_case(db: Session, org: dict) -> None:
    """The case of a transferred contact carries the mobile number; once answered it is invited."""
    dept = db.scalar(select(Department))
    assert dept is not None
    c = record_contact(
        db=db,
        agent=org["a1"],
        category_id=org["tax"].id,
        inquiry="도로 파손",
        outcome=Outcome.TRANSFERRED,
        department_id=dept.id,
        caller="010-0000-3030",
        now=NOW,
    )
    report = invite_due(db=db, now=NOW + timedelta(minutes=11), settings=SETTINGS)
    assert report.invited == 0
    case = db.get(Case, c.case_id)
    assert case is not None
    answered = NOW + timedelta(days=1)
    case.status, case.answered_at = CaseStatus.ANSWERED, answered
    db.commit()
    report = invite_due(db=db, now=answered + timedelta(minutes=11), settings=SETTINGS)
    assert report.invited == 1
    inv = db.scalar(select(SurveyInvitation).where(SurveyInvitation.case_id == case.id))
    assert inv is not None and inv.subject_at == answered and inv.contact_id is None
    assert invite_due(db=db, now=answered + timedelta(minutes=30), settings=SETTINGS).invited == 0
