"""Fan-out against a real local HTTP back office: each fault degrades only its own panel; retries are
bounded; the circuit breaker opens and half-opens; the cache never crosses contacts."""

from __future__ import annotations

import asyncio

import pytest

from minwon.linkage.contract import Connector
from minwon.linkage.orchestrator import (
    BreakerRegistry,
    BreakerState,
    CircuitBreaker,
    ContactCache,
    Orchestrator,
    PanelState,
    Policy,
)
from tests.linkage.support import PROBES, ProbeConfig, ProbeServer, identity, probe_server

__all__ = ["probe_server"]

FAST = Policy(timeout_s=2.0, retries=1, backoff_s=0.02, breaker_threshold=3, breaker_cooldown_s=30)
ALL = identity(resident="9001011234568", water_customer_number="1234567", vehicle_number="12가3456")


def _connectors(server: ProbeServer) -> list[Connector]:
    return [cls(ProbeConfig(base_url=server.base_url)) for cls in PROBES]


def _run(
    orch: Orchestrator, server: ProbeServer, scope: str = "1", refresh: bool = False, policy: Policy = FAST
):
    conns = _connectors(server)
    return asyncio.run(
        orch.fan_out(conns, ALL, scope=scope, policies={c.name: policy for c in conns}, refresh=refresh)
    )


@pytest.fixture()
def server(probe_server: ProbeServer) -> ProbeServer:
    probe_server.reset()
    return probe_server


def test_all_systems_answer_in_one_fan_out(server: ProbeServer) -> None:
    panels = _run(Orchestrator(), server)
    assert [p.connector for p in panels] == ["ptax", "pwater", "pparking"]
    assert [p.state for p in panels] == [PanelState.OK] * 3
    bill = panels[0].lookups[0].items[0]
    assert bill.amount == 123450 and str(bill.due_date) == "2026-12-31"
    assert dict(server.calls) == {"ptax": 1, "pwater": 1, "pparking": 1}


@pytest.mark.parametrize(
    ("mode", "state", "kind", "calls"),
    [
        ("hang", PanelState.SLOW, "timeout", 2),  # first attempt and one retry, both time out
        ("500", PanelState.FAILED, "unavailable", 2),  # retried once
        ("outage", PanelState.FAILED, "unavailable", 2),
        ("garbage", PanelState.FAILED, "bad_response", 1),  # not retried: same request, same answer
        ("wrong_shape", PanelState.FAILED, "bad_response", 1),
    ],
)
def test_a_fault_degrades_only_its_panel(
    server: ProbeServer, mode: str, state: PanelState, kind: str, calls: int
) -> None:
    server.set("pwater", mode)
    panels = {p.connector: p for p in _run(Orchestrator(), server)}
    assert panels["ptax"].state is PanelState.OK and panels["pparking"].state is PanelState.OK
    water = panels["pwater"].lookups[0]
    assert (water.state, water.kind, water.attempts) == (state, kind, calls)
    assert server.calls["pwater"] == calls and server.calls["ptax"] == 1


def test_retries_are_bounded_by_policy(server: ProbeServer) -> None:
    server.set("ptax", "500")
    _run(Orchestrator(), server, policy=Policy(timeout_s=1.0, retries=0, breaker_threshold=10))
    assert server.calls["ptax"] == 1
    server.reset()
    server.set("ptax", "500")
    _run(
        Orchestrator(), server, policy=Policy(timeout_s=5.0, retries=3, backoff_s=0.01, breaker_threshold=10)
    )
    assert server.calls["ptax"] == 4


def test_breaker_opens_after_consecutive_failures_and_half_opens(server: ProbeServer) -> None:
    now = [1000.0]
    orch = Orchestrator(breakers=BreakerRegistry(clock=lambda: now[0]))
    server.set("ptax", "500")
    policy = Policy(timeout_s=2.0, retries=0, breaker_threshold=2, breaker_cooldown_s=30)
    for _ in range(2):
        _run(orch, server, refresh=True, policy=policy)
    assert server.calls["ptax"] == 2
    panels = {p.connector: p for p in _run(orch, server, refresh=True, policy=policy)}
    assert panels["ptax"].state is PanelState.DOWN  # "점검 중": not called at all
    assert server.calls["ptax"] == 2
    assert panels["pwater"].state is PanelState.OK
    now[0] += 31  # cool-down over: one trial goes out
    server.set("ptax", "ok")
    panels = {p.connector: p for p in _run(orch, server, refresh=True, policy=policy)}
    assert panels["ptax"].state is PanelState.OK and server.calls["ptax"] == 3
    assert orch.breakers.states()["ptax"] is BreakerState.CLOSED


def test_breaker_half_open_failure_reopens_and_allows_one_trial() -> None:
    now = [0.0]
    b = CircuitBreaker(threshold=3, cooldown_s=10, clock=lambda: now[0])
    for _ in range(3):
        assert b.allow()
        b.failure()
    assert b.state is BreakerState.OPEN and not b.allow()
    now[0] = 10.0
    assert b.state is BreakerState.HALF_OPEN
    assert b.allow() and not b.allow()  # a single trial at a time
    b.failure()
    assert b.state is BreakerState.OPEN
    now[0] = 20.0
    assert b.allow()
    b.success()
    assert b.state is BreakerState.CLOSED and b.allow()


def test_cache_is_scoped_to_the_contact_and_expires(server: ProbeServer) -> None:
    now = [0.0]
    orch = Orchestrator(cache=ContactCache(ttl_s=300, clock=lambda: now[0]))
    _run(orch, server, scope="7")
    again = _run(orch, server, scope="7")
    assert all(p.lookups[0].cached for p in again)
    assert server.calls["ptax"] == 1
    other = _run(orch, server, scope="8")  # another contact: never the first one's results
    assert not any(p.lookups[0].cached for p in other)
    assert server.calls["ptax"] == 2
    now[0] = 301.0
    expired = _run(orch, server, scope="7")
    assert not expired[0].lookups[0].cached and server.calls["ptax"] == 3
    refreshed = _run(orch, server, scope="7", refresh=True)
    assert not refreshed[0].lookups[0].cached and server.calls["ptax"] == 4


def test_a_lookup_without_its_key_is_not_run(server: ProbeServer) -> None:
    conns = _connectors(server)
    only_rrn = identity(resident="9001011234568")
    panels = asyncio.run(
        Orchestrator().fan_out(conns, only_rrn, scope="1", policies={c.name: FAST for c in conns})
    )
    water = next(p for p in panels if p.connector == "pwater")
    assert water.lookups == [] and water.needs == ["water_customer_number"]
    assert server.calls["pwater"] == 0
