"""Linkage tables: connector settings, identity verifications on a contact, result lines on a record.

Lookup results themselves are never stored (shown, then kept only in the process's short cache);
what is kept is what the contact record needs: what was checked, masked identifiers, a summary line
the counselor chose to add, and — encrypted, for at most :data:`IDENTIFIER_TTL_S` — the identifiers
the panels need to run again during the contact.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from minwon.core.clock import utcnow
from minwon.db.base import Base, UTCDateTime

#: How long the encrypted identifiers of a verification are kept, seconds (a long call plus wrap-up).
IDENTIFIER_TTL_S = 30 * 60


class ConnectorSetting(Base):
    """An installed connector as this deployment configured it.

    ``config`` holds the non-secret fields of the connector's pydantic ``Config``; ``secrets_enc`` the
    secret ones as one encrypted JSON object (``core.crypto.encrypt``; re-encrypted by
    ``minwon keys rotate``).
    """

    __tablename__ = "linkage_connectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secrets_enc: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Verification(Base):
    """Identity verification (본인확인) of the caller on one contact: the scope of lookups, cache and
    access records (purpose ``call:<id>`` or ``linkage:<id>`` for a contact without a call).

    ``checks`` lists what the counselor checked (``name_birth``, ``resident``, ``vehicle_number``,
    ``water_customer_number``); ``masked`` the masked identifiers for screens; ``subject_ref`` the
    pseudonymous data subject of the access log; ``identifiers_enc`` the clear identifiers, encrypted,
    wiped at ``expires_at``.
    """

    __tablename__ = "linkage_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    checks: Mapped[list[str]] = mapped_column(JSON, default=list)
    masked: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    subject_ref: Mapped[str] = mapped_column(String(64), index=True)
    identifiers_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ResultNote(Base):
    """A lookup result the counselor added to the contact record: one summary line (no identifiers)."""

    __tablename__ = "linkage_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    verification_id: Mapped[int] = mapped_column(
        ForeignKey("linkage_verifications.id", ondelete="CASCADE"), index=True
    )
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    lookup: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
