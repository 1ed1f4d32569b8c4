"""User accounts and sign-in sessions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minwon.core.clock import utcnow
from minwon.core.i18n import N_
from minwon.db.base import Base, UTCDateTime


class Role(StrEnum):
    COUNSELOR = "counselor"
    SUPERVISOR = "supervisor"
    QUALITY_MANAGER = "quality_manager"
    DEPARTMENT_OFFICER = "department_officer"
    ADMINISTRATOR = "administrator"


#: Role names for the UI (translated where shown).
ROLE_LABELS = {
    Role.COUNSELOR: N_("counselor"),
    Role.SUPERVISOR: N_("supervisor"),
    Role.QUALITY_MANAGER: N_("quality_manager"),
    Role.DEPARTMENT_OFFICER: N_("department_officer"),
    Role.ADMINISTRATOR: N_("administrator"),
}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=30))
    locale: Mapped[str] = mapped_column(String(5), default="ko")
    #: The agent id the PBX reports for this counselor (e.g. ``AGENT_05``); screen-pops go to this desk.
    pbx_agent_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    team: Mapped[str | None] = mapped_column(String(40))
    #: Work e-mail for internal reminders (never a citizen's).
    email: Mapped[str | None] = mapped_column(String(200))
    #: Heads a department (부서장): receives overdue escalations for ``department_id``.
    is_department_head: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sessions: Mapped[list[UserSession]] = relationship(back_populates="user", cascade="all, delete-orphan")


class UserSession(Base):
    """A server-side sign-in session; the cookie holds a random token, the table only its digest."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(back_populates="sessions")
