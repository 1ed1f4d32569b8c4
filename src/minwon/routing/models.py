"""Trained routing models and the map from past department names to today's departments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from minwon.core.clock import utcnow
from minwon.db.base import Base, UTCDateTime


class RoutingModelRecord(Base):
    """One training run. Exactly one row is active; its artifact serves suggestions."""

    __tablename__ = "routing_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    trained_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    n_train: Mapped[int] = mapped_column(Integer)
    n_labels: Mapped[int] = mapped_column(Integer)
    temperature: Mapped[float] = mapped_column(Float)
    #: Held-out evaluation by date (see ``routing.model.Evaluation``), or ``{}`` when too little data.
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    artifact: Mapped[bytes] = mapped_column(LargeBinary)
    is_active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class DepartmentMapping(Base):
    """A department name learned from past cases (e.g. a division of the imported Q&A board, or a
    department since renamed) → the active department that handles such inquiries today."""

    __tablename__ = "routing_department_map"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(120), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
