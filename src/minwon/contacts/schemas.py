"""Contacts API shapes (``/api/v1/contacts``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from minwon.contacts.models import Channel, Outcome


class ContactIn(BaseModel):
    """A contact record as a client submits it. Times carry a UTC offset (ISO 8601)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    call_id: int | None = Field(None, description="minwon call id; omit for a manual contact")
    caller: str | None = Field(None, max_length=40, description="caller number for a manual contact")
    channel: Channel | None = Field(None, description="for a manual contact; default call")
    category_id: int
    inquiry: str = Field(max_length=4000)
    answer: str = Field("", max_length=4000)
    outcome: Outcome
    department_id: int | None = Field(None, description="required when outcome is transferred")
    petition_type: str | None = Field(None, description="for a transfer; default inquiry_procedure")
    callback_due_at: AwareDatetime | None = Field(None, description="default: 24 working hours from now")
    article_id: int | None = None
    wrapup_started_at: AwareDatetime | None = Field(
        None, description="when the form was opened; the start of after-call work when no call ended"
    )


class ContactOut(BaseModel):
    """A saved contact. ``acw_s`` is after-call work in seconds; the number is shown masked only."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    call_id: int | None
    channel: Channel
    agent_id: int
    caller_masked: str | None
    category_id: int
    inquiry: str
    answer: str
    outcome: Outcome
    article_id: int | None
    case_id: int | None
    case_number: str | None = None
    case_due_at: datetime | None = None
    callback_due_at: datetime | None = None
    wrapup_started_at: datetime
    created_at: datetime
    acw_s: int
