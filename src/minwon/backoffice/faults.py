"""Fault injection for the reference back office: latency, errors, hangs, malformed bodies and outages per
endpoint, so connectors, the desk and benchmarks can be exercised against failing systems.

A :class:`FaultRule` applies to requests whose path starts with ``path`` (``*`` = every endpoint); when
several rules match, the longest prefix wins. ``/healthz`` and ``/_faults`` are never faulted.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading

from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Receive, Scope, Send

#: Paths that are never faulted (health checks and the fault admin itself).
EXEMPT_PREFIXES = ("/healthz", "/_faults")


class FaultRule(BaseModel):
    """One endpoint's faults; the effects combine in this order:

    ``latency_ms`` (+ uniform ``jitter_ms``) delay first; then ``outage`` answers 503; ``hang`` never
    answers (until ``hang_s`` seconds have passed, then 504); an error with probability ``error_rate``
    answers ``error_status``; ``malformed`` answers 200 with a truncated JSON body.
    """

    model_config = ConfigDict(extra="forbid")

    path: str = Field(default="*", min_length=1, max_length=200)
    latency_ms: int = Field(default=0, ge=0, le=600_000)
    jitter_ms: int = Field(default=0, ge=0, le=600_000)
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    error_status: int = Field(default=500, ge=400, le=599)
    hang: bool = False
    hang_s: float = Field(default=3600.0, gt=0, le=86_400)
    malformed: bool = False
    outage: bool = False

    def matches(self, path: str) -> bool:
        return self.path == "*" or path.startswith(self.path)


class FaultState:
    """The rules in force (thread-safe; the admin API and the middleware share it)."""

    def __init__(self, rules: list[FaultRule] | None = None, *, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: dict[str, FaultRule] = {}
        self._rng = random.Random(seed)
        for rule in rules or []:
            self.set(rule)

    def set(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules[rule.path] = rule

    def clear(self, path: str | None = None) -> None:
        with self._lock:
            if path is None:
                self._rules.clear()
            else:
                self._rules.pop(path, None)

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules.values())

    def for_path(self, path: str) -> FaultRule | None:
        """The most specific rule for ``path`` (longest prefix; ``*`` last), or None."""
        if path.startswith(EXEMPT_PREFIXES):
            return None
        with self._lock:
            found = [r for r in self._rules.values() if r.matches(path)]
        if not found:
            return None
        return max(found, key=lambda r: -1 if r.path == "*" else len(r.path))

    def draw(self) -> float:
        with self._lock:
            return self._rng.random()


async def _send_json(send: Send, status: int, payload: object) -> None:
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


class FaultMiddleware:
    """ASGI middleware applying :class:`FaultState` before the request reaches the API."""

    def __init__(self, app: ASGIApp, state: FaultState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rule = self.state.for_path(scope["path"])
        if rule is None:
            await self.app(scope, receive, send)
            return
        delay = rule.latency_ms + (self.state.draw() * rule.jitter_ms if rule.jitter_ms else 0)
        if delay:
            await asyncio.sleep(delay / 1000)
        if rule.outage:
            await _send_json(
                send, 503, {"error": "service_unavailable", "detail": "system under maintenance"}
            )
            return
        if rule.hang:
            # hold the request until the client gives up (disconnects) or hang_s passes
            watcher = asyncio.ensure_future(_until_disconnect(receive))
            done, _ = await asyncio.wait({watcher}, timeout=rule.hang_s)
            if not done:
                watcher.cancel()
                await _send_json(send, 504, {"error": "gateway_timeout"})
            return
        if rule.error_rate and self.state.draw() < rule.error_rate:
            await _send_json(send, rule.error_status, {"error": "injected", "status": rule.error_status})
            return
        if rule.malformed:
            body = b'{"source": "reference back office", "items": [{"bill_no": "20'
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def parse_latency_option(value: str) -> FaultRule:
    """``"150"`` (every endpoint) or ``"/water=150"`` / ``"water=150"`` → a latency rule.

    Raises ValueError with a clear message for anything else.
    """
    path, _, ms = value.rpartition("=")
    try:
        latency = int(ms)
    except ValueError:
        raise ValueError(f"--latency {value!r}: expected MS or PATH=MS, e.g. /water=150") from None
    if latency < 0:
        raise ValueError(f"--latency {value!r}: milliseconds must be zero or more")
    if not path:
        path = "*"
    elif not path.startswith("/") and path != "*":
        path = "/" + path
    return FaultRule(path=path, latency_ms=latency)
