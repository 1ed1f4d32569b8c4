"""Running periodic jobs from several scheduler instances without running an occurrence twice.

Guarantee (database-level, works the same on SQLite and PostgreSQL): before a job runs for a slot,
the instance inserts ``job_runs(job, slot)`` and commits; the unique key ``(job, slot)`` lets exactly
one insert succeed. The others get an integrity error and skip the occurrence. On PostgreSQL a
concurrent insert of the same key waits for the first transaction and then fails; on SQLite the
writers are serialised by ``BEGIN IMMEDIATE`` and the later one sees the committed row.

An occurrence is therefore run **at most once**. A run that crashes stays ``running`` (or is marked
``failed``) and is not retried: the next slot runs the job again, and every job here is a sweep
("send what is due now") that catches up by itself.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from minwon.core.clock import utcnow
from minwon.core.errors import ValidationError
from minwon.scheduler.jobs import Job, registered_jobs
from minwon.scheduler.models import JobRun

logger = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Longest error text kept on a failed run.
_MAX_ERROR = 2000


def slot_of(job: Job, now: datetime) -> datetime:
    """Start of the occurrence of ``job`` that contains ``now``: epoch-aligned multiples of ``every``.

    Raises ValidationError for a naive ``now``.
    """
    if now.tzinfo is None:
        raise ValidationError("now must be timezone-aware", field="now")
    steps = (now.astimezone(UTC) - _EPOCH) // job.every
    return _EPOCH + steps * job.every


def runner_name() -> str:
    """``host:pid``, identifying the scheduler instance in ``job_runs.runner``."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}"


def claim(*, db: Session, job: Job, slot: datetime, now: datetime, runner: str) -> JobRun | None:
    """Insert and commit the run of ``job`` for ``slot``; ``None`` when another instance has it."""
    run = JobRun(
        job=job.name, slot=slot, runner=runner[:120], started_at=now, status="running", items=0, error=""
    )
    try:
        with db.begin_nested():
            db.add(run)
            db.flush()
    except IntegrityError:
        db.rollback()
        return None
    db.commit()
    return run


def _count(result: object) -> int:
    if isinstance(result, bool):
        return int(result)
    if isinstance(result, int):
        return result
    try:
        return len(result)  # type: ignore[arg-type]
    except TypeError:
        return 0


@dataclass(frozen=True)
class RunOutcome:
    """What one instance did with one job in one tick: ``status`` is ``done``, ``failed`` or
    ``skipped`` (the occurrence was already claimed)."""

    job: str
    slot: datetime
    status: str
    items: int = 0
    error: str = ""


def run_job(*, db: Session, job: Job, now: datetime, runner: str | None = None) -> RunOutcome:
    """Claim the current occurrence of ``job`` and run it (see the module docstring); commits.

    An exception from the job is caught: its transaction is rolled back, the run is marked ``failed``
    with the error text, and the outcome says so.
    """
    slot = slot_of(job, now)
    run = claim(db=db, job=job, slot=slot, now=now, runner=runner or runner_name())
    if run is None:
        return RunOutcome(job.name, slot, "skipped")
    run_id = run.id
    try:
        items = _count(job.run(db, now))
    except Exception as exc:
        db.rollback()
        message = f"{type(exc).__name__}: {exc}"[:_MAX_ERROR]
        logger.exception("job %s (slot %s) failed", job.name, slot.isoformat())
        failed = db.get(JobRun, run_id)
        if failed is not None:
            failed.status, failed.error, failed.finished_at = "failed", message, utcnow()
            db.commit()
        return RunOutcome(job.name, slot, "failed", error=message)
    finished = db.get(JobRun, run_id)
    if finished is not None:
        finished.status, finished.items, finished.finished_at = "done", items, utcnow()
        db.commit()
    return RunOutcome(job.name, slot, "done", items=items)


def select_jobs(names: Sequence[str] | None = None, jobs: Sequence[Job] | None = None) -> list[Job]:
    """The registered jobs (or ``jobs``), limited to ``names`` when given.

    Raises ValidationError (``job``) for an unknown name, listing the known ones.
    """
    available = list(jobs) if jobs is not None else registered_jobs()
    if not names:
        return available
    by_name = {j.name: j for j in available}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ValidationError(
            f"unknown job {unknown[0]!r}; known jobs: {', '.join(sorted(by_name))}", field="job"
        )
    return [by_name[n] for n in names]


def run_pending(
    *,
    session_factory: Callable[[], Session],
    now: datetime | None = None,
    jobs: Sequence[Job] | None = None,
    runner: str | None = None,
) -> list[RunOutcome]:
    """One tick: each job's current occurrence, claimed and run in its own session."""
    now = now or utcnow()
    outcomes = []
    for job in jobs if jobs is not None else registered_jobs():
        with session_factory() as db:
            outcomes.append(run_job(db=db, job=job, now=now, runner=runner))
    return outcomes


def seconds_to_next_slot(jobs: Sequence[Job], now: datetime) -> float:
    """Seconds from ``now`` until the earliest next occurrence of any of ``jobs``."""
    return min(((slot_of(j, now) + j.every) - now).total_seconds() for j in jobs)


def run_forever(
    *,
    session_factory: Callable[[], Session],
    stop: threading.Event,
    jobs: Sequence[Job] | None = None,
    on_tick: Callable[[list[RunOutcome]], None] | None = None,
    retry_s: float = 10.0,
) -> None:
    """Tick at every slot boundary until ``stop`` is set (a signal handler sets it).

    A tick that cannot reach the database (``OperationalError``: SQLite locked longer than its busy
    timeout, PostgreSQL restarting) is logged and retried after ``retry_s`` seconds: the scheduler keeps
    running, and the slot's jobs run on the retry (a job's own errors are recorded by :func:`run_job`).
    """
    chosen = list(jobs) if jobs is not None else registered_jobs()
    runner = runner_name()
    while not stop.is_set():
        try:
            outcomes = run_pending(session_factory=session_factory, jobs=chosen, runner=runner)
        except OperationalError:
            logger.exception("scheduler tick could not reach the database; retrying in %.0f s", retry_s)
            stop.wait(retry_s)
            continue
        if on_tick is not None:
            on_tick(outcomes)
        # a little past the boundary, so the next tick falls inside the new slot
        stop.wait(seconds_to_next_slot(chosen, utcnow()) + 0.05)


@dataclass(frozen=True)
class JobStatus:
    """A registered job and its latest run (``None`` if it never ran)."""

    job: Job
    last: JobRun | None
    runs: int


def job_statuses(*, db: Session, jobs: Sequence[Job] | None = None) -> list[JobStatus]:
    """Each registered job with its latest run and the number of runs recorded."""
    out = []
    for job in jobs if jobs is not None else registered_jobs():
        last = db.scalar(select(JobRun).where(JobRun.job == job.name).order_by(JobRun.slot.desc()).limit(1))
        runs = db.scalar(select(func.count()).select_from(JobRun).where(JobRun.job == job.name)) or 0
        out.append(JobStatus(job, last, int(runs)))
    return out


def prune_runs(*, db: Session, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete runs whose slot is older than ``older_than``; commits; returns the number deleted."""
    cutoff = (now or utcnow()) - older_than
    result = db.execute(delete(JobRun).where(JobRun.slot < cutoff))
    db.commit()
    return int(getattr(result, "rowcount", 0) or 0)
