"""Builders for survey tests: contacts saved through the desk's service, invitations through the job."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.contacts.models import Contact, Outcome
from minwon.contacts.service import record_contact
from minwon.feedback.models import SurveyInvitation, SurveyQuestion
from minwon.feedback.rules import SurveySettings
from minwon.feedback.service import invite_due
from minwon.notices.models import Notice
from minwon.org.models import Category

SEOUL = ZoneInfo("Asia/Seoul")
BASE = "https://survey.example"
#: The job runs this long after the contact (the delay is 10 minutes).
SETTINGS_DELAY = timedelta(minutes=11)
SETTINGS = SurveySettings(base_url=BASE, delay_minutes=10, resurvey_days=30, link_expiry_days=7)


def kst(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SEOUL)


def contact(
    db: Session,
    agent: User,
    category: Category,
    caller: str | None,
    at: datetime,
    outcome: Outcome = Outcome.RESOLVED,
) -> Contact:
    return record_contact(
        db=db,
        agent=agent,
        category_id=category.id,
        inquiry="주차 과태료 문의",
        outcome=outcome,
        caller=caller,
        now=at,
    )


def token_of(db: Session, invitation: SurveyInvitation) -> str:
    """The token from the SMS body queued for ``invitation`` (the only place the clear token exists)."""
    notice = db.get(Notice, invitation.notice_id)
    assert notice is not None
    found = re.search(re.escape(BASE) + r"/s/([A-Za-z0-9_-]+)", notice.body)
    assert found, notice.body
    return found.group(1)


def invite_one(
    db: Session, agent: User, category: Category, caller: str, at: datetime
) -> tuple[SurveyInvitation, str]:
    """A contact at ``at`` and its invitation (job run 11 minutes later); returns it and its token."""
    c = contact(db, agent, category, caller, at)
    report = invite_due(db=db, now=at + SETTINGS_DELAY, settings=SETTINGS)
    assert report.invited == 1, report
    inv = db.scalar(select(SurveyInvitation).where(SurveyInvitation.contact_id == c.id))
    assert inv is not None
    return inv, token_of(db, inv)


def questions(db: Session) -> list[SurveyQuestion]:
    return list(
        db.scalars(select(SurveyQuestion).where(SurveyQuestion.is_active).order_by(SurveyQuestion.sort_order))
    )


def answers(db: Session, *ratings: int) -> dict[str, str]:
    """``{"q<id>": rating}`` for the active questions in order (the migration's three by default)."""
    return {f"q{q.id}": str(r) for q, r in zip(questions(db), ratings, strict=True)}
