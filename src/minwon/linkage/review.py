"""Monthly review of the personal-data access log (개인정보의 안전성 확보조치 기준 §8②: the controller
checks the access records at least monthly for misuse, and investigates unusual downloads or views).

Three signs of unusual access, each listed per account:

* **volume**: the account's records in the month above ``VOLUME_FACTOR`` × the median of the accounts that
  accessed anything (and at least ``MIN_VOLUME``);
* **after hours**: records outside working hours on the working calendar (09:00–18:00 on working days,
  Saturdays, Sundays and public holidays excluded: ``cases.deadlines.WorkingCalendar``, 국가공무원
  복무규정 §9);
* **lookups without a contact**: linkage lookups (resource ``linkage:…``) whose call or verification never
  became a saved contact record.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.cases.deadlines import WorkingCalendar
from minwon.contacts.models import Contact
from minwon.core.audit import ChainReport, verify_chain
from minwon.core.clock import local_today, local_zone, to_local
from minwon.core.clock import parse_month as clock_parse_month
from minwon.core.models import AccessRecord
from minwon.linkage.models import Verification

VOLUME_FACTOR = 3.0
MIN_VOLUME = 20


def parse_month(value: str) -> date:
    """``YYYY-MM`` → the month's first day. Raises ValidationError (``month``); see
    :func:`minwon.core.clock.parse_month`."""
    return clock_parse_month(value)


def last_month() -> date:
    today = local_today()
    return date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)


def _bounds(month: date) -> tuple[datetime, datetime]:
    zone = local_zone()
    nxt = date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)
    return (
        datetime.combine(month, time(0), tzinfo=zone).astimezone(UTC),
        datetime.combine(nxt, time(0), tzinfo=zone).astimezone(UTC),
    )


def is_after_hours(instant: datetime, calendar: WorkingCalendar | None = None) -> bool:
    """Outside working hours: not a working day, or before ``work_start`` / from ``work_end`` on."""
    cal = calendar or WorkingCalendar()
    local = to_local(instant)
    if not cal.is_working_day(local.date()):
        return True
    return not (cal.work_start <= local.time() < cal.work_end)


@dataclass
class AccountLine:
    account_id: int
    username: str
    count: int
    detail: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "username": self.username,
            "count": self.count,
            "detail": self.detail,
        }


@dataclass
class ReviewReport:
    month: str
    records: int
    accounts: list[AccountLine]
    median: float
    high_volume: list[AccountLine]
    after_hours: list[AccountLine]
    without_contact: list[AccountLine]

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "records": self.records,
            "median_per_account": self.median,
            "accounts": [a.as_dict() for a in self.accounts],
            "high_volume": [a.as_dict() for a in self.high_volume],
            "after_hours": [a.as_dict() for a in self.after_hours],
            "lookups_without_contact": [a.as_dict() for a in self.without_contact],
        }


def _has_contact(db: Session, purpose: str) -> bool:
    kind, _, ident = purpose.partition(":")
    if not ident.isdigit():
        return False
    if kind == "call":
        return db.scalar(select(Contact.id).where(Contact.call_id == int(ident))) is not None
    if kind == "linkage":
        return db.scalar(select(Verification.contact_id).where(Verification.id == int(ident))) is not None
    return kind == "contact"


def monthly_review(*, db: Session, month: date, calendar: WorkingCalendar | None = None) -> ReviewReport:
    """The review of ``month`` (its first day; local calendar). Reads only."""
    start, end = _bounds(month)
    rows = db.execute(
        select(AccessRecord.account_id, AccessRecord.at, AccessRecord.purpose, AccessRecord.resource)
        .where(AccessRecord.at >= start, AccessRecord.at < end)
        .order_by(AccessRecord.seq)
    ).all()
    names: dict[int, str] = {uid: name for uid, name in db.execute(select(User.id, User.username)).all()}
    counts: dict[int, int] = {}
    after: dict[int, list[str]] = {}
    orphan: dict[int, set[str]] = {}
    contact_known: dict[str, bool] = {}
    for account_id, at, purpose, resource in rows:
        counts[account_id] = counts.get(account_id, 0) + 1
        if is_after_hours(at, calendar):
            after.setdefault(account_id, []).append(f"{to_local(at):%Y-%m-%d %H:%M}")
        if (resource or "").startswith("linkage:"):
            if purpose not in contact_known:
                contact_known[purpose] = _has_contact(db, purpose)
            if not contact_known[purpose]:
                orphan.setdefault(account_id, set()).add(purpose)
    lines = sorted(
        (AccountLine(a, names.get(a, str(a)), n) for a, n in counts.items()),
        key=lambda x: (-x.count, x.username),
    )
    median = float(statistics.median(counts.values())) if counts else 0.0
    high = [
        AccountLine(x.account_id, x.username, x.count, [f"{x.count / median:.1f}× median"])
        for x in lines
        if x.count >= MIN_VOLUME and x.count > VOLUME_FACTOR * median
    ]
    return ReviewReport(
        month=f"{month:%Y-%m}",
        records=len(rows),
        accounts=lines,
        median=median,
        high_volume=high,
        after_hours=[
            AccountLine(a, names.get(a, str(a)), len(ts), ts[:10])
            for a, ts in sorted(after.items(), key=lambda kv: -len(kv[1]))
        ],
        without_contact=[
            AccountLine(a, names.get(a, str(a)), len(p), sorted(p)[:10])
            for a, p in sorted(orphan.items(), key=lambda kv: -len(kv[1]))
        ],
    )


def chain_status(*, db: Session) -> ChainReport:
    """The hash chain's state (see :func:`minwon.core.audit.verify_chain`)."""
    return verify_chain(db=db)
