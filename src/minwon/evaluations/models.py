"""Contact evaluations (상담 품질 평가, ISO 18295-1 §4.6 monitoring of customer contacts).

* :class:`Scorecard` / :class:`ScorecardVersion` — a scorecard template and its versions. A version's
  ``definition`` (sections → criteria) is frozen once published; editing creates a new draft version.
* :class:`SampleRun` — one monthly sampling run (month, seed, count per counselor) so an auditor can
  reproduce it.
* :class:`Evaluation` — one scoring of one contact against one scorecard version (a sampled evaluation
  or one evaluator's scoring in a calibration session), with its :class:`EvaluationScore` rows.
* :class:`EvaluationEvent` — the evaluation's history; rows are only ever added.
* :class:`CalibrationSession` — several evaluators score the same contact independently.
* :class:`CoachingNote` — what was discussed with a counselor, linked to an evaluation.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minwon.core.clock import utcnow
from minwon.db.base import Base, UTCDateTime


class VersionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class Scorecard(Base):
    """A scorecard template (평가표); its content lives in its versions."""

    __tablename__ = "qa_scorecards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[ScorecardVersion]] = relationship(
        back_populates="scorecard", order_by="ScorecardVersion.number"
    )


class ScorecardVersion(Base):
    """One version of a scorecard. ``definition`` is ``{"sections": [{"title", "criteria": [{"key",
    "label", "guidance", "weight", "max_score", "kind", "critical"}]}]}`` (see :mod:`.scoring`)."""

    __tablename__ = "qa_scorecard_versions"
    __table_args__ = (UniqueConstraint("scorecard_id", "number", name="uq_qa_scorecard_versions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("qa_scorecards.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[VersionStatus] = mapped_column(
        Enum(VersionStatus, native_enum=False, length=20), default=VersionStatus.DRAFT
    )
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    scorecard: Mapped[Scorecard] = relationship(back_populates="versions")


class SampleRun(Base):
    """One monthly sampling run: reproducible from ``month``, ``seed`` and ``per_agent``."""

    __tablename__ = "qa_sample_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    seed: Mapped[str] = mapped_column(String(64))
    per_agent: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sampled: Mapped[int] = mapped_column(Integer, default=0)


class EvaluationKind(StrEnum):
    SAMPLE = "sample"
    CALIBRATION = "calibration"


class EvaluationStatus(StrEnum):
    #: sampled and assigned to an evaluator, not yet scored
    ASSIGNED = "assigned"
    #: scored; the counselor may acknowledge or dispute
    SUBMITTED = "submitted"
    #: the counselor accepted it (closed)
    ACKNOWLEDGED = "acknowledged"
    #: the counselor disputed it; a supervisor resolves
    DISPUTED = "disputed"
    #: a supervisor resolved the dispute (closed)
    RESOLVED = "resolved"


class CalibrationSession(Base):
    """Several evaluators score the same contact independently; the spread is reported."""

    __tablename__ = "qa_calibration_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    scorecard_version_id: Mapped[int] = mapped_column(ForeignKey("qa_scorecard_versions.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Evaluation(Base):
    """One evaluator's scoring of one contact. ``total_score`` is in points 0–100 (0 when a critical
    item failed); ``passed`` compares it with ``MINWON_QA_PASS_SCORE``."""

    __tablename__ = "qa_evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EvaluationKind] = mapped_column(Enum(EvaluationKind, native_enum=False, length=20))
    status: Mapped[EvaluationStatus] = mapped_column(
        Enum(EvaluationStatus, native_enum=False, length=20), default=EvaluationStatus.ASSIGNED, index=True
    )
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    #: the evaluated counselor (the contact's agent)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scorecard_version_id: Mapped[int] = mapped_column(ForeignKey("qa_scorecard_versions.id"))
    sample_run_id: Mapped[int | None] = mapped_column(ForeignKey("qa_sample_runs.id"))
    calibration_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("qa_calibration_sessions.id"), index=True
    )
    #: ``category code/outcome`` of the sampling stratum
    stratum: Mapped[str | None] = mapped_column(String(80))
    total_score: Mapped[float | None] = mapped_column(Float)
    critical_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    overall_comment: Mapped[str] = mapped_column(Text, default="")
    dispute_reason: Mapped[str] = mapped_column(Text, default="")
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    scores: Mapped[list[EvaluationScore]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", order_by="EvaluationScore.id"
    )


class EvaluationScore(Base):
    """The score of one criterion (``criterion_key`` of the version's definition)."""

    __tablename__ = "qa_evaluation_scores"
    __table_args__ = (UniqueConstraint("evaluation_id", "criterion_key", name="uq_qa_scores_criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("qa_evaluations.id", ondelete="CASCADE"))
    criterion_key: Mapped[str] = mapped_column(String(20))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")

    evaluation: Mapped[Evaluation] = relationship(back_populates="scores")


class EvaluationEvent(Base):
    """One step of an evaluation's history (append-only): who did what, when, with what values."""

    __tablename__ = "qa_evaluation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("qa_evaluations.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CoachingNote(Base):
    """A coaching conversation with a counselor (linked to an evaluation when it followed one)."""

    __tablename__ = "qa_coaching_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("qa_evaluations.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    discussed: Mapped[str] = mapped_column(Text)
    actions: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
