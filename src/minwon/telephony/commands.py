"""``minwon replay``: play a real day of call records through the telephony ingestion path.

In-process by default (the events go through :func:`minwon.telephony.service.ingest_events` as the PBX
``replay``); with ``--url`` they are POSTed over HTTP to a running server, exactly as a PBX would.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from minwon.config import get_settings
from minwon.core.clock import local_zone, parse_day
from minwon.core.errors import AuthenticationFailed, MinwonError, ValidationError
from minwon.org.service import ensure_queue
from minwon.telephony.replay import (
    QUEUE_NAMES,
    DayReplay,
    PlannedBatch,
    ReplayTotals,
    Sender,
    parse_queue_map,
    plan_batches,
    read_day,
    run_batches,
)
from minwon.telephony.schemas import IngestResult, TelephonyEvent
from minwon.telephony.service import get_or_create_pbx, ingest_events, issue_pbx_token

REPLAY_PBX = "replay"
EVENTS_PATH = "/api/v1/telephony/events"
SHOW_MALFORMED = 50


def ensure_replay_queues(*, db: Session, queue_map: Mapping[str, str]) -> None:
    """Create the queues ``queue_map`` points to (Korean names from :data:`QUEUE_NAMES`); commits."""
    for code in sorted(set(queue_map.values())):
        ensure_queue(db=db, code=code, name=QUEUE_NAMES.get(code, code))
    db.commit()


def in_process_sender(*, db: Session, queue_map: Mapping[str, str], pbx_name: str = REPLAY_PBX) -> Sender:
    """A sender that ingests batches in this process as the PBX ``pbx_name`` (queues ensured first)."""
    ensure_replay_queues(db=db, queue_map=queue_map)
    pbx = get_or_create_pbx(db=db, name=pbx_name)

    def send(events: list[TelephonyEvent]) -> IngestResult:
        return ingest_events(db=db, pbx=pbx, events=events)

    return send


def http_sender(*, client: httpx.Client, url: str, token: str) -> Sender:
    """A sender that POSTs batches to ``url`` + ``/api/v1/telephony/events`` with the bearer ``token``.

    Raises AuthenticationFailed (401) or MinwonError (unreachable server, other answers), naming the URL.
    """
    endpoint = url.rstrip("/") + EVENTS_PATH

    def send(events: list[TelephonyEvent]) -> IngestResult:
        body = [ev.model_dump(mode="json", exclude_none=True) for ev in events]
        try:
            response = client.post(endpoint, json=body, headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            raise MinwonError(f"cannot reach {endpoint}: {exc}", field="url") from exc
        if response.status_code == 401:
            raise AuthenticationFailed(f"{endpoint} refused the PBX token", field="token")
        if response.status_code != 200:
            raise MinwonError(
                f"{endpoint} answered {response.status_code}: {response.text[:300]}", field="url"
            )
        return IngestResult.model_validate(response.json())

    return send


def resolve_data_path(path: Path, data_dir: Path) -> Path:
    """``path`` if it exists, else the same relative path under ``data_dir``.

    Raises ValidationError (``path``) naming both places and the MINWON_DATA_DIR setting.
    """
    if path.is_file():
        return path
    if not path.is_absolute() and (data_dir / path).is_file():
        return data_dir / path
    tried = str(path) if path.is_absolute() else f"{path} (nor {data_dir / path})"
    raise ValidationError(
        f"call record file not found: {tried}; the shared data folder is MINWON_DATA_DIR={data_dir}",
        field="path",
    )


def replay_day(
    day_replay: DayReplay,
    *,
    send: Sender,
    speed: float,
    sleep: Callable[[float], object] = time.sleep,
    on_batch: Callable[[PlannedBatch, IngestResult], object] | None = None,
) -> ReplayTotals:
    """Send the events of ``day_replay`` through ``send`` paced by ``speed`` (see :func:`plan_batches`)."""
    return run_batches(
        plan_batches(day_replay.events, speed=speed), send=send, sleep=sleep, on_batch=on_batch
    )


def summary_table(day_replay: DayReplay, totals: ReplayTotals) -> Table:
    table = Table(title=f"replay {day_replay.day.isoformat()}", show_header=True)
    table.add_column("", style="bold")
    table.add_column("count", justify="right")
    for label, value in (
        ("rows read (file)", day_replay.rows_read),
        ("rows on the day", day_replay.rows_on_day),
        ("calls sent", day_replay.calls),
        ("events sent", totals.sent),
        ("events accepted", totals.accepted),
        ("events duplicate", totals.duplicates),
        ("events rejected", totals.rejected),
        ("phantom calls skipped", day_replay.phantom),
        ("malformed rows skipped", len(day_replay.malformed)),
    ):
        table.add_row(label, f"{value:,}")
    return table


def replay(
    path: Annotated[
        Path, typer.Argument(help="Anonymous Bank call CSV (absolute, or relative to MINWON_DATA_DIR).")
    ],
    day: Annotated[str, typer.Option("--day", help="The day to replay, YYYY-MM-DD.")],
    speed: Annotated[
        float, typer.Option(help="0 = as fast as possible; 60 = an hour of calls per minute.")
    ] = 0.0,
    url: Annotated[
        str | None, typer.Option(help="POST to this running server (e.g. http://127.0.0.1:8000).")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            help="PBX bearer token for --url (default: rotate the 'replay' PBX token in this database)."
        ),
    ] = None,
    queue_map: Annotated[
        str | None,
        typer.Option("--queue-map", help="Override call type → queue code, e.g. PS=general,IN=tax."),
    ] = None,
) -> None:
    """Replay a day of real call records as PBX events (ringing, answered, hangup, abandoned).

    Replaying a day twice adds nothing: every event is recognised as a duplicate.
    """
    from minwon.db.session import session_scope

    settings = get_settings()
    err = Console(stderr=True)
    if not math.isfinite(speed) or speed < 0:
        raise ValidationError("--speed must be 0 (as fast as possible) or a positive number", field="speed")
    source = resolve_data_path(path, settings.data_dir)
    the_day = parse_day(day)
    mapping = parse_queue_map(queue_map)
    day_replay = read_day(source, day=the_day, queue_map=mapping, zone=local_zone())
    for bad in day_replay.malformed[:SHOW_MALFORMED]:
        err.print(f"[yellow]skipped line {bad.line}:[/] {bad.message}", highlight=False)
    if len(day_replay.malformed) > SHOW_MALFORMED:
        err.print(f"[yellow]… and {len(day_replay.malformed) - SHOW_MALFORMED} more malformed rows[/]")
    if not day_replay.events:
        err.print(f"[yellow]no calls on {the_day.isoformat()} in {source}[/]")

    progress = Progress(
        TextColumn("[bold]replay[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
    task = progress.add_task(the_day.isoformat(), total=len(day_replay.events))

    def advance(batch: PlannedBatch, _result: IngestResult) -> None:
        progress.advance(task, len(batch.events))

    try:
        if url is None:
            with session_scope() as db, progress:
                send = in_process_sender(db=db, queue_map=mapping)
                totals = replay_day(day_replay, send=send, speed=speed, on_batch=advance)
        else:
            if token is None:
                with session_scope() as db:
                    ensure_replay_queues(db=db, queue_map=mapping)
                    token = issue_pbx_token(db=db, name=REPLAY_PBX)
            with httpx.Client(timeout=120) as client, progress:
                send = http_sender(client=client, url=url, token=token)
                totals = replay_day(day_replay, send=send, speed=speed, on_batch=advance)
    except (OperationalError, ProgrammingError) as exc:
        raise MinwonError(
            f"the database is not ready ({type(exc).__name__}); run `minwon init` first", field="database"
        ) from None
    Console().print(summary_table(day_replay, totals))
    for line in totals.rejections:
        err.print(f"[red]rejected[/] {line}", highlight=False)
    if totals.rejected:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Attach ``minwon replay`` to the ``minwon`` command."""
    app.command("replay")(replay)
