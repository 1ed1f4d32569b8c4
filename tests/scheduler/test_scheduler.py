"""The scheduler: epoch-aligned slots, one run per occurrence across instances (threads and
processes, on SQLite and PostgreSQL), failures recorded, and the ``minwon scheduler`` command."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from minwon.cases.reminder_models import CaseReminder
from minwon.core.errors import ValidationError
from minwon.db.migrate import upgrade
from minwon.db.session import make_engine
from minwon.scheduler.jobs import Job, registered_jobs
from minwon.scheduler.models import JobRun
from minwon.scheduler.service import (
    job_statuses,
    prune_runs,
    run_forever,
    run_job,
    run_pending,
    select_jobs,
    slot_of,
)
from tests.cases.reminder_support import open_case, reminder_org

KST = ZoneInfo("Asia/Seoul")


def test_slots_are_aligned_to_the_epoch() -> None:
    job = Job("x", timedelta(minutes=5), lambda db, now: 0)
    assert slot_of(job, datetime(2026, 3, 9, 9, 7, 31, tzinfo=UTC)) == datetime(2026, 3, 9, 9, 5, tzinfo=UTC)
    assert slot_of(job, datetime(2026, 3, 9, 9, 5, tzinfo=UTC)) == datetime(2026, 3, 9, 9, 5, tzinfo=UTC)
    # 18:07 KST is 09:07 UTC: the same slot whatever the zone of ``now``.
    assert slot_of(job, datetime(2026, 3, 9, 18, 7, tzinfo=KST)) == datetime(2026, 3, 9, 9, 5, tzinfo=UTC)
    with pytest.raises(ValidationError):
        slot_of(job, datetime(2026, 3, 9, 9, 7))
    with pytest.raises(ValueError):
        Job("", timedelta(minutes=1), lambda db, now: 0)
    with pytest.raises(ValueError):
        Job("y", timedelta(0), lambda db, now: 0)


def test_an_occurrence_runs_once_and_the_next_slot_runs_again(db: Session) -> None:
    calls: list[datetime] = []

    def work(_db: Session, now: datetime) -> int:
        calls.append(now)
        return 3

    job = Job("t_once", timedelta(minutes=1), work)
    t0 = datetime(2026, 3, 9, 0, 0, 10, tzinfo=UTC)
    assert run_job(db=db, job=job, now=t0, runner="a").status == "done"
    assert run_job(db=db, job=job, now=t0 + timedelta(seconds=40), runner="b").status == "skipped"
    nxt = run_job(db=db, job=job, now=t0 + timedelta(seconds=50), runner="b")
    assert (nxt.status, nxt.items) == ("done", 3)
    assert len(calls) == 2
    runs = list(db.scalars(select(JobRun).where(JobRun.job == "t_once").order_by(JobRun.slot)))
    assert [(r.runner, r.status, r.items) for r in runs] == [("a", "done", 3), ("b", "done", 3)]
    assert runs[0].finished_at is not None


def test_a_failing_job_is_recorded_and_not_retried_in_its_slot(db: Session) -> None:
    def boom(_db: Session, _now: datetime) -> int:
        raise RuntimeError("mail server down")

    job = Job("t_fail", timedelta(minutes=1), boom)
    t0 = datetime(2026, 3, 9, 0, 0, 5, tzinfo=UTC)
    out = run_job(db=db, job=job, now=t0, runner="a")
    assert out.status == "failed" and "mail server down" in out.error
    assert run_job(db=db, job=job, now=t0 + timedelta(seconds=1), runner="a").status == "skipped"
    run = db.scalar(select(JobRun).where(JobRun.job == "t_fail"))
    assert run is not None and run.status == "failed" and "RuntimeError" in run.error
    assert [s.runs for s in job_statuses(db=db, jobs=[job])] == [1]


def test_prune_keeps_recent_runs(db: Session) -> None:
    job = Job("t_prune", timedelta(days=1), lambda db, now: 0)
    for day in (1, 20, 40):
        run_job(db=db, job=job, now=datetime(2026, 3, 1, tzinfo=UTC) + timedelta(days=day), runner="a")
    assert prune_runs(db=db, older_than=timedelta(days=30), now=datetime(2026, 4, 12, tzinfo=UTC)) == 1
    assert db.scalar(select(func.count()).select_from(JobRun).where(JobRun.job == "t_prune")) == 2


def test_registry_and_unknown_job_names() -> None:
    names = [j.name for j in registered_jobs()]
    assert names[0] == "case_reminders" and len(names) == len(set(names))
    assert [j.name for j in select_jobs(["case_reminders"])] == ["case_reminders"]
    with pytest.raises(ValidationError, match="known jobs: case_reminders"):
        select_jobs(["nope"])


def test_two_instances_in_threads_never_run_the_same_occurrence(fresh_database_url: str) -> None:
    """Two schedulers with their own engines race for 15 occurrences; each runs exactly once."""
    lock = threading.Lock()
    ran: list[datetime] = []

    def work(_db: Session, now: datetime) -> int:
        with lock:
            ran.append(slot_of(job, now))
        return 1

    job = Job("t_race", timedelta(minutes=1), work)
    t0 = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)
    slots = [t0 + timedelta(minutes=i, seconds=7) for i in range(15)]
    barrier = threading.Barrier(2)
    results: dict[str, list[str]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def instance(name: str) -> None:
        engine = make_engine(fresh_database_url)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        try:
            for now in slots:
                barrier.wait(timeout=30)
                out = run_pending(session_factory=factory, now=now, jobs=[job], runner=name)
                results[name].append(out[0].status)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()
        finally:
            engine.dispose()

    threads = [threading.Thread(target=instance, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(ran) == sorted(slot_of(job, s) for s in slots)
    for a, b in zip(results["a"], results["b"], strict=True):
        assert sorted([a, b]) == ["done", "skipped"]
    engine = make_engine(fresh_database_url)
    with Session(engine) as db:
        assert db.scalar(select(func.count()).select_from(JobRun).where(JobRun.job == "t_race")) == 15
    engine.dispose()


def _cli(url: str, *args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "MINWON_DATABASE_URL": url, "MINWON_ENVIRONMENT": "test"}
    return subprocess.Popen(
        [sys.executable, "-m", "minwon.cli", "scheduler", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_send_each_reminder_once(fresh_database_url: str, tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as db:
        cats, depts, users = reminder_org(db)
        at = datetime(2026, 3, 6, 15, 30, tzinfo=KST)
        case_ids = [
            open_case(
                db,
                agent=users["counselor"],
                category=cats[0],
                department=depts[0],
                petition_type="other",
                at=at,
            ).id
            for _ in range(3)
        ]
    # Monday 9 March 09:00: the three 'other' cases (due 09:30) get their before-due reminder.
    procs = [
        _cli(
            fresh_database_url,
            "run",
            "--once",
            "--job",
            "case_reminders",
            "--at",
            "2026-03-09T09:00:20",
            cwd=tmp_path,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    statuses = sorted(out.split("\t")[2].strip() for out, _err in outs)
    assert statuses == ["done", "skipped"], outs
    done = next(out for out, _err in outs if "\tdone" in out)
    assert done.startswith("case_reminders\t2026-03-09T09:00:00+09:00\tdone\t3 item(s)"), done
    with Session(engine) as db:
        kinds = list(db.scalars(select(CaseReminder.kind).where(CaseReminder.case_id.in_(case_ids))))
        assert kinds == ["before_due"] * 3
    listing = _cli(fresh_database_url, "jobs", cwd=tmp_path).communicate(timeout=60)[0]
    assert "case_reminders\tevery 0:01:00\t2026-03-09T09:00:00+09:00 done\t1 run(s)" in listing
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--once", "--job", "nope"], "unknown job 'nope'"),
        (["run", "--once", "--at", "yesterday"], "--at: 'yesterday' is not an ISO 8601"),
        (["run", "--at", "2026-03-09T09:00"], "--at needs --once"),
    ],
)
def test_cli_bad_input(fresh_database_url: str, tmp_path: Path, args: list[str], message: str) -> None:
    proc = _cli(fresh_database_url, *args, cwd=tmp_path)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and message in " ".join(err.split()), err


def test_a_locked_database_delays_the_tick_but_does_not_stop_the_scheduler(tmp_path: Path) -> None:
    """SQLite held by another writer longer than the busy timeout: the tick fails with
    ``database is locked``; the loop logs it, retries, and runs the job once the lock is gone."""
    path = tmp_path / "locked.db"
    upgrade(make_engine(f"sqlite:///{path}"))
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.2})
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    done = threading.Event()
    job = Job("t_locked", timedelta(hours=1), lambda _db, _now: done.set() or 1)
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    stop = threading.Event()
    ticks: list[list[str]] = []
    loop = threading.Thread(
        target=run_forever,
        kwargs={
            "session_factory": factory,
            "stop": stop,
            "jobs": [job],
            "on_tick": lambda out: ticks.append([o.status for o in out]),
            "retry_s": 0.3,
        },
    )
    loop.start()
    try:
        time.sleep(1.0)  # several ticks fail while the lock is held
        assert not done.is_set() and ticks == []
        assert loop.is_alive()
        holder.rollback()
        assert done.wait(timeout=30), "the job never ran after the lock was released"
    finally:
        holder.close()
        stop.set()
        loop.join(timeout=30)
        engine.dispose()
    assert not loop.is_alive()
    assert ticks[0] == ["done"]
