"""Monthly KPI report time on SQLite and PostgreSQL over millions of generated calls and contacts.

Generates ``--rows`` calls (default 10,000,000) spread evenly, in time order, over August 2026 in a
scratch database per
backend, entirely in the database (one ``INSERT … SELECT`` each: a recursive CTE on SQLite,
``generate_series`` on PostgreSQL — no rows pass through Python): 3 % end in the IVR, 8 % are
abandoned (waits 0–89 s, so some are short abandons), the rest answered by 50 counselors in 5 teams
over 4 queues; callers are drawn from rows/4 pseudonyms (quadratic-residue spread, about 11 % of
contacts are repeats within 7 days). Every answered call gets a
contact record (70 % resolved, 20 % transferred → a case with a 7-day deadline closed 0–8 days later,
10 % callback → a callback due 2 h later). Then ``ANALYZE`` (sampled on SQLite) and the timings
(median of 3 runs, the first of them on a cold cache):

* ``calls_ms`` — the call indicators of the month (``period_kpis(contacts=False)``),
* ``report_ms`` — ``minwon kpi --month 2026-08 --json`` (``kpi_report``): every indicator + status,
* ``report_by_queue_agent_ms`` — the same with ``--by queue --by agent``.

    .venv/bin/python bench/kpi.py --rows 10000000 > bench/results/kpi.json

SQLite file: ``/tmp/minwon_bench_kpi.db`` (``MINWON_BENCH_KPI_SQLITE``); PostgreSQL database
``minwon_bench_kpi`` (``MINWON_BENCH_KPI_PG_DB``; dropped and created; admin URL ``MINWON_BENCH_PG``,
default ``postgresql://postgres@127.0.0.1:5432/postgres``). ``--generate-only`` fills them and stops;
``--reuse`` times against what a previous run left (no generation), so a change to the queries can be
re-timed at 10 M without regenerating for half an hour.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from minwon.accounts.models import Role, User
from minwon.db.migrate import upgrade
from minwon.db.session import make_engine, normalise_url
from minwon.org.models import Category, Queue
from minwon.quality.commands import kpi_report
from minwon.quality.service import period_kpis
from minwon.telephony.models import Pbx

PG = os.environ.get("MINWON_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SQLITE_FILE = Path(os.environ.get("MINWON_BENCH_KPI_SQLITE", "/tmp/minwon_bench_kpi.db"))
PG_NAME = os.environ.get("MINWON_BENCH_KPI_PG_DB", "minwon_bench_kpi")
MONTH = "2026-08"
#: 2026-08-01 00:00 Asia/Seoul as a UTC epoch; the month has 31 days.
BASE = int(datetime(2026, 7, 31, 15, 0, tzinfo=UTC).timestamp())
SPAN = 31 * 86400
AGENTS, QUEUES, CATEGORIES = 50, 4, 6


class Dialect:
    """The few SQL spellings that differ: row series, epoch → timestamp, timestamp + seconds, day."""

    def __init__(self, name: str) -> None:
        self.name = name

    def series(self, rows: int) -> str:
        if self.name == "sqlite":
            return (
                f"(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {rows}) "
                "SELECT n FROM s) AS s"
            )
        return f"generate_series(CAST(1 AS BIGINT), {rows}) AS s(n)"

    def ts(self, epoch: str) -> str:
        if self.name == "sqlite":
            return f"(strftime('%Y-%m-%d %H:%M:%S', {epoch}, 'unixepoch') || '.000000')"
        return f"to_timestamp({epoch})"

    def plus(self, column: str, seconds: str) -> str:
        if self.name == "sqlite":
            return self.ts(f"CAST(strftime('%s', {column}) AS INTEGER) + ({seconds})")
        return f"({column} + make_interval(secs => ({seconds})))"

    def day(self, epoch: str) -> str:
        if self.name == "sqlite":
            return f"date({epoch} + 32400, 'unixepoch')"
        return f"CAST(to_timestamp({epoch} + 32400) AT TIME ZONE 'UTC' AS DATE)"


def _reference_rows(engine: Engine) -> None:
    with Session(engine) as db:
        db.add(Pbx(name="bench", token_digest="0" * 64))
        for q in range(QUEUES):
            db.add(Queue(code=f"q{q + 1}", name=f"대기열 {q + 1}", sl_threshold_s=20))
        for c in range(CATEGORIES):
            db.add(Category(code=f"cat{c + 1}", name_ko=f"분류 {c + 1}", name_en=f"Category {c + 1}"))
        for a in range(AGENTS):
            db.add(
                User(
                    username=f"agent{a + 1:02d}",
                    display_name=f"상담사 {a + 1}",
                    password_hash="!",
                    role=Role.COUNSELOR,
                    team=f"team{a % 5 + 1}",
                )
            )
        db.commit()
        # The generator below addresses them by id: a fresh database numbers them from 1.
        assert db.scalar(select(Queue.id).where(Queue.code == "q1")) == 1
        assert db.scalar(select(Category.id).where(Category.code == "cat1")) == 1
        assert db.scalar(select(User.id).where(User.username == "agent01")) == 1


def generate(engine: Engine, rows: int) -> dict[str, float]:
    """Fill calls, contacts, callbacks and cases; returns seconds per step."""
    d = Dialect(engine.dialect.name)
    h = "((n * 2654435761) % 4294967296)"
    # Calls arrive in time order (as a PBX reports them), so ids follow time as in a real table.
    e = f"({BASE} + (n - 1) * {SPAN} / {rows})"
    wait = f"(({h} / 100) % 90)"
    talk = f"(30 + ({h} / 9000) % 400)"
    hold = f"(CASE WHEN ({h} / 3600000) % 5 = 0 THEN ({h} / 9000) % 60 ELSE 0 END)"
    kind = f"({h} % 100)"
    calls = f"""
        INSERT INTO calls (pbx_id, external_id, queue_id, caller_ref, agent_ref, agent_id, status,
            started_at, queued_at, answered_at, ended_at, queue_wait_s, talk_s, hold_s, service_day)
        SELECT 1, CAST(n AS TEXT),
            CASE WHEN {kind} < 3 THEN NULL ELSE 1 + ({h} / 7) % {QUEUES} END,
            'c' || CAST((((n * n) % 1000003) * 7919) % {max(rows // 4, 1)} AS TEXT),
            CASE WHEN {kind} >= 11 THEN 'A' || CAST(1 + ({h} / 13) % {AGENTS} AS TEXT) END,
            CASE WHEN {kind} >= 11 THEN 1 + ({h} / 13) % {AGENTS} END,
            CASE WHEN {kind} < 3 THEN 'ENDED_IN_IVR' WHEN {kind} < 11 THEN 'ABANDONED' ELSE 'COMPLETED' END,
            {d.ts(e)},
            CASE WHEN {kind} >= 3 THEN {d.ts(f"{e} + 8")} END,
            CASE WHEN {kind} >= 11 THEN {d.ts(f"{e} + 8 + {wait}")} END,
            CASE WHEN {kind} < 3 THEN {d.ts(f"{e} + 30")} WHEN {kind} < 11 THEN {d.ts(f"{e} + 8 + {wait}")}
                 ELSE {d.ts(f"{e} + 8 + {wait} + {talk} + {hold}")} END,
            CASE WHEN {kind} >= 3 THEN {wait} END,
            CASE WHEN {kind} >= 11 THEN {talk} END,
            CASE WHEN {kind} >= 11 THEN {hold} ELSE 0 END,
            {d.day(e)}
        FROM {d.series(rows)}
    """
    contacts = f"""
        INSERT INTO contacts (call_id, channel, agent_id, caller_ref, category_id, inquiry, answer,
            outcome, wrapup_started_at, created_at, acw_s)
        SELECT id, 'CALL', agent_id, caller_ref,
            1 + (((id * 2654435761) % 4294967296) / 101) % {CATEGORIES}, '', '',
            CASE WHEN id % 10 < 7 THEN 'RESOLVED' WHEN id % 10 < 9 THEN 'TRANSFERRED' ELSE 'CALLBACK' END,
            ended_at, {d.plus("ended_at", "10 + id % 50")}, 10 + id % 50
        FROM calls WHERE status = 'COMPLETED' ORDER BY id
    """
    callbacks = f"""
        INSERT INTO callbacks (contact_id, assigned_agent_id, due_at, status, note, attempts, created_at,
            closed_at)
        SELECT id, agent_id, {d.plus("created_at", "7200")},
            CASE WHEN id % 7 < 5 THEN 'DONE' WHEN id % 7 < 6 THEN 'FAILED' ELSE 'CANCELLED' END, '', 1,
            created_at,
            CASE WHEN id % 7 < 5 THEN {d.plus("created_at", "(id % 11) * 900")}
                 ELSE {d.plus("created_at", "3600")} END
        FROM contacts WHERE outcome = 'CALLBACK' ORDER BY id
    """
    cases = f"""
        INSERT INTO cases (number, source, title, question, answer, category_id, petition_type, status,
            received_at, due_at, closed_at, created_by_id)
        SELECT 'B' || CAST(id AS TEXT), 'CONTACT', '', '', '', category_id, 'bench', 'CLOSED', created_at,
            {d.plus("created_at", str(7 * 86400))}, {d.plus("created_at", "(id % 9) * 86400")}, agent_id
        FROM contacts WHERE outcome = 'TRANSFERRED' ORDER BY id
    """
    steps: dict[str, float] = {}
    with engine.begin() as conn:
        for name, sql in (
            ("calls", calls),
            ("contacts", contacts),
            ("callbacks", callbacks),
            ("cases", cases),
        ):
            t0 = time.perf_counter()
            conn.execute(text(sql))
            steps[f"insert_{name}_s"] = round(time.perf_counter() - t0, 1)
            print(f"  {engine.dialect.name}: {name} {steps[f'insert_{name}_s']} s", file=sys.stderr)
    t0 = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "sqlite":
            # A full ANALYZE reads every index entry (minutes at 10M rows); sample as PRAGMA optimize does.
            conn.execute(text("PRAGMA analysis_limit = 1000"))
        conn.execute(text("ANALYZE"))
    steps["analyze_s"] = round(time.perf_counter() - t0, 1)
    return steps


def _median_ms(fn: Callable[[], Any], times: int = 3, *, label: str = "") -> tuple[float, Any]:
    samples, result = [], None
    for _ in range(times):
        t0 = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - t0) * 1000)
        print(f"  {label}: {samples[-1]:.0f} ms", file=sys.stderr)
    return round(statistics.median(samples)), result


def run(engine: Engine, rows: int, *, quick: bool = False, reuse: bool = False) -> dict[str, Any]:
    steps: dict[str, float] = {}
    if not reuse:
        upgrade(engine)
        _reference_rows(engine)
        t0 = time.perf_counter()
        steps = generate(engine, rows)
        steps["generate_total_s"] = round(time.perf_counter() - t0, 1)
    else:
        upgrade(engine)  # indexes added since the data was generated
    first, last = date(2026, 8, 1), date(2026, 8, 31)
    with Session(engine) as db:
        counts = {
            t: db.scalar(text(f"SELECT COUNT(*) FROM {t}"))
            for t in ("calls", "contacts", "callbacks", "cases")
        }
        times = 1 if quick else 3
        calls_ms, _ = _median_ms(
            lambda: period_kpis(db=db, first_day=first, last_day=last, contacts=False),
            times=times,
            label="calls",
        )
        report_ms, report = _median_ms(lambda: kpi_report(db=db, month=MONTH), times=times, label="report")
        by_ms = None
        if not quick:
            by_ms, _ = _median_ms(
                lambda: kpi_report(db=db, month=MONTH, by=["queue", "agent"]), times=1, label="by queue+agent"
            )
    keys = (
        "offered",
        "service_level",
        "asa_s",
        "aht_s",
        "fcr",
        "repeat_rate",
        "callback_kept_rate",
        "deadline_compliance",
    )
    return {
        "rows": counts,
        **steps,
        "calls_ms": calls_ms,
        "report_ms": report_ms,
        "report_by_queue_agent_ms": by_ms,
        "sample": {k: report[k] for k in keys},
    }


def run_rollup(engine: Engine, *, reuse: bool = True, live: bool = True) -> dict[str, Any]:
    """The daily totals (``minwon kpi rollup``) over the month's data: the live report once (before the
    build, so every day is live), the build of August, then the report, the call indicators and the
    freshness check with the rollup (median of 3); the samples must equal the live ones."""
    from minwon.quality.rollup import refresh_daily_totals, usable_days

    upgrade(engine)  # the rollup tables and the change triggers (migration 0014)
    first, last = date(2026, 8, 1), date(2026, 8, 31)
    keys = (
        "offered",
        "service_level",
        "asa_s",
        "aht_s",
        "fcr",
        "repeat_rate",
        "callback_kept_rate",
        "deadline_compliance",
    )
    out: dict[str, Any] = {}
    with Session(engine) as db:
        db.execute(text("DELETE FROM kpi_rollup_days"))
        db.execute(text("DELETE FROM kpi_daily_totals"))
        db.commit()
        if live:
            out["report_live_ms"], report = _median_ms(
                lambda: kpi_report(db=db, month=MONTH), times=1, label="report, live"
            )
            out["sample_live"] = {k: report[k] for k in keys}
        t0 = time.perf_counter()
        out["rollup_rows"] = refresh_daily_totals(
            db=db,
            first_day=first,
            last_day=last,
            progress=lambda a, b, n: print(f"  rollup {a}…{b}: {n} rows", file=sys.stderr),
        )
        out["rollup_build_s"] = round(time.perf_counter() - t0, 1)
        print(f"  rollup build: {out['rollup_build_s']} s", file=sys.stderr)
        out["report_rollup_ms"], report = _median_ms(
            lambda: kpi_report(db=db, month=MONTH), label="report, rollup"
        )
        out["report_by_queue_agent_rollup_ms"], _ = _median_ms(
            lambda: kpi_report(db=db, month=MONTH, by=["queue", "agent"]), label="by queue+agent, rollup"
        )
        out["calls_rollup_ms"], _ = _median_ms(
            lambda: period_kpis(db=db, first_day=first, last_day=last, contacts=False), label="calls, rollup"
        )
        out["freshness_check_ms"], days = _median_ms(
            lambda: usable_days(
                db=db, first_day=first, last_day=last, short_abandon_s=5, repeat_window_days=7
            ),
            label="freshness check",
        )
        out["days_from_rollup"] = len(days)
        out["sample_rollup"] = {k: report[k] for k in keys}
        if live:
            out["rollup_equals_live"] = out["sample_rollup"] == out["sample_live"]
    return out


def after_change(engine: Engine) -> dict[str, Any]:
    """One contact record saved late for 2026-08-20 (then removed again) on a month whose daily totals
    are built: the report right after (the days the change can affect are computed live), the refresh
    of the stale days (what the nightly job does), and the report again."""
    from minwon.quality.rollup import ranges, refresh_daily_totals, stale_days

    upgrade(engine)
    first, last = date(2026, 8, 1), date(2026, 8, 31)
    out: dict[str, Any] = {}
    with Session(engine) as db:
        from minwon.contacts.models import Contact

        kept = [
            c.name
            for c in Contact.__table__.c
            if c.name not in ("id", "call_id", "created_at", "wrapup_started_at")
        ]
        names = ", ".join(kept)
        db.execute(
            text(
                f"INSERT INTO contacts ({names}, wrapup_started_at, created_at) "
                f"SELECT {names}, :at, :at FROM contacts WHERE id = 1"
            ),
            {"at": datetime(2026, 8, 20, 3, 0)},
        )
        db.commit()
        try:
            out["stale_days"] = len(stale_days(db=db, first_day=first, last_day=last))
            out["report_after_change_ms"], _ = _median_ms(
                lambda: kpi_report(db=db, month=MONTH), times=1, label="report after one change"
            )
            t0 = time.perf_counter()
            for a, b in ranges(stale_days(db=db, first_day=first, last_day=last)):
                refresh_daily_totals(db=db, first_day=a, last_day=b)
            out["refresh_stale_s"] = round(time.perf_counter() - t0, 1)
            print(f"  refresh of the stale days: {out['refresh_stale_s']} s", file=sys.stderr)
            out["report_after_refresh_ms"], _ = _median_ms(
                lambda: kpi_report(db=db, month=MONTH), label="report after the refresh"
            )
        finally:
            db.execute(
                text("DELETE FROM contacts WHERE created_at = :at"), {"at": datetime(2026, 8, 20, 3, 0)}
            )
            db.commit()
    return out


_CALL_COLUMNS = (
    "pbx_id, queue_id, caller_enc, caller_ref, caller_masked, agent_ref, agent_id, status, started_at, "
    "queued_at, answered_at, ended_at, hold_started_at, queue_wait_s, talk_s, hold_s, service_day, priority"
)


def trigger_cost(engine: Engine, rows: int = 100_000) -> dict[str, Any]:
    """What the change triggers cost a writer at this size: ``rows`` calls inserted (copies of the
    first calls) and ``rows`` contacts updated, each in a transaction that is rolled back, with the
    triggers and with them dropped (inside the same rolled-back transaction)."""
    from minwon.quality.rollup import drop_trigger_ddl

    upgrade(engine)
    dialect = engine.dialect.name
    copy = (
        f"INSERT INTO calls (external_id, {_CALL_COLUMNS}) SELECT external_id || '-t', {_CALL_COLUMNS} "
        f"FROM calls WHERE id <= {int(rows)}"
    )
    touch = f"UPDATE contacts SET acw_s = acw_s WHERE id <= {int(rows)}"
    out: dict[str, Any] = {"rows": rows}
    for label, statement in (("insert_calls", copy), ("update_contacts", touch)):
        for triggers in (True, False):
            with engine.connect() as conn:
                tx = conn.begin()
                if not triggers:
                    for ddl in drop_trigger_ddl(dialect):
                        conn.exec_driver_sql(ddl)
                t0 = time.perf_counter()
                conn.exec_driver_sql(statement)
                ms = round((time.perf_counter() - t0) * 1000)
                tx.rollback()
            key = f"{label}_ms_{'with' if triggers else 'without'}_triggers"
            out[key] = ms
            print(f"  {key}: {ms}", file=sys.stderr)
    return out


def _sqlite_engine(*, reuse: bool = False) -> Engine:
    if not reuse:
        SQLITE_FILE.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{SQLITE_FILE}")

    @event.listens_for(engine, "connect")
    def _fast(dbapi_conn: Any, _record: Any) -> None:  # scratch data: durability not needed
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode = OFF")
        cur.execute("PRAGMA synchronous = OFF")
        cur.execute("PRAGMA cache_size = -400000")
        cur.execute("PRAGMA temp_store = MEMORY")
        cur.close()

    return engine


def _pg_engine(*, reuse: bool = False) -> Engine:
    if not reuse:
        admin = create_engine(normalise_url(PG), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{PG_NAME}"'))
        admin.dispose()
    url = make_url(normalise_url(PG)).set(database=PG_NAME).render_as_string(hide_password=False)
    return make_engine(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--quick", action="store_true", help="one timing run each, no breakdown")
    parser.add_argument(
        "--reuse", action="store_true", help="time against the data a previous run left (no generation)"
    )
    parser.add_argument("--generate-only", action="store_true", help="generate the data, no timings")
    parser.add_argument(
        "--after-change", action="store_true", help="with --reuse: one late change, report, nightly refresh"
    )
    parser.add_argument("--skip-live", action="store_true", help="with --rollup: no live report first")
    parser.add_argument(
        "--trigger-cost", action="store_true", help="with --reuse: what the change triggers cost writers"
    )
    parser.add_argument(
        "--rollup",
        action="store_true",
        help="with --reuse: the live report once, the daily-totals build, the report with them",
    )
    args = parser.parse_args()
    out: dict[str, Any] = {
        "month": MONTH,
        "calls_generated": args.rows,
        "timing_runs": 1 if args.quick else 3,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared with other work)",
    }
    for backend in args.backends.split(","):
        engine = _sqlite_engine(reuse=args.reuse) if backend == "sqlite" else _pg_engine(reuse=args.reuse)
        if args.trigger_cost and backend == "sqlite":  # rolls back: needs a journal (not the fast pragmas)
            engine.dispose()
            engine = make_engine(f"sqlite:///{SQLITE_FILE}")
        try:
            if args.generate_only:
                upgrade(engine)
                _reference_rows(engine)
                out[backend] = generate(engine, args.rows)
            elif args.after_change:
                out[backend] = after_change(engine)
            elif args.trigger_cost:
                out[backend] = trigger_cost(engine)
            elif args.rollup:
                out[backend] = run_rollup(engine, reuse=args.reuse, live=not args.skip_live)
            else:
                out[backend] = run(engine, args.rows, quick=args.quick, reuse=args.reuse)
        finally:
            engine.dispose()
        print(f"{backend}: {json.dumps(out[backend])}", file=sys.stderr)
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
