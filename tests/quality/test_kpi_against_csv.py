"""The key check: replay real days (1999-08-01 and 1999-08-02) through replay + ingestion, then compare
the database's KPIs — of the day and of the month 1999-08 (which then holds those two days; replaying
all 31 days takes about 10 minutes here, too slow for the suite) — with figures computed straight from
the CSV by separate, deliberately plain code."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from minwon.config import get_settings
from minwon.quality.commands import kpi_report
from minwon.quality.service import day_kpis, interval_kpis, queue_kpis
from minwon.telephony.commands import in_process_sender, replay_day
from minwon.telephony.replay import DEFAULT_QUEUE_MAP, read_day

CSV = get_settings().data_dir / "call_center" / "anonymous_bank_1999_08_calls.csv"
FIRST = "1999-08-01"
DAY = "1999-08-02"

pytestmark = pytest.mark.skipif(
    not CSV.is_file(), reason=f"real call data absent: {CSV} (set MINWON_DATA_DIR to the shared data folder)"
)


def _seconds(hms: str) -> int:
    h, m, s = (int(p) for p in hms.split(":"))
    return h * 3600 + m * 60 + s


def from_csv(path: Path, *days: str, threshold: int = 20, short: int = 5) -> dict[str, object]:
    """Independent figures: offered = AGENT + HANG that reached the queue and waited ≥ ``short`` s;
    answered = AGENT; SL = AGENT with q_time ≤ threshold ÷ offered; ASA = mean q_time of AGENT;
    AHT = mean ser_time of AGENT."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["date"] in days]
    agent = [r for r in rows if r["outcome"] == "AGENT"]
    queued_hang = [r for r in rows if r["outcome"] == "HANG" and r["q_start"] != "0:00:00"]
    hang_queued = [r for r in queued_hang if int(r["q_time"]) >= short]
    offered = len(agent) + len(hang_queued)
    within = len([r for r in agent if int(r["q_time"]) <= threshold])
    per_type = Counter(r["type"] for r in agent + hang_queued)
    # Hour of queue entry (or of VRU entry when never queued); a queue entry after midnight (more
    # than 12 h "before" the VRU entry) stays on the call's own day, in its last hour.
    per_hour: Counter[int] = Counter()
    for r in agent + hang_queued:
        start = _seconds(r["q_start"] if r["q_start"] != "0:00:00" else r["vru_entry"])
        per_hour[23 if start < _seconds(r["vru_entry"]) - 12 * 3600 else start // 3600] += 1
    return {
        "offered": offered,
        "answered": len(agent),
        "abandoned": len(hang_queued),
        "short_abandoned": len(queued_hang) - len(hang_queued),
        "service_level": within / offered,
        "asa_s": sum(int(r["q_time"]) for r in agent) / len(agent),
        "aht_s": sum(int(r["ser_time"]) for r in agent) / len(agent),
        "abandonment_rate": len(hang_queued) / offered,
        "ended_in_ivr": len([r for r in rows if r["outcome"] == "HANG" and r["q_start"] == "0:00:00"]),
        "phantom": len([r for r in rows if r["outcome"] == "PHANTOM"]),
        "per_type": per_type,
        "per_hour": per_hour,
    }


def test_replayed_day_and_month_kpis_match_the_csv(db: Session) -> None:
    expected = from_csv(CSV, DAY)
    send = in_process_sender(db=db, queue_map=DEFAULT_QUEUE_MAP)
    first = read_day(CSV, day=date.fromisoformat(FIRST))
    first_totals = replay_day(first, send=send, speed=0)
    assert first_totals.rejected == 0, first_totals.rejections
    day_replay = read_day(CSV, day=date.fromisoformat(DAY))
    assert day_replay.malformed == []
    assert day_replay.phantom == expected["phantom"]
    totals = replay_day(day_replay, send=send, speed=0)
    assert totals.rejected == 0, totals.rejections
    assert totals.accepted == totals.sent == len(day_replay.events)

    got = day_kpis(db=db, day=date.fromisoformat(DAY))
    assert got["offered"] == expected["offered"]
    assert got["answered"] == expected["answered"]
    assert got["abandoned"] == expected["abandoned"]
    assert got["short_abandoned"] == expected["short_abandoned"] > 0
    assert got["short_abandon_s"] == 5
    assert got["ended_in_ivr"] == expected["ended_in_ivr"]
    assert got["sl_threshold_s"] == 20
    for name in ("service_level", "asa_s", "aht_s", "abandonment_rate"):
        assert got[name] == pytest.approx(expected[name], rel=1e-9), name

    per_queue = {r["queue"]: r["offered"] for r in queue_kpis(db=db, first_day=date.fromisoformat(DAY))}
    per_type = expected["per_type"]
    assert isinstance(per_type, Counter)
    assert {DEFAULT_QUEUE_MAP[t]: n for t, n in per_type.items()} == {q: n for q, n in per_queue.items() if n}

    hourly = interval_kpis(db=db, day=date.fromisoformat(DAY), minutes=60)
    assert {int(r["start"][:2]): r["offered"] for r in hourly if r["offered"]} == dict(expected["per_hour"])  # type: ignore[call-overload]

    # With the short-abandon threshold at 0 every queued hang-up is offered and abandoned.
    all_abandons = from_csv(CSV, DAY, short=0)
    unfiltered = day_kpis(db=db, day=date.fromisoformat(DAY), short_abandon_s=0)
    assert unfiltered["offered"] == all_abandons["offered"] and unfiltered["short_abandoned"] == 0

    # The month as ``minwon kpi --month 1999-08 --json`` reports it (rounded), from the two days.
    month_expected = from_csv(CSV, FIRST, DAY)
    month = kpi_report(db=db, month="1999-08")
    assert (month["month"], month["first_day"], month["last_day"]) == ("1999-08", "1999-08-01", "1999-08-31")
    for name in ("offered", "answered", "abandoned", "short_abandoned", "ended_in_ivr"):
        assert month[name] == month_expected[name], name
    for name in ("service_level", "abandonment_rate"):
        assert month[name] == round(month_expected[name], 4), name  # type: ignore[call-overload]
    for name in ("asa_s", "aht_s"):
        assert month[name] == round(month_expected[name], 2), name  # type: ignore[call-overload]
    # The replay records no contacts, cases or survey answers: those indicators are undefined.
    assert month["contacts"] == 0 and month["fcr"] is None and month["csat"] is None
    assert month["status"]["service_level"] in ("green", "amber", "red")
    assert month["status"]["fcr"] is None

    # Replaying the same day again adds nothing.
    again = replay_day(read_day(CSV, day=date.fromisoformat(DAY)), send=send, speed=0)
    assert again.accepted == 0 and again.rejected == 0
    assert again.duplicates == totals.sent
    assert day_kpis(db=db, day=date.fromisoformat(DAY)) == got
