"""Telephony event payloads (``POST /api/v1/telephony/events``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from minwon.telephony.models import CallEventType

#: Most events accepted in one request.
MAX_BATCH = 1000

#: Timestamps outside these years are refused (a PBX clock error, not a call).
MIN_YEAR, MAX_YEAR = 1970, 2100


class TelephonyEvent(BaseModel):
    """One PBX event. Timestamps must carry a UTC offset (ISO 8601).

    ``queue_wait_s``/``talk_s`` (seconds) are the PBX's own measures when it has them (Asterisk's
    queue_log reports hold time and call time); otherwise minwon derives them from the timestamps.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    event: CallEventType
    call_id: str = Field(min_length=1, max_length=120, description="the PBX's identifier of the call")
    occurred_at: AwareDatetime
    entered_at: AwareDatetime | None = Field(None, description="when the call entered the PBX (IVR entry)")
    caller: str | None = Field(None, max_length=40, description="caller number; omit when withheld")
    queue: str | None = Field(None, max_length=40, description="queue code")
    agent: str | None = Field(None, max_length=40, description="the PBX's agent id")
    queue_wait_s: int | None = Field(None, ge=0, le=86_400)
    talk_s: int | None = Field(None, ge=0, le=86_400)
    priority: int | None = Field(None, ge=0, le=9)

    @field_validator("occurred_at", "entered_at")
    @classmethod
    def _plausible_year(cls, value: datetime | None) -> datetime | None:
        if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValueError(f"year must be {MIN_YEAR}–{MAX_YEAR}")
        return value


class EventOutcome(BaseModel):
    index: int
    call_id: str
    status: str = Field(description="accepted | duplicate | rejected")
    message: str | None = None
    field: str | None = None


class IngestResult(BaseModel):
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    outcomes: list[EventOutcome] = Field(default_factory=list)
