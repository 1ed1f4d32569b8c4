"""A small hand-made day of calls, ingested through the real telephony service.

Day 2026-11-02 (Asia/Seoul), queue ``general`` (SL threshold 20 s) unless said otherwise:

* c1 ringing 09:00:00, answered 09:00:10 (wait 10 s, derived), hangup 09:05:10 (talk 300 s, derived)
* c2 ringing 09:10:00, answered 09:10:40 (wait 40 s), hold 09:11:00–09:11:20, hangup 09:12:40
  (talk 100 s + hold 20 s = handle 120 s)
* c3 ringing 09:40:00, abandoned 09:41:00 (wait 60 s)
* c4 entered 09:59:30, ended in the IVR 10:00:00 (not offered)

By hand: offered 3, answered 2, abandoned 1, answered within 20 s 1 → SL 1/3, ASA (10+40)/2 = 25 s,
AHT (300+120)/2 = 210 s, abandonment 1/3, answer rate 2/3. 30-minute intervals: 09:00–09:30 holds c1 and
c2, 09:30–10:00 holds c3 and the IVR-only c4 (it started at 09:59:30); 10:00 onwards nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from minwon.org.service import ensure_queue
from minwon.telephony.models import Pbx
from minwon.telephony.schemas import TelephonyEvent
from minwon.telephony.service import get_or_create_pbx, ingest_events

DAY = date(2026, 11, 2)
SEOUL = ZoneInfo("Asia/Seoul")


def at(hms: str, day: date = DAY) -> datetime:
    h, m, s = (int(p) for p in hms.split(":"))
    return datetime(day.year, day.month, day.day, h, m, s, tzinfo=SEOUL)


def ev(event: str, call_id: str, hms: str, day: date = DAY, **kw: object) -> TelephonyEvent:
    return TelephonyEvent.model_validate(
        {"event": event, "call_id": call_id, "occurred_at": at(hms, day), **kw}
    )


def sample_day_events(queue: str = "general") -> list[TelephonyEvent]:
    return [
        ev("ringing", "c1", "09:00:00", queue=queue, caller="010-0000-0001", entered_at=at("08:59:50")),
        ev("answered", "c1", "09:00:10", agent="AGENT_01"),
        ev("hangup", "c1", "09:05:10"),
        ev("ringing", "c2", "09:10:00", queue=queue),
        ev("answered", "c2", "09:10:40", agent="AGENT_02", queue_wait_s=40),
        ev("hold", "c2", "09:11:00"),
        ev("unhold", "c2", "09:11:20"),
        ev("hangup", "c2", "09:12:40"),
        ev("ringing", "c3", "09:40:00", queue=queue),
        ev("abandoned", "c3", "09:41:00"),
        ev("hangup", "c4", "10:00:00", entered_at=at("09:59:30")),
    ]


def ingest_sample_day(db: Session, queue: str = "general", sl_threshold_s: int = 20) -> Pbx:
    ensure_queue(db=db, code=queue, name="일반 상담", sl_threshold_s=sl_threshold_s)
    db.commit()
    pbx = get_or_create_pbx(db=db, name="test-pbx")
    result = ingest_events(db=db, pbx=pbx, events=sample_day_events(queue))
    assert result.rejected == 0, result.outcomes
    return pbx
