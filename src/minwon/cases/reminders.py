"""Deadline reminders and overdue escalations for open cases, sent by the scheduler.

For each open case with a deadline (status not ``answered``/``closed``) the rules of
:mod:`minwon.cases.reminder_rules` decide which reminders are due now (working hours only). Each one:

* goes to the officers of the case's department (``before_due``, ``at_due``) or to its head(s)
  (``overdue``; ``User.is_department_head``; to the officers when the department has no head);
* becomes an in-app :class:`~minwon.cases.reminder_models.Notification` per recipient, and an e-mail
  through the notice outbox (``case_reminder`` / ``case_overdue``) for each recipient with an address;
* is recorded once per (case, kind, deadline) in ``case_reminders`` (unique key: two schedulers can
  never send it twice) and appended to the case history as a ``reminder_sent`` event.

The case's status is never changed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minwon.accounts.models import Role, User
from minwon.cases.deadlines import WorkingCalendar
from minwon.cases.models import Case, CaseEvent, CaseStatus
from minwon.cases.reminder_models import CaseReminder, Notification
from minwon.cases.reminder_rules import (
    BEFORE_DUE,
    OVERDUE,
    PlannedReminder,
    ReminderPolicy,
    may_send,
    plan_reminders,
)
from minwon.config import get_settings
from minwon.core.clock import to_local, utcnow
from minwon.core.errors import NotFound, ValidationError
from minwon.core.i18n import N_
from minwon.notices.models import NoticeChannel
from minwon.notices.service import enqueue
from minwon.org.models import Department

logger = logging.getLogger(__name__)

#: Statuses in which a case no longer needs reminders.
DONE_STATUSES = (CaseStatus.ANSWERED, CaseStatus.CLOSED)
#: Cases whose deadline is further away than this (calendar days) cannot have a reminder due yet:
#: 8 working hours never span more than a long holiday (추석/설 with weekends, ≤ 10 days).
_LOOKAHEAD = timedelta(days=21)
#: Sender name in the e-mails.

#: Notification texts by kind (translated when shown).
NOTIFICATION_TEXT = {
    "before_due": N_("The deadline of this case is near."),
    "at_due": N_("This case has reached its deadline."),
    "overdue": N_("This case is past its deadline (escalated to the department head)."),
}


@dataclass
class ReminderRun:
    """What :func:`send_due_reminders` did: reminders ``sent`` (one per case and kind),
    ``notifications`` and ``emails`` created."""

    sent: int = 0
    notifications: int = 0
    emails: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    #: Recipients per (department, audience) within one sweep.
    recipients_cache: dict[tuple[int | None, str], list[User]] = field(default_factory=dict, repr=False)


def _recipients(db: Session, case: Case, kind: str) -> list[User]:
    officers = list(
        db.scalars(
            select(User)
            .where(User.department_id == case.department_id, User.is_active.is_(True))
            .where(User.role == Role.DEPARTMENT_OFFICER)
            .order_by(User.id)
        )
    )
    if kind != OVERDUE:
        return officers
    heads = list(
        db.scalars(
            select(User)
            .where(User.department_id == case.department_id, User.is_active.is_(True))
            .where(User.is_department_head.is_(True))
            .order_by(User.id)
        )
    )
    return heads or officers


def _send_one(db: Session, case: Case, plan: PlannedReminder, now: datetime, run: ReminderRun) -> bool:
    """Record, notify and e-mail one reminder; ``False`` when it was already sent (unique key)."""
    assert case.due_at is not None
    try:
        with db.begin_nested():
            reminder = CaseReminder(
                case_id=case.id, kind=plan.kind, due_at=case.due_at, sent_at=now, recipients=0
            )
            db.add(reminder)
            db.flush()
    except IntegrityError:
        return False
    audience = "heads" if plan.kind == OVERDUE else "officers"
    cache_key = (case.department_id, audience)
    if cache_key not in run.recipients_cache:
        run.recipients_cache[cache_key] = _recipients(db, case, plan.kind)
    users = run.recipients_cache[cache_key]
    dept = db.get(Department, case.department_id) if case.department_id else None
    context = {
        "center": get_settings().center_name,
        "case_number": case.number,
        "title": case.title[:80],
        "due": to_local(case.due_at).strftime("%Y-%m-%d %H:%M"),
        "department": dept.name if dept else "",
    }
    template = "case_overdue" if plan.kind == OVERDUE else "case_reminder"
    emailed = 0
    for user in users:
        db.add(Notification(user_id=user.id, case_id=case.id, kind=plan.kind, created_at=now))
        if user.email:
            try:
                with db.begin_nested():
                    enqueue(
                        db,
                        channel=NoticeChannel.EMAIL,
                        recipient=user.email,
                        template_key=template,
                        context=context,
                        case_id=case.id,
                        dedupe_key=f"reminder:{case.id}:{plan.kind}:{int(case.due_at.timestamp())}:{user.id}",
                    )
                emailed += 1
            except ValidationError:
                logger.warning("reminder e-mail skipped: user %s has a malformed address", user.id)
    reminder.recipients = len(users)
    db.add(
        CaseEvent(
            case_id=case.id,
            at=now,
            actor_id=None,
            action="reminder_sent",
            detail={
                "kind": plan.kind,
                "due_at": case.due_at.isoformat(),
                "recipients": len(users),
                "emails": emailed,
            },
        )
    )
    run.notifications += len(users)
    run.emails += emailed
    run.kinds[plan.kind] = run.kinds.get(plan.kind, 0) + 1
    return True


def send_due_reminders(
    *,
    db: Session,
    now: datetime | None = None,
    policy: ReminderPolicy | None = None,
    calendar: WorkingCalendar | None = None,
    limit: int = 2000,
) -> ReminderRun:
    """Send every reminder due at ``now`` (aware; default the current instant); commits per case.

    Only open cases with a deadline and a department whose overdue escalation has not gone out yet are
    considered, at most ``limit`` of them per call (earliest deadline first; the rest wait for the
    next call). Returns the counts. Raises ValidationError for a naive ``now``.
    """
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValidationError("now must be timezone-aware", field="now")
    policy = policy or ReminderPolicy()
    calendar = calendar or WorkingCalendar()
    run = ReminderRun()
    cases = db.scalars(
        select(Case)
        .where(
            Case.status.not_in(DONE_STATUSES),
            Case.due_at.is_not(None),
            Case.department_id.is_not(None),
            Case.due_at <= now + _LOOKAHEAD,
            # once the escalation went out nothing is left to send for this deadline
            ~exists().where(
                CaseReminder.case_id == Case.id,
                CaseReminder.kind == OVERDUE,
                CaseReminder.due_at == Case.due_at,
            ),
        )
        .order_by(Case.due_at, Case.id)
        .limit(limit)
    ).all()
    if not cases:
        return run
    sent_keys = {
        (r.case_id, r.kind, r.due_at)
        for r in db.scalars(select(CaseReminder).where(CaseReminder.case_id.in_([c.id for c in cases])))
    }
    for case in cases:
        assert case.due_at is not None
        plans = plan_reminders(
            due_at=case.due_at,
            received_at=case.received_at,
            petition_type=case.petition_type,
            calendar=calendar,
            policy=policy,
        )
        sent_any = False
        for plan in plans:
            if (case.id, plan.kind, case.due_at) in sent_keys:
                continue
            if not may_send(plan, now=now, due_at=case.due_at, calendar=calendar, policy=policy):
                continue
            if _send_one(db, case, plan, now, run):
                run.sent += 1
                sent_any = True
        if sent_any:
            db.commit()
    return run


@dataclass(frozen=True)
class NotificationItem:
    """A notification for the list page: ``text`` is an English msgid (translate when shown)."""

    id: int
    kind: str
    text: str
    case_id: int | None
    case_number: str | None
    case_title: str | None
    due_at: datetime | None
    created_at: datetime
    read: bool


def unread_count(*, db: Session, user: User) -> int:
    """Number of ``user``'s unread notifications."""
    n = db.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )
    return int(n or 0)


def list_notifications(*, db: Session, user: User, limit: int = 100) -> list[NotificationItem]:
    """``user``'s newest notifications first (at most ``limit``)."""
    rows = db.execute(
        select(Notification, Case)
        .outerjoin(Case, and_(Case.id == Notification.case_id))
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    ).all()
    return [
        NotificationItem(
            id=n.id,
            kind=n.kind,
            text=NOTIFICATION_TEXT.get(n.kind, n.kind),
            case_id=n.case_id,
            case_number=c.number if c else None,
            case_title=c.title if c else None,
            due_at=c.due_at if c else None,
            created_at=n.created_at,
            read=n.read_at is not None,
        )
        for n, c in rows
    ]


def mark_read(
    *, db: Session, user: User, notification_id: int | None = None, now: datetime | None = None
) -> int:
    """Mark one (``notification_id``) or all of ``user``'s notifications read; commits; returns how many.

    Raises NotFound (``notification_id``) when the notification is not the user's.
    """
    now = now or utcnow()
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        own = db.get(Notification, notification_id)
        if own is None or own.user_id != user.id:
            raise NotFound(N_("The notification does not exist."), field="notification_id")
        stmt = stmt.where(Notification.id == notification_id)
    result = db.execute(stmt.values(read_at=now))
    db.commit()
    return int(getattr(result, "rowcount", 0) or 0)


__all__ = [
    "BEFORE_DUE",
    "NOTIFICATION_TEXT",
    "NotificationItem",
    "ReminderRun",
    "list_notifications",
    "mark_read",
    "send_due_reminders",
    "unread_count",
]
