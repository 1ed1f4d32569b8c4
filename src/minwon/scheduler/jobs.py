"""The one registry of periodic jobs.

Add a job with one line in :func:`registered_jobs`. A job is ``run(db, now)``: it takes a Session and
the current instant (aware UTC), does its own writes and commits, and returns how many items it
handled (an ``int``; anything with ``len()`` counts its length; other values count as 0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

JobFunc = Callable[[Session, datetime], object]

#: Longest job name (``job_runs.job``).
MAX_JOB_NAME = 60


@dataclass(frozen=True)
class Job:
    """A periodic job: ``name`` (unique, ≤ 60 chars), ``every`` (interval ≥ 1 s) and ``run``.

    Occurrences are aligned to the Unix epoch: a 5-minute job has the slots 09:00, 09:05, … (UTC).
    """

    name: str
    every: timedelta
    run: JobFunc
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > MAX_JOB_NAME:
            raise ValueError(f"job name must be 1–{MAX_JOB_NAME} characters: {self.name!r}")
        if self.every < timedelta(seconds=1):
            raise ValueError(f"job {self.name!r}: interval must be at least one second")


def _case_reminders(db: Session, now: datetime) -> object:
    from minwon.cases.calendar import load_calendar
    from minwon.cases.reminders import send_due_reminders

    # The configured calendar, so temporary holidays and changed working hours count.
    return send_due_reminders(db=db, now=now, calendar=load_calendar(db=db)).sent


def _interim_notices(db: Session, now: datetime) -> int:
    from minwon.cases.calendar import load_calendar
    from minwon.cases.reminder_rules import is_working_moment
    from minwon.cases.workflow import enqueue_due_interim_notices

    # Citizens get SMS only in working hours; the next working tick picks the cases up.
    if not is_working_moment(load_calendar(db=db), now):
        return 0
    return enqueue_due_interim_notices(db=db, now=now)


def _prune_job_runs(db: Session, now: datetime) -> object:
    from minwon.scheduler.service import prune_runs

    return prune_runs(db=db, older_than=timedelta(days=JOB_RUN_RETENTION_DAYS), now=now)


#: How long ``job_runs`` rows are kept (days); enough to audit a month of reminders.
JOB_RUN_RETENTION_DAYS = 35


def _deliver_notices(db: Session, now: datetime) -> int:
    from minwon.notices.delivery import deliver_due

    report = deliver_due(db=db, now=now, limit=NOTICE_BATCH)
    return int(report.as_dict().get("claimed", 0))


def _capa_overdue(db: Session, now: datetime) -> int:
    from minwon.capa.service import notify_overdue

    return notify_overdue(db=db, now=now)


#: Notices one delivery tick claims at most (the rest wait for the next minute).
NOTICE_BATCH = 200


def _survey_invitations(db: Session, now: datetime) -> object:
    from minwon.feedback.service import invite_due

    return invite_due(db=db, now=now).invited


def _kpi_daily_totals(db: Session, now: datetime) -> int:
    from minwon.core.clock import to_local
    from minwon.quality.rollup import refresh_stale

    return refresh_stale(db=db, today=to_local(now).date())


def registered_jobs() -> list[Job]:
    """Every periodic job, in the order they run within one tick (reminders first, so their e-mails
    go out in the same minute)."""
    return [
        Job(
            "case_reminders",
            timedelta(minutes=1),
            _case_reminders,
            "Deadline reminders and overdue escalations for open cases (working hours only)",
        ),
        Job(
            "interim_notices",
            timedelta(minutes=15),
            _interim_notices,
            "Interim notices for cases open long (Civil Petitions Act), in working hours",
        ),
        Job(
            "notices_delivery",
            timedelta(minutes=1),
            _deliver_notices,
            "Send queued SMS and e-mail notices through their providers (retries with backoff)",
        ),
        Job("survey_invitations", timedelta(minutes=5), _survey_invitations, "Satisfaction survey SMS links"),
        Job(
            "corrective_actions_overdue",
            timedelta(hours=1),
            _capa_overdue,
            "Tell owners of corrective actions that passed their due date (once per due date)",
        ),
        Job("job_runs_prune", timedelta(days=1), _prune_job_runs, "Forget scheduler runs older than 35 days"),
        Job(
            "kpi_daily_totals",
            timedelta(days=1),
            _kpi_daily_totals,
            "Rebuild stale KPI daily totals (62 days)",
        ),
    ]
