"""Shift scheduling (CP-SAT): small instances whose optimum is worked out by hand in the comments."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from minwon.core.errors import ValidationError
from minwon.workforce.schedule import (
    Agent,
    BreakWindow,
    DayRequirement,
    Problem,
    Roster,
    Rules,
    Schedule,
    ScheduleInfeasible,
    ShiftPattern,
    SolverOptions,
    Weights,
    parse_requirements_csv,
    parse_roster,
    schedule_xlsx,
    solve,
)

OPTS = SolverOptions(time_limit_s=20, num_workers=1, seed=0)
MON = date(2026, 12, 7)  # a Monday
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def coverage_from_shifts(schedule: Schedule, day: date, start: int) -> float:
    """Agents working the 30-minute interval starting at ``start`` minutes: recomputed from the shifts."""
    total = 0.0
    for s in schedule.shifts:
        if s.day != day or not minutes(s.start) <= start < minutes(s.end):
            continue
        if s.lunch and minutes(s.lunch[0]) <= start < minutes(s.lunch[1]):
            continue
        total += 1.0
        total -= 0.5 * sum(1 for b, _ in s.breaks if start <= minutes(b) < start + 30)
    return total


def test_two_agents_one_day_known_optimum() -> None:
    # need [1,2,2,1] over 09:00–11:00; "early" covers 09:00–10:30, "late" 09:30–11:00:
    # one early + one late gives exactly [1,2,2,1]; both early would leave 10:30 empty.
    early = ShiftPattern("early", time(9), 90)
    late = ShiftPattern("late", time(9, 30), 90)
    problem = Problem(
        (DayRequirement(MON, time(9), (1, 2, 2, 1)),),
        Roster((early, late), (Agent("A1"), Agent("A2"))),
    )
    schedule = solve(problem, options=OPTS)
    assert schedule.status == "optimal"
    assert sorted(s.pattern for s in schedule.shifts) == ["early", "late"]
    assert schedule.under_agent_hours == 0 and schedule.over_agent_hours == 0
    assert [c.scheduled for c in schedule.intervals] == [1, 2, 2, 1]


@pytest.mark.parametrize(("under", "over", "works"), [(10, 1, True), (1, 10, False)])
def test_weights_trade_under_against_over(under: int, over: int, works: bool) -> None:
    # need [0,0,1,1]; the only shift covers the first three intervals.
    # Working: 2 agent-intervals over, 1 under; idle: 2 under.  10·1+1·2 = 12 < 20, but 1·1+10·2 = 21 > 2.
    problem = Problem(
        (DayRequirement(MON, time(9), (0, 0, 1, 1)),),
        Roster((ShiftPattern("early", time(9), 90),), (Agent("A1"),)),
    )
    schedule = solve(problem, weights=Weights(under=under, over=over), options=OPTS)
    assert bool(schedule.shifts) is works


def test_lunch_inside_its_window_and_uncovered() -> None:
    # one agent 09:00–18:00 with a 1-h lunch between 12:00 and 14:00: two intervals stay short.
    full = ShiftPattern("full", time(9), 540, 60, time(12), time(14))
    problem = Problem((DayRequirement(MON, time(9), (1,) * 18),), Roster((full,), (Agent("A1"),)))
    schedule = solve(problem, options=OPTS)
    (shift,) = schedule.shifts
    assert shift.lunch is not None
    assert time(12) <= shift.lunch[0] and shift.lunch[1] <= time(14)
    assert minutes(shift.lunch[1]) - minutes(shift.lunch[0]) == 60
    assert schedule.under_agent_hours == 1.0
    assert shift.paid_hours == 8


def test_breaks_count_half_and_match_independent_coverage() -> None:
    full = ShiftPattern(
        "full",
        time(9),
        540,
        60,
        time(11, 30),
        time(14),
        (BreakWindow(time(10), time(11)), BreakWindow(time(15), time(17))),
    )
    agents = tuple(Agent(f"A{i}") for i in range(3))
    problem = Problem((DayRequirement(MON, time(9), (2,) * 18),), Roster((full,), agents))
    schedule = solve(problem, options=OPTS)
    for s in schedule.shifts:
        assert len(s.breaks) == 2
        assert time(10) <= s.breaks[0][0] and s.breaks[0][1] <= time(11)
        assert time(15) <= s.breaks[1][0] and s.breaks[1][1] <= time(17)
        assert s.lunch is not None and not any(s.lunch[0] <= b < s.lunch[1] for b, _ in s.breaks)
    for c in schedule.intervals:
        assert c.scheduled == coverage_from_shifts(schedule, c.day, minutes(c.start))
        assert c.under == max(0, c.required - c.scheduled) and c.over == max(0, c.scheduled - c.required)


def _week(n_days: int, required: tuple[int, ...], opening: time = time(9)) -> tuple[DayRequirement, ...]:
    return tuple(DayRequirement(MON + timedelta(days=k), opening, required) for k in range(n_days))


def test_weekly_hours_limit() -> None:
    # Mon–Sat each want one agent all day; 8 paid hours a shift: 40 h allow 5 shifts, 24 h allow 3.
    full = ShiftPattern("full", time(9), 540, 60, time(12), time(14))
    for limit, shifts in ((40, 5), (24, 3)):
        problem = Problem(_week(6, (1,) * 18), Roster((full,), (Agent("A1", max_hours_per_week=limit),)))
        schedule = solve(problem, options=OPTS)
        assert len(schedule.shifts) == shifts
        assert schedule.paid_hours["A1"] == limit


def test_consecutive_days_and_weekly_rest_day() -> None:
    short = ShiftPattern("short", time(9), 120)  # 2 h, no break needed
    days = _week(7, (1,) * 4)
    # at most 3 days in a row, rest day rule off: best is 6 of 7 days with no 4 in a row
    roster = Roster((short,), (Agent("A1", max_consecutive_days=3),), Rules(weekly_rest_day=False))
    worked = {s.day for s in solve(Problem(days, roster), options=OPTS).shifts}
    assert len(worked) == 6
    for k in range(4):
        assert not all(MON + timedelta(days=k + j) in worked for j in range(4))
    # 근로기준법 §55: one day off in the 7-day week even with no consecutive-day limit binding
    roster = Roster((short,), (Agent("A1", max_consecutive_days=7),), Rules(weekly_rest_day=True))
    assert len(solve(Problem(days, roster), options=OPTS).shifts) == 6
    roster = Roster((short,), (Agent("A1", max_consecutive_days=7),), Rules(weekly_rest_day=False))
    assert len(solve(Problem(days, roster), options=OPTS).shifts) == 7


def test_min_rest_between_shifts() -> None:
    # day 1 wants 18:30–22:00, day 2 wants 07:00–10:30: the gap is 9 h.
    late = ShiftPattern("late", time(18, 30), 210)
    early = ShiftPattern("early", time(7), 210)
    day1 = tuple(1 if i >= 23 else 0 for i in range(30))  # 07:00 + 30·23 = 18:30
    day2 = tuple(1 if i < 7 else 0 for i in range(30))
    days = (DayRequirement(MON, time(7), day1), DayRequirement(MON + timedelta(days=1), time(7), day2))
    for rest, expected in ((11, 1), (9, 2)):
        roster = Roster((late, early), (Agent("A1"),), Rules(min_rest_hours=rest))
        assert len(solve(Problem(days, roster), options=OPTS).shifts) == expected


def test_availability_respected() -> None:
    full = ShiftPattern("full", time(9), 540, 60, time(12), time(14))
    agents = (
        Agent("A1", availability={"tue": ()}),
        Agent("A2", availability={"mon": ((time(13), time(18)),)}),
    )
    schedule = solve(Problem(_week(2, (2,) * 18), Roster((full,), agents)), options=OPTS)
    assert {(s.agent_id, s.day) for s in schedule.shifts} == {
        (MON, "A1")[::-1],
        ("A2", MON + timedelta(days=1)),
    }


def test_infeasible_names_interval_and_availability() -> None:
    # Tuesday 09:00 needs 5 but 2 of 5 agents are off on Tuesday → only 3 available.
    full = ShiftPattern("full", time(9), 540, 60, time(12), time(14))
    agents = tuple(Agent(f"A{i}", availability={"tue": ()} if i < 2 else {}) for i in range(5))
    tue = [0] * 18
    days = (
        DayRequirement(MON, time(9), (1,) * 18),
        DayRequirement(MON + timedelta(days=1), time(9), (1,) * 18, tuple([5, *tue[1:]])),
    )
    with pytest.raises(ScheduleInfeasible) as caught:
        solve(Problem(days, Roster((full,), agents)), options=OPTS)
    assert caught.value.reasons == (
        "minimum coverage on Tue 2026-12-08 09:00–09:30 needs 5 agents but only 3 are available then",
    )


def test_infeasible_core_names_the_clashing_rules() -> None:
    full = ShiftPattern("full", time(9), 540, 60, time(12), time(14))
    # one agent, one day, at least one agent at every interval: the lunch (12:00–14:00 window) clashes
    problem = Problem(
        (DayRequirement(MON, time(9), (1,) * 18),),
        Roster((full,), (Agent("A1", "김"),), Rules(hard_min_agents=1)),
    )
    with pytest.raises(ScheduleInfeasible) as caught:
        solve(problem, options=OPTS)
    # lunch may start 12:00, 12:30 or 13:00: a smallest clash is 13:00 plus 12:00 or 12:30 (two intervals)
    reasons = caught.value.reasons
    assert len(reasons) == 3
    assert reasons[1] == "minimum coverage on Mon 2026-12-07 13:00–13:30 needs 1 agent (1 could work then)"
    assert reasons[0] in {
        f"minimum coverage on Mon 2026-12-07 {span} needs 1 agent (1 could work then)"
        for span in ("12:00–12:30", "12:30–13:00")
    }
    assert reasons[2] == "it clashes with the lunch break of A1 김 inside its window (근로기준법 §54)"
    # Mon–Sat one agent needed every interval with lunch cover by a second agent; 40 h allow 5 days only
    agents = (Agent("A1"), Agent("A2"))
    problem = Problem(_week(6, (1,) * 18), Roster((full,), agents, Rules(hard_min_agents=1)))
    with pytest.raises(ScheduleInfeasible) as caught:
        solve(problem, options=OPTS)
    text = caught.value.message
    # 12 shifts are needed to staff six days with lunch cover, 10 allowed: the hours limit must be in the core
    assert "the weekly limit of 40 paid hours for A" in text and "(근로기준법 §50①)" in text
    assert "minimum coverage on" in text


def test_validation_names_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        ShiftPattern("long", time(9), 540, 30, time(12), time(14))  # 8.5 paid hours: §50② and §54
    assert caught.value.field == "patterns.length_minutes"
    with pytest.raises(ValidationError) as caught:
        ShiftPattern("eight", time(9), 510, 30, time(12), time(14))  # 8 h of work need 60 min (§54)
    assert caught.value.field == "patterns.lunch_minutes"
    with pytest.raises(ValidationError) as caught:
        parse_requirements_csv("day,start,required\nmon,09:00,3\nmon,09:30,x\n", week_start=MON)
    assert "line 3" in caught.value.message and caught.value.field == "required"
    with pytest.raises(ValidationError) as caught:
        parse_requirements_csv("day,start,required\nmon,09:00,3\nmon,10:00,3\n", week_start=MON)
    assert "gap before 10:00" in caught.value.message
    with pytest.raises(ValidationError) as caught:
        parse_roster({"patterns": [], "agents": [{"id": "A1", "max_hours_per_week": "lots"}]})
    assert caught.value.field == "agents.max_hours_per_week" and "agents[0]" in caught.value.message
    with pytest.raises(ValidationError) as caught:
        parse_roster({"agents": [{"id": "A1", "max_hour_per_week": 30}]})  # a typo is not ignored
    assert caught.value.field == "agents.max_hour_per_week"
    assert "agents[0]" in caught.value.message


def test_example_files_parse_and_weekdays_map_to_dates() -> None:
    days = parse_requirements_csv(
        (EXAMPLES / "schedule-requirements.csv").read_text(encoding="utf-8"), week_start=MON
    )
    assert [d.day for d in days] == [MON + timedelta(days=k) for k in range(6)]
    assert days[5].close_minute == 13 * 60 and days[0].close_minute == 18 * 60
    import yaml

    roster = parse_roster(yaml.safe_load((EXAMPLES / "schedule-agents.yaml").read_text(encoding="utf-8")))
    assert roster.rules.hard_min_agents == 2 and len(roster.agents) == 8
    assert roster.agents[2].windows_on(MON + timedelta(days=5)) == ()


def test_xlsx_round_trip() -> None:
    early = ShiftPattern("early", time(9), 90)
    late = ShiftPattern("late", time(9, 30), 90)
    problem = Problem(
        (DayRequirement(MON, time(9), (1, 2, 2, 1)),), Roster((early, late), (Agent("A1", "김"), Agent("A2")))
    )
    schedule = solve(problem, options=OPTS)
    book = load_workbook(io.BytesIO(schedule_xlsx(schedule, locale="en")))
    assert book.sheetnames == ["Shifts", "Coverage", "Summary"]
    rows = list(book["Shifts"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Agent ID", "Agent", "Date", "Pattern")
    assert sorted((r[0], r[3], r[4], r[5]) for r in rows[1:]) == sorted(
        (s.agent_id, s.pattern, s.start.strftime("%H:%M"), s.end.strftime("%H:%M")) for s in schedule.shifts
    )
    cover = list(book["Coverage"].iter_rows(values_only=True))
    assert cover[0][:5] == ("Date", "Queue", "Start", "End", "Required")
    assert [r[4] for r in cover[1:]] == [1, 2, 2, 1]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from minwon.cli import main; main()", "schedule", "build", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_cli_build_bad_input_and_infeasible(tmp_path: Path) -> None:
    req, agents = EXAMPLES / "schedule-requirements.csv", EXAMPLES / "schedule-agents.yaml"
    out = tmp_path / "week.csv"
    done = _cli(
        "--requirements", str(req), "--agents", str(agents), "--week-start", "2026-12-07",
        "--out-csv", str(out), "--out-xlsx", str(tmp_path / "week.xlsx"), "--json", "--time-limit", "20",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] in ("optimal", "feasible")
    assert out.exists() and (tmp_path / "week-coverage.csv").exists() and (tmp_path / "week.xlsx").exists()
    # the example's hard minimum of 2 agents holds in every interval
    assert all(i["scheduled"] >= 2 for i in result["intervals"])

    bad = tmp_path / "bad.csv"
    bad.write_text("day,start,required\nmon,09:00,3\nmon,09:30,-1\n", encoding="utf-8")
    done = _cli(
        "--requirements", str(bad), "--agents", str(agents), "--week-start", "2026-12-07", cwd=tmp_path
    )
    assert done.returncode == 2 and "line 3" in done.stderr

    few = tmp_path / "few.yaml"
    few.write_text(
        'patterns: [{name: full, start: "09:00", hours: 9, lunch: {minutes: 60}}]\n'
        "rules: {hard_min_agents: 2}\nagents: [{id: A01}]\n",
        encoding="utf-8",
    )
    done = _cli("--requirements", str(req), "--agents", str(few), "--week-start", "2026-12-07", cwd=tmp_path)
    assert done.returncode == 3
    assert (
        "minimum coverage on Mon 2026-12-07 09:00–18:00 needs 2 agents but only 1 is available" in done.stderr
    )


def test_korean_weekdays_dates_and_availability_override() -> None:
    days = parse_requirements_csv(
        "\ufeffday,start,required\n화,09:00,1\n2026-12-07,09:00,2\n", week_start=MON
    )
    assert [(d.day, d.required) for d in days] == [(MON, (2,)), (MON + timedelta(days=1), (1,))]
    agent = Agent("A1", availability={"mon": (), "2026-12-14": ((time(9), time(18)),)})
    assert agent.windows_on(MON) == () and agent.windows_on(MON + timedelta(days=7)) == ((time(9), time(18)),)
    assert agent.windows_on(MON + timedelta(days=1)) is None


def test_part_time_break_rule_and_json_shape() -> None:
    with pytest.raises(ValidationError) as caught:
        ShiftPattern("half", time(9), 240)  # 4 h of work need 30 min of rest (근로기준법 §54①)
    assert caught.value.field == "patterns.lunch_minutes"
    ShiftPattern("short", time(9), 210)  # 3.5 h: no break required
    problem = Problem(
        (DayRequirement(MON, time(9), (1, 1, 1)),),
        Roster((ShiftPattern("p", time(9), 90),), (Agent("A1", "김"),)),
    )
    data = solve(problem, options=OPTS).to_dict()
    assert data["shifts"] == [
        {
            "agent_id": "A1",
            "agent_name": "김",
            "day": "2026-12-07",
            "pattern": "p",
            "start": "09:00",
            "end": "10:30",
            "lunch": None,
            "breaks": [],
            "paid_hours": 1.5,
        }
    ]
    assert [i["scheduled"] for i in data["intervals"]] == [1, 1, 1]
    assert data["under_agent_hours"] == 0 and data["over_agent_hours"] == 0


def test_queues_and_skills() -> None:
    # general needs [1,1], tax needs [1,1]; A1 and A2 serve only general, A3 serves both:
    # tax can only be covered by A3, so A3 works tax and one of A1/A2 general, nobody else.
    p = ShiftPattern("p", time(9), 60)
    days = (
        DayRequirement(MON, time(9), (1, 1), queue="general"),
        DayRequirement(MON, time(9), (1, 1), queue="tax"),
    )
    agents: tuple[Agent, ...] = (
        Agent("A1", skills=("general",)),
        Agent("A2", skills=("general",)),
        Agent("A3"),
    )
    schedule = solve(Problem(days, Roster((p,), agents)), options=OPTS)
    worked = sorted(s.agent_id for s in schedule.shifts)
    assert len(worked) == 2 and "A3" in worked
    scheduled = [(c.queue, c.scheduled) for c in schedule.intervals]
    assert scheduled == [("general", 1), ("general", 1), ("tax", 1), ("tax", 1)]
    # only tax agents off: the both-skilled agent covers tax, and one general agent general
    agents = (Agent("A1", skills=("general",)), Agent("A3", skills=("general", "tax")))
    schedule = solve(Problem(days, Roster((p,), agents)), options=OPTS)
    assert len(schedule.shifts) == 2 and schedule.under_agent_hours == 0
    # a hard minimum of 2 tax agents with a single tax-skilled agent: the message names the queue
    days = (
        DayRequirement(MON, time(9), (1, 1), queue="general"),
        DayRequirement(MON, time(9), (2, 2), (2, 0), queue="tax"),
    )
    with pytest.raises(ScheduleInfeasible) as caught:
        solve(Problem(days, Roster((p,), agents)), options=OPTS)
    assert caught.value.reasons == (
        "minimum coverage of queue tax on Mon 2026-12-07 09:00–09:30 needs 2 agents "
        "but only 1 is available then",
    )


def test_queue_column_parses() -> None:
    text = (
        "day,start,required,queue\n"
        "mon,09:00,2,tax\nmon,09:00,3,general\nmon,09:30,1,general\nmon,09:30,1,tax\n"
    )
    days = parse_requirements_csv(text, week_start=MON)
    assert [(d.queue, d.required) for d in days] == [("general", (3, 1)), ("tax", (2, 1))]
    with pytest.raises(ValidationError) as caught:
        parse_requirements_csv("day,start,required,queue\nmon,09:00,2,tax\nmon,09:30,1,\n", week_start=MON)
    assert caught.value.field == "queue"
    roster = parse_roster({"agents": [{"id": "A1", "skills": ["tax"]}]})
    assert roster.agents[0].skills == ("tax",)


def test_pattern_days_limit_the_weekdays_it_is_worked() -> None:
    # Mon and Sat each need 1 agent 09:00–13:00; "sat" is Saturday-only, "wk" weekdays-only, the two
    # patterns otherwise identical: every Monday shift must be "wk" and every Saturday shift "sat".
    sat_only = ShiftPattern("sat", time(9), 240, 30, days=(5,))
    weekdays = ShiftPattern("wk", time(9), 240, 30, days=(0, 1, 2, 3, 4))
    sat = MON + timedelta(days=5)
    problem = Problem(
        (DayRequirement(MON, time(9), (1,) * 8), DayRequirement(sat, time(9), (1,) * 8)),
        Roster((sat_only, weekdays), (Agent("A1"), Agent("A2"))),
    )
    schedule = solve(problem, options=OPTS)
    assert {(s.day, s.pattern) for s in schedule.shifts} == {(MON, "wk"), (sat, "sat")}
    import yaml

    roster = parse_roster(
        yaml.safe_load(
            'patterns: [{name: s, start: "09:00", hours: 4, lunch: {minutes: 30}, days: [sat, 일]}]\n'
            "agents: [{id: A}]\n"
        )
    )
    assert roster.patterns[0].days == (5, 6)
    with pytest.raises(ValidationError, match="not a weekday"):
        parse_roster(yaml.safe_load('patterns: [{name: s, start: "09:00", hours: 4, days: [someday]}]'))
    # the example roster: its Saturday pattern is never placed on a weekday
    example = parse_roster(yaml.safe_load((EXAMPLES / "schedule-agents.yaml").read_text(encoding="utf-8")))
    assert next(p for p in example.patterns if p.name == "saturday").days == (5,)


def test_day_no_pattern_fits_is_explained() -> None:
    full = ShiftPattern("full", time(9), 540, 60, time(11), time(14, 30))
    problem = Problem(
        (DayRequirement(MON, time(9), (2,)),),
        Roster((full,), (Agent("A"), Agent("B")), Rules(hard_min_agents=2)),
    )
    with pytest.raises(ScheduleInfeasible) as caught:
        solve(problem, options=OPTS)
    assert "no shift pattern fits the opening hours of Mon 2026-12-07 (09:00–09:30)" in caught.value.message


def test_numbers_out_of_range_are_refused() -> None:
    import yaml

    base = 'patterns: [{name: f, start: "09:00", hours: %s, lunch: {minutes: 60}}]\nagents: [{id: A}]\n'
    with pytest.raises(ValidationError, match="not a finite number"):
        parse_roster(yaml.safe_load(base % ".nan"))
    with pytest.raises(ValidationError, match="out of range"):
        parse_roster(yaml.safe_load(base % "1e308"))
    with pytest.raises(ValidationError, match="out of range") as caught:
        parse_roster(yaml.safe_load(base % "9" + "rules: {hard_min_agents: 99999999999999999999999}\n"))
    assert caught.value.field == "rules.hard_min_agents"
    with pytest.raises(ValidationError, match="between 0 and 10000"):
        parse_requirements_csv("day,start,required\n2026-12-07,09:00,100000000000000000000000000\n")
    with pytest.raises(
        ValidationError, match="line 3: day 2026-12-14 is outside the week starting 2026-12-07"
    ):
        parse_requirements_csv("day,start,required\n2026-12-07,09:00,1\n2026-12-14,09:00,1\n", week_start=MON)


def test_write_csv_has_a_bom_and_unwritable_paths_are_validation_errors(tmp_path: Path) -> None:
    from minwon.workforce.schedule import write_csv, write_xlsx

    early = ShiftPattern("early", time(9), 90)
    problem = Problem((DayRequirement(MON, time(9), (1, 1, 1)),), Roster((early,), (Agent("A1", "김민지"),)))
    schedule = solve(problem, options=OPTS)
    shifts, coverage = write_csv(schedule, tmp_path / "w.csv")
    assert shifts.read_bytes().startswith(b"\xef\xbb\xbf") and coverage.read_bytes().startswith(
        b"\xef\xbb\xbf"
    )
    assert "김민지" in shifts.read_text(encoding="utf-8-sig").splitlines()[1]
    with pytest.raises(ValidationError) as caught:
        write_csv(schedule, tmp_path / "missing-dir" / "w.csv")
    assert caught.value.field == "out_csv"
    with pytest.raises(ValidationError) as caught:
        write_xlsx(schedule, tmp_path / "missing-dir" / "w.xlsx")
    assert caught.value.field == "out_xlsx"


def test_xlsx_summary_status_is_translated() -> None:
    from minwon.core.i18n import gettext

    early = ShiftPattern("early", time(9), 90)
    problem = Problem((DayRequirement(MON, time(9), (1, 1, 1)),), Roster((early,), (Agent("A1"),)))
    schedule = solve(problem, options=OPTS)
    book = load_workbook(io.BytesIO(schedule_xlsx(schedule, locale="ko")))
    summary = list(book[gettext("ko", "Summary")].iter_rows(values_only=True))
    assert summary[0] == (gettext("ko", "Status"), gettext("ko", "Optimal"))
    assert summary[0][1] != "optimal"
    shifts = list(book[gettext("ko", "Shifts")].iter_rows(values_only=True))
    assert shifts[0][2:6] == tuple(gettext("ko", h) for h in ("Date", "Pattern", "Start", "End"))


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (("--week-start", "9999-12-31"), "--week-start must be between 1970 and 2100"),
        (("--time-limit", "nan"), "time limit (s) must be between 1 and 300"),
        (("--time-limit", "0"), "time limit (s) must be between 1 and 300"),
        (("--workers", "100000"), "--workers must be between 1 and 64"),
        (("--under-weight", "100000000000000000000000"), "--under-weight must be between 0 and 1000000"),
        (("--locale", "fr"), "--locale must be one of ko, en"),
        (("--out-csv", "/nonexistent-dir/w.csv"), "cannot write"),
        (("--out-xlsx", "/nonexistent-dir/w.xlsx"), "cannot write"),
    ],
)
def test_cli_options_are_validated(tmp_path: Path, extra: tuple[str, str], needle: str) -> None:
    req, agents = EXAMPLES / "schedule-requirements.csv", EXAMPLES / "schedule-agents.yaml"
    args = ["--requirements", str(req), "--agents", str(agents), "--time-limit", "5"]
    if extra[0] != "--week-start":
        args += ["--week-start", "2026-12-07"]
    done = _cli(*args, *extra, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert needle in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr
