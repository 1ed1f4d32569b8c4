"""Indicators of a day, a month, per interval and per queue, aggregated in SQL over ``calls``.

Every figure is one aggregate query (``COUNT``/``SUM`` with ``CASE``), portable between SQLite and
PostgreSQL; the ratios are then taken by :mod:`minwon.quality.kpi`. A call belongs to the local
calendar day it started on (``calls.service_day``). Handle time adds the contact record's after-call
work (``contacts.acw_s``) where the call has one. Definitions: :data:`minwon.quality.kpi.DEFINITIONS`.
"""

from __future__ import annotations

import calendar
import math
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, false, func, literal_column, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from minwon.accounts.models import User
from minwon.cases.models import Case
from minwon.config import get_settings
from minwon.contacts.models import Callback, CallbackStatus, Contact, Outcome
from minwon.core.clock import local_day_bounds, to_local, utcnow
from minwon.core.errors import NotFound, ValidationError
from minwon.feedback.models import SurveyInvitation, SurveyResponse
from minwon.org.models import Category, Queue
from minwon.quality.kpi import (
    NO_SURVEY_DATA,
    UNSUPPORTED,
    ContactCounts,
    KpiCounts,
    compute,
    compute_contacts,
    kpi_settings,
    with_csat,
)
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


def _within(threshold: Any) -> Any:
    """Answered calls that waited at most ``threshold`` seconds (an aggregate column)."""
    return func.count(case((and_(Call.answered_at.is_not(None), Call.queue_wait_s <= threshold), 1)))


def _measures(threshold: ColumnElement[int] | int, short_abandon_s: int) -> list[Any]:
    answered = Call.answered_at.is_not(None)
    gave_up = Call.status == CallStatus.ABANDONED
    short = and_(gave_up, Call.queue_wait_s < short_abandon_s)
    # An abandon without a recorded wait is counted (never silently dropped).
    abandoned = and_(gave_up, or_(Call.queue_wait_s.is_(None), Call.queue_wait_s >= short_abandon_s))
    handle = Call.talk_s + Call.hold_s + func.coalesce(Contact.acw_s, 0)
    return [
        func.count(case((or_(answered, abandoned), 1))).label("offered"),
        func.count(Call.answered_at).label("answered"),
        func.count(case((abandoned, 1))).label("abandoned"),
        func.count(case((short, 1))).label("short_abandoned"),
        _within(threshold).label("within"),
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
        short_abandoned=int(row.short_abandoned),
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


def _short(short_abandon_s: int | None) -> int:
    if short_abandon_s is None:
        return kpi_settings().short_abandon_s
    if not 0 <= short_abandon_s <= 60:
        raise ValidationError("short-abandon threshold must be 0–60 seconds", field="short_abandon_s")
    return short_abandon_s


def _base(
    first_day: date,
    last_day: date,
    threshold: ColumnElement[int] | int,
    queue: Queue | None,
    short_abandon_s: int | None = None,
) -> Any:
    stmt = (
        select(*_measures(threshold, _short(short_abandon_s)))
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
    short_abandon_s: int | None = None,
    repeat_window_days: int | None = None,
    contacts: bool = True,
    rollup: bool = True,
) -> dict[str, Any]:
    """Indicators over calls that started on local days ``first_day``…``last_day`` (inclusive) and
    contacts, callbacks and cases of the same days.

    With ``rollup`` (default) the counts of days whose daily totals are fresh and were built with the
    same settings are read from ``kpi_daily_totals`` and the other days are computed live
    (:mod:`minwon.quality.rollup`); ``rollup=False`` computes every day live. Both give the same result.

    ``sl_threshold_s`` (seconds, 1–3600) defaults to the queue's threshold when ``queue_code`` is given,
    else ``MINWON_SL_THRESHOLD_S``; ``short_abandon_s`` (0–60) to ``MINWON_KPI_SHORT_ABANDON_S``;
    ``repeat_window_days`` (1–90) to ``MINWON_KPI_REPEAT_WINDOW_DAYS``. Returns
    :func:`minwon.quality.kpi.compute`'s keys, with ``contacts=True`` also
    :func:`minwon.quality.kpi.compute_contacts`'s keys (restricted to the queue's calls when
    ``queue_code`` is given: their contacts and callbacks; cases have no queue and are then not counted),
    plus ``first_day``, ``last_day`` (ISO), ``queue`` (code or None) and ``unsupported``
    (``{indicator: reason}``). Unrounded. Raises ValidationError (bad threshold, window or days),
    NotFound (unknown queue, field ``queue``).
    """
    if last_day < first_day:
        raise ValidationError("the period ends before it starts", field="last_day")
    queue = _queue(db, queue_code)
    threshold = _threshold(sl_threshold_s, queue)
    short = _short(short_abandon_s)
    window = _window(repeat_window_days) if contacts else None
    call_counts, contact_counts = _period_counts(
        db, first_day, last_day, threshold, queue, short, window, rollup=rollup
    )
    out: dict[str, Any] = {
        "first_day": first_day.isoformat(),
        "last_day": last_day.isoformat(),
        "queue": queue_code,
        **compute(call_counts, sl_threshold_s=threshold, short_abandon_s=short),
    }
    if window is not None:
        out.update(compute_contacts(contact_counts, repeat_window_days=window))
        satisfied, answers = csat_counts(
            db=db, first_day=first_day, last_day=last_day, queue_id=queue.id if queue is not None else None
        ).get(None, (0, 0))
        with_csat(out, satisfied, answers)
    out["unsupported"] = dict(UNSUPPORTED)
    if out.get("csat") is None:
        out["unsupported"]["csat"] = NO_SURVEY_DATA
    return out


def _live_counts(
    db: Session,
    first_day: date,
    last_day: date,
    threshold: int,
    queue: Queue | None,
    short: int,
    window: int | None,
) -> tuple[KpiCounts, ContactCounts]:
    calls = _counts(db.execute(_base(first_day, last_day, threshold, queue, short)).one())
    if window is None:
        return calls, ContactCounts()
    counts = _contact_counts(
        db, first_day, last_day, window, None, queue_id=queue.id if queue is not None else None
    )
    return calls, counts.get(None, ContactCounts())


def _period_counts(
    db: Session,
    first_day: date,
    last_day: date,
    threshold: int,
    queue: Queue | None,
    short: int,
    window: int | None,
    *,
    rollup: bool,
) -> tuple[KpiCounts, ContactCounts]:
    """Call and contact counts of the period (contacts only when ``window`` is given): from the daily
    totals for the days they serve, live for each run of other days, added."""
    if not rollup:
        return _live_counts(db, first_day, last_day, threshold, queue, short, window)
    from minwon.quality.rollup import ranges, rolled_up_counts

    calls, contact_counts, served = rolled_up_counts(
        db=db,
        first_day=first_day,
        last_day=last_day,
        sl_threshold_s=threshold,
        queue_id=queue.id if queue is not None else None,
        short_abandon_s=short,
        repeat_window_days=window,
    )
    every = {first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)}
    for first, last in ranges(every - served):
        live_calls, live_contacts = _live_counts(db, first, last, threshold, queue, short, window)
        calls += live_calls
        contact_counts += live_contacts
    return calls, contact_counts


def day_kpis(
    *,
    db: Session,
    day: date,
    sl_threshold_s: int | None = None,
    queue_code: str | None = None,
    short_abandon_s: int | None = None,
    repeat_window_days: int | None = None,
    rollup: bool = True,
) -> dict[str, Any]:
    """Indicators of local day ``day``: :func:`period_kpis` of that day plus ``day`` (ISO)."""
    result = period_kpis(
        db=db,
        first_day=day,
        last_day=day,
        sl_threshold_s=sl_threshold_s,
        queue_code=queue_code,
        short_abandon_s=short_abandon_s,
        repeat_window_days=repeat_window_days,
        rollup=rollup,
    )
    return {"day": day.isoformat(), **result}


def month_bounds(month: str) -> tuple[date, date]:
    """``YYYY-MM`` (1900-01…2999-12) → its first and last day. Raises ValidationError (field ``month``);
    see :func:`minwon.core.clock.parse_month`."""
    from minwon.core.clock import parse_month

    first = parse_month(month)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def month_kpis(
    *,
    db: Session,
    month: str,
    sl_threshold_s: int | None = None,
    queue_code: str | None = None,
    short_abandon_s: int | None = None,
    repeat_window_days: int | None = None,
    rollup: bool = True,
) -> dict[str, Any]:
    """Indicators of the month ``YYYY-MM``: :func:`period_kpis` over it plus ``month``."""
    first, last = month_bounds(month)
    result = period_kpis(
        db=db,
        first_day=first,
        last_day=last,
        sl_threshold_s=sl_threshold_s,
        queue_code=queue_code,
        short_abandon_s=short_abandon_s,
        repeat_window_days=repeat_window_days,
        rollup=rollup,
    )
    return {"month": f"{first:%Y-%m}", **result}


def interval_kpis(
    *,
    db: Session,
    day: date,
    minutes: int = 30,
    sl_threshold_s: int | None = None,
    queue_code: str | None = None,
    short_abandon_s: int | None = None,
) -> list[dict[str, Any]]:
    """Call indicators of local day ``day`` per interval of ``minutes`` (one of :data:`INTERVAL_MINUTES`).

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
    short = _short(short_abandon_s)
    day_start, day_end = local_day_bounds(day)
    width = minutes * 60
    count = math.ceil((day_end - day_start).total_seconds() / width)
    origin = int(day_start.timestamp())
    # Inlined integers (computed here, not user text) so PostgreSQL sees one GROUP BY expression.
    bucket = (
        (epoch_seconds(func.coalesce(Call.queued_at, Call.started_at)) - literal_column(str(origin), Integer))
        // literal_column(str(width), Integer)
    ).label("bucket")
    stmt = _base(day, day, threshold, queue, short).add_columns(bucket).group_by(bucket)
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
                **compute(
                    per_bucket.get(index, KpiCounts()), sl_threshold_s=threshold, short_abandon_s=short
                ),
            }
        )
    return intervals


def queue_kpis(
    *,
    db: Session,
    first_day: date,
    last_day: date | None = None,
    sl_threshold_s: int | None = None,
    short_abandon_s: int | None = None,
) -> list[dict[str, Any]]:
    """Call indicators per queue over local days ``first_day``…``last_day`` (default: one day).

    Each queue is measured against its own service-level threshold unless ``sl_threshold_s`` is given.
    Returns one dict per queue that had calls, ordered by queue code (calls without a queue last, with
    ``queue`` None), with ``queue``, ``queue_name`` and :func:`minwon.quality.kpi.compute`'s keys.
    """
    last_day = last_day or first_day
    if last_day < first_day:
        raise ValidationError("the period ends before it starts", field="last_day")
    default = _threshold(sl_threshold_s, None)
    short = _short(short_abandon_s)
    threshold: ColumnElement[int] | int = (
        sl_threshold_s if sl_threshold_s is not None else func.coalesce(Queue.sl_threshold_s, default)
    )
    stmt = (
        _base(first_day, last_day, threshold, None, short)
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
                short_abandon_s=short,
            ),
        }
        for row in rows
    ]


# --- contacts, callbacks, cases ------------------------------------------------------------------

#: Dimensions of :func:`breakdown_kpis`.
DIMENSIONS = ("queue", "category", "agent", "team")


def _window(repeat_window_days: int | None) -> int:
    if repeat_window_days is None:
        return kpi_settings().repeat_window_days
    if not 1 <= repeat_window_days <= 90:
        raise ValidationError("repeat window must be 1–90 days", field="repeat_window_days")
    return repeat_window_days


def _period_bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    return local_day_bounds(first_day)[0], local_day_bounds(last_day)[1]


def _flagged_contacts(start: datetime, end: datetime, window_s: int) -> Any:
    """Contacts created in ``[start, end)`` with their repeat flags, as a subquery (an alias of
    ``contacts`` with two extra integer columns, 1/0): ``repeat`` — another contact of the same caller
    pseudonym and category within ``window_s`` seconds before; ``followed`` — one within ``window_s``
    seconds after. Ties in time are ordered by id; a contact without caller pseudonym or category is
    never a repeat nor followed.

    One pass with ``LAG``/``LEAD`` over (caller pseudonym, category) ordered by (time, id), on the
    period extended by the window on both sides (the nearest neighbour decides: if any contact is
    within the window, the nearest one is). Read with the ``created_at`` index, then one sort.
    """
    at = epoch_seconds(Contact.created_at)
    order = (Contact.created_at, Contact.id)
    part = (Contact.caller_ref, Contact.category_id)
    known = and_(Contact.caller_ref.is_not(None), Contact.category_id.is_not(None))
    pad = timedelta(seconds=window_s)
    near = (
        select(
            Contact.id,
            Contact.call_id,
            Contact.agent_id,
            Contact.category_id,
            Contact.outcome,
            Contact.created_at,
            at.label("at_s"),
            case((known, func.lag(at).over(partition_by=part, order_by=order))).label("prev_s"),
            case((known, func.lead(at).over(partition_by=part, order_by=order))).label("next_s"),
        )
        .where(Contact.created_at >= start - pad, Contact.created_at < end + pad)
        .subquery("near")
    )
    repeat = near.c.at_s - near.c.prev_s <= window_s
    followed = near.c.next_s - near.c.at_s <= window_s
    return near, repeat, followed


def _contact_counts(
    db: Session,
    first_day: date,
    last_day: date,
    window_days: int,
    by: str | None,
    *,
    queue_id: int | None = None,
) -> dict[Any, ContactCounts]:
    """Counts of contacts (created in the period), callbacks and cases (due in the period) per group
    key of dimension ``by`` (``None``: one total under key ``None``). Three aggregate queries."""
    c, contact_q, callback_q, case_q = _contact_queries(first_day, last_day, window_days, by, queue_id)
    if by is not None:
        contact_q, callback_q, case_q = _grouped(by, c, contact_q, callback_q, case_q)
    out: dict[Any, dict[str, int]] = {}

    def add(rows: Any, **fields: str) -> None:
        for row in rows:
            key = row.key if by is not None else None
            slot = out.setdefault(key, {})
            for field, column in fields.items():
                slot[field] = slot.get(field, 0) + int(getattr(row, column))

    add(
        db.execute(contact_q),
        contacts="contacts",
        resolved="resolved",
        transferred="transferred",
        callback="callback",
        repeats="repeats",
        first_contacts_resolved="first_resolved",
    )
    add(db.execute(callback_q), callbacks_due="due", callbacks_kept="kept")
    add(db.execute(case_q), cases_due="due", cases_on_time="on_time")
    result = {}
    for key, fields in out.items():
        fields["first_contacts"] = fields.get("contacts", 0) - fields.get("repeats", 0)
        result[key] = ContactCounts(**fields)
    return result


def _contact_queries(
    first_day: date, last_day: date, window_days: int, by: str | None, queue_id: int | None
) -> tuple[Any, Any, Any, Any]:
    """The three ungrouped count statements of :func:`_contact_counts` and the columns of the flagged
    contacts subquery (``c``, with ``at_s``): contacts (labels ``contacts``, ``resolved``,
    ``transferred``, ``callback``, ``repeats``, ``first_resolved``), callbacks (``due``, ``kept``; joined
    to their ``Contact`` when ``by`` is ``queue``, ``category`` or ``rollup`` or a queue is given) and
    cases (``due``, ``on_time``)."""
    start, end = _period_bounds(first_day, last_day)
    now = utcnow()
    near, repeat, followed = _flagged_contacts(start, end, window_days * 86400)
    c = near.c
    resolved = c.outcome == Outcome.RESOLVED
    # NULL neighbour (none): the comparison is NULL, so neither a repeat nor followed.
    first = and_(resolved, ~func.coalesce(repeat, false()), ~func.coalesce(followed, false()))
    contact_q = (
        select(
            func.count(c.id).label("contacts"),
            func.count(case((resolved, 1))).label("resolved"),
            func.count(case((c.outcome == Outcome.TRANSFERRED, 1))).label("transferred"),
            func.count(case((c.outcome == Outcome.CALLBACK, 1))).label("callback"),
            func.count(case((repeat, 1))).label("repeats"),
            func.count(case((first, 1))).label("first_resolved"),
        )
        .select_from(near)
        .where(c.created_at >= start, c.created_at < end)
    )
    # Kept = done by its due time (closed_at is set when it leaves pending); a done callback without
    # a recorded completion time cannot be shown to be on time and is not counted kept.
    kept = and_(
        Callback.status == CallbackStatus.DONE,
        Callback.closed_at.is_not(None),
        Callback.closed_at <= Callback.due_at,
    )
    callback_q = select(
        func.count(Callback.id).label("due"),
        func.count(case((kept, 1))).label("kept"),
    ).where(
        Callback.due_at >= start,
        Callback.due_at < end,
        Callback.status != CallbackStatus.CANCELLED,
        or_(Callback.status != CallbackStatus.PENDING, Callback.due_at <= now),
    )
    on_time = and_(Case.closed_at.is_not(None), Case.closed_at <= Case.due_at)
    case_q = select(
        func.count(Case.id).label("due"),
        func.count(case((on_time, 1))).label("on_time"),
    ).where(
        Case.due_at >= start,
        Case.due_at < end,
        or_(Case.closed_at.is_not(None), Case.due_at <= now),
    )
    if queue_id is not None or by in ("queue", "category", "rollup"):
        # Only these need the callback's contact (every callback has one: a plain join drops none).
        callback_q = callback_q.join(Contact, Contact.id == Callback.contact_id)
    if queue_id is not None:
        contact_q = contact_q.join(Call, Call.id == c.call_id).where(Call.queue_id == queue_id)
        callback_q = callback_q.join(Call, Call.id == Contact.call_id).where(Call.queue_id == queue_id)
        case_q = case_q.where(false())
    return c, contact_q, callback_q, case_q


def _grouped(by: str, c: Any, contact_q: Any, callback_q: Any, case_q: Any) -> tuple[Any, Any, Any]:
    """The three count queries grouped by ``by``; each gets a ``key`` column (code / username / team).
    ``c``: the columns of the contacts the first query counts (``call_id``, ``category_id``, ``agent_id``)."""
    if by == "queue":
        contact_q = contact_q.outerjoin(Call, Call.id == c.call_id).outerjoin(
            Queue, Queue.id == Call.queue_id
        )
        callback_q = callback_q.outerjoin(Call, Call.id == Contact.call_id).outerjoin(
            Queue, Queue.id == Call.queue_id
        )
        key: Any = Queue.code
        case_key: Any = literal_column("NULL")
    elif by == "category":
        contact_q = contact_q.join(Category, Category.id == c.category_id)
        callback_q = callback_q.join(Category, Category.id == Contact.category_id)
        case_q = case_q.outerjoin(Category, Category.id == Case.category_id)
        key = case_key = Category.code
    elif by in ("agent", "team"):
        contact_q = contact_q.join(User, User.id == c.agent_id)
        callback_q = callback_q.outerjoin(User, User.id == Callback.assigned_agent_id)
        case_q = case_q.outerjoin(User, User.id == Case.created_by_id)
        key = case_key = User.username if by == "agent" else User.team
    else:
        raise ValidationError(f"breakdown must be one of {', '.join(DIMENSIONS)}", field="by")
    if by == "queue":
        # Cases have no queue: one group of their own (key None).
        return (
            contact_q.add_columns(key.label("key")).group_by(key),
            callback_q.add_columns(key.label("key")).group_by(key),
            case_q.add_columns(case_key.label("key")),
        )
    return (
        contact_q.add_columns(key.label("key")).group_by(key),
        callback_q.add_columns(key.label("key")).group_by(key),
        case_q.add_columns(case_key.label("key")).group_by(case_key),
    )


def _call_groups(
    db: Session, first_day: date, last_day: date, by: str, threshold: int, short: int
) -> dict[Any, KpiCounts]:
    stmt = _base(first_day, last_day, threshold, None, short)
    if by == "category":
        stmt = stmt.outerjoin(Category, Category.id == Contact.category_id)
        key: Any = Category.code
    elif by in ("agent", "team"):
        stmt = stmt.outerjoin(User, User.id == Call.agent_id)
        key = User.username if by == "agent" else User.team
    else:
        raise ValidationError(f"breakdown must be one of {', '.join(DIMENSIONS)}", field="by")
    stmt = stmt.add_columns(key.label("key")).group_by(key)
    return {row.key: _counts(row) for row in db.execute(stmt)}


def _live_call_groups(
    db: Session,
    first_day: date,
    last_day: date,
    by: str,
    sl_threshold_s: int | None,
    default: int,
    short: int,
) -> dict[Any, KpiCounts]:
    """Call counts per group of ``by``; per queue at each queue's own threshold (as :func:`queue_kpis`)
    unless ``sl_threshold_s`` is given."""
    if by != "queue":
        return _call_groups(db, first_day, last_day, by, sl_threshold_s or default, short)
    threshold: ColumnElement[int] | int = (
        sl_threshold_s if sl_threshold_s is not None else func.coalesce(Queue.sl_threshold_s, default)
    )
    stmt = (
        _base(first_day, last_day, threshold, None, short)
        .outerjoin(Queue, Queue.id == Call.queue_id)
        .add_columns(Queue.code.label("key"))
        .group_by(Queue.code)
    )
    return {row.key: _counts(row) for row in db.execute(stmt)}


def _labels(db: Session, by: str) -> dict[Any, str]:
    if by == "queue":
        return {key: label for key, label in db.execute(select(Queue.code, Queue.name))}
    if by == "category":
        return {key: label for key, label in db.execute(select(Category.code, Category.name_ko))}
    if by == "agent":
        return {key: label for key, label in db.execute(select(User.username, User.display_name))}
    return {}


def breakdown_kpis(
    *,
    db: Session,
    first_day: date,
    last_day: date | None = None,
    by: str,
    sl_threshold_s: int | None = None,
    short_abandon_s: int | None = None,
    repeat_window_days: int | None = None,
    rollup: bool = True,
) -> list[dict[str, Any]]:
    """All indicators per ``by`` (``queue``, ``category``, ``agent`` or ``team``) over local days
    ``first_day``…``last_day`` (default: one day). Days with fresh daily totals built with the same
    settings are read from them, the others computed live (``rollup=False``: all live; same result).

    Calls are grouped by their queue, the category of their contact record, the agent who answered
    (``agent`` = username) or that agent's team; contacts by their call's queue, category, counselor or
    team; callbacks by the contact's queue/category and the assigned counselor; cases by category and
    the counselor who created them (cases have no queue: key None). Per-queue rows use each queue's
    own SL threshold (as :func:`queue_kpis`). Returns one dict per group that had calls, contacts,
    callbacks or cases, ordered by key (None last), with ``key``, ``label`` (queue name, Korean category
    name, display name, or the team) and :func:`compute`/:func:`compute_contacts`'s keys. Raises
    ValidationError (unknown ``by``, bad thresholds).
    """
    last_day = last_day or first_day
    if last_day < first_day:
        raise ValidationError("the period ends before it starts", field="last_day")
    if by not in DIMENSIONS:
        raise ValidationError(f"breakdown must be one of {', '.join(DIMENSIONS)}", field="by")
    short = _short(short_abandon_s)
    window = _window(repeat_window_days)
    threshold = _threshold(sl_threshold_s, None)
    call_counts: dict[Any, KpiCounts] = {}
    contacts: dict[Any, ContactCounts] = {}
    served: set[date] = set()
    if rollup:
        from minwon.quality.rollup import rolled_up_groups

        call_counts, contacts, served = rolled_up_groups(
            db=db,
            first_day=first_day,
            last_day=last_day,
            by=by,
            sl_threshold_s=sl_threshold_s,
            default_threshold_s=threshold,
            short_abandon_s=short,
            repeat_window_days=window,
        )
    from minwon.quality.rollup import ranges

    every = {first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)}
    for first, last in ranges(every - served):
        for key, counts in _live_call_groups(db, first, last, by, sl_threshold_s, threshold, short).items():
            call_counts[key] = call_counts.get(key, KpiCounts()) + counts
        for key, more in _contact_counts(db, first, last, window, by).items():
            contacts[key] = contacts.get(key, ContactCounts()) + more
    if by == "queue":
        contacts.setdefault(None, ContactCounts())  # live: cases (no queue) always give the None group
        queue_sl = {code: sl for code, sl in db.execute(select(Queue.code, Queue.sl_threshold_s))}
    calls = {
        key: compute(
            counts,
            sl_threshold_s=(sl_threshold_s or (queue_sl[key] if key is not None else threshold))
            if by == "queue"
            else threshold,
            short_abandon_s=short,
        )
        for key, counts in call_counts.items()
    }
    csat = csat_counts(db=db, first_day=first_day, last_day=last_day, by=by)
    labels = _labels(db, by)
    empty_calls = compute(KpiCounts(), sl_threshold_s=threshold, short_abandon_s=short)
    rows = []
    for key in sorted(set(calls) | set(contacts) | set(csat), key=lambda k: (k is None, str(k or ""))):
        call_values = {
            k: v for k, v in calls.get(key, empty_calls).items() if k not in ("queue", "queue_name")
        }
        rows.append(
            {
                "key": key,
                "label": labels.get(key, key) if key is not None else None,
                **call_values,
                **compute_contacts(contacts.get(key, ContactCounts()), repeat_window_days=window),
            }
        )
        with_csat(rows[-1], *csat.get(key, (0, 0)))
    return rows


def csat_counts(
    *,
    db: Session,
    first_day: date,
    last_day: date,
    by: str | None = None,
    queue_id: int | None = None,
) -> dict[Any, tuple[int, int]]:
    """``{key: (satisfied, answers)}`` of the overall survey question for surveys about contacts and
    cases of local days ``first_day``…``last_day`` (``SurveyInvitation.subject_at``): answers rated 4–5
    and all answers. ``by`` groups like :func:`breakdown_kpis` (queue code, category code, counselor
    username, team; the queue, category and counselor recorded on the invitation; surveys of cases
    have no queue: key None); ``None`` gives one total under key None. ``queue_id`` restricts to one
    queue. One aggregate query."""
    start, end = _period_bounds(first_day, last_day)
    stmt = (
        select(
            func.count(case((SurveyResponse.overall >= 4, 1))).label("satisfied"),
            func.count(SurveyResponse.overall).label("answers"),
        )
        .select_from(SurveyResponse)
        .join(SurveyInvitation, SurveyInvitation.id == SurveyResponse.invitation_id)
        .where(SurveyInvitation.subject_at >= start, SurveyInvitation.subject_at < end)
    )
    if queue_id is not None:
        stmt = stmt.where(SurveyInvitation.queue_id == queue_id)
    key: Any = None
    if by == "queue":
        stmt = stmt.outerjoin(Queue, Queue.id == SurveyInvitation.queue_id)
        key = Queue.code
    elif by == "category":
        stmt = stmt.outerjoin(Category, Category.id == SurveyInvitation.category_id)
        key = Category.code
    elif by in ("agent", "team"):
        stmt = stmt.outerjoin(User, User.id == SurveyInvitation.agent_id)
        key = User.username if by == "agent" else User.team
    elif by is not None:
        raise ValidationError(f"breakdown must be one of {', '.join(DIMENSIONS)}", field="by")
    if key is not None:
        stmt = stmt.add_columns(key.label("key")).group_by(key)
    out: dict[Any, tuple[int, int]] = {}
    for row in db.execute(stmt):
        if int(row.answers):
            out[row.key if key is not None else None] = (int(row.satisfied), int(row.answers))
    return out


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
