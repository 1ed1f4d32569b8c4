"""Week plans on the test database: stored intervals and shifts checked against independent computations."""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.config import get_settings
from minwon.core.errors import ValidationError
from minwon.telephony.models import Call, CallStatus, Pbx
from minwon.workforce.models import PlanStatus, WorkforcePlan
from minwon.workforce.schedule import Agent, Roster, Rules, ShiftPattern
from minwon.workforce.service import (
    build_week_plan,
    demo_roster,
    forecast_vs_actual,
    get_plan,
    open_days,
    plan_schedule,
)

BANK = get_settings().data_dir / "call_center" / "bank_calls_5min_2003.csv"
RECORDS = get_settings().data_dir / "call_center" / "anonymous_bank_1999_08_calls.csv"
needs_bank = pytest.mark.skipif(
    not (BANK.is_file() and RECORDS.is_file()), reason="bank demo data not in the data folder"
)
# A week inside the bank series (Monday 2003-06-09: no US or KR holiday; 2003-06-06 was 현충일).
BANK_WEEK = date(2003, 6, 9)
SEOUL = ZoneInfo("Asia/Seoul")


def small_roster(*, agents: int = 3, hard_min: int | None = None) -> Roster:
    full = ShiftPattern("full", time(9), 540, 60, time(11), time(14, 30))
    return Roster(
        (full,), tuple(Agent(f"T{i}", f"시험{i}") for i in range(agents)), Rules(hard_min_agents=hard_min)
    )


def minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def erlang_c_sl(agents: int, calls: float, aht: float, threshold: float, interval: float = 1800) -> float:
    """Textbook Erlang C service level (Gans, Koole & Mandelbaum 2003), written independently."""
    a = calls * aht / interval
    if a == 0:
        return 1.0
    if agents <= a:
        return 0.0
    term, total = 1.0, 1.0
    for k in range(1, agents):
        term *= a / k
        total += term
    last = term * a / agents * agents / (agents - a)
    p_wait = last / (total + last)
    return 1 - p_wait * math.exp(-(agents - a) * threshold / aht)


def test_open_days_leave_out_weekends_and_korean_holidays() -> None:
    # 2026-12-25 (Friday) is 기독탄신일; 2026-09-24…26 is 추석 (Thu–Sat)
    assert open_days(date(2026, 12, 21)) == [date(2026, 12, d) for d in (21, 22, 23, 24)]
    assert open_days(date(2026, 9, 21)) == [date(2026, 9, d) for d in (21, 22, 23)]


def test_demo_roster_has_the_28_counselors_and_the_demo_accounts() -> None:
    roster = demo_roster()
    assert len(roster.agents) == 28
    assert [(a.id, a.name) for a in roster.agents[:4]] == [
        ("AGENT_01", "김하늘"),
        ("AGENT_02", "이바다"),
        ("AGENT_03", "박나래"),
        ("AGENT_04", "최가람"),
    ]


def test_center_source_without_history_is_a_field_error(db: Session) -> None:
    with pytest.raises(ValidationError) as err:
        build_week_plan(db=db, week_start=date(2026, 12, 7), source="center", aht_s=180, time_limit_s=1)
    assert err.value.field == "source"
    assert db.scalar(select(WorkforcePlan)) is None


def test_bad_targets_name_their_field(db: Session) -> None:
    for kwargs, field in (
        ({"target_sl": 1.2}, "target_sl"),
        ({"shrinkage": -0.1}, "shrinkage"),
        ({"interval_minutes": 15}, "interval_minutes"),
        ({"time_limit_s": 0}, "time_limit_s"),
        ({"time_limit_s": 0.0001}, "time_limit_s"),
        ({"time_limit_s": 301}, "time_limit_s"),
        ({"time_limit_s": math.nan}, "time_limit_s"),
        ({"week_start": date(9999, 12, 27)}, "week_start"),
        ({"week_start": date(1969, 12, 29)}, "week_start"),
        ({"weather_station": 99999}, "weather_station"),
        ({"source": "weather"}, "source"),
    ):
        args = {"source": "bank_demo", "week_start": BANK_WEEK, **kwargs}
        with pytest.raises(ValidationError) as err:
            build_week_plan(db=db, **args)  # type: ignore[arg-type]
        assert err.value.field == field
    assert db.query(WorkforcePlan).count() == 0


def _plan_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from minwon.cli import main; main()", "plan", "week", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_plan_week_cli_refuses_bad_options_without_a_traceback(tmp_path: Path) -> None:
    latin1 = tmp_path / "roster.yaml"
    latin1.write_bytes("agents: [{id: A, name: caf\xe9}]\n".encode("latin-1"))
    for args, needle in (
        (("--start", "9999-12-27"), "week start must be between 1970 and 2100"),
        (("--start", "2003-06-09", "--roster", str(latin1)), "not UTF-8 text"),
        (("--start", "2003-06-09", "--weather-station", "99999"), "only used with --source center"),
        (("--start", "2003-06-09", "--time-limit", "0.0001"), "time limit (s) must be between 1 and 300"),
    ):
        done = _plan_cli(*args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert needle in " ".join(done.stderr.split()), args
        assert "Traceback" not in done.stderr


@needs_bank
def test_small_plan_is_stored_with_scheduled_equal_to_the_shifts(db: Session) -> None:
    plan = build_week_plan(
        db=db,
        week_start=BANK_WEEK,
        source="bank-demo",
        roster=small_roster(),
        time_limit_s=5,
        bank_demo_scale=0.01,
    )
    stored = get_plan(db=db, plan_id=plan.id)
    assert stored.status in (PlanStatus.OPTIMAL, PlanStatus.FEASIBLE) and stored.message is None
    # five open days × 18 half hours (09:00–18:00)
    assert len(stored.intervals) == 5 * 18
    assert sorted({r.day for r in stored.intervals}) == [date(2003, 6, d) for d in range(9, 14)]

    # AHT: mean service time of the calls an agent served in the 1999 records, read here with csv
    with RECORDS.open(newline="") as fh:
        served = [
            int(r["ser_time"])
            for r in csv.DictReader(fh)
            if r["outcome"] == "AGENT" and int(r["ser_time"]) > 0
        ]
    assert stored.aht_s == pytest.approx(sum(served) / len(served), abs=0.06)

    # required agents: the smallest N meeting 80 % in 20 s (independent Erlang C), then ⌈N / 0.7⌉
    for row in stored.intervals:
        n = row.required_raw
        assert erlang_c_sl(n, row.forecast_calls, stored.aht_s, 20) >= 0.8 - 1e-9
        if n > 0:
            assert erlang_c_sl(n - 1, row.forecast_calls, stored.aht_s, 20) < 0.8
        assert row.required == -(-n * 10 // 7)

    # scheduled per interval recomputed from the stored shifts (a 15-minute break counts ½)
    half_agents: Counter[tuple[date, int]] = Counter()
    for s in stored.shifts:
        for t in range(minutes(s.start), minutes(s.end), 30):
            if s.lunch_start and minutes(s.lunch_start) <= t < minutes(s.lunch_end):  # type: ignore[arg-type]
                continue
            on_break = sum(1 for b, _e in s.breaks if t <= int(b[:2]) * 60 + int(b[3:]) < t + 30)
            half_agents[s.day, t] += 2 - on_break
    assert stored.shifts, "three agents and demand all day: somebody works"
    for row in stored.intervals:
        assert row.scheduled == half_agents[row.day, minutes(row.start)] / 2
    under = sum(max(0.0, r.required - (r.scheduled or 0)) for r in stored.intervals) / 2
    assert stored.under_agent_hours == pytest.approx(under)

    # each agent at most one shift a day, within 40 paid hours
    per_agent: dict[str, list[date]] = defaultdict(list)
    for s in stored.shifts:
        per_agent[s.agent_id].append(s.day)
    for worked in per_agent.values():
        assert len(worked) == len(set(worked)) and len(worked) * 8 <= 40

    # the export view of the stored plan keeps the same rows
    schedule = plan_schedule(stored)
    assert len(schedule.shifts) == len(stored.shifts) and len(schedule.intervals) == 90
    assert set(schedule.paid_hours) == {"T0", "T1", "T2"}


@needs_bank
def test_infeasible_plan_is_stored_with_its_explanation(db: Session) -> None:
    plan = build_week_plan(
        db=db,
        week_start=BANK_WEEK,
        source="bank_demo",
        roster=small_roster(agents=1, hard_min=2),
        time_limit_s=5,
        bank_demo_scale=0.01,
    )
    stored = get_plan(db=db, plan_id=plan.id)
    assert stored.status is PlanStatus.INFEASIBLE
    assert stored.message and "needs 2 agents" in stored.message
    assert stored.shifts == []
    assert len(stored.intervals) == 90 and all(r.scheduled is None for r in stored.intervals)


@needs_bank
def test_bank_week_after_the_series_uses_the_last_forecast_by_weekday(db: Session) -> None:
    plan = build_week_plan(
        db=db,
        week_start=date(2026, 12, 21),
        source="bank_demo",
        roster=small_roster(),
        aht_s=200,
        time_limit_s=3,
        bank_demo_scale=0.01,
    )
    assert sorted({r.day for r in plan.intervals}) == [date(2026, 12, d) for d in (21, 22, 23, 24)]
    assert plan.aht_s == 200 and plan.aht_source == "given"
    assert any("2003-10-24" in note for note in plan.notes)


@needs_bank
def test_bank_forecast_vs_actual_of_a_past_day(db: Session) -> None:
    day = date(2003, 10, 22)
    result = forecast_vs_actual(db=db, day=day, source="bank_demo")
    actual: Counter[str] = Counter()
    with BANK.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["DateTime"].startswith("2003-10-22"):
                hh, mm = row["DateTime"][11:].split(":")
                actual[f"{hh}:{int(mm) // 30 * 30:02d}"] += int(row["Calls"])
    assert {r["start"]: r["actual"] for r in result["rows"]} == actual
    assert result["actual_total"] == sum(actual.values())
    wape = sum(abs(r["forecast"] - actual[r["start"]]) for r in result["rows"]) / sum(actual.values())
    assert result["wape"] == pytest.approx(wape)
    assert 0 < result["wape"] < 0.3
    with pytest.raises(ValidationError) as err:
        forecast_vs_actual(db=db, day=date(2003, 10, 25), source="bank_demo")  # a Saturday
    assert err.value.field == "day"


# --- the center's own calls ---------------------------------------------------------------------------

CENTER_DAYS = [
    date(2026, 11, 2) + timedelta(days=k)
    for k in range(26)
    if (date(2026, 11, 2) + timedelta(days=k)).weekday() < 5
]


def _center_history(db: Session) -> dict[date, tuple[int, int]]:
    """Answered calls at 09:00–09:30 and 14:00–14:30 local on each weekday of 2026-11-02…27, talk 170 s +
    hold 10 s (AHT 180 s), plus one abandoned call a day at 09:20. Returns day → (morning, afternoon)."""
    pbx = Pbx(name="test-pbx", token_digest="0" * 64)
    db.add(pbx)
    db.flush()
    counts = {}
    for k, day in enumerate(CENTER_DAYS):
        morning, afternoon = 10 + k % 3, 5 + k % 2
        counts[day] = (morning + 1, afternoon)  # + the abandoned call
        for n in range(morning + afternoon + 1):
            hour, minute = (
                (9, n) if n < morning else (14, n - morning) if n < morning + afternoon else (9, 20)
            )
            start = datetime.combine(day, time(hour, minute), tzinfo=SEOUL).astimezone(UTC)
            answered = n < morning + afternoon
            db.add(
                Call(
                    pbx_id=pbx.id,
                    external_id=f"{day}-{n}",
                    status=CallStatus.COMPLETED if answered else CallStatus.ABANDONED,
                    started_at=start,
                    queued_at=start,
                    answered_at=start + timedelta(seconds=5) if answered else None,
                    ended_at=start + timedelta(seconds=185 if answered else 30),
                    queue_wait_s=5 if answered else 30,
                    talk_s=170 if answered else None,
                    hold_s=10 if answered else 0,
                    service_day=day,
                )
            )
    db.commit()
    return counts


def test_center_plan_uses_the_center_history_and_its_handle_time(db: Session) -> None:
    counts = _center_history(db)
    plan = build_week_plan(
        db=db, week_start=date(2026, 11, 30), source="center", roster=small_roster(), time_limit_s=3
    )
    assert plan.aht_s == 180.0  # (170 talk + 10 hold), no after-call work recorded
    assert sorted({r.day for r in plan.intervals}) == [
        date(2026, 11, 30) + timedelta(days=k) for k in range(5)
    ]
    by_slot = {(r.day, r.start): r.forecast_calls for r in plan.intervals}
    mean_morning = sum(m for m, _a in counts.values()) / len(counts)
    mean_afternoon = sum(a for _m, a in counts.values()) / len(counts)
    for k in range(5):
        day = date(2026, 11, 30) + timedelta(days=k)
        assert by_slot[day, time(9)] == pytest.approx(mean_morning, rel=0.25)
        assert by_slot[day, time(14)] == pytest.approx(mean_afternoon, rel=0.25)
        assert by_slot[day, time(11)] == 0


def test_center_forecast_vs_actual_counts_the_offered_calls(db: Session) -> None:
    counts = _center_history(db)
    day = CENTER_DAYS[-1]
    result = forecast_vs_actual(db=db, day=day, source="center")
    actual = {r["start"]: r["actual"] for r in result["rows"] if r["actual"]}
    assert actual == {"09:00": counts[day][0], "14:00": counts[day][1]}
    assert result["wape"] == pytest.approx(
        sum(abs(r["forecast"] - r["actual"]) for r in result["rows"]) / sum(counts[day])
    )
