"""Discrete-event simulation of a staffing plan on a day of real arrivals (pure: simpy, no database).

The model is the one Erlang A describes, replayed on real data: one pool of identical agents, one FIFO
queue, callers who hang up when their patience runs out (M/G/N+G with the real arrival instants and
handle times; Garnett, Mandelbaum & Reiman 2002, "Designing a call center with impatient customers",
MSOM 4:208). The number of agents changes at interval boundaries; an agent whose shift ends finishes
the call in hand (no pre-emption), and a new agent takes the head of the queue at once.

From a real day (the Anonymous Bank records, read with :func:`minwon.telephony.replay.read_day`):

* arrivals: the queue entry of every offered call (answered or abandoned; calls ended in the IVR were
  never offered and are left out); a call answered without queueing arrives when it was answered;
* service: the call's ``ser_time``. A call abandoned in reality has no handle time; should it be answered
  in the simulation it gets the handle time of a random answered call of the same interval (of the day
  when the interval has none);
* patience: an abandoned call's observed wait *is* its patience, while an answered call's wait only says
  its patience was longer (right-censored). Patience is therefore drawn from an exponential whose rate is
  the censored-data maximum-likelihood estimate θ̂ = abandoned calls ÷ total waiting time of all queued
  calls (Mandelbaum & Zeltyn 2013, "Data-stories about (im)patient customers in tele-queues", Queueing
  Systems 75:115; the same θ feeds Erlang A, so the comparison is like for like).

All randomness comes from one seeded ``random.Random``: the same inputs and seed give the same result.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import simpy

from minwon.core.errors import ValidationError
from minwon.telephony.models import CallEventType
from minwon.telephony.replay import DayReplay

DAY_S = 86_400
MAX_AGENTS = 10_000
"""Largest head-count of one interval :func:`simulate` accepts."""


@dataclass(frozen=True)
class Caller:
    """One simulated call: arrival (s after midnight), handle time (s) and patience (s; inf = never)."""

    arrival_s: float
    service_s: float
    patience_s: float = math.inf


@dataclass(frozen=True)
class Outcome:
    """What happened to a caller: seconds waited in queue and whether an agent answered."""

    arrival_s: float
    wait_s: float
    answered: bool


@dataclass
class IntervalStats:
    """Counts of the calls that arrived in one interval, and the ratios derived from them.

    ``service_level`` = answered within the threshold ÷ offered (as ``minwon.quality.kpi.service_level``);
    ``asa_s`` = mean wait of answered calls (s); ``abandonment`` = abandoned ÷ offered; ``None``: no calls.
    """

    start_s: int
    agents: int
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    answered_within: int = 0
    answered_wait_s: float = 0.0

    @property
    def service_level(self) -> float | None:
        return self.answered_within / self.offered if self.offered else None

    @property
    def asa_s(self) -> float | None:
        return self.answered_wait_s / self.answered if self.answered else None

    @property
    def abandonment(self) -> float | None:
        return self.abandoned / self.offered if self.offered else None

    def add(self, outcome: Outcome, threshold_s: float) -> None:
        self.offered += 1
        if outcome.answered:
            self.answered += 1
            self.answered_wait_s += outcome.wait_s
            if outcome.wait_s <= threshold_s:
                self.answered_within += 1
        else:
            self.abandoned += 1


@dataclass
class SimulationResult:
    """Per-caller outcomes (in arrival order), per-interval statistics and the day's totals."""

    outcomes: list[Outcome]
    intervals: list[IntervalStats]
    day: IntervalStats


def _agents_at(staffing: Sequence[int], index: int) -> int:
    return staffing[min(index, len(staffing) - 1)]


def simulate(
    callers: Sequence[Caller],
    *,
    staffing: Sequence[int],
    interval_s: int = 1800,
    threshold_s: float = 20.0,
) -> SimulationResult:
    """Run the callers through a FIFO queue served by ``staffing[i]`` agents in interval ``i``.

    Interval ``i`` is ``[i·interval_s, (i+1)·interval_s)`` seconds after midnight; after the last interval
    the last head-count stays on until every caller has left (so the day drains). Deterministic: all
    randomness must already be in ``callers``. Raises ValidationError (``staffing``) for an empty plan or
    a head-count outside 0–:data:`MAX_AGENTS`, (``callers``) for negative times.
    """
    if not staffing or any(not 0 <= n <= MAX_AGENTS for n in staffing):
        raise ValidationError(
            f"staffing needs at least one interval and head-counts between 0 and {MAX_AGENTS:,}",
            field="staffing",
        )
    if interval_s <= 0:
        raise ValidationError("interval must be positive", field="interval")
    order = sorted(range(len(callers)), key=lambda i: callers[i].arrival_s)
    if any(c.arrival_s < 0 or c.service_s < 0 or c.patience_s < 0 for c in callers):
        raise ValidationError("arrival, handle and patience times must be ≥ 0", field="callers")
    env = simpy.Environment()
    waiting: deque[list[Any]] = deque()
    state = {"busy": 0, "staffed": staffing[0]}
    outcomes: dict[int, Outcome] = {}

    def dispatch() -> None:
        while waiting and state["busy"] < state["staffed"]:
            entry = waiting.popleft()
            if entry[1]:
                continue
            state["busy"] += 1
            entry[0].succeed()

    def call(index: int) -> Generator[simpy.Event, Any, None]:
        caller = callers[index]
        arrived = env.now
        answer = env.event()
        entry: list[Any] = [answer, False]
        waiting.append(entry)
        dispatch()
        if not answer.triggered:
            if math.isinf(caller.patience_s):
                yield answer
            else:
                yield answer | env.timeout(caller.patience_s)
        if not answer.triggered:
            entry[1] = True
            outcomes[index] = Outcome(caller.arrival_s, env.now - arrived, answered=False)
            return
        outcomes[index] = Outcome(caller.arrival_s, env.now - arrived, answered=True)
        yield env.timeout(caller.service_s)
        state["busy"] -= 1
        dispatch()

    def arrivals() -> Generator[simpy.Event, Any, None]:
        for index in order:
            delay = callers[index].arrival_s - env.now
            if delay > 0:
                yield env.timeout(delay)
            env.process(call(index))

    def shifts() -> Generator[simpy.Event, Any, None]:
        for agents in staffing[1:]:
            yield env.timeout(interval_s)
            state["staffed"] = agents
            dispatch()

    env.process(shifts())
    env.process(arrivals())
    env.run()
    ordered = [outcomes[i] for i in order]
    last_interval = max([len(staffing) - 1, *(int(o.arrival_s // interval_s) for o in ordered)])
    intervals = [IntervalStats(i * interval_s, _agents_at(staffing, i)) for i in range(last_interval + 1)]
    day = IntervalStats(0, max(staffing))
    for outcome in ordered:
        intervals[int(outcome.arrival_s // interval_s)].add(outcome, threshold_s)
        day.add(outcome, threshold_s)
    return SimulationResult(outcomes=ordered, intervals=intervals, day=day)


# --- a real day ------------------------------------------------------------------------------------


@dataclass
class RealDay:
    """Offered calls of a real day as simulation input, and what really happened.

    ``observed``: the real outcomes (waits from the records). ``abandon_rate_per_s``: θ̂ (1/s).
    ``service_by_interval``: handle times (s) of the answered calls per interval index.
    """

    day: date
    interval_s: int
    arrivals_s: list[float]
    service_s: list[float | None]
    observed: list[Outcome]
    abandon_rate_per_s: float
    service_by_interval: dict[int, list[float]] = field(default_factory=dict)

    @property
    def mean_patience_s(self) -> float:
        return 1.0 / self.abandon_rate_per_s if self.abandon_rate_per_s > 0 else math.inf

    def mean_service_s(self, index: int | None = None) -> float:
        """Mean handle time (s) of the answered calls of interval ``index`` (of the day if none there)."""
        values = self.service_by_interval.get(index, []) if index is not None else []
        if not values:
            values = [s for v in self.service_by_interval.values() for s in v]
        return sum(values) / len(values) if values else 0.0


def real_day(replay: DayReplay, *, interval_s: int = 1800, queues: set[str] | None = None) -> RealDay:
    """The offered calls of ``replay`` (optionally only those of the queue codes ``queues``).

    Raises ValidationError (``day``) when the day has no offered call.
    """
    midnight: datetime | None = None
    calls: dict[str, dict[str, Any]] = {}
    for event in replay.events:
        if midnight is None:
            midnight = datetime.combine(replay.day, time(0), tzinfo=event.occurred_at.tzinfo)
        record = calls.setdefault(event.call_id, {"queue": event.queue, "first": event.event})
        if event.event in (CallEventType.RINGING, CallEventType.ANSWERED) and "arrival" not in record:
            record["arrival"] = event.occurred_at
        if event.event == CallEventType.ANSWERED:
            record["wait"], record["answered"] = float(event.queue_wait_s or 0), True
        elif event.event == CallEventType.ABANDONED:
            record["wait"], record["answered"] = float(event.queue_wait_s or 0), False
        elif event.event == CallEventType.HANGUP and record.get("answered"):
            record["service"] = float(event.talk_s or 0)
    offered = [
        r
        for r in calls.values()
        if "arrival" in r and "answered" in r and (queues is None or r["queue"] in queues)
    ]
    if not offered or midnight is None:
        if queues and any("arrival" in r and "answered" in r for r in calls.values()):
            present = sorted({str(r["queue"]) for r in calls.values() if r["queue"]})
            raise ValidationError(
                f"no offered calls of queue {', '.join(sorted(queues))} on {replay.day}; "
                f"queues with calls that day: {', '.join(present)}",
                field="queue",
            )
        raise ValidationError(f"no offered calls on {replay.day}", field="day")
    offered.sort(key=lambda r: r["arrival"])
    arrivals = [(r["arrival"] - midnight).total_seconds() for r in offered]
    by_interval: dict[int, list[float]] = {}
    for arrival, r in zip(arrivals, offered, strict=True):
        if r["answered"]:
            by_interval.setdefault(int(arrival // interval_s), []).append(r.get("service", 0.0))
    abandoned = sum(1 for r in offered if not r["answered"])
    total_wait = sum(r["wait"] for r in offered)
    return RealDay(
        day=replay.day,
        interval_s=interval_s,
        arrivals_s=arrivals,
        service_s=[r.get("service", 0.0) if r["answered"] else None for r in offered],
        observed=[Outcome(a, r["wait"], r["answered"]) for a, r in zip(arrivals, offered, strict=True)],
        abandon_rate_per_s=abandoned / total_wait if total_wait > 0 else 0.0,
        service_by_interval=by_interval,
    )


def day_callers(day: RealDay, *, seed: int = 1) -> list[Caller]:
    """The simulation's callers for ``day``: real arrivals and handle times, sampled patience (seeded)."""
    rng = random.Random(seed)
    everyone = [s for v in day.service_by_interval.values() for s in v]
    callers = []
    for arrival, service in zip(day.arrivals_s, day.service_s, strict=True):
        if service is None:
            pool = day.service_by_interval.get(int(arrival // day.interval_s)) or everyone or [0.0]
            service = rng.choice(pool)
        rate = day.abandon_rate_per_s
        patience = rng.expovariate(rate) if rate > 0 else math.inf
        callers.append(Caller(arrival, service, patience))
    return callers


def observed_stats(day: RealDay, *, staffing: Sequence[int], threshold_s: float = 20.0) -> SimulationResult:
    """The real day's own statistics in the shape of a simulation result (``agents`` from ``staffing``)."""
    count = max(len(staffing), *(int(o.arrival_s // day.interval_s) + 1 for o in day.observed))
    intervals = [IntervalStats(i * day.interval_s, _agents_at(staffing, i)) for i in range(count)]
    total = IntervalStats(0, max(staffing))
    for outcome in day.observed:
        intervals[int(outcome.arrival_s // day.interval_s)].add(outcome, threshold_s)
        total.add(outcome, threshold_s)
    return SimulationResult(outcomes=list(day.observed), intervals=intervals, day=total)


# --- Erlang A next to the simulation -----------------------------------------------------------------

#: ``erlang_a(agents, arrival_rate_per_s, aht_s, patience_s, threshold_s)`` → an object with
#: ``p_wait, service_level, asa_s, occupancy, abandonment`` (:func:`minwon.workforce.erlang.erlang_a`).
ErlangA = Callable[[int, float, float, float, float], Any]


@dataclass(frozen=True)
class Prediction:
    """Erlang A's steady-state figures for one interval (``None`` without calls)."""

    service_level: float | None
    asa_s: float | None
    abandonment: float | None


def _counts(day: RealDay) -> dict[int, int]:
    counts: dict[int, int] = {}
    for arrival in day.arrivals_s:
        index = int(arrival // day.interval_s)
        counts[index] = counts.get(index, 0) + 1
    return counts


def _erlang(erlang_a: ErlangA | None) -> ErlangA:
    if erlang_a is not None:
        return erlang_a
    from minwon.workforce.erlang import erlang_a as default

    return default


def erlang_predictions(
    day: RealDay,
    *,
    staffing: Sequence[int],
    threshold_s: float = 20.0,
    erlang_a: ErlangA | None = None,
) -> tuple[list[Prediction], Prediction]:
    """Erlang A per interval for ``staffing``: λ = offered ÷ interval, AHT = the interval's mean handle
    time, patience = 1/θ̂; and the day's figures (SL and abandonment weighted by offered calls, ASA by
    predicted answered calls).

    An interval without agents predicts no call answered (SL 0, abandonment 1). A day without any
    abandonment (θ̂ = 0) is given a mean patience of 10⁶ s (Erlang A then tends to Erlang C).
    """
    erlang = _erlang(erlang_a)
    counts = _counts(day)
    patience = min(day.mean_patience_s, 1e6)
    size = max(len(staffing), max(counts) + 1)
    out: list[Prediction] = []
    sl_sum = abandon_sum = asa_sum = answered_sum = 0.0
    for index in range(size):
        offered = counts.get(index, 0)
        if not offered:
            out.append(Prediction(None, None, None))
            continue
        agents = _agents_at(staffing, index)
        if agents == 0:
            prediction = Prediction(0.0, None, 1.0)
        else:
            m = erlang(
                agents, offered / day.interval_s, day.mean_service_s(index) or 1.0, patience, threshold_s
            )
            prediction = Prediction(
                float(m.service_level),
                float(m.asa_s),
                None if m.abandonment is None else float(m.abandonment),
            )
        out.append(prediction)
        sl_sum += offered * (prediction.service_level or 0.0)
        abandon_sum += offered * (prediction.abandonment or 0.0)
        answered = offered * (1 - (prediction.abandonment or 0.0))
        answered_sum += answered
        asa_sum += answered * (prediction.asa_s or 0.0)
    total = sum(counts.values())
    day_prediction = Prediction(
        sl_sum / total, asa_sum / answered_sum if answered_sum else None, abandon_sum / total
    )
    return out, day_prediction


def erlang_staffing(day: RealDay, *, target_sl: float, threshold_s: float = 20.0) -> list[int]:
    """Per interval, :func:`minwon.workforce.erlang.required_agents` for ``target_sl`` (Erlang A with the
    day's mean patience, Erlang C when nobody abandoned), from the interval's offered calls and mean handle
    time; 0 agents for an interval without calls. One entry per interval of the day.

    Raises ValidationError (``target_sl``) outside (0, 1), and whatever ``required_agents`` raises.
    """
    from minwon.workforce.erlang import required_agents

    if not 0 < target_sl < 1:
        raise ValidationError("target service level must be between 0 and 1", field="target_sl")
    counts = _counts(day)
    from minwon.workforce.erlang import MAX_PATIENCE_S

    # a handful of abandonments over a long total wait: Erlang A at the longest patience it accepts
    patience = min(day.mean_patience_s, MAX_PATIENCE_S) if math.isfinite(day.mean_patience_s) else None
    plan = []
    for index in range(max(DAY_S // day.interval_s, max(counts) + 1)):
        offered = counts.get(index, 0)
        if not offered:
            plan.append(0)
            continue
        result = required_agents(
            calls=offered,
            interval_s=day.interval_s,
            aht_s=day.mean_service_s(index) or 1.0,
            target_sl=target_sl,
            threshold_s=threshold_s,
            patience_s=patience,
        )
        plan.append(result.agents)
    return plan
