"""Accounts and KPI data for the register tests."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from minwon.accounts.models import Role, User
from minwon.org.service import ensure_queue
from minwon.telephony.schemas import TelephonyEvent
from minwon.telephony.service import get_or_create_pbx, ingest_events

SEOUL = ZoneInfo("Asia/Seoul")


@lru_cache(maxsize=1)
def _password_hash() -> str:
    from minwon.accounts.service import hash_password
    from tests.factories import PASSWORD

    return hash_password(PASSWORD)


def staff(db: Session, username: str, role: str = "quality_manager") -> User:
    """An account that signs in with ``tests.factories.PASSWORD`` (the Argon2 hash computed once)."""
    user = User(
        username=username, display_name=username, password_hash=_password_hash(), role=Role(role), locale="ko"
    )
    db.add(user)
    db.commit()
    return user


def month_start(today: date, back: int) -> date:
    """The first day of the month ``back`` months before ``today``'s month."""
    index = today.year * 12 + today.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def ingest_calls(db: Session, days: list[date], *, wait_s: int, prefix: str = "m") -> None:
    """One answered call at 10:00 on each of ``days`` (queue ``general``, SL threshold 20 s) with a queue
    wait of ``wait_s`` seconds: 40 s gives a service level of 0 (red), 10 s gives 1 (green)."""
    ensure_queue(db=db, code="general", name="일반 상담", sl_threshold_s=20)
    db.commit()
    pbx = get_or_create_pbx(db=db, name="test-pbx")
    events: list[TelephonyEvent] = []
    for i, day in enumerate(days):
        ring = datetime.combine(day, time(10, 0), tzinfo=SEOUL)
        call = f"{prefix}{i}"
        events += [
            TelephonyEvent.model_validate(
                {"event": "ringing", "call_id": call, "occurred_at": ring, "queue": "general"}
            ),
            TelephonyEvent.model_validate(
                {
                    "event": "answered",
                    "call_id": call,
                    "occurred_at": ring.replace(second=wait_s % 60, minute=wait_s // 60),
                    "agent": "AGENT_01",
                    "queue_wait_s": wait_s,
                }
            ),
            TelephonyEvent.model_validate(
                {"event": "hangup", "call_id": call, "occurred_at": ring.replace(minute=5)}
            ),
        ]
    result = ingest_events(db=db, pbx=pbx, events=events)
    assert result.rejected == 0, result.outcomes
