"""Daily totals (rollup): the indicators read with them equal the live ones, and never go stale.

Randomised calls, contacts, callbacks and cases (fixed seed) over 2026-09-25 … 2026-11-05; the days
2026-10-05 … 2026-10-25 are rolled up. Every result of ``period_kpis``/``day_kpis``/``month_kpis`` with
the rollup (default) is compared with ``rollup=False`` (every day live, the unchanged queries) — whole
result dicts, so every indicator and count. Then each kind of source write on a rolled-up day (a call
inserted, updated, deleted; a contact saved, edited, deleted — also the repeat flags of neighbouring
days; a callback done; a case closed; a change by plain SQL) must take the affected days out of the
rollup until the next refresh, and the results must still equal live. (Checked once by mutation: with
the freshness check disabled, the equality assertions alone fail after each of the nine changes.)
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from minwon.cases.models import Case, CaseSource, CaseStatus
from minwon.config import get_settings
from minwon.contacts.models import Callback, CallbackStatus, Channel, Contact, Outcome
from minwon.core.errors import ValidationError
from minwon.quality.kpi import kpi_settings
from minwon.quality.models import KpiDailyTotal, KpiRollupDay
from minwon.quality.rollup import (
    ranges,
    refresh_daily_totals,
    refresh_stale,
    rolled_up_groups,
    stale_days,
    usable_days,
)
from minwon.quality.service import breakdown_kpis, day_kpis, month_kpis, period_kpis
from minwon.telephony.models import Call, CallStatus, Pbx
from tests.factories import make_org, make_user

FIRST, LAST = date(2026, 10, 5), date(2026, 10, 25)
ORIGIN = datetime(2026, 9, 24, 15, 0, tzinfo=UTC)  # 2026-09-25 00:00 Asia/Seoul
SPAN_S = 42 * 86400


def _seed(db: Session) -> dict[str, object]:
    rnd = random.Random(20261130)
    cats, _departments, queues = make_org(db)
    queues[0].sl_threshold_s = 30  # the tax queue has its own threshold
    agents = [make_user(db, f"k{i}", team="AB"[i % 2]) for i in range(4)]
    pbx = Pbx(name="rollup", token_digest="2" * 64)
    db.add(pbx)
    db.flush()
    callers = [f"p{i}" for i in range(15)]
    for n in range(700):
        when = ORIGIN + timedelta(seconds=rnd.randrange(SPAN_S), microseconds=rnd.randrange(1_000_000))
        queue = rnd.choice((*queues, None))
        roll = rnd.random()
        status = (
            CallStatus.COMPLETED
            if roll < 0.75
            else CallStatus.ABANDONED
            if roll < 0.93
            else CallStatus.ENDED_IN_IVR
        )
        answered = status == CallStatus.COMPLETED
        wait = (
            rnd.choice((None, rnd.randrange(0, 90)))
            if status == CallStatus.ABANDONED
            else rnd.randrange(0, 60)
        )
        call = Call(
            pbx_id=pbx.id,
            external_id=f"r{n}",
            queue_id=queue.id if queue else None,
            agent_id=rnd.choice(agents).id if answered else None,
            status=status,
            started_at=when,
            queued_at=when if status != CallStatus.ENDED_IN_IVR else None,
            answered_at=when + timedelta(seconds=wait or 0) if answered else None,
            queue_wait_s=wait if status != CallStatus.ENDED_IN_IVR else None,
            talk_s=rnd.randrange(30, 600) if answered else None,
            hold_s=rnd.choice((0, 0, 20)),
            service_day=(when + timedelta(hours=9)).date(),
        )
        db.add(call)
        db.flush()
        if not answered and rnd.random() < 0.9:
            continue
        # Saved at the end of the call, sometimes after local midnight (another day than the call's).
        saved = when + timedelta(seconds=rnd.randrange(60, 3 * 3600))
        outcome = rnd.choice((Outcome.RESOLVED, Outcome.RESOLVED, Outcome.TRANSFERRED, Outcome.CALLBACK))
        contact = Contact(
            call_id=call.id if rnd.random() < 0.9 else None,
            channel=Channel.CALL,
            agent_id=rnd.choice(agents).id,
            caller_ref=None if rnd.random() < 0.08 else rnd.choice(callers),
            category_id=rnd.choice(cats).id,
            inquiry="문의",
            outcome=outcome,
            acw_s=rnd.choice((None, rnd.randrange(0, 120))),
            wrapup_started_at=saved,
            created_at=saved,
        )
        db.add(contact)
        db.flush()
        if outcome == Outcome.CALLBACK:
            due = saved + timedelta(hours=2)
            state = rnd.choice(list(CallbackStatus))
            db.add(
                Callback(
                    contact_id=contact.id,
                    assigned_agent_id=rnd.choice((None, *[a.id for a in agents])),
                    due_at=due,
                    status=state,
                    closed_at=None
                    if state == CallbackStatus.PENDING
                    else due + timedelta(minutes=rnd.randrange(-90, 90)),
                )
            )
        if outcome == Outcome.TRANSFERRED:
            received = saved
            closed = rnd.random() < 0.8
            db.add(
                Case(
                    number=f"R-{n}",
                    source=CaseSource.CONTACT,
                    title="민원",
                    question="문의",
                    category_id=contact.category_id,
                    petition_type="other",
                    status=CaseStatus.CLOSED if closed else CaseStatus.IN_PROGRESS,
                    received_at=received,
                    due_at=received + timedelta(days=rnd.randrange(0, 9)),
                    closed_at=received + timedelta(days=rnd.randrange(0, 10)) if closed else None,
                    created_by_id=rnd.choice(agents).id,
                )
            )
    db.commit()
    return {"queues": queues, "agents": agents, "cats": cats, "pbx": pbx}


def _periods() -> list[tuple[date, date]]:
    days = [(date(2026, 10, 1) + timedelta(days=i),) * 2 for i in range(31)]
    return [
        *days,
        (date(2026, 10, 1), date(2026, 10, 31)),
        (FIRST, LAST),
        (date(2026, 10, 3), date(2026, 10, 12)),
        (date(2026, 10, 20), date(2026, 11, 2)),
        (date(2026, 10, 10), date(2026, 10, 10)),
    ]


def _assert_equal(db: Session, periods: list[tuple[date, date]] | None = None) -> None:
    for first, last in periods or _periods():
        for kw in (
            {},
            {"queue_code": "tax"},
            {"queue_code": "general"},
            {"sl_threshold_s": 30},
            {"sl_threshold_s": 45},
            {"repeat_window_days": 3},
            {"short_abandon_s": 10},
            {"contacts": False},
        ):
            got = period_kpis(db=db, first_day=first, last_day=last, **kw)  # type: ignore[arg-type]
            want = period_kpis(db=db, first_day=first, last_day=last, rollup=False, **kw)  # type: ignore[arg-type]
            assert got == want, (first, last, kw)


def _assert_breakdowns_equal(db: Session, periods: list[tuple[date, date]]) -> None:
    for first, last in periods:
        for by in ("queue", "category", "agent", "team"):
            for kw in ({}, {"sl_threshold_s": 45}, {"sl_threshold_s": 30}, {"repeat_window_days": 3}):
                got = breakdown_kpis(db=db, first_day=first, last_day=last, by=by, **kw)  # type: ignore[arg-type]
                want = breakdown_kpis(db=db, first_day=first, last_day=last, by=by, rollup=False, **kw)  # type: ignore[arg-type]
                assert got == want, (first, last, by, kw)


def _usable(db: Session) -> set[date]:
    s = kpi_settings()
    return usable_days(
        db=db,
        first_day=date(2026, 9, 20),
        last_day=date(2026, 11, 10),
        short_abandon_s=s.short_abandon_s,
        repeat_window_days=s.repeat_window_days,
    )


def _all_days() -> set[date]:
    return {FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)}


def test_rollup_equals_live_on_random_data(db: Session) -> None:
    _seed(db)
    progress: list[tuple[date, date, int]] = []
    written = refresh_daily_totals(
        db=db, first_day=FIRST, last_day=LAST, progress=lambda a, b, n: progress.append((a, b, n))
    )
    assert written > 0 and progress == [(FIRST, LAST, written)]
    assert _usable(db) == _all_days()
    _assert_equal(db)
    _assert_breakdowns_equal(
        db,
        [
            (date(2026, 10, 1), date(2026, 10, 31)),
            (FIRST, LAST),
            (date(2026, 10, 20), date(2026, 11, 2)),
            (date(2026, 10, 9), date(2026, 10, 9)),
        ],
    )
    s = kpi_settings()
    for by in ("queue", "category", "agent", "team"):
        _calls, _contacts, served = rolled_up_groups(
            db=db,
            first_day=FIRST,
            last_day=LAST,
            by=by,
            sl_threshold_s=None,
            default_threshold_s=get_settings().sl_threshold_s,
            short_abandon_s=s.short_abandon_s,
            repeat_window_days=s.repeat_window_days,
        )
        assert served == _all_days(), by  # the breakdowns above were read from the rollup
    assert month_kpis(db=db, month="2026-10") == month_kpis(db=db, month="2026-10", rollup=False)
    assert day_kpis(db=db, day=date(2026, 10, 9)) == day_kpis(db=db, day=date(2026, 10, 9), rollup=False)
    # Idempotent: the same rows again.
    before = sorted(repr(tuple(r)) for r in db.execute(select(*KpiDailyTotal.__table__.c[1:])))
    assert refresh_daily_totals(db=db, first_day=FIRST, last_day=LAST) == written
    assert sorted(repr(tuple(r)) for r in db.execute(select(*KpiDailyTotal.__table__.c[1:]))) == before
    # The rollup's own sums are the live counts (not only the derived ratios).
    live = period_kpis(db=db, first_day=FIRST, last_day=LAST, rollup=False)
    total = db.execute(
        select(KpiDailyTotal.offered, KpiDailyTotal.contacts, KpiDailyTotal.cases_due).where(
            KpiDailyTotal.day.between(FIRST, LAST)
        )
    ).all()
    assert sum(r.offered for r in total) == live["offered"]
    assert sum(r.contacts for r in total) == live["contacts"]
    assert sum(r.cases_due for r in total) == live["cases_due"]


def test_other_settings_are_computed_live(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(db)
    refresh_daily_totals(db=db, first_day=FIRST, last_day=LAST)
    s = kpi_settings()
    assert (
        usable_days(
            db=db,
            first_day=FIRST,
            last_day=LAST,
            short_abandon_s=s.short_abandon_s + 1,
            repeat_window_days=None,
        )
        == set()
    )
    assert (
        usable_days(
            db=db,
            first_day=FIRST,
            last_day=LAST,
            short_abandon_s=s.short_abandon_s,
            repeat_window_days=s.repeat_window_days + 1,
        )
        == set()
    )
    # A queue threshold changed after the build: that queue's days with answered calls go live.
    tax = db.scalar(select(Call.queue_id).where(Call.queue_id.is_not(None)).order_by(Call.queue_id))
    db.execute(text("UPDATE queues SET sl_threshold_s = 25 WHERE id = :q"), {"q": tax})
    db.commit()
    _assert_equal(db, [(FIRST, LAST), (date(2026, 10, 8), date(2026, 10, 8))])
    # The default threshold changed: the nightly job sees every day as stale.
    monkeypatch.setenv("MINWON_SL_THRESHOLD_S", "25")
    get_settings.cache_clear()
    try:
        assert set(stale_days(db=db, first_day=FIRST, last_day=LAST)) == _all_days()
        _assert_equal(db, [(FIRST, LAST)])
    finally:
        monkeypatch.delenv("MINWON_SL_THRESHOLD_S")
        get_settings.cache_clear()


def test_days_not_ended_cannot_be_rolled_up(db: Session) -> None:
    with pytest.raises(ValidationError):
        refresh_daily_totals(db=db, first_day=date(2026, 10, 1), last_day=date(2999, 1, 1))
    with pytest.raises(ValidationError):
        refresh_daily_totals(db=db, first_day=date(2026, 10, 2), last_day=date(2026, 10, 1))


def _stale_after(db: Session, change: object) -> set[date]:
    """Refresh, apply ``change(db)``, commit; return the rolled-up days no longer used."""
    refresh_daily_totals(db=db, first_day=FIRST, last_day=LAST)
    assert _usable(db) == _all_days()
    change(db)  # type: ignore[operator]
    db.commit()
    return _all_days() - _usable(db)


def _local(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=9)


def test_every_source_write_takes_its_days_out_of_the_rollup(db: Session) -> None:
    seeded = _seed(db)
    pbx, queues, agents, cats = seeded["pbx"], seeded["queues"], seeded["agents"], seeded["cats"]
    day = date(2026, 10, 12)
    window = kpi_settings().repeat_window_days

    def new_call(s: Session) -> None:
        s.add(
            Call(
                pbx_id=pbx.id,  # type: ignore[attr-defined]
                external_id="late",
                queue_id=queues[0].id,  # type: ignore[index]
                status=CallStatus.COMPLETED,
                started_at=_local(day),
                answered_at=_local(day),
                queue_wait_s=3,
                talk_s=100,
                service_day=day,
            )
        )

    stale = _stale_after(db, new_call)
    assert day in stale and stale <= {day - timedelta(days=1), day, day + timedelta(days=1)}
    _assert_equal(db, [(FIRST, LAST), (day, day)])
    _assert_breakdowns_equal(db, [(FIRST, LAST)])

    def call_changed(s: Session) -> None:
        s.execute(
            update(Call).where(Call.service_day == day, Call.answered_at.is_not(None)).values(queue_wait_s=1)
        )

    assert day in _stale_after(db, call_changed)
    _assert_equal(db, [(FIRST, LAST), (day, day)])

    def call_deleted(s: Session) -> None:
        victim = s.scalar(
            select(Call).where(
                Call.service_day == day,
                ~Call.id.in_(select(Contact.call_id).where(Contact.call_id.is_not(None))),
            )
        )
        s.delete(victim)

    assert day in _stale_after(db, call_deleted)
    _assert_equal(db, [(FIRST, LAST)])

    def contact_saved_later(s: Session) -> None:
        # A contact on a day after the rollup: it can make a contact days before it a repeat's
        # predecessor (followed → not first-contact resolved), so the window before it is stale too.
        first = s.scalar(
            select(Contact).where(Contact.caller_ref.is_not(None)).order_by(Contact.created_at).offset(100)
        )
        s.add(
            Contact(
                channel=Channel.CALL,
                agent_id=agents[0].id,  # type: ignore[index]
                caller_ref=first.caller_ref,
                category_id=first.category_id,
                inquiry="다시",
                outcome=Outcome.RESOLVED,
                wrapup_started_at=_local(LAST + timedelta(days=2)),
                created_at=_local(LAST + timedelta(days=2)),
            )
        )

    stale = _stale_after(db, contact_saved_later)
    assert {LAST - timedelta(days=d) for d in range(window - 2)} <= stale
    _assert_equal(db, [(FIRST, LAST), (LAST - timedelta(days=3), LAST)])
    _assert_breakdowns_equal(db, [(FIRST, LAST)])

    def contact_edited(s: Session) -> None:
        target = s.scalar(
            select(Contact).where(
                Contact.call_id.is_not(None),
                Contact.created_at >= _local(day, 1),
                Contact.created_at < _local(day, 14),
            )
        )
        target.outcome = Outcome.TRANSFERRED
        target.acw_s = 999
        target.category_id = cats[2].id  # type: ignore[index]

    assert day in _stale_after(db, contact_edited)
    _assert_equal(db, [(FIRST, LAST), (day, day)])
    _assert_breakdowns_equal(db, [(FIRST, LAST)])

    def contact_deleted(s: Session) -> None:
        target = s.scalar(
            select(Contact)
            .where(Contact.created_at >= _local(day, 1), Contact.created_at < _local(day, 20))
            .order_by(Contact.id.desc())
        )
        s.delete(target)

    assert day in _stale_after(db, contact_deleted)
    _assert_equal(db, [(FIRST, LAST)])

    def callback_done(s: Session) -> None:
        cb = s.scalar(
            select(Callback).where(
                Callback.status == CallbackStatus.PENDING,
                Callback.due_at >= _local(FIRST),
                Callback.due_at < _local(LAST),
            )
        )
        cb.status = CallbackStatus.DONE
        cb.closed_at = cb.due_at - timedelta(minutes=5)

    assert _stale_after(db, callback_done)
    _assert_equal(db, [(FIRST, LAST)])

    def case_closed(s: Session) -> None:
        c = s.scalar(
            select(Case).where(
                Case.closed_at.is_(None), Case.due_at >= _local(FIRST), Case.due_at < _local(LAST)
            )
        )
        c.closed_at = c.due_at - timedelta(hours=1)
        c.status = CaseStatus.CLOSED

    assert _stale_after(db, case_closed)
    _assert_equal(db, [(FIRST, LAST)])
    _assert_breakdowns_equal(db, [(FIRST, LAST)])

    closed = db.scalar(
        select(Case).where(
            Case.closed_at <= Case.due_at, Case.due_at >= _local(FIRST), Case.due_at < _local(LAST)
        )
    )  # closed on time: reopening it changes the on-time count
    due_day = (closed.due_at + timedelta(hours=9)).date()

    def case_by_plain_sql(s: Session) -> None:
        s.execute(text("UPDATE cases SET closed_at = NULL WHERE id = :id"), {"id": closed.id})

    assert due_day in _stale_after(db, case_by_plain_sql)
    _assert_equal(db, [(FIRST, LAST), (date(2026, 10, 1), date(2026, 10, 31))])

    # The nightly job rebuilds exactly what is stale (here: days touched above), then all is fresh.
    assert refresh_stale(db=db, today=date(2026, 10, 26)) >= 0
    assert _usable(db) >= _all_days()
    _assert_equal(db, [(FIRST, LAST)])


def test_ranges() -> None:
    d = date(2026, 1, 1)
    assert ranges([d + timedelta(days=i) for i in (3, 0, 1, 5, 6, 7)]) == [
        (d, d + timedelta(days=1)),
        (d + timedelta(days=3), d + timedelta(days=3)),
        (d + timedelta(days=5), d + timedelta(days=7)),
    ]


def test_cli_rollup_and_nightly_job(engine: object) -> None:
    """``minwon kpi rollup`` on the configured (empty, migrated) test database, with progress; the
    scheduler job is registered. The committed rows are removed afterwards."""
    from typer.testing import CliRunner

    from minwon.cli import app
    from minwon.db.session import session_scope
    from minwon.scheduler.jobs import registered_jobs

    try:
        result = CliRunner().invoke(app, ["kpi", "rollup", "--from", "2026-10-01", "--to", "2026-10-02"])
        assert result.exit_code == 0, result.output
        assert "2026-10-01…2026-10-02: 0 rows (2/2 days)" in result.output
        with session_scope() as s:
            built = s.scalars(select(KpiRollupDay.day).order_by(KpiRollupDay.day)).all()
        assert built == [date(2026, 10, 1), date(2026, 10, 2)]
        bad = CliRunner().invoke(app, ["kpi", "rollup", "--from", "2026-10-01", "--to", "2999-01-01"])
        assert bad.exit_code != 0
    finally:
        with session_scope() as s:
            s.execute(delete(KpiRollupDay))
            s.execute(delete(KpiDailyTotal))
            s.commit()
    assert any(job.name == "kpi_daily_totals" for job in registered_jobs())


def test_migration_installs_the_triggers_the_code_generates() -> None:
    """Migration 0014 carries a frozen copy of the trigger DDL; it must match what the code generates."""
    import importlib.util
    from pathlib import Path

    from minwon.quality.rollup import drop_trigger_ddl, trigger_ddl

    path = Path(__file__).parents[2] / "src/minwon/db/migrations/versions/0014_kpi_rollup.py"
    spec = importlib.util.spec_from_file_location("migration_0014", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert trigger_ddl("sqlite") == module.TRIGGERS_SQLITE
    assert trigger_ddl("postgresql") == module.TRIGGERS_POSTGRESQL
    assert drop_trigger_ddl("sqlite") == module.DROP_TRIGGERS_SQLITE
    assert drop_trigger_ddl("postgresql") == module.DROP_TRIGGERS_POSTGRESQL
