"""Replay of a day of real call records as PBX events (pure: no database, no HTTP).

Source data: the Technion SEE Lab "Anonymous Bank" call-center records (August 1999; see
``call_center/SOURCE.md`` in the shared data folder). One CSV row is one call with the VRU (IVR),
queue and service times as ``H:MM:SS`` on ``date``; ``0:00:00`` means "did not happen".

Mapping of a row to :class:`~minwon.telephony.schemas.TelephonyEvent` (times are local, Asia/Seoul):

* ``AGENT`` queued: ``ringing`` at ``q_start`` → ``answered`` at ``ser_start`` (``queue_wait_s`` =
  ``q_time``, ``agent`` = ``server``) → ``hangup`` at ``ser_exit`` (``talk_s`` = ``ser_time``).
* ``AGENT`` not queued (``q_start`` 0:00:00): ``answered`` at ``ser_start`` with ``queue_wait_s`` 0 →
  ``hangup``. A served row without service times (57 in the month) is answered when the queue (or the
  VRU) ended, with talk time ``ser_time`` (0): the bank still counts it as served.
* ``HANG`` queued: ``ringing`` at ``q_start`` → ``abandoned`` at ``q_exit`` (``queue_wait_s`` = ``q_time``).
  The service columns of the 126 ``HANG`` rows that carry them are ignored (no agent took the call).
* ``HANG`` not queued: one ``hangup`` at ``vru_exit`` → stored as ended in IVR (not offered).
* ``PHANTOM``: not sent (counted).

Malformed rows (bad times, unknown outcome, blank ``call_id``, negative ``q_time``/``ser_time``,
unknown call type) are reported with their line numbers and skipped. Times earlier than ``vru_entry``
by more than 12 hours belong to the next calendar day (a call that entered at 23:59:29 leaves the
queue at 0:00:57). The VRU and ACD clocks of the source disagree by a second or two on some rows
(and the VRU runs minutes ahead on 19 rows, giving a negative ``vru_time``), so the events of one
call are clamped to be non-decreasing and the call starts at its earliest instant.
Caller numbers are FICTIONAL: ``0100`` + the 7-digit pseudonymous customer index (010-0xxx numbers
are unassigned in Korea); customer 0 (unidentified) is a withheld number.
"""

from __future__ import annotations

import csv
import time as _time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from minwon.core.errors import ValidationError
from minwon.telephony.models import CallEventType
from minwon.telephony.schemas import MAX_BATCH, IngestResult, TelephonyEvent

COLUMNS = (
    "vru+line",
    "call_id",
    "customer_pseudo_id",
    "priority",
    "type",
    "date",
    "vru_entry",
    "vru_exit",
    "vru_time",
    "q_start",
    "q_exit",
    "q_time",
    "outcome",
    "ser_start",
    "ser_exit",
    "ser_time",
    "server",
)
NO_TIME = "0:00:00"
NO_SERVER = "NO_SERVER"
#: A demo mapping of the bank's service types to the fictional city's queues (override with --queue-map).
DEFAULT_QUEUE_MAP: dict[str, str] = {
    "PS": "general",
    "IN": "local_tax",
    "NE": "water",
    "NW": "parking",
    "PE": "events",
    "TT": "callback",
}
#: Korean names given to the queues the replay creates.
QUEUE_NAMES: dict[str, str] = {
    "general": "일반 상담",
    "local_tax": "지방세",
    "water": "상하수도",
    "parking": "주정차",
    "events": "행사·축제",
    "callback": "콜백",
}
#: Prefix of the fictional caller numbers (010-0xxx-xxxx is not assigned to subscribers in Korea).
FICTIONAL_PREFIX = "0100"
_HALF_DAY_S = 12 * 3600


class RowError(ValueError):
    """A malformed CSV row; the message names the column."""


@dataclass(frozen=True)
class MalformedRow:
    """A skipped row: its physical line number in the file (header = line 1) and why."""

    line: int
    message: str


@dataclass
class DayReplay:
    """The events of one day, in time order, and what was read to build them."""

    day: date
    #: Data rows in the file (all days).
    rows_read: int = 0
    #: Rows dated ``day``.
    rows_on_day: int = 0
    #: Calls turned into events.
    calls: int = 0
    phantom: int = 0
    malformed: list[MalformedRow] = field(default_factory=list)
    events: list[TelephonyEvent] = field(default_factory=list)


def parse_queue_map(spec: str | None, base: Mapping[str, str] = DEFAULT_QUEUE_MAP) -> dict[str, str]:
    """``"PS=general,IN=tax"`` → ``base`` updated with those pairs. Raises ValidationError (``queue_map``)."""
    mapping = dict(base)
    for part in (p.strip() for p in (spec or "").split(",") if p.strip()):
        call_type, sep, code = (s.strip() for s in part.partition("="))
        if not sep or not call_type or not code or len(code) > 40:
            raise ValidationError(f"queue map entry {part!r} must be TYPE=QUEUE_CODE", field="queue_map")
        mapping[call_type] = code
    return mapping


def fictional_number(customer_index: int) -> str | None:
    """The fictional caller number of a pseudonymous customer index (0 → withheld → ``None``)."""
    if customer_index == 0:
        return None
    if not 0 < customer_index < 10_000_000:
        raise RowError(f"customer_pseudo_id {customer_index} is out of range 0–9999999")
    return f"{FICTIONAL_PREFIX}{customer_index:07d}"


def parse_clock(value: str, *, column: str) -> int | None:
    """``H:MM:SS`` → seconds after midnight; ``0:00:00`` → ``None``. Raises RowError naming ``column``."""
    text = (value or "").strip()
    if text == NO_TIME:
        return None
    parts = text.split(":")
    try:
        if len(parts) != 3:
            raise ValueError
        hours, minutes, seconds = (int(p) for p in parts)
    except ValueError:
        raise RowError(f"{column} {value!r} is not a time H:MM:SS") from None
    if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 60):
        raise RowError(f"{column} {value!r} is not a time of day")
    return hours * 3600 + minutes * 60 + seconds


def _seconds(row: Mapping[str, str], column: str, *, tolerate_negative: bool = False) -> int:
    try:
        value = int(row[column])
    except ValueError:
        raise RowError(f"{column} {row[column]!r} is not a number of seconds") from None
    if value < 0 and not tolerate_negative:
        raise RowError(f"{column} {value} is a negative duration")
    return value


def _int(row: Mapping[str, str], column: str, low: int, high: int) -> int:
    try:
        value = int(row[column])
    except ValueError:
        raise RowError(f"{column} {row[column]!r} is not a whole number") from None
    if not low <= value <= high:
        raise RowError(f"{column} {value} is out of range {low}–{high}")
    return value


def external_id(row: Mapping[str, str]) -> str:
    """The call's id for the PBX: ``date/vru+line/vru_entry/call_id``.

    ``call_id`` alone repeats within a day in the source (469 times); with the line and entry time it
    is unique.
    """
    return (
        f"{row['date'].strip()}/{row['vru+line'].strip()}/{row['vru_entry'].strip()}/{row['call_id'].strip()}"
    )


def row_events(
    row: Mapping[str, str], *, call_day: date, queue_map: Mapping[str, str], zone: tzinfo
) -> list[TelephonyEvent] | None:
    """The events of one call row in order; ``None`` for a PHANTOM row. Raises RowError when malformed."""
    outcome = row["outcome"].strip()
    if outcome not in ("AGENT", "HANG", "PHANTOM"):
        raise RowError(f"outcome {outcome!r} is not AGENT, HANG or PHANTOM")
    if not row["call_id"].strip():
        raise RowError("call_id is blank")
    if not row["vru+line"].strip():
        raise RowError("vru+line is blank")
    entry = parse_clock(row["vru_entry"], column="vru_entry")
    if entry is None:
        raise RowError("vru_entry is missing (0:00:00)")
    clocks = {
        c: parse_clock(row[c], column=c) for c in ("vru_exit", "q_start", "q_exit", "ser_start", "ser_exit")
    }
    # A negative vru_time is the VRU clock running a minute or two ahead of the ACD's (19 rows: entry
    # logged after exit); it is only needed when vru_exit is missing, so only then is it fatal.
    vru_s = _seconds(row, "vru_time", tolerate_negative=clocks["vru_exit"] is not None)
    q_s, ser_s = _seconds(row, "q_time"), _seconds(row, "ser_time")
    priority = _int(row, "priority", 0, 9)
    caller = fictional_number(_int(row, "customer_pseudo_id", 0, 10**9))
    if outcome == "PHANTOM":
        return None
    call_type = row["type"].strip()
    if call_type not in queue_map:
        raise RowError(f"type {call_type!r} has no queue; add it with --queue-map {call_type}=CODE")
    queue = queue_map[call_type]
    midnight = datetime.combine(call_day, time(0), tzinfo=zone)

    def at(seconds: int) -> datetime:
        day_shift = 1 if seconds < entry - _HALF_DAY_S else 0
        return midnight + timedelta(days=day_shift, seconds=seconds)

    def at_or(column: str, start: int | None, duration: int) -> datetime:
        value = clocks[column]
        if value is not None:
            return at(value)
        assert start is not None
        return at(start) + timedelta(seconds=duration)

    server = row["server"].strip()
    agent = None if server in ("", NO_SERVER) else server
    call_id = external_id(row)
    steps: list[tuple[CallEventType, datetime, dict[str, object]]] = []
    q_start, ser_start = clocks["q_start"], clocks["ser_start"]
    if outcome == "AGENT":
        if q_start is not None:
            steps.append((CallEventType.RINGING, at(q_start), {}))
        if ser_start is not None:
            answered = at(ser_start)
            ended = at_or("ser_exit", ser_start, ser_s)
        else:
            answered = (
                at_or("q_exit", q_start, q_s) if q_start is not None else at_or("vru_exit", entry, vru_s)
            )
            ended = answered + timedelta(seconds=ser_s)
        wait = q_s if q_start is not None else 0
        steps.append((CallEventType.ANSWERED, answered, {"agent": agent, "queue_wait_s": wait}))
        steps.append((CallEventType.HANGUP, ended, {"talk_s": ser_s}))
    elif q_start is not None:
        steps.append((CallEventType.RINGING, at(q_start), {}))
        steps.append((CallEventType.ABANDONED, at_or("q_exit", q_start, q_s), {"queue_wait_s": q_s}))
    else:
        steps.append((CallEventType.HANGUP, at_or("vru_exit", entry, vru_s), {}))
        queue = ""

    events: list[TelephonyEvent] = []
    previous: datetime | None = None
    for kind, when, extra in steps:
        occurred = when if previous is None or when >= previous else previous
        first = not events
        fields: dict[str, object] = {"event": kind, "call_id": call_id, "occurred_at": occurred, **extra}
        if first:
            fields.update(
                entered_at=min(at(entry), occurred),
                caller=caller,
                queue=queue or None,
                priority=priority,
            )
        events.append(TelephonyEvent.model_validate(fields))
        previous = occurred
    return events


def read_day(
    source: Path | Iterable[str],
    *,
    day: date,
    queue_map: Mapping[str, str] = DEFAULT_QUEUE_MAP,
    zone: tzinfo | None = None,
) -> DayReplay:
    """Read the call records of ``day`` from ``source`` (a path or lines of CSV text) as events.

    Events come sorted by time (a call's own events keep their order). Malformed rows of the day
    (and rows whose date cannot be read) are listed with their line numbers and skipped; the others are
    kept. Raises ValidationError (field ``path``) when the header lacks a column of :data:`COLUMNS`.
    """
    zone = zone or ZoneInfo("Asia/Seoul")
    result = DayReplay(day=day)
    wanted = day.isoformat()
    if isinstance(source, Path):
        try:
            with source.open(encoding="utf-8-sig", newline="") as fh:
                _read(fh, result=result, wanted=wanted, queue_map=queue_map, zone=zone)
        except UnicodeDecodeError as exc:
            raise ValidationError(
                f"{source} is not UTF-8 text (byte {exc.start}): save the CSV as UTF-8", field="path"
            ) from None
    else:
        _read(source, result=result, wanted=wanted, queue_map=queue_map, zone=zone)
    result.events.sort(key=lambda ev: ev.occurred_at)
    return result


def _read(
    lines: Iterable[str], *, result: DayReplay, wanted: str, queue_map: Mapping[str, str], zone: tzinfo
) -> None:
    reader = csv.DictReader(iter(lines))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(
            f"not an Anonymous Bank call file: missing column(s) {', '.join(missing)}", field="path"
        )
    for row in reader:
        result.rows_read += 1
        line = reader.line_num
        if None in row or any(row.get(c) is None for c in COLUMNS):
            result.malformed.append(MalformedRow(line, f"expected {len(COLUMNS)} columns"))
            continue
        raw_day = row["date"].strip()
        try:
            call_day = date.fromisoformat(raw_day)
        except ValueError:
            result.malformed.append(MalformedRow(line, f"date {raw_day!r} is not YYYY-MM-DD"))
            continue
        if raw_day != wanted:
            continue
        result.rows_on_day += 1
        try:
            events = row_events(row, call_day=call_day, queue_map=queue_map, zone=zone)
        except (RowError, ValueError) as exc:
            result.malformed.append(MalformedRow(line, str(exc)))
            continue
        if events is None:
            result.phantom += 1
            continue
        result.calls += 1
        result.events.extend(events)


# --- sending: batches, pacing, totals -----------------------------------------------------------


@dataclass(frozen=True)
class PlannedBatch:
    """Events to send together, due ``due_s`` wall-clock seconds after the replay starts."""

    due_s: float
    events: list[TelephonyEvent]


def plan_batches(
    events: Sequence[TelephonyEvent], *, speed: float, max_batch: int = MAX_BATCH, min_gap_s: float = 0.2
) -> list[PlannedBatch]:
    """Group time-ordered ``events`` into batches with their due times.

    ``speed`` 0 sends as fast as possible (batches of ``max_batch``, all due at 0). Otherwise an event
    ``t`` seconds (event time) after the first is due at ``t / speed`` wall-clock seconds: ``speed`` 60
    plays an hour in a minute. Events due less than ``min_gap_s`` after a batch's first event ride along
    with it (sent at most that much early). Raises ValidationError (``speed``) for a negative speed.
    """
    if speed < 0:
        raise ValidationError("speed must be 0 (as fast as possible) or positive", field="speed")
    if max_batch < 1 or max_batch > MAX_BATCH:
        raise ValidationError(f"batch size must be 1–{MAX_BATCH}", field="max_batch")
    if not events:
        return []
    if speed == 0:
        return [PlannedBatch(0.0, list(events[i : i + max_batch])) for i in range(0, len(events), max_batch)]
    first = events[0].occurred_at
    batches: list[PlannedBatch] = []
    current: list[TelephonyEvent] = []
    current_due = 0.0
    for ev in events:
        due = (ev.occurred_at - first).total_seconds() / speed
        if current and (len(current) >= max_batch or due - current_due >= min_gap_s):
            batches.append(PlannedBatch(current_due, current))
            current = []
        if not current:
            current_due = due
        current.append(ev)
    batches.append(PlannedBatch(current_due, current))
    return batches


Sender = Callable[[list[TelephonyEvent]], IngestResult]


@dataclass
class ReplayTotals:
    """What the receiver said about the events sent."""

    batches: int = 0
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    #: The first rejections, ``"call id: message (field)"``.
    rejections: list[str] = field(default_factory=list)


def run_batches(
    batches: Iterable[PlannedBatch],
    *,
    send: Sender,
    sleep: Callable[[float], object] = _time.sleep,
    clock: Callable[[], float] = _time.monotonic,
    on_batch: Callable[[PlannedBatch, IngestResult], object] | None = None,
    keep_rejections: int = 20,
) -> ReplayTotals:
    """Send each batch when due (sleeping until ``start + due_s`` on ``clock``) and add up the outcomes.

    Pacing is against the start time, so time spent sending does not accumulate as drift. ``sleep`` and
    ``clock`` are injectable for tests.
    """
    totals = ReplayTotals()
    start = clock()
    for batch in batches:
        wait = start + batch.due_s - clock()
        if wait > 0:
            sleep(wait)
        result = send(batch.events)
        totals.batches += 1
        totals.sent += len(batch.events)
        totals.accepted += result.accepted
        totals.duplicates += result.duplicates
        totals.rejected += result.rejected
        for outcome in result.outcomes:
            if outcome.status == "rejected" and len(totals.rejections) < keep_rejections:
                where = f" ({outcome.field})" if outcome.field else ""
                totals.rejections.append(f"{outcome.call_id}: {outcome.message}{where}")
        if on_batch is not None:
            on_batch(batch, result)
    return totals
