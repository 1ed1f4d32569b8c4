"""Daily totals (rollup) of the KPI counts, and when they may be used instead of the live queries.

``kpi_daily_totals`` holds, per local day × queue × category × counselor, the additive counts of
:class:`~minwon.quality.kpi.KpiCounts` and :class:`~minwon.quality.kpi.ContactCounts`, computed by the
live SQL builders of :mod:`minwon.quality.service` (``_base``/``_measures`` and ``_contact_queries``)
grouped by day; ``kpi_rollup_days`` records per built day the settings they were computed with
(default SL threshold, short-abandon seconds, repeat window) and the change sequence number they saw.

Freshness: database triggers (:func:`trigger_ddl`, installed by migration 0014) record every insert,
update and delete of ``calls``, ``contacts``, ``callbacks`` and ``cases`` — whatever code or SQL makes
it — in ``kpi_changes`` (latest sequence number per UTC date and scope). A built day is used only when
its settings equal the requested ones and no change with a higher sequence number can affect it
(:func:`usable_days`); every other day is computed live and the counts are added. Only days that have
ended can be built, so ``now`` (pending callbacks and open cases count once due) no longer matters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, delete, func, insert, literal_column, or_, select, text
from sqlalchemy.orm import Session

from minwon.cases.models import Case
from minwon.config import get_settings
from minwon.contacts.models import Callback, Contact
from minwon.core.clock import local_day_bounds, utcnow
from minwon.core.errors import ValidationError
from minwon.core.i18n import N_
from minwon.org.models import Queue
from minwon.quality.kpi import ContactCounts, KpiCounts, kpi_settings
from minwon.quality.models import TOTAL_COLUMNS, KpiChange, KpiDailyTotal, KpiRollupDay
from minwon.telephony.models import Call

#: Longest span computed by one set of grouped queries (a refresh of more days runs several).
CHUNK_DAYS = 31

# --- triggers --------------------------------------------------------------------------------------

#: What a change of a row marks: (scope, date expression, joined tables, join condition), ``R`` being the
#: changed row; ``{d(x)}`` is the UTC date of UTC timestamp ``x`` per dialect.
_MARKS: dict[str, list[tuple[int, str, str, str]]] = {
    "calls": [
        (0, "R.service_day", "", ""),
        # the call's contact is counted on its own day (grouped/filtered by the call's queue) ...
        (0, "{d(c.created_at)}", "contacts c", "c.call_id = R.id"),
        # ... and so are the contact's callbacks on their due day
        (0, "{d(b.due_at)}", "callbacks b JOIN contacts c ON c.id = b.contact_id", "c.call_id = R.id"),
    ],
    "contacts": [
        (1, "{d(R.created_at)}", "", ""),
        (0, "k.service_day", "calls k", "k.id = R.call_id"),
        (0, "{d(b.due_at)}", "callbacks b", "b.contact_id = R.id"),
    ],
    "callbacks": [(0, "{d(R.due_at)}", "", "")],
    "cases": [(0, "{d(R.due_at)}", "", "")],
}

_NEXT_SEQ = "(SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes)"


def _mark_sql(dialect: str, ref: str, scope: int, expr: str, tables: str, condition: str) -> str:
    """One mark: on SQLite for the row ``ref`` (NEW/OLD, row trigger), on PostgreSQL for every row of
    the transition table ``ref`` (statement trigger: one upsert per distinct date, not per row)."""

    def d(m: re.Match[str]) -> str:
        inner = m.group(1)
        return f"date({inner})" if dialect == "sqlite" else f"CAST(({inner} AT TIME ZONE 'UTC') AS DATE)"

    expr = re.sub(r"\{d\(([^)]*)\)\}", d, expr)
    if dialect == "sqlite":
        expr, condition = expr.replace("R.", f"{ref}."), condition.replace("R.", f"{ref}.")
        source = f"FROM {tables} WHERE {condition}" if tables else ""
        # Constant DDL built from this module's own table and column names (no input).
        return (
            f"INSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, {scope}, {_NEXT_SEQ} "  # noqa: S608
            f"FROM (SELECT DISTINCT {expr} AS x {source}) AS marked WHERE x IS NOT NULL;"
        )
    joined = f"({tables})" if " JOIN " in tables else tables
    source = f"FROM {ref} R" + (f" JOIN {joined} ON {condition}" if tables else "")
    return (
        f"INSERT INTO kpi_changes (day, scope, seq) SELECT x, {scope}, {_NEXT_SEQ} "  # noqa: S608
        f"FROM (SELECT DISTINCT {expr} AS x {source}) AS marked WHERE x IS NOT NULL "
        "ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;"
    )


_REFS = {"INSERT": ["NEW"], "UPDATE": ["OLD", "NEW"], "DELETE": ["OLD"]}


def trigger_ddl(dialect: str) -> list[str]:
    """``CREATE TRIGGER`` statements (and PostgreSQL functions) that record changes in ``kpi_changes``:
    SQLite row triggers; PostgreSQL statement triggers over the transition tables (one per table and
    operation — a transition table serves one event only)."""
    out: list[str] = []
    for table, all_marks in _MARKS.items():
        for op, refs in _REFS.items():
            name = f"kpi_mark_{table}_{op.lower()}"
            # A row just inserted has no children yet (their foreign keys need it first).
            marks = [m for m in all_marks if op != "INSERT" or m[2] in ("", "calls k")]
            if dialect == "sqlite":
                body = "\n".join(_mark_sql(dialect, ref, *mark) for ref in refs for mark in marks)
                head = f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {op} ON {table} FOR EACH ROW"
                out.append(f"{head} BEGIN\n{body}\nEND")
                continue
            aliases = {"OLD": "old_rows", "NEW": "new_rows"}
            body = "\n".join(_mark_sql(dialect, aliases[ref], *mark) for ref in refs for mark in marks)
            referencing = " ".join(f"{ref} TABLE AS {aliases[ref]}" for ref in refs)
            out.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n{body}\nRETURN NULL;\nEND $$"
            )
            out.append(
                f"CREATE OR REPLACE TRIGGER {name} AFTER {op} ON {table} REFERENCING {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )
    return out


def drop_trigger_ddl(dialect: str) -> list[str]:
    """The statements undoing :func:`trigger_ddl`."""
    out = []
    for table in _MARKS:
        for op in _REFS:
            name = f"kpi_mark_{table}_{op.lower()}"
            if dialect == "sqlite":
                out.append(f"DROP TRIGGER IF EXISTS {name}")
            else:
                out += [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION IF EXISTS {name}()"]
    return out


# --- build -----------------------------------------------------------------------------------------


def _days(first_day: date, last_day: date) -> list[date]:
    return [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]


def _day_index(epoch: Any, first_day: date, last_day: date) -> Any:
    """0-based local day of an epoch-seconds expression within ``first_day``…``last_day`` (integers
    inlined, so PostgreSQL sees the same expression in SELECT and GROUP BY)."""
    bounds = [local_day_bounds(d) for d in _days(first_day, last_day)]
    origin = int(bounds[0][0].timestamp())
    if all((end - start).total_seconds() == 86400 for start, end in bounds):
        return (epoch - literal_column(str(origin), Integer)) // literal_column("86400", Integer)
    whens = [
        (epoch < literal_column(str(int(end.timestamp())), Integer), literal_column(str(i), Integer))
        for i, (_start, end) in enumerate(bounds)
    ]
    return case(*whens, else_=literal_column(str(len(bounds) - 1), Integer))


Key = tuple[date, int | None, int | None, int | None]


def _compute(
    db: Session, first_day: date, last_day: date, threshold: int, short: int, window: int
) -> dict[Key, dict[str, Any]]:
    """The rows of ``first_day``…``last_day``: ``{(day, queue_id, category_id, agent_id): counts}``."""
    from minwon.quality import service as live

    out: dict[Key, dict[str, Any]] = {}
    queue_sl: dict[Key, int | None] = {}

    def add(key: Key, **values: Any) -> None:
        slot = out.setdefault(key, dict.fromkeys(TOTAL_COLUMNS, 0))
        for name, value in values.items():
            slot[name] += int(value)

    # Calls: the live measures, grouped by day, queue, the contact's category, the answering agent.
    keys = (Call.service_day, Call.queue_id, Contact.category_id, Call.agent_id, Queue.sl_threshold_s)
    stmt = (
        live._base(first_day, last_day, threshold, None, short)
        .outerjoin(Queue, Queue.id == Call.queue_id)
        .add_columns(
            live._within(Queue.sl_threshold_s).label("within_q"),
            func.count(Call.id).label("call_rows"),
            *keys,
        )
        .group_by(*keys)
    )
    for row in db.execute(stmt):
        key: Key = (row.service_day, row.queue_id, row.category_id, row.agent_id)
        queue_sl[key] = row.sl_threshold_s
        counts = live._counts(row)
        add(
            key,
            calls=row.call_rows,
            offered=counts.offered,
            answered=counts.answered,
            abandoned=counts.abandoned,
            short_abandoned=counts.short_abandoned,
            within_default=counts.answered_within_threshold,
            within_queue=row.within_q,
            wait_total_s=counts.wait_total_s,
            wait_count=counts.wait_count,
            handle_total_s=counts.handle_total_s,
            handle_count=counts.handle_count,
            ended_in_ivr=counts.ended_in_ivr,
        )
    # Contacts, callbacks, cases: the live statements, grouped the same way.
    c, contact_q, callback_q, case_q = live._contact_queries(first_day, last_day, window, "rollup", None)
    day = _day_index(c.at_s, first_day, last_day)
    contact_keys = (day, Call.queue_id, c.category_id, c.agent_id)
    contact_q = (
        contact_q.outerjoin(Call, Call.id == c.call_id)
        .add_columns(*(k.label(f"k{i}") for i, k in enumerate(contact_keys)))
        .group_by(*contact_keys)
    )
    day = _day_index(live.epoch_seconds(Callback.due_at), first_day, last_day)
    callback_keys = (day, Call.queue_id, Contact.category_id, Callback.assigned_agent_id)
    callback_q = (
        callback_q.outerjoin(Call, Call.id == Contact.call_id)
        .add_columns(*(k.label(f"k{i}") for i, k in enumerate(callback_keys)))
        .group_by(*callback_keys)
    )
    day = _day_index(live.epoch_seconds(Case.due_at), first_day, last_day)
    case_keys = (day, Case.category_id, Case.created_by_id)
    case_q = case_q.add_columns(
        day.label("k0"),
        literal_column("NULL").label("k1"),
        Case.category_id.label("k2"),
        Case.created_by_id.label("k3"),
    ).group_by(*case_keys)

    def grouped(row: Any) -> Key:
        return (first_day + timedelta(days=int(row.k0)), row.k1, row.k2, row.k3)

    for row in db.execute(contact_q):
        add(
            grouped(row),
            contacts=row.contacts,
            resolved=row.resolved,
            transferred=row.transferred,
            callback=row.callback,
            repeats=row.repeats,
            first_contacts_resolved=row.first_resolved,
        )
    for row in db.execute(callback_q):
        add(grouped(row), callbacks_due=row.due, callbacks_kept=row.kept)
    for row in db.execute(case_q):
        add(grouped(row), cases_due=row.due, cases_on_time=row.on_time)
    thresholds = {q: sl for q, sl in db.execute(select(Queue.id, Queue.sl_threshold_s))}
    for key, values in out.items():
        values["sl_queue_s"] = queue_sl.get(key, thresholds.get(key[1]) if key[1] is not None else None)
    return out


def _high_water(db: Session) -> int:
    """The highest change number any committed transaction has written. On PostgreSQL the table is
    first locked in SHARE mode (waits for writers in flight), so every change not yet committed gets a
    higher number; SQLite serialises writers (``BEGIN IMMEDIATE``). Commits (ends the lock)."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("LOCK TABLE kpi_changes IN SHARE MODE"))
    high = int(db.scalar(select(func.coalesce(func.max(KpiChange.seq), 0))) or 0)
    db.commit()
    return high


def refresh_daily_totals(
    *,
    db: Session,
    first_day: date,
    last_day: date,
    progress: Callable[[date, date, int], None] | None = None,
) -> int:
    """Rebuild the daily totals of local days ``first_day``…``last_day`` (inclusive) with the current
    settings (``MINWON_SL_THRESHOLD_S`` and each queue's threshold, ``MINWON_KPI_SHORT_ABANDON_S``,
    ``MINWON_KPI_REPEAT_WINDOW_DAYS``): the days' rows are replaced in one transaction (idempotent).
    ``progress(first, last, rows)`` is called after each chunk of at most :data:`CHUNK_DAYS` days.
    Returns the number of rows written. Raises ValidationError when the period ends before it starts or
    includes a day that has not ended yet (field ``last_day``).
    """
    if last_day < first_day:
        raise ValidationError("the period ends before it starts", field="last_day")
    if local_day_bounds(last_day)[1] > utcnow():
        raise ValidationError(N_("Only days that have ended can be rolled up."), field="last_day")
    threshold = get_settings().sl_threshold_s
    settings = kpi_settings()
    short, window = settings.short_abandon_s, settings.repeat_window_days
    built_seq = _high_water(db)
    written = 0
    chunk_first = first_day
    while chunk_first <= last_day:
        chunk_last = min(last_day, chunk_first + timedelta(days=CHUNK_DAYS - 1))
        rows = _compute(db, chunk_first, chunk_last, threshold, short, window)
        db.execute(delete(KpiDailyTotal).where(KpiDailyTotal.day.between(chunk_first, chunk_last)))
        db.execute(delete(KpiRollupDay).where(KpiRollupDay.day.between(chunk_first, chunk_last)))
        if rows:
            db.execute(
                insert(KpiDailyTotal),
                [
                    {"day": k[0], "queue_id": k[1], "category_id": k[2], "agent_id": k[3], **v}
                    for k, v in rows.items()
                ],
            )
        now = utcnow()
        db.add_all(
            KpiRollupDay(
                day=d,
                sl_threshold_s=threshold,
                short_abandon_s=short,
                repeat_window_days=window,
                built_seq=built_seq,
                built_at=now,
            )
            for d in _days(chunk_first, chunk_last)
        )
        db.flush()
        written += len(rows)
        if progress is not None:
            progress(chunk_first, chunk_last, len(rows))
        chunk_first = chunk_last + timedelta(days=1)
    db.commit()
    return written


# --- read ------------------------------------------------------------------------------------------


def usable_days(
    *, db: Session, first_day: date, last_day: date, short_abandon_s: int, repeat_window_days: int | None
) -> set[date]:
    """Built days of ``first_day``…``last_day`` whose short-abandon setting (and repeat window, unless
    None: call counts only) equal the given ones and that no later change can affect: a change of
    scope 0 within one day of it, or of scope 1 within the repeat window + 1 day (contact changes
    alter the repeat flags of neighbouring days; dates of changes are UTC dates, hence the extra day).
    The SL threshold is checked per row when reading. Two small indexed queries."""
    built = {
        d.day: d
        for d in db.scalars(
            select(KpiRollupDay).where(KpiRollupDay.day >= first_day, KpiRollupDay.day <= last_day)
        )
        if d.short_abandon_s == short_abandon_s
        and (repeat_window_days is None or d.repeat_window_days == repeat_window_days)
    }
    if not built:
        return set()
    reach = (repeat_window_days or 0) + 1
    changes = db.execute(
        select(KpiChange.day, KpiChange.scope, KpiChange.seq).where(
            KpiChange.day >= first_day - timedelta(days=reach),
            KpiChange.day <= last_day + timedelta(days=reach),
            KpiChange.seq > min(d.built_seq for d in built.values()),
        )
    ).all()
    usable = set(built)
    for changed, scope, seq in changes:
        if scope == 1 and repeat_window_days is None:
            continue  # a contact's own call day is marked with scope 0 as well
        span = 1 if scope == 0 else reach
        for offset in range(-span, span + 1):
            d = changed + timedelta(days=offset)
            if d in usable and seq > built[d].built_seq:
                usable.discard(d)
    return usable


def ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """Sorted days → maximal runs of consecutive days ``[(first, last), …]``."""
    out: list[tuple[date, date]] = []
    for d in sorted(days):
        if out and out[-1][1] + timedelta(days=1) == d:
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def rolled_up_counts(
    *,
    db: Session,
    first_day: date,
    last_day: date,
    sl_threshold_s: int,
    queue_id: int | None,
    short_abandon_s: int,
    repeat_window_days: int | None,
) -> tuple[KpiCounts, ContactCounts, set[date]]:
    """Counts of the usable built days of ``first_day``…``last_day`` (see :func:`usable_days`) and the
    set of days they cover; answers within ``sl_threshold_s`` come from the row's default or queue
    column, whichever was built with that threshold (a day with answered calls built with neither is
    not used). ``queue_id`` restricts to one queue (cases then count nothing, as live)."""
    days = usable_days(
        db=db,
        first_day=first_day,
        last_day=last_day,
        short_abandon_s=short_abandon_s,
        repeat_window_days=repeat_window_days,
    )
    if not days:
        return KpiCounts(), ContactCounts(), set()
    t, d = KpiDailyTotal, KpiRollupDay
    within = case(
        (d.sl_threshold_s == sl_threshold_s, t.within_default),
        (t.sl_queue_s == sl_threshold_s, t.within_queue),
    )
    miss = and_(
        t.answered > 0,
        d.sl_threshold_s != sl_threshold_s,
        or_(t.sl_queue_s.is_(None), t.sl_queue_s != sl_threshold_s),
    )
    summed = [c for c in TOTAL_COLUMNS if c not in ("within_default", "within_queue")]
    stmt = (
        select(
            t.day,
            *(func.sum(getattr(t, c)).label(c) for c in summed),
            func.sum(within).label("within"),
            func.count(case((miss, 1))).label("misses"),
        )
        .join(d, d.day == t.day)
        .where(t.day.in_(sorted(days)))
        .group_by(t.day)
    )
    if queue_id is not None:
        stmt = stmt.where(t.queue_id == queue_id)
    calls, contacts = KpiCounts(), ContactCounts()
    for row in db.execute(stmt):
        if int(row.misses):
            days.discard(row.day)
            continue
        v = {c: int(getattr(row, c) or 0) for c in summed}
        calls += _call_counts(v, int(row.within or 0))
        if repeat_window_days is not None:
            contacts += _contact_counts(v)
    return calls, contacts, days


def _call_counts(v: dict[str, int], within: int) -> KpiCounts:
    return KpiCounts(
        offered=v["offered"],
        answered=v["answered"],
        abandoned=v["abandoned"],
        short_abandoned=v["short_abandoned"],
        answered_within_threshold=within,
        wait_total_s=v["wait_total_s"],
        wait_count=v["wait_count"],
        handle_total_s=v["handle_total_s"],
        handle_count=v["handle_count"],
        ended_in_ivr=v["ended_in_ivr"],
    )


def _contact_counts(v: dict[str, int]) -> ContactCounts:
    return ContactCounts(
        contacts=v["contacts"],
        resolved=v["resolved"],
        transferred=v["transferred"],
        callback=v["callback"],
        repeats=v["repeats"],
        first_contacts=v["contacts"] - v["repeats"],
        first_contacts_resolved=v["first_contacts_resolved"],
        callbacks_due=v["callbacks_due"],
        callbacks_kept=v["callbacks_kept"],
        cases_due=v["cases_due"],
        cases_on_time=v["cases_on_time"],
    )


def rolled_up_groups(
    *,
    db: Session,
    first_day: date,
    last_day: date,
    by: str,
    sl_threshold_s: int | None,
    default_threshold_s: int,
    short_abandon_s: int,
    repeat_window_days: int,
) -> tuple[dict[Any, KpiCounts], dict[Any, ContactCounts], set[date]]:
    """Per group of ``by`` (``queue`` code, ``category`` code, ``agent`` username, ``team``) the counts
    of the usable built days and the set of those days: call counts for groups that had calls, contact
    counts for groups with contacts, callbacks or cases due (as the live breakdown). Answers within:
    ``sl_threshold_s`` when given, else per queue its own threshold (``by="queue"``) or the default."""
    days = usable_days(
        db=db,
        first_day=first_day,
        last_day=last_day,
        short_abandon_s=short_abandon_s,
        repeat_window_days=repeat_window_days,
    )
    if not days:
        return {}, {}, set()
    from minwon.accounts.models import User
    from minwon.org.models import Category

    t, d = KpiDailyTotal, KpiRollupDay
    wanted: Any = sl_threshold_s if sl_threshold_s is not None else default_threshold_s
    if by == "queue":
        joined: Any = (Queue, Queue.id == t.queue_id)
        key: Any = Queue.code
        if sl_threshold_s is None:
            wanted = func.coalesce(Queue.sl_threshold_s, default_threshold_s)
    elif by == "category":
        joined, key = (Category, Category.id == t.category_id), Category.code
    elif by in ("agent", "team"):
        joined = (User, User.id == t.agent_id)
        key = User.username if by == "agent" else User.team
    else:
        raise ValidationError("unknown breakdown", field="by")
    within = case((d.sl_threshold_s == wanted, t.within_default), (t.sl_queue_s == wanted, t.within_queue))
    miss = and_(
        t.answered > 0, d.sl_threshold_s != wanted, or_(t.sl_queue_s.is_(None), t.sl_queue_s != wanted)
    )
    summed = [c for c in TOTAL_COLUMNS if c not in ("within_default", "within_queue")]
    stmt = (
        select(
            t.day,
            key.label("key"),
            *(func.sum(getattr(t, c)).label(c) for c in summed),
            func.sum(within).label("within"),
            func.count(case((miss, 1))).label("misses"),
        )
        .join(d, d.day == t.day)
        .outerjoin(*joined)
        .where(t.day.in_(sorted(days)))
        .group_by(t.day, key)
    )
    rows = db.execute(stmt).all()
    days -= {row.day for row in rows if int(row.misses)}
    calls: dict[Any, KpiCounts] = {}
    contacts: dict[Any, ContactCounts] = {}
    for row in rows:
        if row.day not in days:
            continue
        v = {c: int(getattr(row, c) or 0) for c in summed}
        if v["calls"]:
            calls[row.key] = calls.get(row.key, KpiCounts()) + _call_counts(v, int(row.within or 0))
        if v["contacts"] or v["callbacks_due"] or v["cases_due"]:
            contacts[row.key] = contacts.get(row.key, ContactCounts()) + _contact_counts(v)
    return calls, contacts, days


def stale_days(*, db: Session, first_day: date, last_day: date) -> list[date]:
    """Days of ``first_day``…``last_day`` that are not built, were built with other settings than the
    current defaults, or changed since they were built: what the nightly job refreshes."""
    settings = kpi_settings()
    fresh = usable_days(
        db=db,
        first_day=first_day,
        last_day=last_day,
        short_abandon_s=settings.short_abandon_s,
        repeat_window_days=settings.repeat_window_days,
    )
    threshold = get_settings().sl_threshold_s
    current = {
        d
        for d, sl in db.execute(
            select(KpiRollupDay.day, KpiRollupDay.sl_threshold_s).where(
                KpiRollupDay.day >= first_day, KpiRollupDay.day <= last_day
            )
        )
        if sl == threshold
    }
    return [d for d in _days(first_day, last_day) if d not in fresh or d not in current]


#: How many days back the nightly job looks for days to (re)build.
NIGHTLY_LOOKBACK_DAYS = 62


def refresh_stale(*, db: Session, today: date) -> int:
    """Rebuild every stale day (:func:`stale_days`) of the :data:`NIGHTLY_LOOKBACK_DAYS` days before
    local ``today``: days not built yet, days whose source rows changed (late contact records, a replay,
    callbacks done, cases closed — so days with open callbacks/cases are rebuilt once they close) and
    the repeat window before each contact change. Returns the number of days rebuilt."""
    last = today - timedelta(days=1)
    days = stale_days(db=db, first_day=today - timedelta(days=NIGHTLY_LOOKBACK_DAYS), last_day=last)
    for first, end in ranges(days):
        refresh_daily_totals(db=db, first_day=first, last_day=end)
    return len(days)
