"""Audit trail and personal-data access log tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from minwon.core.clock import utcnow
from minwon.db.base import Base, UTCDateTime


class AuditEvent(Base):
    """Security-relevant events: sign-in success/failure, lockout, sign-out, admin changes."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AccessRecord(Base):
    """One view of a citizen's personal data (개인정보 접속기록).

    Fields follow 개인정보의 안전성 확보조치 기준 §8: account, time, source IP, data subject
    (pseudonymous reference, never the number itself), action, and purpose. ``resource`` names what
    was seen (``linkage:local_tax.bills``; empty for the caller history).

    Append-only and tamper-evident: ``seq`` is the row's place in one hash chain, ``hash`` is SHA-256
    over the row's canonical content and ``prev_hash`` (see :func:`minwon.core.audit.canonical_record`);
    :func:`minwon.core.audit.verify_chain` finds the first edited, inserted or deleted row.
    """

    __tablename__ = "access_records"
    __table_args__ = (Index("ix_access_records_account_at", "account_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ip: Mapped[str | None] = mapped_column(String(64))
    subject_ref: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(120))
    resource: Mapped[str] = mapped_column(String(80), default="")
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AccessChainHead(Base):
    """The single row (``id`` 1) holding the access log's chain head.

    Writers lock it (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite transactions start with
    ``BEGIN IMMEDIATE``) so concurrent writers append one after the other and never fork the chain.
    ``seq``/``hash`` are the last row's; ``base_seq``/``base_hash`` the anchor left by a retention purge
    (the first kept row must follow it).
    """

    __tablename__ = "access_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    base_seq: Mapped[int] = mapped_column(Integer, default=0)
    base_hash: Mapped[str] = mapped_column(String(64))
