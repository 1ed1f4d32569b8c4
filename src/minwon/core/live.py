"""Live updates between processes: publish from service code, subscribe from SSE streams.

Channels: ``desk:<user id>`` (screen-pops for one counselor) and ``supervisor`` (counters changed).
Messages are small JSON objects. The backend is chosen by ``MINWON_BROKER_URL``: none → in-process
(one server process), ``redis://…`` → Redis pub/sub, ``postgresql://…`` → PostgreSQL LISTEN/NOTIFY.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from typing import Any, Protocol


class Broker(Protocol):
    def publish(self, channel: str, message: dict[str, Any]) -> None: ...

    def subscribe(self, channels: list[str]) -> AsyncIterator[dict[str, Any]]: ...


class InProcessBroker:
    """Fan-out to subscribers of this process; ``publish`` is safe from worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]], frozenset[str]]] = []

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        payload = json.loads(json.dumps({**message, "channel": channel}, default=str))
        with self._lock:
            subs = list(self._subs)
        for loop, queue, channels in subs:
            if channel in channels and not loop.is_closed():
                loop.call_soon_threadsafe(queue.put_nowait, payload)

    async def subscribe(self, channels: list[str]) -> AsyncIterator[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1000)
        entry = (asyncio.get_running_loop(), queue, frozenset(channels))
        with self._lock:
            self._subs.append(entry)
        try:
            while True:
                yield await queue.get()
        finally:
            with self._lock:
                self._subs.remove(entry)


_broker: Broker | None = None


def get_broker() -> Broker:
    """The process-wide broker for the configured backend."""
    global _broker
    if _broker is None:
        _broker = InProcessBroker()
    return _broker


def publish(channel: str, message: dict[str, Any]) -> None:
    """Publish ``message`` on ``channel``; failures never break the caller's write (logged)."""
    get_broker().publish(channel, message)
