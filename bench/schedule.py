"""Bench: CP-SAT week schedule for a 28-counselor center with a realistic requirement curve.

Requirement curve: the 2003 bank call center's 5-minute call counts (shared data, never copied into the
repo) summed to 30-minute intervals and averaged per weekday, scaled by SCALE to a municipal center's volume;
required agents per interval from Erlang C (minwon.workforce.erlang, 80 % in 20 s, AHT 180 s, 5 %
shrinkage for what the schedule does not model — lunch and breaks are scheduled explicitly).
Center: Mon–Fri 09:00–18:00, Sat 09:00–13:00 (the data has no Saturday: half of Monday's morning).
Prints one JSON object.

    .venv/bin/python bench/schedule.py [--time-limit 60] [--workers 1] > bench/results/schedule.json
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import time as _time
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path

from minwon.workforce.erlang import required_agents
from minwon.workforce.schedule import (
    Agent,
    BreakWindow,
    DayRequirement,
    Problem,
    Roster,
    Rules,
    ShiftPattern,
    SolverOptions,
    solve,
)

DATA = (
    Path(os.environ.get("MINWON_DATA_DIR", "/work/shared/data")) / "call_center" / "bank_calls_5min_2003.csv"
)
SCALE = 0.07
AHT_S = 180.0
WEEK = date(2026, 12, 7)  # a Monday
HOURS = {0: (9, 18), 1: (9, 18), 2: (9, 18), 3: (9, 18), 4: (9, 18), 5: (9, 13)}


def requirement_curve() -> tuple[tuple[DayRequirement, ...], dict[str, list[float]]]:
    sums: dict[tuple[date, int], int] = defaultdict(int)
    with DATA.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            at = datetime.strptime(row["DateTime"], "%Y-%m-%d %H:%M")
            sums[at.date(), (at.hour * 60 + at.minute) // 30 * 30] += int(row["Calls"])
    per_weekday: dict[tuple[int, int], list[int]] = defaultdict(list)
    for (day, start), calls in sums.items():
        per_weekday[day.weekday(), start].append(calls)
    days, calls_out = [], {}
    for weekday, (open_h, close_h) in HOURS.items():
        required, calls_row = [], []
        for start in range(open_h * 60, close_h * 60, 30):
            values = per_weekday.get((weekday, start))
            factor = SCALE
            if not values:  # the data has no Saturday: half of Monday's morning
                values, factor = per_weekday[0, start], SCALE / 2
            calls = factor * sum(values) / len(values)
            calls_row.append(round(calls, 1))
            staffing = required_agents(
                calls=calls, interval_s=1800, aht_s=AHT_S, target_sl=0.8, threshold_s=20, shrinkage=0.05
            )
            required.append(staffing.agents)
        days.append(DayRequirement(WEEK + timedelta(days=weekday), time(open_h), tuple(required)))
        calls_out[(WEEK + timedelta(days=weekday)).isoformat()] = calls_row
    return tuple(days), calls_out


def roster(variant: str) -> Roster:
    """``full``: 28 full-time 09:00–18:00; ``mixed``: 22 full-time + 6 part-time (4 h, ≤ 20 h a week)."""
    full = ShiftPattern(
        "full",
        time(9),
        540,
        60,
        time(11),
        time(14, 30),
        (BreakWindow(time(10), time(11, 30)), BreakWindow(time(14, 30), time(17))),
    )
    saturday = ShiftPattern("saturday", time(9), 240, 30, time(10, 30), time(12, 30))
    morning = ShiftPattern("morning", time(9), 270, 30, time(10, 30), time(13))
    afternoon = ShiftPattern("afternoon", time(13, 30), 270, 30, time(15), time(17, 30))
    part_time = 6 if variant == "mixed" else 0
    agents = tuple(
        Agent(
            f"C{i:02d}",
            max_consecutive_days=5,
            availability={"sat": ()} if i % 4 == 0 else {},
            max_hours_per_week=20 if i >= 28 - part_time else 40,
            patterns=("morning", "afternoon", "saturday") if i >= 28 - part_time else ("full", "saturday"),
        )
        for i in range(28)
    )
    return Roster((full, saturday, morning, afternoon), agents, Rules(hard_min_agents=3))


def run(days: tuple[DayRequirement, ...], variant: str, time_limit: float, workers: int) -> dict[str, object]:
    began = _time.perf_counter()
    schedule = solve(
        Problem(days, roster(variant)), options=SolverOptions(time_limit_s=time_limit, num_workers=workers)
    )
    return {
        "variant": variant,
        "status": schedule.status,
        "wall_s": round(_time.perf_counter() - began, 2),
        "objective": schedule.objective,
        "best_bound": schedule.best_bound,
        "scheduled_paid_hours": sum(schedule.paid_hours.values()),
        "under_agent_hours": schedule.under_agent_hours,
        "over_agent_hours": schedule.over_agent_hours,
        "intervals_under": sum(1 for c in schedule.intervals if c.under > 0),
        "shifts": len(schedule.shifts),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    days, calls = requirement_curve()
    runs = [run(days, variant, args.time_limit, args.workers) for variant in ("full", "mixed")]
    print(
        json.dumps(
            {
                "bench": "schedule",
                "agents": 28,
                "days": len(days),
                "intervals": sum(len(d.required) for d in days),
                "time_limit_s": args.time_limit,
                "workers": args.workers,
                "required_agent_hours": sum(sum(d.required) for d in days) / 2,
                "required_peak": max(max(d.required) for d in days),
                "runs": runs,
                "required_by_day": {d.day.isoformat(): list(d.required) for d in days},
                "calls_by_day": calls,
                "scale": SCALE,
                "aht_s": AHT_S,
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
