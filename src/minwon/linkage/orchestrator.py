"""Fan-out of lookups to back-office connectors: timeouts, bounded retries, circuit breakers and a short
cache scoped to the contact.

Pure of database and web code, so the desk, the JSON API, the CLI and the benchmark share it.

* **Timeout**: each connector has a budget (``Policy.timeout_s``) for all its lookups, retries included;
  the orchestrator enforces it itself (``asyncio.timeout``), whatever the connector does.
* **Retries** (reads only): a lookup that failed with ``timeout`` or ``unavailable`` is tried again
  ``Policy.retries`` times after ``Policy.backoff_s``, within the same budget (the first attempt gets
  ``Policy.first_attempt_share`` of it). ``bad_response`` and ``rejected`` are not retried: the same
  request would get the same answer.
* **Circuit breaker** per connector, shared by every request of the process: after
  ``Policy.breaker_threshold`` consecutive failed fan-outs it opens and the connector is not called
  (the panel says "under maintenance") until ``Policy.breaker_cooldown_s`` has passed; then one trial
  request is let through (half-open): success closes it, failure opens it again (Nygard, *Release It!*,
  "Circuit Breaker").
* **Cache** scoped to the contact: results are kept ``ContactCache.ttl_s`` (5 min) under the
  verification id, so a panel retry or a re-render does not call the back office again, and a new contact
  never sees another contact's results.

Logs name connectors, lookups, failure kinds and times — never identifiers or results.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from minwon.linkage.contract import Connector, ConnectorFailure, Identity, LookupResult, LookupSpec

log = logging.getLogger(__name__)

Clock = Callable[[], float]


class PanelState(StrEnum):
    """What a lookup's panel shows."""

    OK = "ok"
    #: 응답 지연 — the connector did not answer within its budget.
    SLOW = "slow"
    #: 연결 실패 — unreachable, server error or an unreadable answer.
    FAILED = "failed"
    #: 조회 거부 — the back office refused the request (e.g. unknown number).
    REJECTED = "rejected"
    #: 점검 중 — the circuit breaker is open: the system is treated as down and not called.
    DOWN = "down"


_STATE_OF_KIND = {
    "timeout": PanelState.SLOW,
    "unavailable": PanelState.FAILED,
    "bad_response": PanelState.FAILED,
    "rejected": PanelState.REJECTED,
}
#: Failure kinds worth another try for a read.
RETRYABLE = frozenset({"timeout", "unavailable"})
#: Failure kinds that count against the circuit breaker (a refusal is an answer, not an outage).
BREAKER_KINDS = frozenset({"timeout", "unavailable", "bad_response"})


@dataclass(frozen=True)
class Policy:
    """Per-connector limits. Times in seconds."""

    timeout_s: float = 1.5
    retries: int = 1
    backoff_s: float = 0.05
    first_attempt_share: float = 0.6
    breaker_threshold: int = 3
    breaker_cooldown_s: float = 30.0

    def __post_init__(self) -> None:
        if not 0.05 <= self.timeout_s <= 60:
            raise ValueError("timeout_s must be within 0.05–60 s")
        if not 0 <= self.retries <= 3:
            raise ValueError("retries must be within 0–3")
        if self.breaker_threshold < 1:
            raise ValueError("breaker_threshold must be at least 1")


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """A consecutive-failure circuit breaker. Thread-safe; ``clock`` is monotonic seconds."""

    def __init__(
        self, *, threshold: int = 3, cooldown_s: float = 30.0, clock: Clock = time.monotonic
    ) -> None:
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state()

    def _state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock() - self._opened_at >= self.cooldown_s:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def allow(self) -> bool:
        """Whether a request may go out now. In half-open state only one trial at a time is allowed."""
        with self._lock:
            state = self._state()
            if state is BreakerState.CLOSED:
                return True
            if state is BreakerState.HALF_OPEN and not self._trial:
                self._trial = True
                return True
            return False

    def success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial = False

    def failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._trial or self._failures >= self.threshold:
                self._opened_at = self._clock()
            self._trial = False

    def release(self) -> None:
        """End a half-open trial that neither succeeded nor failed (e.g. cancelled)."""
        with self._lock:
            self._trial = False


class BreakerRegistry:
    """The process's breakers, one per connector name."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._breakers: dict[str, CircuitBreaker] = {}

    def get(self, name: str, policy: Policy) -> CircuitBreaker:
        with self._lock:
            breaker = self._breakers.get(name)
            if breaker is None or (breaker.threshold, breaker.cooldown_s) != (
                policy.breaker_threshold,
                policy.breaker_cooldown_s,
            ):
                breaker = CircuitBreaker(
                    threshold=policy.breaker_threshold,
                    cooldown_s=policy.breaker_cooldown_s,
                    clock=self._clock,
                )
                self._breakers[name] = breaker
            return breaker

    def states(self) -> dict[str, BreakerState]:
        with self._lock:
            return {name: b.state for name, b in self._breakers.items()}

    def reset(self) -> None:
        with self._lock:
            self._breakers.clear()


class ContactCache:
    """Results by (contact scope, lookup), kept ``ttl_s`` seconds; at most ``max_entries`` (oldest
    dropped). Thread-safe. A scope is a verification id: another contact cannot reach it."""

    def __init__(
        self, *, ttl_s: float = 300.0, max_entries: int = 10_000, clock: Clock = time.monotonic
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, str], tuple[float, LookupResult]] = OrderedDict()

    def get(self, scope: str, lookup: str) -> LookupResult | None:
        with self._lock:
            hit = self._items.get((scope, lookup))
            if hit is None:
                return None
            stored_at, result = hit
            if self._clock() - stored_at > self.ttl_s:
                del self._items[(scope, lookup)]
                return None
            return result

    def put(self, scope: str, lookup: str, result: LookupResult) -> None:
        with self._lock:
            self._items[(scope, lookup)] = (self._clock(), result)
            self._items.move_to_end((scope, lookup))
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def drop_scope(self, scope: str) -> None:
        with self._lock:
            for key in [k for k in self._items if k[0] == scope]:
                del self._items[key]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass
class LookupOutcome:
    """One lookup's answer for a panel. ``items`` are validated result-model instances; ``kind`` the
    failure kind; ``elapsed_ms`` wall time including retries; ``called`` whether the back office was
    asked (False for a cache hit or an open breaker)."""

    connector: str
    lookup: str
    title: str
    state: PanelState
    result: LookupResult | None = None
    items: list[BaseModel] = field(default_factory=list)
    kind: str | None = None
    attempts: int = 0
    elapsed_ms: float = 0.0
    cached: bool = False

    @property
    def called(self) -> bool:
        return self.attempts > 0


def _validated(spec: LookupSpec, result: LookupResult) -> list[BaseModel]:
    """The result's items as ``spec.result_model`` instances (dicts are parsed). Raises
    ConnectorFailure(bad_response) for anything else."""
    if result.lookup != spec.key:
        raise ConnectorFailure("bad_response", f"answer for {result.lookup!r}, expected {spec.key!r}")
    out: list[BaseModel] = []
    for item in result.items:
        if isinstance(item, spec.result_model):
            out.append(item)
            continue
        try:
            data = item.model_dump() if isinstance(item, BaseModel) else item
            out.append(spec.result_model.model_validate(data))
        except PydanticValidationError:
            raise ConnectorFailure("bad_response", f"{spec.key}: an item does not match its model") from None
    return out


async def run_lookup(
    connector: Connector, spec: LookupSpec, identity: Identity, *, policy: Policy, deadline: float
) -> LookupOutcome:
    """Run one lookup with retries until ``deadline`` (``time.monotonic`` seconds). Never raises for a
    back-office fault: the outcome carries the state."""
    started = time.monotonic()
    attempts = 0
    kind = "timeout"
    tries = 1 + policy.retries
    while attempts < tries:
        remaining = deadline - time.monotonic()
        if remaining <= 0.005:
            break
        last = attempts == tries - 1
        budget = remaining if last else remaining * policy.first_attempt_share
        attempts += 1
        try:
            async with asyncio.timeout(budget):
                result = await connector.fetch(spec.key, identity, timeout_s=budget)
            items = _validated(spec, result)
        except TimeoutError:
            kind = "timeout"
        except ConnectorFailure as exc:
            kind = exc.kind
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a connector bug must only fail its own panel
            # the exception's text may quote the back office's answer (personal data): type only
            log.warning("connector %s lookup %s raised %s", connector.name, spec.key, type(exc).__name__)
            kind = "bad_response"
        else:
            return LookupOutcome(
                connector=connector.name,
                lookup=spec.key,
                title=spec.title,
                state=PanelState.OK,
                result=result,
                items=items,
                attempts=attempts,
                elapsed_ms=(time.monotonic() - started) * 1000,
            )
        if kind not in RETRYABLE:
            break
        if attempts < tries and deadline - time.monotonic() > policy.backoff_s + 0.01:
            await asyncio.sleep(policy.backoff_s)
    elapsed = (time.monotonic() - started) * 1000
    log.info(
        "connector %s lookup %s failed: %s after %d attempt(s), %.0f ms",
        connector.name,
        spec.key,
        kind,
        attempts,
        elapsed,
    )
    return LookupOutcome(
        connector=connector.name,
        lookup=spec.key,
        title=spec.title,
        state=_STATE_OF_KIND.get(kind, PanelState.FAILED),
        kind=kind,
        attempts=attempts,
        elapsed_ms=elapsed,
    )


@dataclass
class ConnectorOutcome:
    """A connector's panel: its runnable lookups' outcomes; ``needs`` names the identity keys that would
    make a lookup runnable when none is (the panel says what to ask for)."""

    connector: str
    title: str
    lookups: list[LookupOutcome]
    elapsed_ms: float
    needs: list[str] = field(default_factory=list)

    @property
    def state(self) -> PanelState:
        """The panel's overall state: OK when every lookup answered, else the first failure's."""
        for outcome in self.lookups:
            if outcome.state is not PanelState.OK:
                return outcome.state
        return PanelState.OK


class Orchestrator:
    """Runs lookups of connectors for one contact scope, sharing breakers and cache across requests."""

    def __init__(self, *, breakers: BreakerRegistry | None = None, cache: ContactCache | None = None) -> None:
        self.breakers = breakers or BreakerRegistry()
        self.cache = cache or ContactCache()

    async def run_connector(
        self, connector: Connector, identity: Identity, *, scope: str, policy: Policy, refresh: bool = False
    ) -> ConnectorOutcome:
        """Every runnable lookup of ``connector``, concurrently, within ``policy.timeout_s``.

        Cached results (same ``scope``) are used unless ``refresh``. Never raises for a back-office fault.
        """
        started = time.monotonic()
        specs = [s for s in connector.lookups if s.runnable(identity)]
        if not specs:
            needs = sorted({k.value for s in connector.lookups for k in s.needs_any})
            return ConnectorOutcome(connector.name, connector.title, [], 0.0, needs=needs)
        outcomes: dict[str, LookupOutcome] = {}
        to_call: list[LookupSpec] = []
        for spec in specs:
            hit = None if refresh else self.cache.get(scope, spec.key)
            if hit is not None:
                outcomes[spec.key] = LookupOutcome(
                    connector=connector.name,
                    lookup=spec.key,
                    title=spec.title,
                    state=PanelState.OK,
                    result=hit,
                    items=_validated(spec, hit),
                    cached=True,
                )
            else:
                to_call.append(spec)
        if to_call:
            breaker = self.breakers.get(connector.name, policy)
            if not breaker.allow():
                for spec in to_call:
                    outcomes[spec.key] = LookupOutcome(
                        connector=connector.name,
                        lookup=spec.key,
                        title=spec.title,
                        state=PanelState.DOWN,
                        kind="open",
                    )
            else:
                deadline = time.monotonic() + policy.timeout_s
                try:
                    answered = await asyncio.gather(
                        *(
                            run_lookup(connector, spec, identity, policy=policy, deadline=deadline)
                            for spec in to_call
                        )
                    )
                except BaseException:
                    breaker.release()
                    raise
                failed = any(o.kind in BREAKER_KINDS for o in answered)
                breaker.failure() if failed else breaker.success()
                for outcome in answered:
                    outcomes[outcome.lookup] = outcome
                    if outcome.state is PanelState.OK and outcome.result is not None:
                        self.cache.put(scope, outcome.lookup, outcome.result)
        return ConnectorOutcome(
            connector=connector.name,
            title=connector.title,
            lookups=[outcomes[s.key] for s in specs],
            elapsed_ms=(time.monotonic() - started) * 1000,
        )

    async def fan_out(
        self,
        connectors: Sequence[Connector],
        identity: Identity,
        *,
        scope: str,
        policies: Mapping[str, Policy] | None = None,
        refresh: bool = False,
    ) -> list[ConnectorOutcome]:
        """Every connector's panel, concurrently; returns when the slowest has answered or hit its budget
        (so by ``max(policy.timeout_s)`` plus scheduling). Order follows ``connectors``."""
        policies = policies or {}
        return list(
            await asyncio.gather(
                *(
                    self.run_connector(
                        c, identity, scope=scope, policy=policies.get(c.name, Policy()), refresh=refresh
                    )
                    for c in connectors
                )
            )
        )


def describe(outcomes: Sequence[ConnectorOutcome]) -> list[dict[str, Any]]:
    """A JSON-friendly summary of panels (no items): connector, state, per-lookup state and times."""
    return [
        {
            "connector": o.connector,
            "state": o.state.value,
            "elapsed_ms": round(o.elapsed_ms, 1),
            "lookups": [
                {"lookup": lo.lookup, "state": lo.state.value, "attempts": lo.attempts, "cached": lo.cached}
                for lo in o.lookups
            ],
        }
        for o in outcomes
    ]
