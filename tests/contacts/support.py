"""Calls built through telephony ingestion (the same path the PBX uses) for contact tests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.telephony.models import Call
from minwon.telephony.schemas import TelephonyEvent
from minwon.telephony.service import get_or_create_pbx, ingest_events


def make_call(
    db: Session,
    external_id: str,
    *,
    agent: str = "AGENT_01",
    caller: str | None = "010-1234-5678",
    ringing_at: datetime,
    answered_at: datetime | None = None,
    ended_at: datetime | None = None,
    queue: str = "tax",
) -> Call:
    """A call that rang at ``agent``, optionally answered and hung up at the given instants."""
    pbx = get_or_create_pbx(db=db, name="test-pbx")
    events = [
        TelephonyEvent(
            event="ringing",
            call_id=external_id,
            occurred_at=ringing_at,
            queue=queue,
            caller=caller,
            agent=agent,
        )
    ]
    if answered_at is not None:
        events.append(
            TelephonyEvent(event="answered", call_id=external_id, occurred_at=answered_at, agent=agent)
        )
    if ended_at is not None:
        events.append(TelephonyEvent(event="hangup", call_id=external_id, occurred_at=ended_at))
    result = ingest_events(db=db, pbx=pbx, events=events)
    assert result.rejected == 0, result.outcomes
    call = db.scalar(select(Call).where(Call.pbx_id == pbx.id, Call.external_id == external_id))
    assert call is not None
    return call
