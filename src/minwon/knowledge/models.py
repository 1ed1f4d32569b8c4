"""Knowledge articles (standard answers) under document control (ISO 9001 §7.5).

An :class:`Article` is only an identity (stable id, slug). Its content lives in
:class:`ArticleVersion` rows, one per change; a version is never edited after it is written, only moved
through the workflow (draft → in_review → approved → retired), and every move is an
:class:`ArticleTransition`. Attachments are stored once per content (SHA-256) and linked to versions.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from minwon.core.clock import utcnow
from minwon.core.i18n import N_
from minwon.db.base import Base, UTCDateTime


class VersionStatus(StrEnum):
    """Where a version is in the workflow. ``withdrawn``: an unapproved version replaced by a newer
    edit (kept, never shown)."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RETIRED = "retired"
    WITHDRAWN = "withdrawn"


STATUS_LABELS = {
    VersionStatus.DRAFT: N_("Draft"),
    VersionStatus.IN_REVIEW: N_("In review"),
    VersionStatus.APPROVED: N_("Approved"),
    VersionStatus.RETIRED: N_("Retired"),
    VersionStatus.WITHDRAWN: N_("Withdrawn"),
}


class FlagReason(StrEnum):
    WRONG = "wrong"
    OUTDATED = "outdated"
    UNCLEAR = "unclear"


FLAG_REASON_LABELS = {
    FlagReason.WRONG.value: N_("Wrong"),
    FlagReason.OUTDATED.value: N_("Outdated"),
    FlagReason.UNCLEAR.value: N_("Unclear"),
}


class FlagStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Article(Base):
    """A standard answer's identity. ``id`` is stable (contacts reference it); ``is_demo`` marks content
    written for the demo city."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArticleVersion(Base):
    """One immutable version of an article's content.

    ``effective_from``/``effective_to`` are local calendar days, both inclusive; ``effective_from`` is
    set at approval when the author left it empty. ``review_due`` is the periodic review date of an
    approved version. ``created_by_id`` is the author (``None`` for system imports).
    """

    __tablename__ = "article_versions"
    __table_args__ = (
        UniqueConstraint("article_id", "number", name="uq_article_versions_article_number"),
        Index("ix_article_versions_status", "status"),
        # published_fingerprint reads the maximum of each of these through its index
        Index("ix_article_versions_approved_at", "approved_at"),
        Index("ix_article_versions_retired_at", "retired_at"),
        Index("ix_article_versions_effective_from", "effective_from"),
        Index("ix_article_versions_effective_to", "effective_to"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    keywords: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    effective_from: Mapped[date | None] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    status: Mapped[VersionStatus] = mapped_column(Enum(VersionStatus, native_enum=False, length=20))
    change_note: Mapped[str] = mapped_column(String(500), default="")
    based_on: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_due: Mapped[date | None] = mapped_column(Date)


class ArticleTransition(Base):
    """Append-only workflow history: who moved which version from what to what, when, and why.

    ``action``: ``created``, ``submitted``, ``returned``, ``approved``, ``retired``, ``withdrawn``,
    ``review_confirmed`` (periodic review found it still valid; ``detail`` holds the new review date).
    """

    __tablename__ = "article_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("article_versions.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(String(1000), default="")


class Attachment(Base):
    """A file stored once under ``<kb_files_dir>/<sha256[:2]>/<sha256>``; versions link to it."""

    __tablename__ = "article_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VersionAttachment(Base):
    """Which attachments a version carries (a new version inherits its base's links)."""

    __tablename__ = "article_version_attachments"

    version_id: Mapped[int] = mapped_column(ForeignKey("article_versions.id"), primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("article_attachments.id"), primary_key=True)


class ArticleFlag(Base):
    """A counselor's report that an article is wrong, outdated or unclear; it goes to the owning
    department of the flagged version, and is resolved with a note."""

    __tablename__ = "article_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("article_versions.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    reason: Mapped[FlagReason] = mapped_column(Enum(FlagReason, native_enum=False, length=20))
    comment: Mapped[str] = mapped_column(String(1000))
    status: Mapped[FlagStatus] = mapped_column(Enum(FlagStatus, native_enum=False, length=20))
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_note: Mapped[str] = mapped_column(String(1000), default="")
