"""A week for a 28-counselor center: the returned shifts are checked against the rules independently."""

from __future__ import annotations

from collections import Counter
from datetime import date, time, timedelta

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

MON = date(2026, 12, 7)
# a two-peak weekday curve, 09:00–18:00 in 30-min intervals; Saturday 09:00–13:00 at about half
WEEKDAY = (14, 18, 21, 22, 21, 18, 14, 13, 16, 19, 20, 19, 18, 16, 14, 12, 10, 8)
SATURDAY = (8, 10, 11, 11, 10, 9, 7, 6)


def minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def test_week_of_28_counselors() -> None:
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
    agents = tuple(
        Agent(f"C{i:02d}", max_consecutive_days=5, availability={"sat": ()} if i % 4 == 0 else {})
        for i in range(28)
    )
    days = (
        *tuple(DayRequirement(MON + timedelta(days=k), time(9), WEEKDAY) for k in range(5)),
        DayRequirement(MON + timedelta(days=5), time(9), SATURDAY),
    )
    problem = Problem(days, Roster((full, saturday), agents, Rules(hard_min_agents=3)))
    schedule = solve(problem, options=SolverOptions(time_limit_s=10, num_workers=1, seed=0))
    assert schedule.status in ("optimal", "feasible")

    # coverage recomputed from the shifts alone
    covered: Counter[tuple[date, int]] = Counter()
    for s in schedule.shifts:
        for t in range(minutes(s.start), minutes(s.end), 30):
            if s.lunch and minutes(s.lunch[0]) <= t < minutes(s.lunch[1]):
                continue
            covered[s.day, t] += 2 - sum(1 for b, _ in s.breaks if t <= minutes(b) < t + 30)
    under = over = 0
    for day in days:
        for i, need in enumerate(day.required):
            have = covered[day.day, 9 * 60 + 30 * i] / 2
            assert have >= 3  # the hard minimum
            under += max(0, need - have)
            over += max(0, have - need)
    assert under / 2 == schedule.under_agent_hours and over / 2 == schedule.over_agent_hours

    # rules: one shift a day, ≤ 40 paid hours, ≤ 5 days, nobody off on Saturday works it, lunch in window
    per_agent: dict[str, list[date]] = {}
    for s in schedule.shifts:
        per_agent.setdefault(s.agent_id, []).append(s.day)
        assert s.lunch is not None
        if s.pattern == "full":
            assert time(11) <= s.lunch[0] and s.lunch[1] <= time(14, 30) and len(s.breaks) == 2
    for agent_id, worked in per_agent.items():
        assert len(worked) == len(set(worked)) <= 5
        hours = sum(8 if d.weekday() < 5 else 3.5 for d in worked)
        assert hours <= 40
        if int(agent_id[1:]) % 4 == 0:
            assert MON + timedelta(days=5) not in worked
