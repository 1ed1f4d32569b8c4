"""Deadline reminders and escalations: working hours only, once per kind, to the right people.

Expected instants are computed by hand from the rules (09:00–18:00 with the 12:00–13:00 break,
Saturdays, Sundays and holidays.KR excluded) and written out in the comments.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.cases.deadlines import WorkingCalendar
from minwon.cases.models import CaseEvent, CaseStatus
from minwon.cases.reminder_models import CaseReminder, Notification
from minwon.cases.reminder_rules import (
    ReminderPolicy,
    is_working_moment,
    next_working_moment,
    plan_reminders,
    subtract_working_hours,
)
from minwon.cases.reminders import list_notifications, mark_read, send_due_reminders, unread_count
from minwon.core.crypto import decrypt
from minwon.notices.models import Notice
from tests.cases.reminder_support import open_case, reminder_org
from tests.web.test_desk import sign_in

KST = ZoneInfo("Asia/Seoul")
CAL = WorkingCalendar()


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


# --- pure rules -------------------------------------------------------------------------------


def test_subtract_working_hours_mirrors_add() -> None:
    # Fri 6 March 2026 18:00 − 8 h = Fri 09:00 (one working day).
    assert subtract_working_hours(CAL, kst(2026, 3, 6, 18), 8) == kst(2026, 3, 6, 9)
    # Mon 9 March 10:00 − 2 h: Mon 09:00–10:00 (1 h), Fri 17:00–18:00 (1 h) → Fri 17:00.
    assert subtract_working_hours(CAL, kst(2026, 3, 9, 10), 2) == kst(2026, 3, 6, 17)
    # Wed 14:00 − 2 h crosses the lunch break: 13:00–14:00 (1 h), 11:00–12:00 (1 h) → 11:00.
    assert subtract_working_hours(CAL, kst(2026, 3, 4, 14), 2) == kst(2026, 3, 4, 11)
    for start, hours in [
        (kst(2026, 3, 6, 15, 30), 3.0),
        (kst(2026, 9, 23, 10), 8.0),
        (kst(2026, 2, 13, 17), 1.5),
    ]:
        end = CAL.add_working_hours(start, hours)
        assert subtract_working_hours(CAL, end, hours) == start


def test_working_moments() -> None:
    assert is_working_moment(CAL, kst(2026, 3, 6, 17, 30))
    assert not is_working_moment(CAL, kst(2026, 3, 6, 18))
    assert is_working_moment(CAL, kst(2026, 3, 6, 18), closed_end=True)
    assert not is_working_moment(CAL, kst(2026, 3, 6, 12, 30))  # lunch
    assert not is_working_moment(CAL, kst(2026, 3, 7, 10))  # Saturday
    assert not is_working_moment(CAL, kst(2026, 3, 2, 10))  # alternative holiday (3·1절)
    # Friday night → Monday 09:00; lunch → 13:00; the eve of Chuseok (Wed 23 Sep 2026, 19:00) →
    # Thu 24–Sat 26 are holidays, Sun 27 → Mon 28 September 09:00.
    assert next_working_moment(CAL, kst(2026, 3, 6, 18, 30)) == kst(2026, 3, 9, 9)
    assert next_working_moment(CAL, kst(2026, 3, 4, 12, 10)) == kst(2026, 3, 4, 13)
    assert next_working_moment(CAL, kst(2026, 9, 23, 19)) == kst(2026, 9, 28, 9)


def test_plan_for_an_other_petition_received_friday_afternoon() -> None:
    # 'other' = 3 working hours: Fri 15:30–18:00 (2.5 h) + Mon 09:00–09:30 → due Mon 09:30.
    due = CAL.add_working_hours(kst(2026, 3, 6, 15, 30), 3)
    assert due == kst(2026, 3, 9, 9, 30)
    plans = {
        p.kind: p
        for p in plan_reminders(
            due_at=due,
            received_at=kst(2026, 3, 6, 15, 30),
            petition_type="other",
            calendar=CAL,
            policy=ReminderPolicy(),
        )
    }
    # 1 working hour before Mon 09:30 = Fri 17:30.
    assert plans["before_due"].moment == kst(2026, 3, 6, 17, 30)
    assert plans["at_due"].send_at == kst(2026, 3, 9, 9, 30)
    assert plans["overdue"].send_at == kst(2026, 3, 9, 9, 30) + timedelta(microseconds=1)


def test_no_before_due_reminder_when_received_inside_the_lead() -> None:
    # 'other' received Wed 16:00 with a 4-hour lead: the moment (Wed 15:00 − …) precedes receipt.
    policy = ReminderPolicy(lead_hours={"other": 4.0})
    due = CAL.add_working_hours(kst(2026, 3, 4, 16), 3)
    kinds = [
        p.kind
        for p in plan_reminders(
            due_at=due, received_at=kst(2026, 3, 4, 16), petition_type="other", calendar=CAL, policy=policy
        )
    ]
    assert kinds == ["at_due", "overdue"]


# --- service --------------------------------------------------------------------------------


def _sent(db: Session, case_id: int) -> list[str]:
    return list(
        db.scalars(select(CaseReminder.kind).where(CaseReminder.case_id == case_id).order_by(CaseReminder.id))
    )


def test_friday_1730_reminder_missed_goes_out_monday_0900(db: Session) -> None:
    cats, depts, users = reminder_org(db)
    case = open_case(
        db,
        agent=users["counselor"],
        category=cats[0],
        department=depts[0],
        petition_type="other",
        at=kst(2026, 3, 6, 15, 30),
    )
    assert case.due_at == kst(2026, 3, 9, 9, 30)
    # Before the moment, after working hours (beyond the 5-minute grace), the weekend, early Monday:
    for tick in [
        kst(2026, 3, 6, 17, 29),
        kst(2026, 3, 6, 18, 10),
        kst(2026, 3, 6, 23),
        kst(2026, 3, 7, 10),
        kst(2026, 3, 8, 15),
        kst(2026, 3, 9, 8, 59),
    ]:
        assert send_due_reminders(db=db, now=tick).sent == 0, tick
    run = send_due_reminders(db=db, now=kst(2026, 3, 9, 9))
    assert run.sent == 1 and _sent(db, case.id) == ["before_due"]
    # Officers of the department (tax1, tax2, taxhead) — not the water officer nor the counselor.
    notified = set(db.scalars(select(Notification.user_id).where(Notification.case_id == case.id)))
    assert notified == {users["officer"].id, users["officer2"].id, users["head"].id}
    # E-mails for the two officers with an address.
    notices = list(
        db.scalars(select(Notice).where(Notice.case_id == case.id, Notice.template_key == "case_reminder"))
    )
    assert sorted(decrypt(n.recipient_enc) for n in notices) == ["head@city.example", "tax1@city.example"]
    assert (
        "2026-09" not in notices[0].body
        and case.number in notices[0].body
        and "2026-03-09 09:30" in notices[0].body
    )
    # Same tick again, or a second scheduler: nothing new.
    assert send_due_reminders(db=db, now=kst(2026, 3, 9, 9)).sent == 0
    # History records it; the status is unchanged.
    events = list(
        db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "reminder_sent"))
    )
    assert [e.detail["kind"] for e in events] == ["before_due"] and events[0].detail["recipients"] == 3
    assert case.status == CaseStatus.TRANSFERRED


def test_friday_1730_reminder_sent_on_time_when_the_scheduler_runs(db: Session) -> None:
    cats, depts, users = reminder_org(db)
    case = open_case(
        db,
        agent=users["counselor"],
        category=cats[0],
        department=depts[0],
        petition_type="other",
        at=kst(2026, 3, 6, 15, 30),
    )
    assert send_due_reminders(db=db, now=kst(2026, 3, 6, 17, 30)).sent == 1
    # At the deadline Monday 09:30 the officers hear again; one minute later the head is escalated to.
    assert send_due_reminders(db=db, now=kst(2026, 3, 9, 9, 30)).sent == 1
    run = send_due_reminders(db=db, now=kst(2026, 3, 9, 9, 31))
    assert run.kinds == {"overdue": 1}
    assert _sent(db, case.id) == ["before_due", "at_due", "overdue"]
    overdue_to = set(
        db.scalars(
            select(Notification.user_id).where(
                Notification.case_id == case.id, Notification.kind == "overdue"
            )
        )
    )
    assert overdue_to == {users["head"].id}
    overdue_mail = list(
        db.scalars(select(Notice).where(Notice.case_id == case.id, Notice.template_key == "case_overdue"))
    )
    assert [decrypt(n.recipient_enc) for n in overdue_mail] == ["head@city.example"]


def test_holiday_eve_deadline_escalates_after_chuseok(db: Session) -> None:
    cats, depts, users = reminder_org(db)
    # Grievance, 7 working days counted from Tue 15 Sep 2026 (day 1): 15,16,17,18,21,22,23 → Wed 23 Sep 18:00,
    # the eve of the Chuseok holidays (24–26 Sep).
    case = open_case(
        db,
        agent=users["counselor"],
        category=cats[0],
        department=depts[0],
        petition_type="grievance",
        at=kst(2026, 9, 15, 10),
    )
    assert case.due_at == kst(2026, 9, 23, 18)
    # One working day before: Wed 09:00.
    assert send_due_reminders(db=db, now=kst(2026, 9, 23, 8, 55)).sent == 0
    assert send_due_reminders(db=db, now=kst(2026, 9, 23, 9)).kinds == {"before_due": 1}
    # The deadline at 18:00 is the end of the working day: a tick at 18:00:40 still sends it (grace).
    assert send_due_reminders(db=db, now=kst(2026, 9, 23, 18, 0, 40)).kinds == {"at_due": 1}
    # Overdue — but not at night, not during the holidays, not on Sunday.
    for tick in [kst(2026, 9, 23, 19), kst(2026, 9, 24, 10), kst(2026, 9, 25, 14), kst(2026, 9, 27, 11)]:
        assert send_due_reminders(db=db, now=tick).sent == 0, tick
    run = send_due_reminders(db=db, now=kst(2026, 9, 28, 9, 0, 30))
    assert run.kinds == {"overdue": 1}


def test_overdue_without_a_head_goes_to_the_officers(db: Session) -> None:
    cats, depts, users = reminder_org(db)
    water_case = open_case(
        db,
        agent=users["counselor"],
        category=cats[1],
        department=depts[1],
        petition_type="other",
        at=kst(2026, 3, 4, 10),
    )
    # 3 working hours: 10–12 (2 h), then 13:00 + 1 h → due Wed 14:00; overdue just after.
    assert water_case.due_at == kst(2026, 3, 4, 14)
    send_due_reminders(db=db, now=kst(2026, 3, 4, 14, 1))
    got = list(
        db.scalars(
            select(Notification.user_id).where(
                Notification.case_id == water_case.id, Notification.kind == "overdue"
            )
        )
    )
    assert got == [users["water"].id]


def test_closed_cases_get_nothing_and_notifications_are_listed(db: Session) -> None:
    cats, depts, users = reminder_org(db)
    done = open_case(
        db,
        agent=users["counselor"],
        category=cats[0],
        department=depts[0],
        petition_type="other",
        at=kst(2026, 3, 4, 10),
    )
    done.status = CaseStatus.ANSWERED
    db.commit()
    live = open_case(
        db,
        agent=users["counselor"],
        category=cats[0],
        department=depts[0],
        petition_type="other",
        at=kst(2026, 3, 4, 10, 5),
    )
    send_due_reminders(db=db, now=kst(2026, 3, 4, 14, 30))
    assert _sent(db, done.id) == []
    assert _sent(db, live.id) == ["at_due", "overdue"]
    officer = users["officer"]
    items = list_notifications(db=db, user=officer)
    assert [(i.kind, i.case_number) for i in items] == [("at_due", live.number)]
    assert unread_count(db=db, user=officer) == 1
    assert mark_read(db=db, user=officer) == 1 and unread_count(db=db, user=officer) == 0


def test_naive_now_is_refused(db: Session) -> None:
    from minwon.core.errors import ValidationError

    with pytest.raises(ValidationError):
        send_due_reminders(db=db, now=datetime(2026, 3, 4, 10))


def test_officer_notifications_page_and_badge(client: Any, db: Session) -> None:
    cats, depts, users = reminder_org(db)
    case = open_case(
        db,
        agent=users["counselor"],
        category=cats[0],
        department=depts[0],
        petition_type="other",
        at=kst(2026, 3, 4, 10),
    )
    # due 14:00 (10–12, then 13–14); one working hour before = 13:00: before_due for the officers
    send_due_reminders(db=db, now=kst(2026, 3, 4, 13, 0))
    csrf = sign_in(client, "tax1")
    page = client.get("/cases")
    assert 'href="/notifications"' in page.text and "알림" in page.text
    badge = client.get("/notifications/badge")
    assert badge.text == '<span class="badge" data-testid="notification-badge">1</span>'
    listing = client.get("/notifications")
    assert (
        listing.status_code == 200
        and case.number in listing.text
        and "처리기한이 다가오고 있습니다." in listing.text
    )
    assert (
        client.post("/notifications/read", data={"csrf_token": csrf}, follow_redirects=False).status_code
        == 303
    )
    assert client.get("/notifications/badge").text == ""
    assert client.post("/notifications/read", data={"csrf_token": "bad"}).status_code == 403
