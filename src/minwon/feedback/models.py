"""Survey questions, invitations, responses, low-score follow-ups and service complaints."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minwon.core.clock import utcnow
from minwon.db.base import Base, UTCDateTime


class SurveyQuestion(Base):
    """A 1–5 rating question. Exactly one active question is ``is_overall``: the one CSAT uses.

    Questions are retired (``is_active`` False), never deleted, so past answers keep their label.
    """

    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    label_ko: Mapped[str] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_overall: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SurveyInvitation(Base):
    """One survey link sent for one contact or one case (never both, never twice for the same one).

    ``token_digest`` is the SHA-256 of the link's token (the clear token goes out only in the SMS).
    ``subject_ref`` is the citizen's caller pseudonym (re-survey window); ``subject_at`` the instant of
    the contact (its save) or the case (answered/closed) the survey is about: CSAT counts by it.
    Queue, category and counselor are copied at invitation time for the breakdowns.
    """

    __tablename__ = "survey_invitations"
    __table_args__ = (
        Index("ix_survey_invitations_subject_invited", "subject_ref", "invited_at"),
        Index("ix_survey_invitations_subject_at", "subject_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), unique=True
    )
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), unique=True)
    subject_ref: Mapped[str] = mapped_column(String(64))
    subject_at: Mapped[datetime] = mapped_column(UTCDateTime)
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id", ondelete="SET NULL"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SurveyResponse(Base):
    """A citizen's answers to one invitation. ``overall`` is the overall question's rating (CSAT);
    ``lowest`` the lowest rating given (low-score rule). ``comment`` may hold personal data: shown
    masked (``core.redact``)."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="CASCADE"), unique=True
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    overall: Mapped[int | None] = mapped_column(Integer)
    lowest: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")


class SurveyAnswer(Base):
    """One rating 1–5 of one question in one response."""

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("response_id", "question_id", name="uq_survey_answers_response_q"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id"), index=True)
    rating: Mapped[int] = mapped_column(Integer)


class SurveyLinkFailure(Base):
    """An unknown, expired or used survey link opened from ``ip`` (rate limit of the public form)."""

    __tablename__ = "survey_link_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FollowUpStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class FollowUpOutcome(StrEnum):
    #: 시민과 통화해 해소됨
    RESOLVED = "resolved"
    #: 연락했으나 해소되지 않음 (불만 등록 등)
    UNRESOLVED = "unresolved"
    #: 연락 안 됨
    UNREACHABLE = "unreachable"
    #: 조치 불필요
    NO_ACTION = "no_action"


class SurveyFollowUp(Base):
    """A task opened by a low-score response: a supervisor takes it, calls back or acts, and closes it
    with an outcome. ``complaint_id`` is set when it was turned into a service complaint."""

    __tablename__ = "survey_followups"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[FollowUpStatus] = mapped_column(
        Enum(FollowUpStatus, native_enum=False, length=20), default=FollowUpStatus.OPEN, index=True
    )
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[FollowUpOutcome | None] = mapped_column(
        Enum(FollowUpOutcome, native_enum=False, length=20)
    )
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("service_complaints.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class FollowUpComment(Base):
    """A comment on a follow-up (supervisors and quality managers); rows are only ever added."""

    __tablename__ = "survey_followup_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(
        ForeignKey("survey_followups.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ComplaintChannel(StrEnum):
    PHONE = "phone"
    SURVEY = "survey"
    WEB = "web"
    VISIT = "visit"


class ComplaintSubject(StrEnum):
    #: 상담사 태도
    ATTITUDE = "attitude"
    #: 대기 시간
    WAITING = "waiting"
    #: 잘못된 안내
    WRONG_INFORMATION = "wrong_information"
    #: 처리 절차
    PROCESS = "process"
    OTHER = "other"


class ComplaintStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ServiceComplaint(Base):
    """A complaint about the center's service itself (서비스 불만), not about the petition's subject.

    ``description`` and ``resolution`` are free text and may hold personal data: shown masked.
    """

    __tablename__ = "service_complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[ComplaintChannel] = mapped_column(Enum(ComplaintChannel, native_enum=False, length=20))
    subject: Mapped[ComplaintSubject] = mapped_column(Enum(ComplaintSubject, native_enum=False, length=30))
    description: Mapped[str] = mapped_column(Text)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[ComplaintStatus] = mapped_column(
        Enum(ComplaintStatus, native_enum=False, length=20), default=ComplaintStatus.OPEN, index=True
    )
    resolution: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
