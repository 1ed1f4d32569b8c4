"""Erlang A against references written here: the birth–death chain and per-queue-position waiting
times in mpmath, the Erlang C limit, and a seeded discrete-event simulation with simpy."""

from __future__ import annotations

import itertools
import json
import math
import random
from dataclasses import dataclass

import mpmath
import pytest
import simpy
from typer.testing import CliRunner

from minwon.cli import app
from minwon.core.errors import ValidationError
from minwon.workforce.erlang import erlang_a, erlang_c, required_agents

mpmath.mp.dps = 50


@dataclass
class Reference:
    p_wait: float
    abandonment: float
    service_level: float
    asa_s: float


def chain_weights(
    n: int, lam: mpmath.mpf, mu: mpmath.mpf, theta: mpmath.mpf, queue_max: int
) -> list[mpmath.mpf]:
    """Unnormalized stationary probabilities of M/M/n+M, states 0 … n + queue_max."""
    weights = [mpmath.mpf(1)]
    for k in range(1, n + queue_max + 1):
        down = k * mu if k <= n else n * mu + (k - n) * theta
        weights.append(weights[-1] * lam / down)
    return weights


def reference_pwait_abandon(
    n: int, lam: float, aht_s: float, patience_s: float, queue_max: int
) -> tuple[float, float]:
    lam_mp, mu, theta = mpmath.mpf(lam), 1 / mpmath.mpf(aht_s), 1 / mpmath.mpf(patience_s)
    weights = chain_weights(n, lam_mp, mu, theta, queue_max)
    total = mpmath.fsum(weights)
    p_wait = mpmath.fsum(weights[n:]) / total
    # abandonment rate θ·E[queue] over arrival rate λ
    queue = mpmath.fsum(j * w for j, w in enumerate(weights[n:])) / total
    return float(p_wait), float(theta * queue / lam_mp)


def reference(n: int, lam: float, aht_s: float, patience_s: float, threshold_s: float) -> Reference:
    """A caller finding j others queued is answered only if each of the j + 1 stages (rates
    r_m = nμ + mθ, m = j … 0) ends before its own patience (rate θ): with probability Π r_m/(r_m + θ),
    after a hypoexponential time with rates r_m + θ (PASTA, competing exponentials)."""
    queue_max = 60
    lam_mp, mu, theta = mpmath.mpf(lam), 1 / mpmath.mpf(aht_s), 1 / mpmath.mpf(patience_s)
    t = mpmath.mpf(threshold_s)
    with mpmath.workdps(80):
        weights = chain_weights(n, lam_mp, mu, theta, queue_max)
        total = mpmath.fsum(weights)
        probabilities = [w / total for w in weights]
        p_wait = mpmath.fsum(probabilities[n:])
        answered_within = 1 - p_wait
        answered_wait_sum = mpmath.mpf(0)
        abandoned = mpmath.mpf(0)
        for j in range(queue_max):
            seen = probabilities[n + j]
            rates = [n * mu + m * theta + theta for m in range(j + 1)]
            reach = mpmath.fprod((r - theta) / r for r in rates)
            cdf = 1 - mpmath.fsum(
                mpmath.exp(-rates[i] * t)
                * mpmath.fprod(rates[k] / (rates[k] - rates[i]) for k in range(j + 1) if k != i)
                for i in range(j + 1)
            )
            answered_within += seen * reach * cdf
            answered_wait_sum += seen * reach * mpmath.fsum(1 / r for r in rates)
            abandoned += seen * (1 - reach)
        return Reference(
            p_wait=float(p_wait),
            abandonment=float(abandoned),
            service_level=float(answered_within),
            asa_s=float(answered_wait_sum / (1 - abandoned)),
        )


SMALL = [
    # agents, calls/s, AHT s, patience s, threshold s
    (4, 1 / 60, 180.0, 120.0, 20.0),
    (3, 5 / 180, 180.0, 60.0, 20.0),  # overloaded: 5 Erlangs on 3 agents, callers leave
    (1, 1 / 400, 300.0, 600.0, 30.0),
    (6, 6 / 180, 180.0, 45.0, 10.0),
    (5, 2 / 180, 180.0, 400.0, 0.0),
]


@pytest.mark.parametrize(("n", "lam", "aht", "patience", "threshold"), SMALL)
def test_matches_chain_reference(n: int, lam: float, aht: float, patience: float, threshold: float) -> None:
    expected = reference(n, lam, aht, patience, threshold)
    m = erlang_a(n, lam, aht, patience, threshold)
    assert m.p_wait == pytest.approx(expected.p_wait, rel=1e-10)
    assert m.abandonment == pytest.approx(expected.abandonment, rel=1e-9)
    assert m.service_level == pytest.approx(expected.service_level, rel=1e-9)
    assert m.asa_s == pytest.approx(expected.asa_s, rel=1e-9)
    assert m.occupancy == pytest.approx(lam * aht * (1 - expected.abandonment) / n, rel=1e-9)


@pytest.mark.parametrize(("n", "erlangs"), [(20_100, 20_000.0), (19_800, 20_000.0), (5_050, 5_000.0)])
def test_large_systems_match_chain(n: int, erlangs: float) -> None:
    aht, patience = 180.0, 300.0
    lam = erlangs / aht
    p_wait, abandonment = reference_pwait_abandon(n, lam, aht, patience, queue_max=12_000)
    m = erlang_a(n, lam, aht, patience, 20.0)
    assert m.p_wait == pytest.approx(p_wait, rel=1e-8)
    assert m.abandonment == pytest.approx(abandonment, rel=1e-8)
    for value in (m.service_level, m.asa_s, m.occupancy):
        assert math.isfinite(value)


def test_long_patience_tends_to_erlang_c() -> None:
    # at the longest accepted patience (1e7 s) Erlang A is Erlang C up to terms of order ASA/patience
    c = erlang_c(13, 10.0, 180.0, 20.0)
    a = erlang_a(13, 10.0 / 180.0, 180.0, 1e7, 20.0)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-4)
    assert a.service_level == pytest.approx(c.service_level, rel=1e-4)
    assert a.asa_s == pytest.approx(c.asa_s, rel=1e-3)
    assert a.abandonment is not None and a.abandonment == pytest.approx(c.asa_s / 1e7, rel=1e-3)


def test_monotone_and_finite() -> None:
    for erlangs, patience, agents in (
        (10.0, 120.0, range(1, 41)),
        (500.0, 60.0, range(380, 621)),
        (20_000.0, 300.0, range(19_700, 20_401)),
    ):
        lam = erlangs / 180.0
        rows = [erlang_a(n, lam, 180.0, patience, 20.0) for n in agents]
        for before, after in itertools.pairwise(rows):
            assert after.service_level >= before.service_level - 1e-15
            assert after.abandonment is not None and before.abandonment is not None
            assert after.abandonment <= before.abandonment + 1e-15
            assert after.asa_s <= before.asa_s + 1e-12
            for value in (after.p_wait, after.service_level, after.asa_s, after.occupancy):
                assert math.isfinite(value)
                assert value >= 0


def test_required_agents_for_abandonment_is_smallest() -> None:
    lam, aht, patience = 100 / 1800, 180.0, 120.0
    meeting = [
        n for n in range(1, 30) if reference_pwait_abandon(n, lam, aht, patience, queue_max=400)[1] <= 0.05
    ]
    result = required_agents(calls=100, interval_s=1800, aht_s=180, patience_s=120, target_abandonment=0.05)
    assert result.model == "erlang_a"
    assert result.raw_agents == meeting[0]
    # an SL target in Erlang A: check N and N − 1 against the chain reference
    result = required_agents(calls=100, interval_s=1800, aht_s=180, patience_s=120, target_sl=0.8)
    n = result.raw_agents
    assert reference(n, lam, aht, patience, 20.0).service_level >= 0.8
    assert reference(n - 1, lam, aht, patience, 20.0).service_level < 0.8


def simulate(
    n: int, lam: float, aht: float, patience: float, threshold: float, calls: int, seed: int
) -> list[tuple[bool, bool, float]]:
    """Per call after a warm-up: (waited, answered, wait seconds)."""
    rng = random.Random(seed)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=n)
    records: list[tuple[bool, bool, float]] = []

    def caller() -> simpy.events.ProcessGenerator:
        arrived = env.now
        request = agents.request()
        outcome = yield request | env.timeout(rng.expovariate(1 / patience))
        wait = env.now - arrived
        if request in outcome:
            records.append((wait > 0, True, wait))
            yield env.timeout(rng.expovariate(1 / aht))
            agents.release(request)
        else:
            request.cancel()
            records.append((True, False, wait))

    def source() -> simpy.events.ProcessGenerator:
        for _ in range(calls):
            yield env.timeout(rng.expovariate(lam))
            env.process(caller())

    env.process(source())
    env.run()
    return records[calls // 20 :]


@pytest.mark.parametrize(
    ("n", "erlangs", "patience", "seed"),
    [(12, 10.0, 120.0, 7), (8, 10.0, 90.0, 11)],
)
def test_simulation_agrees_within_standard_error(n: int, erlangs: float, patience: float, seed: int) -> None:
    aht, threshold = 180.0, 20.0
    lam = erlangs / aht
    records = simulate(n, lam, aht, patience, threshold, calls=200_000, seed=seed)
    # batch means: consecutive calls are correlated, 40 long batches are close to independent
    batches = 40
    size = len(records) // batches
    estimates: dict[str, list[float]] = {"p_wait": [], "abandonment": [], "service_level": [], "asa_s": []}
    for b in range(batches):
        chunk = records[b * size : (b + 1) * size]
        answered = [wait for _, ok, wait in chunk if ok]
        estimates["p_wait"].append(sum(waited for waited, _, _ in chunk) / size)
        estimates["abandonment"].append(sum(not ok for _, ok, _ in chunk) / size)
        estimates["service_level"].append(sum(1 for wait in answered if wait <= threshold) / size)
        estimates["asa_s"].append(sum(answered) / len(answered))
    m = erlang_a(n, lam, aht, patience, threshold)
    for name, values in estimates.items():
        mean = sum(values) / batches
        standard_error = math.sqrt(sum((v - mean) ** 2 for v in values) / (batches - 1) / batches)
        # 4.5 standard errors: a correct formula fails this less than once in 10^5 runs
        assert abs(getattr(m, name) - mean) <= 4.5 * standard_error, (name, getattr(m, name), mean)
        # and the interval is tight enough to mean something
        assert standard_error < 0.025 * max(getattr(m, name), 0.05)


def test_bad_input() -> None:
    with pytest.raises(ValidationError) as caught:
        erlang_a(0, 0.1, 180, 60, 20)
    assert caught.value.field == "agents"
    with pytest.raises(ValidationError) as caught:
        erlang_a(5, 0.1, 180, 0, 20)
    assert caught.value.field == "patience_s"
    with pytest.raises(ValidationError) as caught:
        required_agents(calls=100, interval_s=1800, aht_s=180, patience_s=-1, target_sl=0.8)
    assert caught.value.field == "patience_s"


def test_cli_erlang_a_json() -> None:
    outcome = CliRunner().invoke(
        app,
        [
            "staffing",
            "erlang-a",
            "--calls",
            "100",
            "--interval-s",
            "1800",
            "--aht-s",
            "180",
            "--patience-s",
            "120",
            "--target-abandonment",
            "0.05",
            "--json",
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    payload = json.loads(outcome.stdout)
    lam = 100 / 1800
    expected = reference(payload["raw_agents"], lam, 180.0, 120.0, 20.0)
    assert payload["abandonment"] == pytest.approx(expected.abandonment, rel=1e-9)
    assert payload["abandonment"] <= 0.05
    assert reference(payload["raw_agents"] - 1, lam, 180.0, 120.0, 20.0).abandonment > 0.05
    assert set(payload) >= {"agents", "raw_agents", "traffic_erlangs", "service_level", "asa_s", "occupancy"}
    bad = CliRunner().invoke(
        app,
        [
            "staffing",
            "erlang-a",
            "--calls",
            "100",
            "--interval-s",
            "1800",
            "--aht-s",
            "180",
            "--patience-s",
            "0",
            "--json",
        ],
    )
    assert bad.exit_code == 2
    assert "--patience-s" in bad.stderr


def test_required_agents_for_abandonment_at_five_thousand_erlangs() -> None:
    lam, aht, patience = 5_000 / 180, 180.0, 240.0
    result = required_agents(
        calls=50_000, interval_s=1800, aht_s=180, patience_s=240, target_abandonment=0.01
    )
    n = result.raw_agents
    assert reference_pwait_abandon(n, lam, aht, patience, queue_max=4_000)[1] <= 0.01
    assert reference_pwait_abandon(n - 1, lam, aht, patience, queue_max=4_000)[1] > 0.01
