"""Departments, categories and queues."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from minwon.db.base import Base


class Department(Base):
    """A unit responsible for answering transferred cases (담당 부서)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    #: Where the record came from: ``demo`` (the demo city), ``import`` (historical data), ``admin``.
    origin: Mapped[str] = mapped_column(String(20), default="admin")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Category(Base):
    """A node of the center's contact taxonomy (지방세, 상하수도, …), editable by administrators."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ko: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    sort_order: Mapped[int] = mapped_column(Integer, default=100)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    default_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    #: Single-key shortcut on the desk (``1``–``9``).
    hotkey: Mapped[str | None] = mapped_column(String(1))


class Queue(Base):
    """A telephony queue (ACD group) that calls wait in."""

    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    #: y of the service level x/y in seconds.
    sl_threshold_s: Mapped[int] = mapped_column(Integer, default=20)
    default_category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
