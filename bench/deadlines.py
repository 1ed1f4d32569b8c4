"""Deadline computations per second, and the overdue scan over 1,000,000 open cases.

1. ``compute_deadline`` throughput for the rule families of Act §19 (hours, working days, calendar
   months) over receipt instants spread through 2026 (holidays.KR cached per year, as in production).
2. A scratch database of each backend (SQLite file in a temporary folder; a new PostgreSQL database
   ``minwon_bench_<random>`` created and dropped) migrated to the current schema, filled by bulk insert
   with 1,000,000 open cases (20 departments; due dates spread uniformly from 3 days before to 60 days
   after "now", so about 4.8 % are overdue), then timed (median of 15 runs, warm cache):

   * ``overdue_count``: ``count(*)`` of open cases due before now (index ``ix_cases_status_due``);
   * ``overdue_first_200``: the supervisor's overdue list, ``list_department_cases(view="overdue")``;
   * ``overdue_one_department``: the same for one department (an officer's overdue tab);
   * ``risk_by_department``: the supervisor's deadline-risk table (grouped over every open case).

Writes ``bench/results/deadlines.json`` and prints it.

    .venv/bin/python bench/deadlines.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from minwon.cases.deadlines import Period, PeriodUnit, compute_deadline
from minwon.cases.models import Case, CaseSource, CaseStatus
from minwon.cases.overview import deadline_risk_by_department
from minwon.cases.service import PENDING_STATUSES, list_department_cases
from minwon.db.migrate import upgrade
from minwon.db.session import make_engine, normalise_url
from minwon.org.models import Department

PG = os.environ.get("MINWON_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=KST).astimezone(UTC)
DEPARTMENTS = 20
RUNS = 15


def bench_compute(n: int = 20_000) -> dict[str, float]:
    rng = random.Random(1)
    start = datetime(2026, 1, 1, tzinfo=KST)
    instants = [start + timedelta(minutes=rng.randrange(365 * 24 * 60)) for _ in range(n)]
    cases: dict[str, Callable[[datetime], object]] = {
        "other_3_working_hours": lambda t: compute_deadline("other", t),
        "grievance_7_days": lambda t: compute_deadline("grievance", t),
        "inquiry_law_14_days": lambda t: compute_deadline("inquiry_law", t),
        "statutory_1_month": lambda t: compute_deadline("statutory", t, period=Period(1, PeriodUnit.MONTHS)),
    }
    out: dict[str, float] = {}
    for name, fn in cases.items():
        fn(instants[0])  # warm the holiday cache
        t0 = time.perf_counter()
        for t in instants:
            fn(t)
        out[name] = round(n / (time.perf_counter() - t0))
    return out


def _rows(n: int, dept_ids: list[int]) -> list[dict[str, object]]:
    rng = random.Random(2)
    span = int(timedelta(days=63).total_seconds())
    first_due = NOW - timedelta(days=3)
    statuses = (CaseStatus.TRANSFERRED, CaseStatus.IN_PROGRESS)
    rows = []
    for i in range(n):
        due = first_due + timedelta(seconds=rng.randrange(span))
        rows.append(
            {
                "number": f"B-{i:09d}",
                "source": CaseSource.CONTACT,
                "title": "bench",
                "question": "bench",
                "answer": "",
                "department_id": dept_ids[i % len(dept_ids)],
                "petition_type": "grievance",
                "status": statuses[i % 2],
                "received_at": due - timedelta(days=9),
                "due_at": due,
                "period_amount": 7,
                "period_unit": "days",
            }
        )
    return rows


def _fill(engine: Engine, n: int) -> tuple[float, list[int]]:
    with Session(engine) as db:
        depts = [Department(name=f"부서{i:02d}") for i in range(DEPARTMENTS)]
        db.add_all(depts)
        db.commit()
        dept_ids = [d.id for d in depts]
    rows = _rows(n, dept_ids)
    t0 = time.perf_counter()
    if engine.dialect.name == "postgresql":
        _copy_pg(engine, rows)
    else:
        with engine.begin() as conn:
            for i in range(0, n, 50_000):
                conn.execute(insert(Case.__table__), rows[i : i + 50_000])
    # Statistics (and, on PostgreSQL, the visibility map autovacuum would set) as in a running system.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    return time.perf_counter() - t0, dept_ids


def _copy_pg(engine: Engine, rows: list[dict[str, object]]) -> None:
    columns = list(rows[0])
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(f"COPY cases ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(
                    [v.name if isinstance(v, (CaseStatus, CaseSource)) else v for v in row.values()]
                )
        raw.commit()
    finally:
        raw.close()


def _median_ms(fn: Callable[[], object]) -> float:
    fn()
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 2)


def run(url: str, n: int) -> dict[str, object]:
    engine = make_engine(url)
    upgrade(engine)
    fill_s, dept_ids = _fill(engine, n)
    with Session(engine) as db:
        overdue = db.scalar(
            select(func.count()).select_from(Case).where(Case.status.in_(PENDING_STATUSES), Case.due_at < NOW)
        )
        result = {
            "open_cases": n,
            "overdue_cases": overdue,
            "bulk_insert_s": round(fill_s, 1),
            "overdue_count_ms": _median_ms(
                lambda: db.scalar(
                    select(func.count())
                    .select_from(Case)
                    .where(Case.status.in_(PENDING_STATUSES), Case.due_at < NOW)
                )
            ),
            "overdue_first_200_ms": _median_ms(
                lambda: list_department_cases(db=db, department_id=None, view="overdue", now=NOW, limit=200)
            ),
            "overdue_one_department_ms": _median_ms(
                lambda: list_department_cases(db=db, department_id=dept_ids[3], view="overdue", now=NOW)
            ),
            "risk_by_department_ms": _median_ms(lambda: deadline_risk_by_department(db=db, now=NOW)),
        }
        db.expunge_all()
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results") / "deadlines.json")
    args = parser.parse_args()
    out: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "now": NOW.isoformat(),
        "compute_deadline_per_s": bench_compute(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        out["sqlite"] = run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.rows)
    name = f"minwon_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(PG), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(normalise_url(PG)).set(database=name).render_as_string(hide_password=False)
        out["postgresql"] = run(url, args.rows)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    text_out = json.dumps(out, indent=2, ensure_ascii=False)
    args.out.write_text(text_out + "\n", encoding="utf-8")
    print(text_out)


if __name__ == "__main__":
    main()
