"""Replay (pure): CSV rows → events, malformed rows, and the pacing of batches (no sleeping)."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from minwon.core.errors import ValidationError
from minwon.telephony.models import CallEventType
from minwon.telephony.replay import (
    DEFAULT_QUEUE_MAP,
    PlannedBatch,
    parse_queue_map,
    plan_batches,
    read_day,
    run_batches,
)
from minwon.telephony.schemas import IngestResult, TelephonyEvent

SEOUL = ZoneInfo("Asia/Seoul")
DAY = date(1999, 8, 2)
HEADER = (
    "vru+line,call_id,customer_pseudo_id,priority,type,date,vru_entry,vru_exit,vru_time,q_start,q_exit,"
    "q_time,outcome,ser_start,ser_exit,ser_time,server\n"
)
Z = "0:00:00"


def row(
    line: str = "AA0201",
    call_id: str = "100",
    customer: str = "37",
    priority: str = "2",
    type_: str = "NE",
    day: str = "1999-08-02",
    vru: tuple[str, str, str] = ("14:47:57", "14:48:03", "6"),
    queue: tuple[str, str, str] = ("14:48:03", "14:49:33", "90"),
    outcome: str = "AGENT",
    service: tuple[str, str, str] = ("14:49:33", "14:52:33", "180"),
    server: str = "AGENT_13",
) -> str:
    return (
        ",".join([line, call_id, customer, priority, type_, day, *vru, *queue, outcome, *service, server])
        + "\n"
    )


def kst(day: date, hms: str) -> datetime:
    h, m, s = (int(p) for p in hms.split(":"))
    return datetime(day.year, day.month, day.day, h, m, s, tzinfo=SEOUL)


def test_answered_call_from_the_queue() -> None:
    result = read_day(io.StringIO(HEADER + row()), day=DAY)
    assert (result.rows_read, result.rows_on_day, result.calls, result.phantom) == (1, 1, 1, 0)
    ringing, answered, hangup = result.events
    assert ringing.event == CallEventType.RINGING
    assert ringing.call_id == "1999-08-02/AA0201/14:47:57/100"
    assert ringing.occurred_at == kst(DAY, "14:48:03")
    assert ringing.entered_at == kst(DAY, "14:47:57")
    assert ringing.queue == "water"  # NE → water in the demo mapping
    assert ringing.priority == 2
    assert ringing.caller == "01000000037"  # fictional: 0100 + 7-digit index
    assert answered.event == CallEventType.ANSWERED
    assert answered.occurred_at == kst(DAY, "14:49:33")
    assert (answered.agent, answered.queue_wait_s) == ("AGENT_13", 90)
    assert hangup.event == CallEventType.HANGUP
    assert (hangup.occurred_at, hangup.talk_s) == (kst(DAY, "14:52:33"), 180)


def test_times_after_midnight_roll_over_to_the_next_day() -> None:
    r = row(
        vru=("23:59:23", "23:59:23", "0"),
        queue=("23:59:29", "0:00:57", "88"),
        service=("0:00:56", "0:01:15", "19"),
    )
    ringing, answered, hangup = read_day(io.StringIO(HEADER + r), day=DAY).events
    nxt = DAY + timedelta(days=1)
    assert ringing.occurred_at == kst(DAY, "23:59:29")
    assert answered.occurred_at == kst(nxt, "0:00:56")
    assert hangup.occurred_at == kst(nxt, "0:01:15")


def test_unqueued_answer_abandon_ivr_only_and_phantom() -> None:
    rows = [
        row(
            line="AA0101",
            call_id="200",
            customer="0",
            type_="PS",
            vru=("10:00:00", "10:00:08", "8"),
            queue=(Z, Z, "0"),
            service=("10:00:07", "10:03:07", "180"),
            server="NO_SERVER",
        ),
        row(
            line="AA0102",
            call_id="300",
            customer="5",
            type_="NW",
            vru=("11:00:00", "11:00:06", "6"),
            queue=("11:00:06", "11:01:06", "60"),
            outcome="HANG",
            service=(Z, Z, "0"),
            server="NO_SERVER",
        ),
        row(
            line="AA0103",
            call_id="400",
            customer="0",
            type_="IN",
            vru=("12:00:00", "12:00:20", "20"),
            queue=(Z, Z, "0"),
            outcome="HANG",
            service=(Z, Z, "0"),
            server="NO_SERVER",
        ),
        row(line="AA0104", call_id="500", outcome="PHANTOM", server="NO_SERVER"),
        row(line="AA0105", call_id="600", day="1999-08-03"),
    ]
    result = read_day(io.StringIO(HEADER + "".join(rows)), day=DAY)
    assert (result.rows_read, result.rows_on_day, result.calls, result.phantom) == (5, 4, 3, 1)
    by_call: dict[str, list[TelephonyEvent]] = {}
    for ev in result.events:
        by_call.setdefault(ev.call_id.rsplit("/", 1)[1], []).append(ev)
    answered, hangup = by_call["200"]
    assert answered.event == CallEventType.ANSWERED
    assert (answered.queue_wait_s, answered.queue, answered.agent, answered.caller) == (
        0,
        "general",
        None,
        None,
    )
    assert answered.entered_at == kst(DAY, "10:00:00")
    assert hangup.talk_s == 180
    ringing, abandoned = by_call["300"]
    assert (ringing.event, ringing.queue) == (CallEventType.RINGING, "parking")
    assert (abandoned.event, abandoned.occurred_at, abandoned.queue_wait_s) == (
        CallEventType.ABANDONED,
        kst(DAY, "11:01:06"),
        60,
    )
    (ivr,) = by_call["400"]
    assert (ivr.event, ivr.occurred_at, ivr.entered_at, ivr.queue) == (
        CallEventType.HANGUP,
        kst(DAY, "12:00:20"),
        kst(DAY, "12:00:00"),
        None,
    )
    # Events come in time order across calls.
    assert [e.occurred_at for e in result.events] == sorted(e.occurred_at for e in result.events)


def test_repeated_call_id_on_one_day_gives_distinct_calls() -> None:
    rows = [
        row(line="AA0201", vru=("14:47:57", "14:48:03", "6")),
        row(line="AA0105", vru=("14:47:57", "14:48:03", "6")),
    ]
    result = read_day(io.StringIO(HEADER + "".join(rows)), day=DAY)
    assert len({e.call_id for e in result.events}) == 2


def test_served_row_without_service_times_is_answered_when_the_queue_ended() -> None:
    result = read_day(io.StringIO(HEADER + row(service=(Z, Z, "0"))), day=DAY)
    _ringing, answered, hangup = result.events
    assert answered.occurred_at == hangup.occurred_at == kst(DAY, "14:49:33")
    assert (answered.queue_wait_s, hangup.talk_s) == (90, 0)


def test_clock_skew_is_clamped_and_negative_vru_time_tolerated() -> None:
    # The VRU logged entry 76 s after its own exit; the agent "answered" a second before the queue began.
    r = row(
        vru=("10:06:13", "10:04:57", "-76"),
        queue=("10:04:57", "10:07:01", "124"),
        service=("10:04:56", "10:14:41", "585"),
    )
    result = read_day(io.StringIO(HEADER + r), day=DAY)
    assert result.malformed == []
    ringing, answered, _hangup = result.events
    assert ringing.entered_at == kst(DAY, "10:04:57")
    assert answered.occurred_at == ringing.occurred_at == kst(DAY, "10:04:57")
    assert answered.queue_wait_s == 124


def test_malformed_rows_are_reported_by_line_and_skipped() -> None:
    text = HEADER + "".join(
        [
            row(call_id="1"),  # line 2: fine
            row(call_id=""),  # line 3: blank call_id
            row(call_id="3", queue=("25:00:00", "14:49:33", "90")),  # line 4: bad time
            row(call_id="4", outcome="TRANSFER"),  # line 5: unknown outcome
            row(call_id="5", queue=("14:48:03", "14:49:33", "-5")),  # line 6: negative duration
            row(call_id="6", line="AA0999"),  # line 7: fine
            row(call_id="7", type_="ZZ"),  # line 8: type without a queue
            row(call_id="8", day="1999/08/02"),  # line 9: unreadable date
            row(call_id="9", service=("14:49:33", "14:52:33", "abc")),  # line 10: not a number
        ]
    )
    result = read_day(io.StringIO(text), day=DAY)
    assert [m.line for m in result.malformed] == [3, 4, 5, 6, 8, 9, 10]
    messages = [m.message for m in result.malformed]
    assert "call_id" in messages[0]
    assert "q_start" in messages[1]
    assert "TRANSFER" in messages[2]
    assert "q_time" in messages[3] and "negative" in messages[3]
    assert "ZZ" in messages[4] and "--queue-map" in messages[4]
    assert "date" in messages[5]
    assert "ser_time" in messages[6]
    assert result.calls == 2
    assert {e.call_id.rsplit("/", 1)[1] for e in result.events} == {"1", "6"}


def test_header_without_the_columns_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        read_day(io.StringIO("a,b,c\n1,2,3\n"), day=DAY)
    assert err.value.field == "path"
    assert "call_id" in err.value.message


def test_queue_map_override() -> None:
    mapping = parse_queue_map("PS=tax, TT=general")
    assert mapping["PS"] == "tax" and mapping["TT"] == "general" and mapping["NE"] == DEFAULT_QUEUE_MAP["NE"]
    result = read_day(io.StringIO(HEADER + row(type_="PS")), day=DAY, queue_map=mapping)
    assert result.events[0].queue == "tax"
    with pytest.raises(ValidationError) as err:
        parse_queue_map("PS")
    assert err.value.field == "queue_map"


# --- pacing ---------------------------------------------------------------------------------------


def _events(offsets_s: list[float]) -> list[TelephonyEvent]:
    t0 = kst(DAY, "09:00:00")
    return [
        TelephonyEvent(event=CallEventType.RINGING, call_id=f"c{i}", occurred_at=t0 + timedelta(seconds=s))
        for i, s in enumerate(offsets_s)
    ]


def test_speed_zero_sends_batches_of_a_thousand_at_once() -> None:
    batches = plan_batches(_events([0.0] * 2500), speed=0)
    assert [len(b.events) for b in batches] == [1000, 1000, 500]
    assert {b.due_s for b in batches} == {0.0}


def test_speed_sixty_plays_an_hour_in_a_minute() -> None:
    # Events 0 s, 6 s, 30 s and 3600 s after the first; at speed 60 they are due at 0, 0.1, 0.5 and 60 s.
    batches = plan_batches(_events([0, 6, 30, 3600]), speed=60, min_gap_s=0.2)
    assert [(b.due_s, len(b.events)) for b in batches] == [(0.0, 2), (0.5, 1), (60.0, 1)]
    with pytest.raises(ValidationError) as err:
        plan_batches(_events([0]), speed=-1)
    assert err.value.field == "speed"


class FakeClock:
    """A clock that only moves when slept on or when sending takes time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_pacing_sleeps_until_each_batch_is_due_without_drift() -> None:
    clock = FakeClock()
    sent_at: list[float] = []

    def send(events: list[TelephonyEvent]) -> IngestResult:
        sent_at.append(clock.now - 1000.0)
        clock.now += 0.3  # sending takes 0.3 s
        return IngestResult(accepted=len(events) - 1, duplicates=1)

    batches = [
        PlannedBatch(0.0, _events([0, 1])),
        PlannedBatch(0.5, _events([30])),
        PlannedBatch(60.0, _events([3600])),
    ]
    totals = run_batches(batches, send=send, sleep=clock.sleep, clock=clock)
    assert sent_at == pytest.approx([0.0, 0.5, 60.0])
    assert clock.sleeps == pytest.approx([0.2, 59.2])
    assert (totals.batches, totals.sent, totals.accepted, totals.duplicates) == (3, 4, 1, 3)


def test_late_batches_are_sent_at_once() -> None:
    clock = FakeClock()

    def slow_send(events: list[TelephonyEvent]) -> IngestResult:
        clock.now += 5.0
        return IngestResult(accepted=len(events))

    run_batches(
        [PlannedBatch(0.0, _events([0])), PlannedBatch(1.0, _events([60]))],
        send=slow_send,
        sleep=clock.sleep,
        clock=clock,
    )
    assert clock.sleeps == []
