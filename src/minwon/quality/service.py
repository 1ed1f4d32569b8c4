"""Indicators of a day, a month, per interval and per queue, aggregated in SQL over ``calls``.

Every figure is one aggregate query (``COUNT``/``SUM`` with ``CASE``), portable between SQLite and
PostgreSQL; the ratios are then taken by :mod:`minwon.quality.kpi`. A call belongs to the local
calendar day it started on (``calls.service_day``). Handle time adds the contact record's after-call
work (``contacts.acw_s``) where the call has one. Definitions: :data:`minwon.quality.kpi.DEFINITIONS`.
"""

from __future__ import annotations

import calendar
import math
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, func, literal_column, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from minwon.accounts.models import User
from minwon.config import get_settings
from minwon.contacts.models import Contact, Outcome
from minwon.core.clock import local_day_bounds, to_local
from minwon.core.errors import NotFound, ValidationError
from minwon.org.models import Category, Queue
from minwon.quality.kpi import KpiCounts, compute
from minwon.telephony.models import Call, CallStatus

#: Interval lengths (minutes) the interval report accepts; each divides a day.
INTERVAL_MINUTES = (5, 10, 15, 20, 30, 60, 120)


class epoch_seconds(FunctionElement[int]):
    """Seconds since 1970-01-01 UTC of a stored UTC timestamp (integer), per dialect."""

    type = Integer()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    # minwon stores naive UTC text on SQLite (see UTCDateTime); strftime('%s') reads it as UTC.
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


def _measures(threshold: ColumnElement[int] | int) -> list[Any]:
    answered = Call.answered_at.is_not(None)
    abandoned = Call.status == CallStatus.ABANDONED
    handle = Call.talk_s + Call.hold_s + func.coalesce(Contact.acw_s, 0)
    return [
        func.count(case((or_(answered, abandoned), 1))).label("offered"),
        func.count(Call.answered_at).label("answered"),
        func.count(case((abandoned, 1))).label("abandoned"),
        func.count(case((and_(answered, Call.queue_wait_s <= threshold), 1))).label("within"),
        func.coalesce(func.sum(case((answered, Call.queue_wait_s))), 0).label("wait_total"),
        func.count(case((answered, Call.queue_wait_s))).label("wait_count"),
        func.coalesce(func.sum(case((answered, handle))), 0).label("handle_total"),
        func.count(case((answered, handle))).label("handle_count"),
        func.count(case((Call.status == CallStatus.ENDED_IN_IVR, 1))).label("ended_in_ivr"),
    ]


def _counts(row: Any) -> KpiCounts:
    return KpiCounts(
        offered=int(row.offered),
        answered=int(row.answered),
        abandoned=int(row.abandoned),
        answered_within_threshold=int(row.within),
        wait_total_s=int(row.wait_total),
        wait_count=int(row.wait_count),
        handle_total_s=int(row.handle_total),
        handle_count=int(row.handle_count),
        ended_in_ivr=int(row.ended_in_ivr),
    )


def _queue(db: Session, queue_code: str | None) -> Queue | None:
    if queue_code is None:
        return None
    queue = db.scalar(select(Queue).where(Queue.code == queue_code))
    if queue is None:
        raise NotFound(f"unknown queue {queue_code!r}", field="queue")
    return queue


def _threshold(sl_threshold_s: int | None, queue: Queue | None) -> int:
    if sl_threshold_s is not None:
        if not 1 <= sl_threshold_s <= 3600:
            raise ValidationError("service-level threshold must be 1–3600 seconds", field="sl_threshold_s")
        return sl_threshold_s
    if queue is not None:
        return queue.sl_threshold_s
    return get_settings().sl_threshold_s


def _base(first_day: date, last_day: date, threshold: ColumnElement[int] | int, queue: Queue | None) -> Any:
    stmt = (
        select(*_measures(threshold))
        .select_from(Call)
        .outerjoin(Contact, Contact.call_id == Call.id)
        .where(Call.service_day >= first_day, Call.service_day <= last_day)
    )
    if queue is not None:
        stmt = stmt.where(Call.queue_id == queue.id)
    return stmt


def period_kpis(
    *,
    db: Session,
    first_day: date,
    last_day: date,
    sl_threshold_s: int | None = None,
    queue_code: str | None = None,
) -> dict[str, Any]:
    """Indicators over calls that started on local days ``first_day``…``last_day`` (inclusive).

    ``sl_threshold_s`` (seconds, 1–3600) defaults to the queue's threshold when ``queue_code`` is given,
    else ``MINWON_SL_THRESHOLD_S``. Returns :func:`minwon.quality.kpi.compute`'s keys plus
    ``first_day``, ``last_day`` (ISO) and ``queue`` (code or None). Unrounded. Raises ValidationError
    (bad threshold or days), NotFound (unknown queue, field ``queue``).
    """
    if last_day < first_day:
        raise ValidationError("the period ends before it starts", field="last_day")
    queue = _queue(db, queue_code)
    threshold = _threshold(sl_threshold_s, queue)
    row = db.execute(_base(first_day, last_day, threshold, queue)).one()
    return {
        "first_day": first_day.isoformat(),
        "last_day": last_day.isoformat(),
        "queue": queue_code,
        **compute(_counts(row), sl_threshold_s=threshold),
    }


def day_kpis(
    *, db: Session, day: date, sl_threshold_s: int | None = None, queue_code: str | None = None
) -> dict[str, Any]:
    """Indicators of local day ``day``: :func:`period_kpis` of that day plus ``day`` (ISO)."""
    result = period_kpis(
        db=db, first_day=day, last_day=day, sl_threshold_s=sl_threshold_s, queue_code=queue_code
    )
    return {"day": day.isoformat(), **result}


def month_bounds(month: str) -> tuple[date, date]:
    """``YYYY-MM`` → its first and last day. Raises ValidationError (field ``month``)."""
    try:
        year, mon = (int(p) for p in month.strip().split("-"))
        first = date(year, mon, 1)
    except ValueError:
        raise ValidationError(f"month {month!r} is not YYYY-MM", field="month") from None
    return first, first.replace(day=calendar.monthrange(year, mon)[1])


def month_kpis(
    *, db: Session, month: str, sl_threshold_s: int | None = None, queue_code: str | None = None
) -> dict[str, Any]:
    """Indicators of the month ``YYYY-MM``: :func:`period_kpis` over it plus ``month``."""
    first, last = month_bounds(month)
    result = period_kpis(
        db=db, first_day=first, last_day=last, sl_threshold_s=sl_threshold_s, queue_code=queue_code
    )
    return {"month": f"{first:%Y-%m}", **result}


def interval_kpis(
    *,
    db: Session,
    day: date,
    minutes: int = 30,
    sl_threshold_s: int | None = None,
    queue_code: str | None = None,
) -> list[dict[str, Any]]:
    """Indicators of local day ``day`` per interval of ``minutes`` (one of :data:`INTERVAL_MINUTES`).

    A call falls in the interval of its queue entry, or of its start when it was never queued, counted
    in local time. The bucket is computed in SQL from the stored UTC instant and the UTC start of the
    local day (so a 23- or 25-hour DST day gets 23 or 25 hours of intervals). A call of ``day`` that
    reached the queue after midnight is counted in the last interval, so the intervals add up to
    :func:`day_kpis`. Returns one dict per interval, in order, with ``start``/``end`` (local ``HH:MM``)
    and :func:`minwon.quality.kpi.compute`'s keys; intervals without calls are included (zeros/None).
    """
    if minutes not in INTERVAL_MINUTES:
        allowed = ", ".join(str(m) for m in INTERVAL_MINUTES)
        raise ValidationError(f"interval must be one of {allowed} minutes", field="interval")
    queue = _queue(db, queue_code)
    threshold = _threshold(sl_threshold_s, queue)
    day_start, day_end = local_day_bounds(day)
    width = minutes * 60
    count = math.ceil((day_end - day_start).total_seconds() / width)
    origin = int(day_start.timestamp())
    # Inlined integers (computed here, not user text) so PostgreSQL sees one GROUP BY expression.
    bucket = (
        (epoch_seconds(func.coalesce(Call.queued_at, Call.started_at)) - literal_column(str(origin), Integer))
        // literal_column(str(width), Integer)
    ).label("bucket")
    stmt = _base(day, day, threshold, queue).add_columns(bucket).group_by(bucket)
    per_bucket: dict[int, KpiCounts] = {}
    for row in db.execute(stmt):
        index = min(max(int(row.bucket), 0), count - 1)
        per_bucket[index] = per_bucket.get(index, KpiCounts()) + _counts(row)
    intervals = []
    for index in range(count):
        start = day_start + timedelta(seconds=index * width)
        end = min(start + timedelta(seconds=width), day_end)
        intervals.append(
            {
                "start": to_local(start).strftime("%H:%M"),
                "end": "24:00" if end == day_end else to_local(end).strftime("%H:%M"),
                **compute(per_bucket.get(index, KpiCounts()), sl_threshold_s=threshold),
            }
        )
    return intervals


def queue_kpis(
    *, db: Session, first_day: date, last_day: date | None = None, sl_threshold_s: int | None = None
) -> list[dict[str, Any]]:
    """Indicators per queue over local days ``first_day``…``last_day`` (default: one day).

    Each queue is measured against its own service-level threshold unless ``sl_threshold_s`` is given.
    Returns one dict per queue that had calls, ordered by queue code (calls without a queue last, with
    ``queue`` None), with ``queue``, ``queue_name`` and :func:`minwon.quality.kpi.compute`'s keys.
    """
    last_day = last_day or first_day
    if last_day < first_day:
        raise ValidationError("the period ends before it starts", field="last_day")
    default = _threshold(sl_threshold_s, None)
    threshold: ColumnElement[int] | int = (
        sl_threshold_s if sl_threshold_s is not None else func.coalesce(Queue.sl_threshold_s, default)
    )
    stmt = (
        _base(first_day, last_day, threshold, None)
        .outerjoin(Queue, Queue.id == Call.queue_id)
        .add_columns(Queue.code, Queue.name, Queue.sl_threshold_s)
        .group_by(Queue.code, Queue.name, Queue.sl_threshold_s)
    )
    rows = sorted(db.execute(stmt), key=lambda r: (r.code is None, r.code or ""))
    return [
        {
            "queue": row.code,
            "queue_name": row.name,
            **compute(
                _counts(row),
                sl_threshold_s=sl_threshold_s or (row.sl_threshold_s if row.code is not None else default),
            ),
        }
        for row in rows
    ]


def day_contact_summary(*, db: Session, day: date, recent: int = 10) -> dict[str, Any]:
    """Contact records saved on the local ``day``: counts by outcome and the latest ``recent`` ones.

    Returns ``{"contacts", "resolved", "transferred", "callback", "fcr", "recent": [...]}`` where
    ``fcr`` (first-contact resolution) = resolved ÷ contacts (``None`` without contacts) and each recent
    item is ``{"at", "agent", "category", "outcome"}`` — no caller data. One aggregate query plus one
    query for the list.
    """
    start, end = local_day_bounds(day)
    in_day = and_(Contact.created_at >= start, Contact.created_at < end)
    row = db.execute(
        select(
            func.count(Contact.id),
            func.coalesce(func.sum(case((Contact.outcome == Outcome.RESOLVED, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Contact.outcome == Outcome.TRANSFERRED, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Contact.outcome == Outcome.CALLBACK, 1), else_=0)), 0),
        ).where(in_day)
    ).one()
    total, resolved, transferred, callback = (int(v) for v in row)
    latest = db.execute(
        select(Contact.created_at, User.display_name, Category.name_ko, Category.name_en, Contact.outcome)
        .join(User, User.id == Contact.agent_id)
        .join(Category, Category.id == Contact.category_id)
        .where(in_day)
        .order_by(Contact.created_at.desc(), Contact.id.desc())
        .limit(recent)
    ).all()
    return {
        "contacts": total,
        "resolved": resolved,
        "transferred": transferred,
        "callback": callback,
        "fcr": resolved / total if total else None,
        "recent": [
            {"at": at, "agent": agent, "category_ko": ko, "category_en": en, "outcome": outcome.value}
            for at, agent, ko, en, outcome in latest
        ],
    }
