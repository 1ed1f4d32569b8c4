"""``POST /api/v1/telephony/events``: PBX → minwon, authenticated by a per-PBX bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header

from minwon.db.deps import DbSession
from minwon.telephony.models import Pbx
from minwon.telephony.schemas import IngestResult, TelephonyEvent
from minwon.telephony.service import authenticate_pbx, ingest_events

router = APIRouter(prefix="/api/v1/telephony", tags=["telephony"])


def current_pbx(db: DbSession, authorization: Annotated[str | None, Header()] = None) -> Pbx:
    token = authorization.removeprefix("Bearer ").strip() if authorization else None
    return authenticate_pbx(db=db, token=token)


@router.post("/events", response_model=IngestResult)
def post_events(
    db: DbSession,
    pbx: Annotated[Pbx, Depends(current_pbx)],
    body: Annotated[TelephonyEvent | list[TelephonyEvent], Body()],
) -> IngestResult:
    """Accept one event or a list of up to 1,000, applied in order.

    Answers 200 with per-event outcomes (``accepted``/``duplicate``/``rejected`` and why), 401 without
    a valid token, 422 when the body does not parse (the message names the field).
    """
    events = body if isinstance(body, list) else [body]
    return ingest_events(db=db, pbx=pbx, events=events)
