"""The staffing simulation: hand-checked small cases, M/M/N+M against the birth–death chain, a real day."""

from __future__ import annotations

import csv
import json
import math
import random
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from minwon.config import get_settings
from minwon.core.errors import ValidationError
from minwon.workforce.forecast_commands import BANK_CALLS, read_staffing
from minwon.workforce.simulation import (
    Caller,
    day_callers,
    erlang_predictions,
    erlang_staffing,
    real_day,
    simulate,
)

CALLS_CSV = get_settings().data_dir / BANK_CALLS
needs_data = pytest.mark.skipif(not CALLS_CSV.is_file(), reason="shared data folder not present")


def test_one_agent_three_callers_waits_by_hand() -> None:
    # A arrives 0, served 0–10; B arrives 1, served 10–15 (wait 9); C arrives 2, served 15–18 (wait 13)
    callers = [Caller(0, 10), Caller(1, 5), Caller(2, 3)]
    result = simulate(callers, staffing=[1], threshold_s=5)
    assert [(o.wait_s, o.answered) for o in result.outcomes] == [(0, True), (9, True), (13, True)]
    day = result.day
    assert (day.offered, day.answered, day.abandoned, day.answered_within) == (3, 3, 0, 1)
    assert day.service_level == pytest.approx(1 / 3)
    assert day.asa_s == pytest.approx(22 / 3)
    assert day.abandonment == 0


def test_an_impatient_caller_leaves_and_frees_the_queue() -> None:
    # C's patience 5 s runs out at 7 s, before B is answered at 10 s: C abandons after waiting 5 s
    callers = [Caller(0, 10), Caller(1, 5), Caller(2, 3, patience_s=5)]
    result = simulate(callers, staffing=[1])
    assert [(o.wait_s, o.answered) for o in result.outcomes] == [(0, True), (9, True), (5, False)]
    assert result.day.abandonment == pytest.approx(1 / 3)


def test_head_count_changes_at_interval_boundaries_without_preemption() -> None:
    # interval 10 s, staffing 1, 0, 1: the first call (0–15) is finished although the agent's interval
    # ended at 10; the caller at 12 waits for the agent of the third interval (20): wait 8
    result = simulate([Caller(0, 15), Caller(12, 1)], staffing=[1, 0, 1], interval_s=10)
    assert [o.wait_s for o in result.outcomes] == [0, 8]
    # nobody staffed until 100 s: the callers at 10 and 50 start at 100 and 120
    result = simulate([Caller(10, 20), Caller(50, 5)], staffing=[0, 1], interval_s=100)
    assert [o.wait_s for o in result.outcomes] == [90, 70]
    assert [i.offered for i in result.intervals] == [2, 0]
    assert [i.agents for i in result.intervals] == [0, 1]


def test_bad_plans_are_refused() -> None:
    with pytest.raises(ValidationError) as err:
        simulate([Caller(0, 1)], staffing=[])
    assert err.value.field == "staffing"
    with pytest.raises(ValidationError):
        simulate([Caller(0, 1)], staffing=[-1])
    with pytest.raises(ValidationError) as err:
        simulate([Caller(-1, 1)], staffing=[1])
    assert err.value.field == "callers"


def birth_death(agents: int, lam: float, mu: float, theta: float, states: int = 400) -> np.ndarray:
    """Stationary distribution of the number in system of M/M/N+M (truncated far in the tail)."""
    p = np.zeros(states)
    p[0] = 1.0
    for n in range(1, states):
        p[n] = p[n - 1] * lam / (min(n, agents) * mu + max(n - agents, 0) * theta)
    normalised: np.ndarray = p / p.sum()
    return normalised


def test_mm_n_m_matches_the_birth_death_chain_and_erlang_a() -> None:
    """Poisson arrivals, exponential service and patience: the long-run fractions must match theory.

    N = 4, λ = 1/15 s⁻¹, AHT 45 s (3 Erlangs), mean patience 60 s, 400,000 s (~26,700 calls, one
    seeded run). Theory: P(wait) 0.369, P(abandon) 0.095, SL(20 s) 0.823, ASA 4.8 s. The standard errors
    of the simulated fractions, by batch means (20 batches, seeds 2026, 1 and 2), are 0.005–0.006 for
    P(wait) and 0.002–0.003 for P(abandon) (1.5–2× the binomial ones, queues being serially
    correlated); the tolerances 0.03, 0.012 and 0.03 are ≥ 4 such errors, yet a wrong queue discipline,
    a lost caller or a mis-timed abandonment moves these figures by more. ASA (a mean of a few seconds
    over heavy-tailed waits) gets 15 %.
    """
    agents, lam, aht, patience = 4, 1 / 15, 45.0, 60.0
    rng = random.Random(2026)
    t, callers = 0.0, []
    while True:
        t += rng.expovariate(lam)
        if t > 400_000:
            break
        callers.append(Caller(t, rng.expovariate(1 / aht), rng.expovariate(1 / patience)))
    result = simulate(callers, staffing=[agents], interval_s=1_000_000, threshold_s=20)
    outcomes = result.outcomes
    waited = sum(1 for o in outcomes if not (o.answered and o.wait_s == 0)) / len(outcomes)
    abandoned = result.day.abandonment

    pi = birth_death(agents, lam, 1 / aht, 1 / patience)
    n = np.arange(len(pi))
    p_wait = float(pi[agents:].sum())  # PASTA: an arrival sees the stationary state
    p_abandon = float((1 / patience) * np.sum(np.maximum(n - agents, 0) * pi) / lam)
    assert waited == pytest.approx(p_wait, abs=0.03)
    assert abandoned == pytest.approx(p_abandon, abs=0.012)

    from minwon.workforce.erlang import erlang_a

    m = erlang_a(agents, lam, aht, patience, 20)
    assert m.p_wait == pytest.approx(p_wait, abs=1e-6)
    assert result.day.service_level == pytest.approx(m.service_level, abs=0.03)
    assert result.day.asa_s == pytest.approx(m.asa_s, rel=0.15)


def _csv_day(day: str) -> list[dict[str, str]]:
    with CALLS_CSV.open(encoding="utf-8-sig", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["date"] == day]


@needs_data
def test_real_day_arrivals_and_patience_rate_from_the_csv() -> None:
    from minwon.telephony.replay import read_day

    rows = _csv_day("1999-08-02")
    queued = [r for r in rows if r["q_start"] != "0:00:00"]
    offered = [r for r in rows if r["outcome"] == "AGENT" or (r["outcome"] == "HANG" and r in queued)]
    abandoned = [r for r in queued if r["outcome"] == "HANG"]
    total_wait = sum(int(r["q_time"]) for r in offered if r["q_start"] != "0:00:00")
    answered_20 = [r for r in offered if r["outcome"] == "AGENT" and int(r["q_time"]) <= 20]

    day = real_day(read_day(CALLS_CSV, day=date(1999, 8, 2)))
    assert len(day.arrivals_s) == len(offered)
    assert day.abandon_rate_per_s == pytest.approx(len(abandoned) / total_wait)
    assert sum(1 for o in day.observed if not o.answered) == len(abandoned)
    assert sum(1 for o in day.observed if o.answered and o.wait_s <= 20) == len(answered_20)
    first = min(
        int(r["q_start"].split(":")[0]) * 3600
        + int(r["q_start"].split(":")[1]) * 60
        + int(r["q_start"].split(":")[2])
        for r in queued
    )
    assert day.arrivals_s[0] <= first

    same = day_callers(day, seed=5)
    assert same == day_callers(day, seed=5)
    assert same != day_callers(day, seed=6)
    # answered calls keep their own handle time
    answered_services = sorted(int(r["ser_time"]) for r in offered if r["outcome"] == "AGENT")
    kept = sorted(s for s in day.service_s if s is not None)
    assert kept == answered_services


@needs_data
def test_more_agents_never_do_worse_on_the_same_day() -> None:
    from minwon.telephony.replay import read_day

    day = real_day(read_day(CALLS_CSV, day=date(1999, 8, 2)))
    callers = day_callers(day, seed=1)
    levels = [simulate(callers, staffing=[n], interval_s=1800).day for n in (8, 12, 16)]
    sl = [level.service_level for level in levels]
    abandonment = [level.abandonment for level in levels]
    assert None not in sl and None not in abandonment
    assert sl[0] < sl[1] < sl[2]  # type: ignore[operator]
    assert abandonment[0] > abandonment[1] > abandonment[2]  # type: ignore[operator]

    plan = erlang_staffing(day, target_sl=0.8)
    busy = {int(a // 1800) for a in day.arrivals_s}
    assert len(plan) == 48
    assert all((plan[i] > 0) == (i in busy) for i in range(48))
    per_interval, whole_day = erlang_predictions(day, staffing=plan)
    for prediction, agents in zip(per_interval, plan, strict=False):
        if agents:
            assert prediction.service_level is not None and prediction.service_level >= 0.8
    assert whole_day.service_level is not None and whole_day.service_level >= 0.8


def test_staffing_file(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.csv"
    plan_file.write_text("start,agents\n09:00,5\n09:30,7\n")
    plan = read_staffing(plan_file, interval_minutes=30)
    assert len(plan) == 48 and plan[18] == 5 and plan[19] == 7 and sum(plan) == 12
    plan_file.write_text("start,agents\n09:10,5\n")
    with pytest.raises(ValidationError) as err:
        read_staffing(plan_file, interval_minutes=30)
    assert err.value.field == "staffing" and "line 2" in err.value.message
    plan_file.write_text("when,agents\n09:00,5\n")
    with pytest.raises(ValidationError):
        read_staffing(plan_file, interval_minutes=30)


@needs_data
def test_simulate_command_json() -> None:
    from minwon.cli import app

    rows = _csv_day("1999-08-02")
    offered = [
        r for r in rows if r["outcome"] == "AGENT" or (r["outcome"] == "HANG" and r["q_start"] != "0:00:00")
    ]
    answered_20 = [r for r in offered if r["outcome"] == "AGENT" and int(r["q_time"]) <= 20]

    result = CliRunner().invoke(app, ["simulate", "--day", "1999-08-02", "--agents", "12", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    totals = out["day_totals"]
    assert totals["simulated"]["offered"] == totals["observed"]["offered"] == len(offered)
    assert totals["observed"]["service_level"] == round(len(answered_20) / len(offered), 4)
    assert out["agent_hours"] == 12 * 24
    assert all(row["agents"] == 12 for row in out["intervals"])
    assert 0 <= totals["erlang_a"]["service_level"] <= 1
    assert sum(row["simulated"]["offered"] for row in out["intervals"]) == len(offered)
    assert not math.isnan(totals["simulated"]["asa_s"])


def test_simulate_command_needs_one_plan() -> None:
    from minwon.cli import app

    result = CliRunner().invoke(app, ["simulate", "--day", "1999-08-02"])
    assert result.exit_code != 0
    assert isinstance(result.exception, ValidationError)
    assert result.exception.field == "staffing"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"start,agents\n09:00\n", "line 2"),  # no agents column on the row
        (b"start,agents\n09:00,\n", "line 2"),  # empty head-count
        (b"start,agents\n09:00,5\n09:30,\xff\xfe\n", "line 3"),  # not UTF-8
        (b"start,agents\n09:00,99999999999999999999999999\n", "between 0 and 10,000"),
        (b"start,agents\n09:00,-1\n", "between 0 and 10,000"),
        (b"start,agents\n08:90,5\n", "not a time"),
        (b"start,agents\n09:00,5\n10:00,3\n09:00,4\n", "line 4: 09:00 is already given on line 2"),
    ],
)
def test_bad_staffing_files_name_the_line(tmp_path: Path, content: bytes, expected: str) -> None:
    plan_file = tmp_path / "plan.csv"
    plan_file.write_bytes(content)
    with pytest.raises(ValidationError) as err:
        read_staffing(plan_file, interval_minutes=30)
    assert err.value.field == "staffing"
    assert expected in err.value.message and "--staffing" in err.value.message


def test_staffing_file_with_bom_and_ten_thousand_agents(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.csv"
    plan_file.write_bytes("start,agents\n00:00,10000\n23:30,0\n".encode("utf-8-sig"))
    plan = read_staffing(plan_file, interval_minutes=30)
    assert plan[0] == 10_000 and sum(plan) == 10_000


def test_simulate_refuses_huge_head_counts() -> None:
    with pytest.raises(ValidationError) as err:
        simulate([Caller(0.0, 10.0)], staffing=[10**26])
    assert err.value.field == "staffing"


@needs_data
@pytest.mark.parametrize(
    ("args", "field", "words"),
    [
        (["--agents", "99999999999999999999999999"], "agents", "--agents"),
        (["--agents", "0"], "agents", "--agents"),
        (["--agents", "12", "--queue", "nosuch"], "queue", "unknown queue 'nosuch'"),
        (["--agents", "12", "--threshold", "nan"], "threshold", "--threshold"),
    ],
)
def test_simulate_bad_options_name_the_option(args: list[str], field: str, words: str) -> None:
    from minwon.cli import app

    result = CliRunner().invoke(app, ["simulate", "--day", "1999-08-02", *args])
    assert isinstance(result.exception, ValidationError), result.output
    assert result.exception.field == field and words in result.exception.message
    if field == "queue":
        # the known queues and their call types are listed
        assert "general (PS)" in result.exception.message


@needs_data
def test_simulate_queue_by_code_or_call_type() -> None:
    from minwon.cli import app

    rows = _csv_day("1999-08-02")
    offered_ps = [
        r
        for r in rows
        if r["type"] == "PS"
        and (r["outcome"] == "AGENT" or (r["outcome"] == "HANG" and r["q_start"] != "0:00:00"))
    ]
    for queue in ("general", "PS"):
        result = CliRunner().invoke(
            app, ["simulate", "--day", "1999-08-02", "--agents", "5", "--queue", queue, "--json"]
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["day_totals"]["observed"]["offered"] == len(offered_ps)


@needs_data
def test_simulate_table_fits_80_columns() -> None:
    from minwon.cli import app

    result = CliRunner().invoke(
        app, ["simulate", "--day", "1999-08-02", "--agents", "3"], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert all(len(line) <= 80 for line in result.output.splitlines())
    assert "100.0%" in result.output or "0.0%" in result.output
