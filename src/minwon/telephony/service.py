"""Telephony: PBX tokens and the ingestion of call events (the only writer of calls).

Call state machine (per event):
``ringing`` → queued; ``answered`` → talking (wait from the PBX or answered−queued);
``hold``/``unhold`` → on hold / talking (hold time accumulates); ``hangup`` → completed when answered,
abandoned when still queued, ended in IVR when never queued; ``abandoned`` → abandoned.
A repeated event (same call, type and instant) is a duplicate and changes nothing, so replaying a
day twice counts nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.core.clock import to_local, utcnow
from minwon.core.crypto import mask_phone, normalise_phone, protect_phone, random_token, token_digest
from minwon.core.errors import AuthenticationFailed, Conflict, MinwonError, ValidationError
from minwon.core.live import publish
from minwon.org.models import Queue
from minwon.telephony.models import Call, CallEvent, CallEventType, CallStatus, Pbx
from minwon.telephony.schemas import MAX_BATCH, EventOutcome, IngestResult, TelephonyEvent

FINAL = {CallStatus.COMPLETED, CallStatus.ABANDONED, CallStatus.ENDED_IN_IVR}


def issue_pbx_token(*, db: Session, name: str) -> str:
    """Create the PBX ``name`` or rotate its token; returns the new bearer token (shown once). Commits."""
    name = _pbx_name(name)
    token = random_token()
    pbx = db.scalar(select(Pbx).where(Pbx.name == name))
    if pbx is None:
        db.add(Pbx(name=name, token_digest=token_digest(token)))
    else:
        pbx.token_digest = token_digest(token)
        pbx.is_active = True
    db.commit()
    return token


def authenticate_pbx(*, db: Session, token: str | None) -> Pbx:
    """The active PBX owning ``token``. Raises AuthenticationFailed."""
    if not token:
        raise AuthenticationFailed("missing PBX token (Authorization: Bearer …)")
    pbx = db.scalar(select(Pbx).where(Pbx.token_digest == token_digest(token), Pbx.is_active.is_(True)))
    if pbx is None:
        raise AuthenticationFailed("unknown or revoked PBX token")
    return pbx


@dataclass
class _Batch:
    """Per-batch caches so a replay of thousands of events does not re-query queues and agents."""

    queues: dict[str, Queue | None] = field(default_factory=dict)
    agents: dict[str, int | None] = field(default_factory=dict)
    pops: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    days: set[str] = field(default_factory=set)


def ingest_events(*, db: Session, pbx: Pbx, events: Sequence[TelephonyEvent]) -> IngestResult:
    """Apply ``events`` in order (at most 1,000); commits once; then publishes live updates.

    Each event is accepted, a duplicate, or rejected with a message naming the field; a rejected event
    does not undo the others (each runs in its own SAVEPOINT).
    """
    if len(events) > MAX_BATCH:
        raise ValidationError(f"at most {MAX_BATCH} events per request, got {len(events)}", field="events")
    result = IngestResult()
    batch = _Batch()
    for index, ev in enumerate(events):
        try:
            with db.begin_nested():
                status = _apply(db=db, pbx=pbx, ev=ev, batch=batch)
        except MinwonError as exc:
            result.rejected += 1
            result.outcomes.append(
                EventOutcome(
                    index=index, call_id=ev.call_id, status="rejected", message=exc.message, field=exc.field
                )
            )
            continue
        if status == "duplicate":
            result.duplicates += 1
        else:
            result.accepted += 1
        result.outcomes.append(EventOutcome(index=index, call_id=ev.call_id, status=status))
    db.commit()
    for user_id, message in batch.pops:
        publish(f"desk:{user_id}", message)
    if batch.days:
        publish("supervisor", {"type": "calls_changed", "days": sorted(batch.days)})
    return result


def _queue(db: Session, code: str | None, batch: _Batch) -> Queue | None:
    if code is None:
        return None
    if code not in batch.queues:
        batch.queues[code] = db.scalar(select(Queue).where(Queue.code == code))
    queue = batch.queues[code]
    if queue is None:
        raise ValidationError(f"unknown queue {code!r}; an administrator must create it first", field="queue")
    return queue


def _agent_id(db: Session, ref: str | None, batch: _Batch) -> int | None:
    if ref is None:
        return None
    if ref not in batch.agents:
        batch.agents[ref] = db.scalar(select(User.id).where(User.pbx_agent_id == ref))
    return batch.agents[ref]


def _seconds(later: datetime, earlier: datetime | None) -> int:
    return max(0, round((later - earlier).total_seconds())) if earlier else 0


def _queue_wait(ev: TelephonyEvent, at: datetime, call: Call) -> int:
    """Queue wait in seconds: the PBX's own figure when sent, else from the queue entry."""
    return ev.queue_wait_s if ev.queue_wait_s is not None else _seconds(at, call.queued_at)


def _end_hold(call: Call, at: datetime) -> None:
    call.hold_s += _seconds(at, call.hold_started_at)
    call.hold_started_at = None


def _pbx_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 60:
        raise ValidationError("PBX name must be 1–60 characters", field="name")
    return name


def _apply(*, db: Session, pbx: Pbx, ev: TelephonyEvent, batch: _Batch) -> str:
    at = ev.occurred_at
    call = db.scalar(select(Call).where(Call.pbx_id == pbx.id, Call.external_id == ev.call_id))
    if call is not None and db.scalar(
        select(CallEvent.id).where(
            CallEvent.call_id == call.id, CallEvent.event_type == ev.event, CallEvent.occurred_at == at
        )
    ):
        return "duplicate"
    queue = _queue(db, ev.queue, batch)
    if call is None:
        if ev.event in (CallEventType.HOLD, CallEventType.UNHOLD):
            raise Conflict(f"{ev.event.value} for unknown call {ev.call_id!r}", field="call_id")
        started = ev.entered_at or at
        call = Call(
            pbx_id=pbx.id,
            external_id=ev.call_id,
            status=CallStatus.IVR,
            started_at=started,
            service_day=to_local(started).date(),
            hold_s=0,
        )
        if ev.caller:
            number = normalise_phone(ev.caller)
            call.caller_enc, call.caller_ref, call.caller_masked = protect_phone(number)
        db.add(call)
    elif call.status in FINAL:
        raise Conflict(f"call {ev.call_id!r} already ended ({call.status.value})", field="event")
    if queue is not None:
        call.queue_id = queue.id
    if ev.priority is not None:
        call.priority = ev.priority
    if ev.agent is not None:
        call.agent_ref = ev.agent
        call.agent_id = _agent_id(db, ev.agent, batch)

    if ev.event == CallEventType.RINGING:
        if call.queue_id is None:
            raise ValidationError("a ringing event needs the queue the call waits in", field="queue")
        if call.status not in (CallStatus.IVR, CallStatus.QUEUED):
            raise Conflict(f"ringing after the call was answered ({call.status.value})", field="event")
        call.status = CallStatus.QUEUED
        call.queued_at = call.queued_at or at
    elif ev.event == CallEventType.ANSWERED:
        if call.status not in (CallStatus.IVR, CallStatus.QUEUED):
            raise Conflict(f"answered twice or after the end ({call.status.value})", field="event")
        call.status = CallStatus.TALKING
        call.answered_at = at
        call.queue_wait_s = _queue_wait(ev, at, call)
    elif ev.event == CallEventType.HOLD:
        if call.status != CallStatus.TALKING:
            raise Conflict("hold needs a call in talk", field="event")
        call.status = CallStatus.ON_HOLD
        call.hold_started_at = at
    elif ev.event == CallEventType.UNHOLD:
        if call.status != CallStatus.ON_HOLD:
            raise Conflict("unhold needs a call on hold", field="event")
        _end_hold(call, at)
        call.status = CallStatus.TALKING
    elif ev.event == CallEventType.HANGUP:
        call.ended_at = at
        if call.status in (CallStatus.TALKING, CallStatus.ON_HOLD):
            if call.status == CallStatus.ON_HOLD:
                _end_hold(call, at)
            call.status = CallStatus.COMPLETED
            call.talk_s = ev.talk_s if ev.talk_s is not None else _seconds(at, call.answered_at) - call.hold_s
        elif call.status == CallStatus.QUEUED:
            call.status = CallStatus.ABANDONED
            call.queue_wait_s = _queue_wait(ev, at, call)
        else:
            call.status = CallStatus.ENDED_IN_IVR
    elif ev.event == CallEventType.ABANDONED:
        if call.status not in (CallStatus.IVR, CallStatus.QUEUED):
            raise Conflict(f"abandoned after answer ({call.status.value})", field="event")
        call.status = CallStatus.ABANDONED
        call.ended_at = at
        call.queue_wait_s = _queue_wait(ev, at, call)
    if call.status == CallStatus.ABANDONED and call.queued_at is None:
        call.queued_at = ev.entered_at or call.started_at
    db.flush()
    db.add(
        CallEvent(
            call_id=call.id,
            event_type=ev.event,
            occurred_at=at,
            received_at=utcnow(),
            payload=ev.model_dump(mode="json", exclude={"caller"}),
        )
    )
    batch.days.add(call.service_day.isoformat())
    if call.agent_id and call.status in FINAL:
        # lets the open desk mark the call ended without reloading the pop (no new access record)
        batch.pops.append(
            (call.agent_id, {"type": "call_state", "call_id": call.id, "status": call.status.value})
        )
    elif call.agent_id and ev.event in (CallEventType.RINGING, CallEventType.ANSWERED):
        batch.pops.append(
            (
                call.agent_id,
                {
                    "type": "screen_pop",
                    "event": ev.event.value,
                    "call_id": call.id,
                    "caller": call.caller_masked or mask_phone(None),
                    "queue": ev.queue,
                },
            )
        )
    return "accepted"


def get_or_create_pbx(*, db: Session, name: str) -> Pbx:
    """The PBX row ``name``, created (active, with an unknown random token) if missing. Commits on create.

    Unlike :func:`issue_pbx_token` it never rotates an existing token, so an in-process sender (such as
    ``minwon replay``) can use the row without breaking a PBX that already posts with its token.
    Raises ValidationError for an empty or over-long name.
    """
    name = _pbx_name(name)
    pbx = db.scalar(select(Pbx).where(Pbx.name == name))
    if pbx is None:
        pbx = Pbx(name=name, token_digest=token_digest(random_token()))
        db.add(pbx)
        db.commit()
    return pbx
