"""``POST /api/v1/telephony/events``: PBX → minwon, authenticated by a per-PBX bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header

from minwon.core.errors import MinwonError
from minwon.db.deps import DbSession
from minwon.telephony.models import Pbx
from minwon.telephony.schemas import IngestResult, TelephonyEvent
from minwon.telephony.service import authenticate_pbx, ingest_events


class PayloadTooLarge(MinwonError):
    status_code = 413


router = APIRouter(prefix="/api/v1/telephony", tags=["telephony"])


#: Largest accepted request body (bytes): 1,000 events fit easily.
MAX_BODY_BYTES = 2_000_000


def current_pbx(
    db: DbSession,
    authorization: Annotated[str | None, Header()] = None,
    content_length: Annotated[int | None, Header()] = None,
) -> Pbx:
    """The PBX of the ``Authorization: Bearer <token>`` header (401 otherwise); bodies over 2 MB → 413."""
    scheme, _, token = (authorization or "").partition(" ")
    pbx = authenticate_pbx(db=db, token=token.strip() if scheme.lower() == "bearer" else None)
    if content_length is not None and content_length > MAX_BODY_BYTES:
        raise PayloadTooLarge(
            f"request body over {MAX_BODY_BYTES} bytes; send at most 1,000 events", field="body"
        )
    return pbx


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
