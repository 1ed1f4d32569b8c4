"""A week's shift schedule from required agents per 30-minute interval, with OR-tools CP-SAT.

Pure module: no database, no HTTP. Inputs are frozen dataclasses validated on construction (bad input →
``core.errors.ValidationError`` naming the field); :func:`parse_requirements_csv` and :func:`parse_roster`
build them from the CLI's file formats (``docs/scheduling.md``).

Model (``docs/scheduling.md`` has the full statement):

* time is cut into 30-minute intervals between each day's opening and closing;
* each agent works at most one shift pattern a day, inside its availability and the opening hours;
* each shift has a lunch break (근로기준법 §54: 30 min for 4 h of work, 1 h for 8 h, given *during* the
  working time — patterns that break this are rejected) placed by the solver inside its window, and
  optional 15-minute breaks, each placed in the first half of a 30-minute interval inside its window —
  so an agent on a break counts as half an agent in that interval; coverage is counted in half-agents;
* hard rules per agent: weekly paid hours ≤ ``max_hours_per_week`` (default 40, 근로기준법 §50①);
  at most 8 paid hours a day (§50②, checked on the patterns); at least one day off in every 7-day week
  of the horizon (§55 weekly rest day); at most ``max_consecutive_days`` working days in a row; at least
  ``min_rest_hours`` between the end of one shift and the start of the next (a center policy, default 11 h:
  근로기준법 §59② requires 11 h only in the special-case industries, not in call centers);
* optional hard minimum coverage per interval (``hard_min_agents`` or a ``minimum`` column);
* optional queues: requirements per queue, agents with ``skills``; an agent serving several of a day's
  queues splits each interval between them in half-agent steps;
* objective: weighted under-staffing (default 10) + over-staffing (default 1) per half-agent-interval,
  then (lexicographically, with coverage held at the value found) fairness: the spread of paid hours
  between agents with the same weekly limit plus the spread of weekend shifts.

When the hard rules cannot all hold, the solve is repeated with one assumption literal per rule and
agent and per minimum-coverage interval; CP-SAT's ``SufficientAssumptionsForInfeasibility`` gives a core
which is shrunk by deletion and translated into sentences (:class:`ScheduleInfeasible`).
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import math
import re
import time as _time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

from ortools.sat.python import cp_model

from minwon.core.errors import Conflict, MinwonError, ValidationError
from minwon.core.i18n import N_, gettext

SLOT_MINUTES = 30
BREAK_MINUTES = 15
#: Upper bound of required/minimum agents per interval (far above any center; keeps the model's
#: integers inside CP-SAT's range).
MAX_AGENTS_PER_INTERVAL = 10_000
#: Bounds of the solver time limit (s), the same for the page, ``plan week`` and ``schedule build``.
MIN_TIME_LIMIT_S = 1.0
MAX_TIME_LIMIT_S = 300.0
TIME_LIMIT_MESSAGE = "time limit (s) must be between 1 and 300"
#: Solver threads and objective weights accepted from the command line.
MAX_WORKERS = 64
MAX_WEIGHT = 1_000_000


def check_time_limit(value: float, *, field: str = "time_limit_s") -> float:
    """``value`` if it is a number within [1, 300] s; else ValidationError(:data:`TIME_LIMIT_MESSAGE`)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not MIN_TIME_LIMIT_S <= value <= MAX_TIME_LIMIT_S
    ):
        raise ValidationError(TIME_LIMIT_MESSAGE, field=field)
    return float(value)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_ALIASES = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{name: i for i, name in enumerate("월화수목금토일")},
    **{
        name: i
        for i, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
}


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _clock(minutes: int) -> time:
    if minutes == 24 * 60:
        return time(23, 59)
    return time(minutes // 60, minutes % 60)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_time(value: Any, *, field: str) -> time:
    """``"HH:MM"`` (or a ``datetime.time``, or YAML's sexagesimal int) → time. Raises ValidationError."""
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        # YAML 1.1 reads an unquoted 09:00 as the base-60 integer 540
        return time(value // 60, value % 60)
    text = str(value).strip()
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValidationError(f"{field}: {value!r} is not a time HH:MM", field=field) from None


def parse_weekday(value: str) -> int | None:
    """``mon``/``Monday``/``월`` → 0; anything else → None."""
    return _WEEKDAY_ALIASES.get(str(value).strip().lower())


# ---------------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class DayRequirement:
    """One open day: ``required[i]`` agents for the 30-minute interval starting at opening + 30·i minutes.

    ``minimum[i]`` (optional) is a hard lower bound on the agents working in interval i. ``queue`` names
    the queue (skill) the agents serve; ``""`` (the default) is the center's single queue.
    """

    day: date
    opening: time
    required: tuple[int, ...]
    minimum: tuple[int, ...] | None = None
    queue: str = ""

    def __post_init__(self) -> None:
        where = f"requirements[{self.day.isoformat()}{' ' + self.queue if self.queue else ''}]"
        if _minutes(self.opening) % SLOT_MINUTES:
            raise ValidationError(f"{where}: opening must be on a 30-minute boundary", field="opening")
        if not self.required:
            raise ValidationError(f"{where}: no intervals", field="required")
        if _minutes(self.opening) + SLOT_MINUTES * len(self.required) > 24 * 60:
            raise ValidationError(f"{where}: intervals run past midnight", field="required")
        for i, need in enumerate(self.required):
            if (
                isinstance(need, bool)
                or not isinstance(need, int)
                or not 0 <= need <= MAX_AGENTS_PER_INTERVAL
            ):
                raise ValidationError(
                    f"{where}: required agents at {self.interval_label(i)} must be a whole number "
                    f"between 0 and {MAX_AGENTS_PER_INTERVAL}",
                    field="required",
                )
        if self.minimum is not None:
            if len(self.minimum) != len(self.required):
                raise ValidationError(f"{where}: minimum has the wrong length", field="minimum")
            for i, low in enumerate(self.minimum):
                if (
                    isinstance(low, bool)
                    or not isinstance(low, int)
                    or not 0 <= low <= MAX_AGENTS_PER_INTERVAL
                ):
                    raise ValidationError(
                        f"{where}: minimum at {self.interval_label(i)} must be a whole number "
                        f"between 0 and {MAX_AGENTS_PER_INTERVAL}",
                        field="minimum",
                    )

    @property
    def open_minute(self) -> int:
        return _minutes(self.opening)

    @property
    def label(self) -> str:
        return f"{WEEKDAYS[self.day.weekday()].capitalize()} {self.day.isoformat()}"

    @property
    def close_minute(self) -> int:
        return self.open_minute + SLOT_MINUTES * len(self.required)

    def interval_label(self, i: int) -> str:
        start = self.open_minute + SLOT_MINUTES * i
        return f"{_hhmm(start)}–{_hhmm(start + SLOT_MINUTES)}"


@dataclass(frozen=True)
class BreakWindow:
    """A 15-minute break starting in ``[earliest, latest_end − 30 min]`` on a 30-minute boundary."""

    earliest: time
    latest_end: time


@dataclass(frozen=True)
class ShiftPattern:
    """A shift: starts at ``start``, lasts ``length_minutes`` including the unpaid lunch.

    Lunch lasts ``lunch_minutes`` and lies inside ``[lunch_earliest, lunch_latest_end]``; paid time is
    ``length − lunch`` (15-minute breaks are paid). Rules checked here: 근로기준법 §54 (30 min of rest for
    4 h of work, 60 min for 8 h, during the working time) and §50② (8 paid hours a day at most).
    ``days``: the weekdays (0 = Monday … 6 = Sunday) the pattern may be worked on; None = every day.
    """

    name: str
    start: time
    length_minutes: int
    lunch_minutes: int = 0
    lunch_earliest: time | None = None
    lunch_latest_end: time | None = None
    breaks: tuple[BreakWindow, ...] = ()
    days: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        where = f"patterns[{self.name}]"
        if not self.name:
            raise ValidationError("patterns: a pattern has no name", field="patterns.name")
        if self.days is not None and (not self.days or any(d not in range(7) for d in self.days)):
            raise ValidationError(f"{where}.days must list weekdays (mon … sun)", field="patterns.days")
        if _minutes(self.start) % SLOT_MINUTES:
            raise ValidationError(f"{where}.start must be on a 30-minute boundary", field="patterns.start")
        for attr in ("length_minutes", "lunch_minutes"):
            value = getattr(self, attr)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value % SLOT_MINUTES:
                raise ValidationError(
                    f"{where}.{attr} must be a whole number of 30-minute intervals", field=f"patterns.{attr}"
                )
        if self.length_minutes == 0 or self.end_minute > 24 * 60:
            raise ValidationError(f"{where}: the shift must end by midnight", field="patterns.length_minutes")
        paid = self.paid_minutes
        if paid > 8 * 60:
            raise ValidationError(
                f"{where}: {paid / 60:g} paid hours a day exceed 8 (근로기준법 §50②)",
                field="patterns.length_minutes",
            )
        needed = 60 if paid >= 8 * 60 else 30 if paid >= 4 * 60 else 0
        if self.lunch_minutes < needed:
            raise ValidationError(
                f"{where}: {paid / 60:g} h of work need a break of at least {needed} min (근로기준법 §54①)",
                field="patterns.lunch_minutes",
            )
        if self.lunch_minutes and not self.lunch_starts():
            raise ValidationError(
                f"{where}: the lunch window leaves no place for {self.lunch_minutes} min of lunch strictly "
                "inside the shift (근로기준법 §54① gives the break during the working time)",
                field="patterns.lunch_earliest",
            )
        for k in range(len(self.breaks)):
            if not self.break_slots(k):
                raise ValidationError(
                    f"{where}.breaks[{k}]: the window has no 30-minute interval inside the shift",
                    field="patterns.breaks",
                )

    @property
    def start_minute(self) -> int:
        return _minutes(self.start)

    def runs_on(self, day: date) -> bool:
        """Whether the pattern may be worked on ``day`` (its ``days``, when given)."""
        return self.days is None or day.weekday() in self.days

    @property
    def end_minute(self) -> int:
        return self.start_minute + self.length_minutes

    @property
    def paid_minutes(self) -> int:
        return self.length_minutes - self.lunch_minutes

    def lunch_starts(self) -> tuple[int, ...]:
        """Possible lunch start minutes (strictly inside the shift, inside the lunch window)."""
        if not self.lunch_minutes:
            return ()
        low = self.start_minute + SLOT_MINUTES
        high = self.end_minute - SLOT_MINUTES - self.lunch_minutes
        if self.lunch_earliest is not None:
            low = max(low, _minutes(self.lunch_earliest))
        if self.lunch_latest_end is not None:
            high = min(high, _minutes(self.lunch_latest_end) - self.lunch_minutes)
        first = -(-(low - self.start_minute) // SLOT_MINUTES) * SLOT_MINUTES + self.start_minute
        return tuple(range(first, high + 1, SLOT_MINUTES))

    def break_slots(self, k: int) -> tuple[int, ...]:
        """Possible start minutes of the 30-minute interval holding break ``k``."""
        window = self.breaks[k]
        low = max(self.start_minute, _minutes(window.earliest))
        high = min(self.end_minute, _minutes(window.latest_end)) - SLOT_MINUTES
        first = -(-(low - self.start_minute) // SLOT_MINUTES) * SLOT_MINUTES + self.start_minute
        return tuple(range(first, high + 1, SLOT_MINUTES))


Window = tuple[time, time]


@dataclass(frozen=True)
class Agent:
    """A counselor (상담사).

    ``availability`` maps a weekday (``mon``…``sun``) or an ISO date to the windows the agent can work
    that day; an empty tuple is a day off; a date overrides its weekday; a day not listed is fully
    available. ``patterns`` limits the shift patterns (None: all). ``skills`` lists the queues the agent
    can serve (None: all).
    """

    id: str
    name: str = ""
    max_hours_per_week: float = 40.0
    max_consecutive_days: int = 6
    patterns: tuple[str, ...] | None = None
    availability: Mapping[str, tuple[Window, ...]] = field(default_factory=dict)
    skills: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        where = f"agents[{self.id}]"
        if not self.id:
            raise ValidationError("agents: an agent has no id", field="agents.id")
        if not 0 <= self.max_hours_per_week <= 52:
            raise ValidationError(
                f"{where}.max_hours_per_week must be between 0 and 52 (40 + 12 under 근로기준법 §53)",
                field="agents.max_hours_per_week",
            )
        if not 1 <= self.max_consecutive_days <= 13:
            raise ValidationError(
                f"{where}.max_consecutive_days must be between 1 and 13", field="agents.max_consecutive_days"
            )
        for key, windows in self.availability.items():
            if parse_weekday(key) is None:
                try:
                    date.fromisoformat(key)
                except ValueError:
                    raise ValidationError(
                        f"{where}.availability: {key!r} is neither a weekday nor a date YYYY-MM-DD",
                        field="agents.availability",
                    ) from None
            for start, end in windows:
                if _minutes(end) <= _minutes(start):
                    raise ValidationError(
                        f"{where}.availability[{key}]: window ends before it starts",
                        field="agents.availability",
                    )

    @property
    def label(self) -> str:
        return f"{self.id} {self.name}".strip()

    def serves(self, queue: str) -> bool:
        return not queue or self.skills is None or queue in self.skills

    def windows_on(self, day: date) -> tuple[Window, ...] | None:
        """The windows available on ``day``; None = all day."""
        if day.isoformat() in self.availability:
            return self.availability[day.isoformat()]
        for key, windows in self.availability.items():
            if parse_weekday(key) == day.weekday():
                return windows
        return None

    def can_work(self, day: date, pattern: ShiftPattern) -> bool:
        if self.patterns is not None and pattern.name not in self.patterns:
            return False
        if not pattern.runs_on(day):
            return False
        windows = self.windows_on(day)
        if windows is None:
            return True
        return any(
            _minutes(s) <= pattern.start_minute and pattern.end_minute <= _minutes(e) for s, e in windows
        )


@dataclass(frozen=True)
class Rules:
    """Center-wide hard rules. ``hard_min_agents``: every interval needs at least that many agents."""

    min_rest_hours: float = 11.0
    weekly_rest_day: bool = True
    hard_min_agents: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.min_rest_hours <= 24:
            raise ValidationError(
                "rules.min_rest_hours must be between 0 and 24", field="rules.min_rest_hours"
            )
        if self.hard_min_agents is not None and not 0 <= self.hard_min_agents <= MAX_AGENTS_PER_INTERVAL:
            raise ValidationError(
                f"rules.hard_min_agents must be between 0 and {MAX_AGENTS_PER_INTERVAL}",
                field="rules.hard_min_agents",
            )


@dataclass(frozen=True)
class Roster:
    """What the agents file holds: patterns, agents and rules."""

    patterns: tuple[ShiftPattern, ...]
    agents: tuple[Agent, ...]
    rules: Rules = Rules()


@dataclass(frozen=True)
class Weights:
    """Objective weights per half-agent-interval. Fairness is always strictly below coverage."""

    under: int = 10
    over: int = 1
    fairness: bool = True


@dataclass(frozen=True)
class SolverOptions:
    """``time_limit_s`` seconds of wall time; one worker and a fixed seed make a run reproducible."""

    time_limit_s: float = 30.0
    num_workers: int = 1
    seed: int = 0


@dataclass(frozen=True)
class Problem:
    """Requirements of the days to plan plus the roster.

    ``days`` are in date order, one entry per date and queue; a date's queues share its opening hours.
    """

    days: tuple[DayRequirement, ...]
    roster: Roster

    def __post_init__(self) -> None:
        if not self.days:
            raise ValidationError("requirements: no day to plan", field="requirements")
        keys = [(d.day, d.queue) for d in self.days]
        if [k[0] for k in keys] != sorted(k[0] for k in keys) or len(set(keys)) != len(keys):
            raise ValidationError(
                "requirements: days must be in order, each date and queue once", field="requirements"
            )
        for d in self.days:
            first = self.calendar[self.date_index[d.day]]
            if (d.opening, len(d.required)) != (first.opening, len(first.required)):
                raise ValidationError(
                    f"requirements: the queues of {d.day} must share the opening hours", field="start"
                )
        if not self.roster.agents:
            raise ValidationError("agents: the roster has no agent", field="agents")
        if not self.roster.patterns:
            raise ValidationError("patterns: the roster has no shift pattern", field="patterns")
        names = [p.name for p in self.roster.patterns]
        if len(set(names)) != len(names):
            raise ValidationError("patterns: two patterns have the same name", field="patterns.name")
        ids = [a.id for a in self.roster.agents]
        if len(set(ids)) != len(ids):
            dup = next(i for i in ids if ids.count(i) > 1)
            raise ValidationError(f"agents: id {dup!r} appears twice", field="agents.id")
        for agent in self.roster.agents:
            for name in agent.patterns or ():
                if name not in names:
                    raise ValidationError(
                        f"agents[{agent.id}].patterns: unknown pattern {name!r}", field="agents.patterns"
                    )

    @property
    def calendar(self) -> tuple[DayRequirement, ...]:
        """One entry per planned date (the first queue's), in order: the days the rules count."""
        seen: dict[date, DayRequirement] = {}
        for d in self.days:
            seen.setdefault(d.day, d)
        return tuple(seen.values())

    @property
    def date_index(self) -> dict[date, int]:
        return {d.day: i for i, d in enumerate(self.calendar)}


# --------------------------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class AssignedShift:
    """One agent's shift on one day; times are local clock times."""

    agent_id: str
    agent_name: str
    day: date
    pattern: str
    start: time
    end: time
    lunch: tuple[time, time] | None
    breaks: tuple[tuple[time, time], ...]
    paid_hours: float


@dataclass(frozen=True)
class IntervalCoverage:
    """Required vs scheduled agents in one 30-minute interval (an agent on a 15-min break counts ½)."""

    day: date
    queue: str
    start: time
    end: time
    required: int
    minimum: int
    scheduled: float
    under: float
    over: float


@dataclass(frozen=True)
class Schedule:
    """The solver's answer. ``status`` is ``optimal`` or ``feasible`` (time limit reached).

    ``under_agent_hours``/``over_agent_hours``: sums of under/over-staffing × 0.5 h. ``objective`` is the
    weighted coverage cost (half-agent-intervals) and ``best_bound`` the solver's lower bound on it; the
    status is ``optimal`` only when coverage and then fairness were both proven optimal.
    """

    status: str
    shifts: tuple[AssignedShift, ...]
    intervals: tuple[IntervalCoverage, ...]
    under_agent_hours: float
    over_agent_hours: float
    paid_hours: Mapping[str, float]
    objective: float
    best_bound: float
    solve_seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (dates ISO, times ``HH:MM``)."""

        def hm(t: time) -> str:
            return t.strftime("%H:%M")

        return {
            "status": self.status,
            "under_agent_hours": self.under_agent_hours,
            "over_agent_hours": self.over_agent_hours,
            "objective": self.objective,
            "best_bound": self.best_bound,
            "solve_seconds": round(self.solve_seconds, 3),
            "paid_hours": dict(self.paid_hours),
            "shifts": [
                {
                    "agent_id": s.agent_id,
                    "agent_name": s.agent_name,
                    "day": s.day.isoformat(),
                    "pattern": s.pattern,
                    "start": hm(s.start),
                    "end": hm(s.end),
                    "lunch": [hm(s.lunch[0]), hm(s.lunch[1])] if s.lunch else None,
                    "breaks": [[hm(a), hm(b)] for a, b in s.breaks],
                    "paid_hours": s.paid_hours,
                }
                for s in self.shifts
            ],
            "intervals": [
                {
                    "day": c.day.isoformat(),
                    "queue": c.queue,
                    "start": hm(c.start),
                    "end": hm(c.end),
                    "required": c.required,
                    "minimum": c.minimum,
                    "scheduled": c.scheduled,
                    "under": c.under,
                    "over": c.over,
                }
                for c in self.intervals
            ],
        }


class ScheduleInfeasible(Conflict):
    """The hard rules cannot all hold. ``reasons``: one readable sentence per rule in the core."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__("no schedule satisfies the hard rules:\n- " + "\n- ".join(self.reasons))


# ----------------------------------------------------------------------------------------------- model


@dataclass
class _Option:
    """Agent ``a`` may work pattern ``p`` on day index ``d``."""

    a: int
    d: int
    p: int
    x: cp_model.IntVar
    lunch: dict[int, cp_model.IntVar]  # lunch start minute → literal
    breaks: list[dict[int, cp_model.IntVar]]  # per break: slot start minute → literal


@dataclass
class _Built:
    model: cp_model.CpModel
    options: list[_Option]
    assumptions: dict[int, tuple[str, int, int]]  # literal index → (rule, agent or day, slot)
    literals: list[cp_model.IntVar]
    under: dict[tuple[int, int], cp_model.IntVar]
    over: dict[tuple[int, int], cp_model.IntVar]
    coverage_cost: Any  # weighted under + over, half-agent-intervals
    fairness: list[Any]  # spreads to minimise once coverage is settled


def _iso_weeks(problem: Problem) -> list[list[int]]:
    """Day indexes grouped in 7-day weeks counted from the first planned day."""
    first = problem.days[0].day
    weeks: dict[int, list[int]] = {}
    for i, d in enumerate(problem.calendar):
        weeks.setdefault((d.day - first).days // 7, []).append(i)
    return [weeks[k] for k in sorted(weeks)]


def _build(problem: Problem, weights: Weights, *, objective: bool) -> _Built:
    model = cp_model.CpModel()
    agents, patterns, days = problem.roster.agents, problem.roster.patterns, problem.calendar
    rules = problem.roster.rules
    literals: list[cp_model.IntVar] = []
    meaning: dict[int, tuple[str, int, int]] = {}

    def literal(rule: str, who: int, slot: int = -1) -> cp_model.IntVar:
        var = model.new_bool_var(f"{rule}_{who}_{slot}")
        meaning[var.index] = (rule, who, slot)
        literals.append(var)
        return var

    options: list[_Option] = []
    for a, agent in enumerate(agents):
        for d, day in enumerate(days):
            for p, pattern in enumerate(patterns):
                if pattern.start_minute < day.open_minute or pattern.end_minute > day.close_minute:
                    continue
                if not agent.can_work(day.day, pattern):
                    continue
                x = model.new_bool_var(f"x_{a}_{d}_{p}")
                lunch = {s: model.new_bool_var(f"l_{a}_{d}_{p}_{s}") for s in pattern.lunch_starts()}
                brk = [
                    {t: model.new_bool_var(f"b_{a}_{d}_{p}_{k}_{t}") for t in pattern.break_slots(k)}
                    for k in range(len(pattern.breaks))
                ]
                options.append(_Option(a, d, p, x, lunch, brk))

    by_agent_day: dict[tuple[int, int], list[_Option]] = {}
    for o in options:
        by_agent_day.setdefault((o.a, o.d), []).append(o)
    worked: dict[tuple[int, int], Any] = {}
    for key, opts in by_agent_day.items():
        model.add_at_most_one(o.x for o in opts)
        worked[key] = sum(o.x for o in opts)

    # lunch (§54) and breaks: placed exactly once when the shift is worked; never overlapping
    for a in range(len(agents)):
        lunch_lit = literal("lunch", a)
        break_lit = literal("breaks", a) if any(p.breaks for p in patterns) else None
        for o in (o for o in options if o.a == a):
            pattern = patterns[o.p]
            if o.lunch:
                model.add(sum(o.lunch.values()) == o.x).only_enforce_if(lunch_lit)
                model.add(sum(o.lunch.values()) <= o.x)
            for placements in o.breaks:
                assert break_lit is not None
                model.add(sum(placements.values()) == o.x).only_enforce_if(break_lit)
                model.add(sum(placements.values()) <= o.x)
            for t in range(pattern.start_minute, pattern.end_minute, SLOT_MINUTES):
                using = [lit for s, lit in o.lunch.items() if s <= t < s + pattern.lunch_minutes]
                using += [placements[t] for placements in o.breaks if t in placements]
                if len(using) > 1:
                    model.add_at_most_one(using)

    # weekly hours (§50①) and weekly rest day (§55), per 7-day week from the first planned day
    for a, agent in enumerate(agents):
        hours_lit = literal("hours", a)
        rest_day_lit = literal("weekly_rest", a) if rules.weekly_rest_day else None
        for week in _iso_weeks(problem):
            paid = [
                o.x * (patterns[o.p].paid_minutes // SLOT_MINUTES)
                for o in options
                if o.a == a and o.d in week
            ]
            if paid:
                limit = int(agent.max_hours_per_week * 60) // SLOT_MINUTES
                model.add(sum(paid) <= limit).only_enforce_if(hours_lit)
            if rest_day_lit is not None and len(week) == 7 and any((a, d) in worked for d in week):
                model.add(sum(worked.get((a, d), 0) for d in week) <= 6).only_enforce_if(rest_day_lit)

    # consecutive working days: any max+1 consecutive calendar dates hold at most max working days
    index_of = {d.day: i for i, d in enumerate(days)}
    for a, agent in enumerate(agents):
        k = agent.max_consecutive_days
        consec_lit: cp_model.IntVar | None = None
        first, last = days[0].day, days[-1].day
        start = first
        while start + timedelta(days=k) <= last:
            span = [
                index_of[start + timedelta(days=j)]
                for j in range(k + 1)
                if start + timedelta(days=j) in index_of
            ]
            if len(span) > k and any((a, d) in worked for d in span):
                consec_lit = literal("consecutive", a) if consec_lit is None else consec_lit
                model.add(sum(worked.get((a, d), 0) for d in span) <= k).only_enforce_if(consec_lit)
            start += timedelta(days=1)

    # rest between shifts (center policy)
    rest_minutes = int(rules.min_rest_hours * 60)
    for a in range(len(agents)):
        rest_lit: cp_model.IntVar | None = None
        for o in (o for o in options if o.a == a):
            next_day = index_of.get(days[o.d].day + timedelta(days=1))
            if next_day is None:
                continue
            for q in by_agent_day.get((a, next_day), []):
                gap = patterns[q.p].start_minute + 24 * 60 - patterns[o.p].end_minute
                if gap < rest_minutes:
                    rest_lit = literal("rest", a) if rest_lit is None else rest_lit
                    model.add(o.x + q.x <= 1).only_enforce_if(rest_lit)

    # coverage in half-agents, per queue; an agent with several of the day's queues splits each interval
    # between them in half-agent steps
    under: dict[tuple[int, int], cp_model.IntVar] = {}
    over: dict[tuple[int, int], cp_model.IntVar] = {}
    n = len(agents)
    queues_of: dict[int, list[int]] = {}  # date index → indexes into problem.days
    for r, req in enumerate(problem.days):
        queues_of.setdefault(problem.date_index[req.day], []).append(r)
    for d, day in enumerate(days):
        for i in range(len(day.required)):
            t = day.open_minute + SLOT_MINUTES * i
            parts: dict[int, list[Any]] = {r: [] for r in queues_of[d]}
            for o in options:
                if o.d != d:
                    continue
                pattern = patterns[o.p]
                if not pattern.start_minute <= t < pattern.end_minute:
                    continue
                work = (
                    2 * o.x
                    - 2 * sum(lit for s, lit in o.lunch.items() if s <= t < s + pattern.lunch_minutes)
                    - sum(placements[t] for placements in o.breaks if t in placements)
                )
                served = [r for r in queues_of[d] if agents[o.a].serves(problem.days[r].queue)]
                if len(served) == 1:
                    parts[served[0]].append(work)
                elif served:
                    shares = [model.new_int_var(0, 2, f"h_{o.a}_{d}_{o.p}_{i}_{r}") for r in served]
                    model.add(sum(shares) == work)
                    for r, share in zip(served, shares, strict=True):
                        parts[r].append(share)
            for r in queues_of[d]:
                req = problem.days[r]
                need = req.required[i]
                u = model.new_int_var(0, 2 * need, f"under_{r}_{i}")
                v = model.new_int_var(0, 2 * n, f"over_{r}_{i}")
                under[r, i], over[r, i] = u, v
                low = max(rules.hard_min_agents or 0, req.minimum[i] if req.minimum else 0)
                if not parts[r]:
                    model.add(v - u == -2 * need)
                    if low:
                        model.add(literal("coverage", r, i) == 0)
                    continue
                covered = sum(parts[r])
                model.add(covered - 2 * need == v - u)
                if low:
                    model.add(covered >= 2 * low).only_enforce_if(literal("coverage", r, i))

    coverage_cost: Any = 0
    fairness: list[Any] = []
    if objective:
        coverage_cost = weights.under * sum(under.values()) + weights.over * sum(over.values())
        if weights.fairness:
            hours = {
                a: sum(o.x * (patterns[o.p].paid_minutes // SLOT_MINUTES) for o in options if o.a == a)
                for a in range(n)
            }
            groups: dict[float, list[int]] = {}
            for a, agent in enumerate(agents):
                groups.setdefault(agent.max_hours_per_week, []).append(a)
            top = sum(p.paid_minutes for p in patterns) // SLOT_MINUTES * len(days)
            for g, members in sorted(groups.items()):
                if len(members) < 2:
                    continue
                hi, lo = model.new_int_var(0, top, f"hi_{g}"), model.new_int_var(0, top, f"lo_{g}")
                model.add_max_equality(hi, [hours[a] for a in members])
                model.add_min_equality(lo, [hours[a] for a in members])
                fairness.append(hi - lo)
            weekend = [d for d, day in enumerate(days) if day.day.weekday() >= 5]
            if weekend and n > 1:
                counts = [sum(worked.get((a, d), 0) for d in weekend) for a in range(n)]
                hi = model.new_int_var(0, len(weekend), "hi_weekend")
                lo = model.new_int_var(0, len(weekend), "lo_weekend")
                model.add_max_equality(hi, counts)
                model.add_min_equality(lo, counts)
                fairness.append(hi - lo)
    return _Built(model, options, meaning, literals, under, over, coverage_cost, fairness)


def _solver(options: SolverOptions, *, time_limit_s: float | None = None) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s if time_limit_s is not None else options.time_limit_s
    solver.parameters.num_workers = options.num_workers
    solver.parameters.random_seed = options.seed
    return solver


def solve(
    problem: Problem, *, weights: Weights = Weights(), options: SolverOptions = SolverOptions()
) -> Schedule:
    """Build and solve the week's schedule.

    Returns a :class:`Schedule`. Raises :class:`ScheduleInfeasible` (with the rules and intervals that
    clash) when the hard rules cannot all hold, and ``MinwonError`` when the time limit passes before
    any schedule is found.
    """
    if not (0 <= weights.under <= MAX_WEIGHT and 0 <= weights.over <= MAX_WEIGHT):
        raise ValidationError(f"weights must be between 0 and {MAX_WEIGHT}", field="weights")
    if not (math.isfinite(options.time_limit_s) and options.time_limit_s > 0):
        raise ValidationError("time limit must be > 0 s", field="time_limit_s")
    if not 1 <= options.num_workers <= MAX_WORKERS:
        raise ValidationError(f"workers must be between 1 and {MAX_WORKERS}", field="workers")
    began = _time.perf_counter()
    built = _build(problem, weights, objective=True)
    model = built.model
    model.add_bool_and(built.literals)
    # lexicographic: coverage first (most of the time), then fairness with coverage held at its value —
    # one weighted sum with fairness below coverage proved much slower to converge
    model.minimize(built.coverage_cost)
    first_share = options.time_limit_s * (0.75 if built.fairness else 1.0)
    solver = _solver(options, time_limit_s=first_share)
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        raise ScheduleInfeasible(explain_infeasibility(problem, options=options))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise MinwonError(
            f"no schedule found within {options.time_limit_s:g} s (solver status "
            f"{solver.status_name(status)}); raise the time limit",
            field="time_limit_s",
        )
    cost, bound = round(solver.objective_value), solver.best_objective_bound
    left = options.time_limit_s - (_time.perf_counter() - began)
    if built.fairness and left > 0.05:
        hinted = [o.x for o in built.options]
        hinted += [lit for o in built.options for lit in o.lunch.values()]
        hinted += [lit for o in built.options for placements in o.breaks for lit in placements.values()]
        hinted += [*built.under.values(), *built.over.values()]
        for var in hinted:
            model.add_hint(var, solver.value(var))
        model.add(built.coverage_cost <= cost)
        model.minimize(sum(built.fairness))
        second = _solver(options, time_limit_s=left)
        second_status = second.solve(model)
        if second_status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if status == cp_model.OPTIMAL and second_status != cp_model.OPTIMAL:
                status = cp_model.FEASIBLE
            solver = second
    return _read(problem, built, solver, status, _time.perf_counter() - began, weights, bound)


def _read(
    problem: Problem,
    built: _Built,
    solver: cp_model.CpSolver,
    status: Any,
    seconds: float,
    weights: Weights,
    bound: float,
) -> Schedule:
    patterns, agents = problem.roster.patterns, problem.roster.agents
    shifts: list[AssignedShift] = []
    for o in built.options:
        if not solver.boolean_value(o.x):
            continue
        pattern, agent, day = patterns[o.p], agents[o.a], problem.calendar[o.d]
        lunch = next((s for s, lit in o.lunch.items() if solver.boolean_value(lit)), None)
        breaks = sorted(
            t for placements in o.breaks for t, lit in placements.items() if solver.boolean_value(lit)
        )
        shifts.append(
            AssignedShift(
                agent_id=agent.id,
                agent_name=agent.name,
                day=day.day,
                pattern=pattern.name,
                start=pattern.start,
                end=_clock(pattern.end_minute),
                lunch=(_clock(lunch), _clock(lunch + pattern.lunch_minutes)) if lunch is not None else None,
                breaks=tuple((_clock(t), _clock(t + BREAK_MINUTES)) for t in breaks),
                paid_hours=pattern.paid_minutes / 60,
            )
        )
    shifts.sort(key=lambda s: (s.day, s.agent_id))
    intervals: list[IntervalCoverage] = []
    rules = problem.roster.rules
    for r, day in enumerate(problem.days):
        for i, need in enumerate(day.required):
            # under/over recomputed from the net coverage: the variables may carry slack in both
            # directions when the solve stopped before optimality or in the fairness phase
            scheduled = need + (solver.value(built.over[r, i]) - solver.value(built.under[r, i])) / 2
            u, v = max(0.0, need - scheduled), max(0.0, scheduled - need)
            start = day.open_minute + SLOT_MINUTES * i
            intervals.append(
                IntervalCoverage(
                    day=day.day,
                    queue=day.queue,
                    start=_clock(start),
                    end=_clock(start + SLOT_MINUTES),
                    required=need,
                    minimum=max(rules.hard_min_agents or 0, day.minimum[i] if day.minimum else 0),
                    scheduled=scheduled,
                    under=u,
                    over=v,
                )
            )
    paid = {a.id: 0.0 for a in agents}
    for s in shifts:
        paid[s.agent_id] += s.paid_hours
    return Schedule(
        status="optimal" if status == cp_model.OPTIMAL else "feasible",
        shifts=tuple(shifts),
        intervals=tuple(intervals),
        under_agent_hours=sum(c.under for c in intervals) * SLOT_MINUTES / 60,
        over_agent_hours=sum(c.over for c in intervals) * SLOT_MINUTES / 60,
        paid_hours=paid,
        objective=sum(2 * (weights.under * c.under + weights.over * c.over) for c in intervals),
        best_bound=bound,
        solve_seconds=seconds,
    )


# ------------------------------------------------------------------------------------ infeasibility


def explain_infeasibility(problem: Problem, *, options: SolverOptions = SolverOptions()) -> list[str]:
    """Sentences naming the hard rules (and intervals) that cannot all hold together.

    Solves the model without objective under one assumption literal per rule/agent and per minimum-
    coverage interval, takes CP-SAT's ``SufficientAssumptionsForInfeasibility`` core (one worker, as
    core extraction needs) and removes every literal whose removal keeps the model infeasible.
    Returns ``[]`` if the model turns out feasible.
    """
    built = _build(problem, Weights(), objective=False)
    shortfalls = [
        index
        for index, (rule, d, i) in built.assumptions.items()
        if rule == "coverage" and _short(problem, d, i)
    ]
    if shortfalls:
        # each of these alone makes the model infeasible: name them all rather than one core
        return _describe(problem, built, shortfalls)
    single = SolverOptions(time_limit_s=options.time_limit_s, num_workers=1, seed=options.seed)

    def infeasible(lits: list[cp_model.IntVar], budget: float) -> tuple[bool, list[int]]:
        built.model.clear_assumptions()
        built.model.add_assumptions(lits)
        solver = _solver(single, time_limit_s=max(budget, 0.5))
        status = solver.solve(built.model)
        if status != cp_model.INFEASIBLE:
            return False, []
        return True, list(solver.sufficient_assumptions_for_infeasibility())

    deadline = _time.perf_counter() + options.time_limit_s
    found, core = infeasible(built.literals, options.time_limit_s)
    if not found:
        return []
    by_index = {lit.index: lit for lit in built.literals}
    kept = [by_index[i] for i in core if i in by_index] or list(built.literals)
    j = 0
    while j < len(kept) and _time.perf_counter() < deadline:
        trial = kept[:j] + kept[j + 1 :]
        still, smaller = infeasible(trial, deadline - _time.perf_counter())
        if still:
            smaller_set = set(smaller)
            kept = [lit for lit in trial if lit.index in smaller_set] or trial
        else:
            j += 1
    return _describe(problem, built, [lit.index for lit in kept])


def _available(problem: Problem, d: int, i: int) -> int:
    """Agents serving the queue of requirement ``d`` with some allowed pattern covering interval ``i``."""
    day = problem.days[d]
    t = day.open_minute + SLOT_MINUTES * i
    return sum(
        agent.serves(day.queue)
        and any(
            p.start_minute <= t < p.end_minute
            and day.open_minute <= p.start_minute
            and p.end_minute <= day.close_minute
            and agent.can_work(day.day, p)
            for p in problem.roster.patterns
        )
        for agent in problem.roster.agents
    )


def _short(problem: Problem, d: int, i: int) -> bool:
    day, rules = problem.days[d], problem.roster.rules
    need = max(rules.hard_min_agents or 0, day.minimum[i] if day.minimum else 0)
    return _available(problem, d, i) < need


def _describe(problem: Problem, built: _Built, indexes: list[int]) -> list[str]:
    agents, rules = problem.roster.agents, problem.roster.rules
    coverage: list[tuple[int, int, int, int]] = []  # day, slot, need, available
    others: list[str] = []
    for index in indexes:
        rule, who, slot = built.assumptions[index]
        if rule == "coverage":
            day = problem.days[who]
            need = max(rules.hard_min_agents or 0, day.minimum[slot] if day.minimum else 0)
            coverage.append((who, slot, need, _available(problem, who, slot)))
            continue
        agent = agents[who]
        others.append(
            {
                "lunch": f"the lunch break of {agent.label} inside its window (근로기준법 §54)",
                "breaks": f"the 15-minute breaks of {agent.label} inside their windows",
                "hours": f"the weekly limit of {agent.max_hours_per_week:g} paid hours for {agent.label} "
                "(근로기준법 §50①)",
                "weekly_rest": f"the weekly rest day of {agent.label} (근로기준법 §55)",
                "consecutive": f"at most {agent.max_consecutive_days} consecutive working days "
                f"for {agent.label}",
                "rest": f"at least {rules.min_rest_hours:g} h of rest between shifts for {agent.label} "
                "(center policy)",
            }[rule]
        )
    sentences: list[str] = []
    coverage.sort()
    runs: list[list[tuple[int, int, int, int]]] = []
    for item in coverage:
        last = runs[-1][-1] if runs else None
        if last and last[0] == item[0] and last[1] + 1 == item[1] and last[2:] == item[2:]:
            runs[-1].append(item)
        else:
            runs.append([item])
    for run in runs:
        d, first, need, available = run[0]
        day = problem.days[d]
        start = day.open_minute + SLOT_MINUTES * first
        end = day.open_minute + SLOT_MINUTES * (run[-1][1] + 1)
        when = f"{day.label} {_hhmm(start)}–{_hhmm(end)}"
        when = f"of queue {day.queue} on {when}" if day.queue else f"on {when}"
        fitting = [
            p
            for p in problem.roster.patterns
            if p.runs_on(day.day) and day.open_minute <= p.start_minute and p.end_minute <= day.close_minute
        ]
        if not fitting:
            sentences.append(
                f"minimum coverage {when} needs {need} {'agent' if need == 1 else 'agents'} but no shift "
                f"pattern fits the opening hours of {day.label} "
                f"({_hhmm(day.open_minute)}–{_hhmm(day.close_minute)})"
            )
        elif available < need:
            sentences.append(
                f"minimum coverage {when} needs {need} {'agent' if need == 1 else 'agents'} "
                f"but only {available} {'is' if available == 1 else 'are'} available then"
            )
        else:
            sentences.append(
                f"minimum coverage {when} needs {need} {'agent' if need == 1 else 'agents'} "
                f"({available} could work then)"
            )
    if others:
        lead = "it clashes with " if sentences else ""
        sentences.append(lead + "; ".join(others))
    return sentences


# ------------------------------------------------------------------------------------------- parsing


def _week_start_for(week_start: date | None) -> date:
    if week_start is None:
        raise ValidationError(
            "requirements name weekdays: give --week-start YYYY-MM-DD (a date) to place them",
            field="week_start",
        )
    return week_start


def parse_requirements_csv(
    text: str, *, week_start: date | None = None, source: str = "requirements"
) -> tuple[DayRequirement, ...]:
    """CSV ``day,start,required[,minimum][,queue]`` → days (one entry per date and queue).

    ``day`` is a date ``YYYY-MM-DD`` or a weekday (``mon``…``sun``, ``월``…``일``) placed in the week
    starting at ``week_start``. ``start`` is ``HH:MM`` on a 30-minute boundary; each day's rows must be
    contiguous 30-minute intervals (opening = first start, closing = last start + 30 min). Raises
    ValidationError naming the line and column.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    for column in ("day", "start", "required"):
        if column not in header:
            raise ValidationError(f"{source}: missing column {column!r} (have {header})", field=column)
    rows: dict[tuple[date, str], dict[int, tuple[int, int]]] = {}
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        where = f"{source} line {line}"
        weekday = parse_weekday(row["day"])
        if weekday is not None:
            try:
                day = _week_start_for(week_start) + timedelta(
                    days=(weekday - _week_start_for(week_start).weekday()) % 7
                )
            except OverflowError:
                raise ValidationError(f"{where}: the week runs past year 9999", field="week_start") from None
        else:
            try:
                day = date.fromisoformat(row["day"])
            except ValueError:
                raise ValidationError(
                    f"{where}: day {row['day']!r} is neither a date YYYY-MM-DD nor a weekday", field="day"
                ) from None
            if week_start is not None and not 0 <= (day - week_start).days < 7:
                raise ValidationError(
                    f"{where}: day {day} is outside the week starting {week_start}", field="day"
                )
        start = _minutes(parse_time(row["start"], field=f"{where}: start"))
        if start % SLOT_MINUTES:
            raise ValidationError(
                f"{where}: start {row['start']} is not on a 30-minute boundary", field="start"
            )
        values = []
        for column in ("required", "minimum"):
            cell = row.get(column) or ("0" if column == "minimum" else "")
            try:
                value = int(cell)
            except ValueError:
                raise ValidationError(
                    f"{where}: {column} {cell!r} is not a whole number", field=column
                ) from None
            if not 0 <= value <= MAX_AGENTS_PER_INTERVAL:
                raise ValidationError(
                    f"{where}: {column} must be between 0 and {MAX_AGENTS_PER_INTERVAL}", field=column
                )
            values.append(value)
        queue = row.get("queue") or ""
        if start in rows.setdefault((day, queue), {}):
            raise ValidationError(
                f"{where}: {day} {row['start']}{' ' + queue if queue else ''} appears twice", field="start"
            )
        rows[day, queue][start] = (values[0], values[1])
    if not rows:
        raise ValidationError(f"{source}: no rows", field="required")
    days = []
    if "" in {q for _, q in rows} and len({q for _, q in rows}) > 1:
        raise ValidationError(f"{source}: some rows name a queue and some do not", field="queue")
    for day, queue in sorted(rows):
        starts = sorted(rows[day, queue])
        gaps = [b for a, b in itertools.pairwise(starts) if b - a != SLOT_MINUTES]
        if gaps:
            raise ValidationError(
                f"{source}: {day} has a gap before {_hhmm(gaps[0])} (intervals must be contiguous)",
                field="start",
            )
        required = tuple(rows[day, queue][s][0] for s in starts)
        minimum = tuple(rows[day, queue][s][1] for s in starts)
        days.append(
            DayRequirement(day, _clock(starts[0]), required, minimum if any(minimum) else None, queue)
        )
    return tuple(days)


def _windows(value: Any, *, field: str) -> tuple[Window, ...]:
    if value is None or value is False or str(value).strip().lower() in ("off", "none", "휴무", ""):
        return ()
    items = value if isinstance(value, list) else [value]
    windows = []
    for item in items:
        try:
            start, end = str(item).split("-")
        except ValueError:
            raise ValidationError(
                f"{field}: {item!r} is not a window HH:MM-HH:MM or off", field=field
            ) from None
        windows.append((parse_time(start, field=field), parse_time(end, field=field)))
    return tuple(windows)


#: Upper bound of any number in the agents file: its values are hours, minutes, days or agents, all far
#: below it; bigger values are out of range (they would overflow the solver's 64-bit integers).
MAX_FILE_NUMBER = 1_000_000


def _number(data: Mapping[str, Any], key: str, default: Any, *, field: str, kind: type = int) -> Any:
    """``data[key]`` as ``kind`` (None if absent and no default); finite and within ±:data:`MAX_FILE_NUMBER`.

    Raises ValidationError naming ``field``: not a number, not whole (``kind=int``), or out of range.
    """
    value = data.get(key, default)
    if value is None:
        return None
    bare = re.sub(r"\[[^\]]*\]", "", field.split(": ", 1)[-1])
    if isinstance(value, str):
        # YAML 1.1 reads exponent numbers without a dot (``1e3``) as text: take them as the number they are
        with contextlib.suppress(ValueError):
            value = float(value.strip())
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(
            f"{field}: {value!r} is not a {'whole ' if kind is int else ''}number", field=bare
        )
    if value != value:
        raise ValidationError(f"{field}: {value!r} is not a finite number", field=bare)
    if not -MAX_FILE_NUMBER <= value <= MAX_FILE_NUMBER:
        raise ValidationError(
            f"{field}: {data.get(key)!r} is out of range (at most {MAX_FILE_NUMBER:,})", field=bare
        )
    if kind is int and value != int(value):
        raise ValidationError(f"{field}: {value!r} is not a whole number", field=bare)
    return kind(value)


_PATTERN_KEYS = frozenset({"name", "start", "hours", "lunch", "breaks", "days"})


def _weekdays(value: Any, *, field: str) -> tuple[int, ...] | None:
    """``days:`` of a pattern (a list of weekday names, or one name) → weekday numbers; None if absent."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    days = []
    for item in items:
        weekday = parse_weekday(str(item))
        if weekday is None:
            raise ValidationError(f"{field}: {item!r} is not a weekday (mon … sun)", field="patterns.days")
        days.append(weekday)
    if not days:
        raise ValidationError(f"{field} must list at least one weekday", field="patterns.days")
    return tuple(sorted(set(days)))


_AGENT_KEYS = frozenset(
    {
        "id",
        "name",
        "max_hours_per_week",
        "max_consecutive_days",
        "patterns",
        "days_off",
        "availability",
        "skills",
    }
)
_RULE_KEYS = frozenset({"min_rest_hours", "weekly_rest_day", "hard_min_agents"})


def _known(raw: Mapping[str, Any], keys: frozenset[str], *, where: str, field: str) -> None:
    unknown = sorted(str(k) for k in raw if k not in keys)
    if unknown:
        raise ValidationError(
            f"{where}: unknown key {unknown[0]!r} (expected one of {', '.join(sorted(keys))})",
            field=f"{field}.{unknown[0]}",
        )


def parse_roster(data: Any, *, source: str = "agents") -> Roster:
    """The agents file (already YAML-loaded) → :class:`Roster`. Format: ``docs/scheduling.md``.

    Raises ValidationError naming the entry and key (e.g. ``agents[3].max_hours_per_week``).
    """
    if not isinstance(data, Mapping):
        raise ValidationError(f"{source}: expected a mapping with patterns and agents", field="agents")
    unknown = set(data) - {"patterns", "agents", "rules", "defaults"}
    if unknown:
        raise ValidationError(f"{source}: unknown key {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
    patterns = []
    for k, raw in enumerate(data.get("patterns") or []):
        where = f"{source}: patterns[{k}]"
        if not isinstance(raw, Mapping):
            raise ValidationError(f"{where} must be a mapping", field="patterns")
        _known(raw, _PATTERN_KEYS, where=where, field="patterns")
        lunch = raw.get("lunch") or {}
        if not isinstance(lunch, Mapping):
            raise ValidationError(f"{where}.lunch must be a mapping", field="patterns.lunch")
        hours = _number(raw, "hours", None, field=f"{where}.hours", kind=float)
        if hours is None:
            raise ValidationError(f"{where}.hours is required", field="patterns.hours")
        breaks = []
        for b, window in enumerate(raw.get("breaks") or []):
            parsed = _windows(window, field=f"{where}.breaks[{b}]")
            if len(parsed) != 1:
                raise ValidationError(
                    f"{where}.breaks[{b}] must be one window HH:MM-HH:MM", field="patterns.breaks"
                )
            breaks.append(BreakWindow(*parsed[0]))
        patterns.append(
            ShiftPattern(
                name=str(raw.get("name") or ""),
                start=parse_time(raw.get("start"), field=f"{where}.start"),
                length_minutes=round(hours * 60),
                lunch_minutes=_number(lunch, "minutes", 0, field=f"{where}.lunch.minutes"),
                lunch_earliest=parse_time(lunch["earliest"], field=f"{where}.lunch.earliest")
                if "earliest" in lunch
                else None,
                lunch_latest_end=parse_time(lunch["latest_end"], field=f"{where}.lunch.latest_end")
                if "latest_end" in lunch
                else None,
                breaks=tuple(breaks),
                days=_weekdays(raw.get("days"), field=f"{where}.days"),
            )
        )
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise ValidationError(f"{source}: defaults must be a mapping", field="defaults")
    _known(defaults, _AGENT_KEYS - {"id", "name"}, where=f"{source}: defaults", field="defaults")
    agents = []
    for k, raw in enumerate(data.get("agents") or []):
        where = f"{source}: agents[{k}]"
        if not isinstance(raw, Mapping) or "id" not in raw:
            raise ValidationError(f"{where} needs an id", field="agents.id")
        _known(raw, _AGENT_KEYS, where=where, field="agents")
        merged = {**defaults, **raw}
        availability: dict[str, tuple[Window, ...]] = {}
        for day_off in merged.get("days_off") or []:
            availability[str(day_off)] = ()
        for key, value in (merged.get("availability") or {}).items():
            availability[str(key)] = _windows(value, field=f"{where}.availability[{key}]")
        allowed = merged.get("patterns")
        skills = merged.get("skills")
        agents.append(
            Agent(
                id=str(raw["id"]),
                name=str(raw.get("name") or ""),
                max_hours_per_week=_number(
                    merged, "max_hours_per_week", 40, field=f"{where}.max_hours_per_week", kind=float
                ),
                max_consecutive_days=_number(
                    merged, "max_consecutive_days", 6, field=f"{where}.max_consecutive_days"
                ),
                patterns=tuple(str(p) for p in allowed) if allowed else None,
                availability=availability,
                skills=tuple(str(q) for q in skills) if skills else None,
            )
        )
    rules_raw = data.get("rules") or {}
    if not isinstance(rules_raw, Mapping):
        raise ValidationError(f"{source}: rules must be a mapping", field="rules")
    _known(rules_raw, _RULE_KEYS, where=f"{source}: rules", field="rules")
    rules = Rules(
        min_rest_hours=_number(rules_raw, "min_rest_hours", 11.0, field="rules.min_rest_hours", kind=float),
        weekly_rest_day=bool(rules_raw.get("weekly_rest_day", True)),
        hard_min_agents=_number(rules_raw, "hard_min_agents", None, field="rules.hard_min_agents"),
    )
    return Roster(patterns=tuple(patterns), agents=tuple(agents), rules=rules)


# -------------------------------------------------------------------------------------------- export

SHIFT_COLUMNS = (
    "agent_id",
    "agent_name",
    "day",
    "pattern",
    "start",
    "end",
    "lunch_start",
    "lunch_end",
    "breaks",
    "paid_hours",
)
COVERAGE_COLUMNS = ("day", "queue", "start", "end", "required", "minimum", "scheduled", "under", "over")


def _shift_row(s: AssignedShift) -> list[Any]:
    return [
        s.agent_id,
        s.agent_name,
        s.day.isoformat(),
        s.pattern,
        s.start.strftime("%H:%M"),
        s.end.strftime("%H:%M"),
        s.lunch[0].strftime("%H:%M") if s.lunch else "",
        s.lunch[1].strftime("%H:%M") if s.lunch else "",
        " ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in s.breaks),
        s.paid_hours,
    ]


def _coverage_row(c: IntervalCoverage) -> list[Any]:
    return [
        c.day.isoformat(),
        c.queue,
        c.start.strftime("%H:%M"),
        c.end.strftime("%H:%M"),
        c.required,
        c.minimum,
        c.scheduled,
        c.under,
        c.over,
    ]


def shifts_csv(schedule: Schedule) -> str:
    """One row per worked shift (columns :data:`SHIFT_COLUMNS`; breaks ``HH:MM-HH:MM``, space-separated)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SHIFT_COLUMNS)
    writer.writerows(_shift_row(s) for s in schedule.shifts)
    return out.getvalue()


def coverage_csv(schedule: Schedule) -> str:
    """One row per interval (columns :data:`COVERAGE_COLUMNS`; agents, a break counting ½)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COVERAGE_COLUMNS)
    writer.writerows(_coverage_row(c) for c in schedule.intervals)
    return out.getvalue()


def write_csv(schedule: Schedule, path: Path) -> tuple[Path, Path]:
    """Write the shifts to ``path`` and the coverage to ``<stem>-coverage.csv`` beside it.

    Encoded UTF-8 with a byte-order mark (``utf-8-sig``) so Excel on Korean Windows opens Korean text
    correctly. Raises ValidationError (field ``out_csv``) when a file cannot be written.
    """
    coverage_path = path.with_name(f"{path.stem}-coverage{path.suffix or '.csv'}")
    for target, text in ((path, shifts_csv(schedule)), (coverage_path, coverage_csv(schedule))):
        try:
            target.write_text(text, encoding=CSV_ENCODING)
        except OSError as exc:
            raise ValidationError(f"{target}: cannot write ({exc.strerror})", field="out_csv") from None
    return path, coverage_path


#: Encoding of CSV exports: UTF-8 with BOM, which Excel needs to detect UTF-8 (Korean Windows).
CSV_ENCODING = "utf-8-sig"
#: Display msgids for :attr:`Schedule.status` in exports.
_STATUS_LABELS = {
    "optimal": N_("Optimal"),
    "feasible": N_("Feasible (time limit)"),
}

_SHIFT_HEADERS = (
    "Agent ID",
    "Agent",
    "Date",
    "Pattern",
    "Start",
    "End",
    "Lunch start",
    "Lunch end",
    "Breaks",
    "Paid hours",
)
_COVERAGE_HEADERS = ("Date", "Queue", "Start", "End", "Required", "Minimum", "Scheduled", "Under", "Over")


def schedule_xlsx(schedule: Schedule, *, locale: str = "ko") -> bytes:
    """An XLSX workbook (sheets Shifts, Coverage, Summary; headers in ``locale``) as bytes."""
    from openpyxl import Workbook

    def _(text: str) -> str:
        return gettext(locale, text)

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Shifts")
    sheet.append([_(h) for h in _SHIFT_HEADERS])
    for s in schedule.shifts:
        sheet.append(_shift_row(s))
    cover = book.create_sheet(_("Coverage"))
    cover.append([_(h) for h in _COVERAGE_HEADERS])
    for c in schedule.intervals:
        cover.append(_coverage_row(c))
    summary = book.create_sheet(_("Summary"))
    summary.append([_("Status"), _(_STATUS_LABELS.get(schedule.status, schedule.status))])
    summary.append([_("Under-staffing (agent-hours)"), schedule.under_agent_hours])
    summary.append([_("Over-staffing (agent-hours)"), schedule.over_agent_hours])
    summary.append([])
    summary.append([_("Agent ID"), _("Paid hours")])
    for agent_id, hours in schedule.paid_hours.items():
        summary.append([agent_id, hours])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_xlsx(schedule: Schedule, path: Path, *, locale: str = "ko") -> Path:
    """Write :func:`schedule_xlsx` to ``path``; ValidationError (``out_xlsx``) if it cannot be written."""
    body = schedule_xlsx(schedule, locale=locale)
    try:
        path.write_bytes(body)
    except OSError as exc:
        raise ValidationError(f"{path}: cannot write ({exc.strerror})", field="out_xlsx") from None
    return path
