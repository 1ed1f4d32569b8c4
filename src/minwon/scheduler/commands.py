"""``minwon scheduler run [--once]`` and ``minwon scheduler jobs``."""

from __future__ import annotations

import signal
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from minwon.core.clock import local_zone, to_local

if TYPE_CHECKING:
    from minwon.scheduler.service import RunOutcome

scheduler_app = typer.Typer(
    help="Periodic jobs: reminders, escalations, notice delivery.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(scheduler_app, name="scheduler")


def _print(outcomes: Sequence[RunOutcome]) -> None:
    for o in outcomes:
        line = f"{o.job}\t{to_local(o.slot).isoformat()}\t{o.status}"
        if o.status == "done":
            line += f"\t{o.items} item(s)"
        elif o.status == "failed":
            line += f"\t{o.error}"
        typer.echo(line)


@scheduler_app.command("run")
def run(
    once: Annotated[
        bool, typer.Option("--once", help="Run each job's current occurrence once, then exit.")
    ] = False,
    job: Annotated[list[str] | None, typer.Option("--job", help="Only this job (repeatable).")] = None,
    at: Annotated[
        str | None,
        typer.Option(help="With --once: act as if it were AT (ISO 8601; no offset = the center's zone)."),
    ] = None,
) -> None:
    """Run the periodic jobs. Several instances may run at once: each occurrence runs only once.

    Prints one line per job and occurrence: job, slot (local time), done/failed/skipped, items.
    Stops cleanly on SIGINT/SIGTERM.
    """
    from minwon.cli import fail
    from minwon.db.session import session_factory
    from minwon.scheduler.service import run_forever, run_pending, select_jobs

    jobs = select_jobs(job)
    factory = session_factory()
    if at is not None and not once:
        fail("--at needs --once")
    if once:
        now = None
        if at is not None:
            try:
                now = datetime.fromisoformat(at)
            except ValueError:
                fail(f"--at: {at!r} is not an ISO 8601 date-time (e.g. 2026-03-06T09:00:00+09:00)")
                return
            if now.tzinfo is None:
                now = now.replace(tzinfo=local_zone())
        outcomes = run_pending(session_factory=factory, now=now, jobs=jobs)
        _print(outcomes)
        if any(o.status == "failed" for o in outcomes):
            raise typer.Exit(1)
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    typer.echo(f"scheduler running {len(jobs)} job(s); stop with Ctrl+C")
    run_forever(session_factory=factory, stop=stop, jobs=jobs, on_tick=_print)


@scheduler_app.command("jobs")
def jobs_command() -> None:
    """List the registered jobs: name, interval, last slot and status, number of runs."""
    from minwon.db.session import session_scope
    from minwon.scheduler.service import job_statuses

    with session_scope() as db:
        for st in job_statuses(db=db):
            last = f"{to_local(st.last.slot).isoformat()} {st.last.status}" if st.last else "never run"
            typer.echo(f"{st.job.name}\tevery {st.job.every}\t{last}\t{st.runs} run(s)\t{st.job.description}")
