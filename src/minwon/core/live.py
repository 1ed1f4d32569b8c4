"""Live updates between processes: publish from service code, subscribe from SSE streams.

Channels: ``desk:<user id>`` (screen-pops for one counselor) and ``supervisor`` (counters changed).
Messages are small JSON objects with a ``type`` key; subscribers receive them with ``channel`` added.
The backend is chosen by ``MINWON_BROKER_URL``: none → in-process (one server process),
``redis://…``/``rediss://…`` → Redis pub/sub, ``postgresql://…`` → PostgreSQL LISTEN/NOTIFY.

Every ``subscribe`` first yields ``{"type": "subscribed", "channels": [...]}`` once the subscription is
active: anything published after that is delivered. Delivery is at most once and only to subscribers
that are connected at the time (no replay); clients reload state when they (re)connect.

The Redis and PostgreSQL backends keep one listening connection per server process, shared by all
its open streams (a PostgreSQL connection per open desk would exhaust ``max_connections``), and
fan messages out in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

import psycopg
import redis
import redis.asyncio
from psycopg import sql
from redis.backoff import NoBackoff
from redis.retry import Retry

from minwon.config import get_settings

logger = logging.getLogger(__name__)

#: PostgreSQL refuses NOTIFY payloads of 8000 bytes or more (docs: SQL command NOTIFY); every backend
#: applies the same limit so a message that works in development works in production.
MAX_PAYLOAD_BYTES = 7999
#: Channel names: letters, digits and ``_ : . -``, at most 63 bytes (PostgreSQL identifier length).
CHANNEL_RE = re.compile(r"^[A-Za-z0-9_:.\-]{1,63}$")
#: Seconds allowed to open a broker connection.
CONNECT_TIMEOUT_S = 3.0
#: Seconds allowed for one broker command (publish, LISTEN, SUBSCRIBE …).
COMMAND_TIMEOUT_S = 5.0
#: Seconds the shared listener waits for messages before handling new (un)subscriptions.
POLL_S = 0.25
#: Seconds between liveness checks of an idle listening connection.
HEALTH_CHECK_S = 30.0
#: Messages buffered per subscriber before the oldest are dropped (a stalled client).
SUBSCRIBER_QUEUE = 1000
#: After a failed publish, further publishes are dropped for this many seconds, so a broker outage
#: costs one connect timeout rather than one per message (an ingestion batch may publish hundreds).
PUBLISH_BACKOFF_S = 5.0

SUBSCRIBED = "subscribed"


class BrokerUnavailable(RuntimeError):
    """The broker could not be reached, or the listening connection was lost."""


class PayloadTooLarge(ValueError):
    """A message whose JSON is ``MAX_PAYLOAD_BYTES`` bytes or more (PostgreSQL's NOTIFY limit)."""


class Broker(Protocol):
    def publish(self, channel: str, message: dict[str, Any]) -> None: ...

    def subscribe(self, channels: list[str]) -> AsyncIterator[dict[str, Any]]: ...

    def close(self) -> None: ...


def check_channel(channel: str) -> str:
    """``channel`` if it is a valid name (see ``CHANNEL_RE``); raises ValueError otherwise."""
    if not isinstance(channel, str) or not CHANNEL_RE.match(channel):
        raise ValueError(f"invalid live channel name {channel!r}: use 1–63 of A-Z a-z 0-9 _ : . -")
    return channel


def _check_channels(channels: list[str]) -> list[str]:
    if not channels:
        raise ValueError("subscribe needs at least one channel")
    return [check_channel(c) for c in channels]


def encode_message(channel: str, message: dict[str, Any]) -> str:
    """The JSON sent over the wire: ``message`` plus ``channel``.

    Raises ValueError for a bad channel name and PayloadTooLarge when the UTF-8 JSON is
    ``MAX_PAYLOAD_BYTES`` + 1 bytes or more.
    """
    check_channel(channel)
    payload = json.dumps({**message, "channel": channel}, default=str, ensure_ascii=False)
    size = len(payload.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(
            f"live message of type {message.get('type')!r} is {size} bytes; the limit is "
            f"{MAX_PAYLOAD_BYTES} (PostgreSQL NOTIFY) — send an id and let the client fetch the rest"
        )
    return payload


def offer(queue: asyncio.Queue[dict[str, Any] | None], item: dict[str, Any] | None) -> None:
    """Put without blocking; a full queue (stalled client) loses its oldest message."""
    while True:
        try:
            queue.put_nowait(item)
            return
        except asyncio.QueueFull:
            with contextlib.suppress(asyncio.QueueEmpty):
                queue.get_nowait()
            logger.warning("live subscriber queue full; oldest message dropped")


class InProcessBroker:
    """Fan-out to subscribers of this process; ``publish`` is safe from worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: list[
            tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any] | None], frozenset[str]]
        ] = []

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        payload = encode_message(channel, message)
        with self._lock:
            subs = list(self._subs)
        for loop, queue, channels in subs:
            if channel in channels and not loop.is_closed():
                # each subscriber gets its own copy: a consumer that mutates a message harms no other
                with contextlib.suppress(RuntimeError):  # loop closed meanwhile
                    loop.call_soon_threadsafe(offer, queue, json.loads(payload))

    async def subscribe(self, channels: list[str]) -> AsyncIterator[dict[str, Any]]:
        names = _check_channels(channels)
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=SUBSCRIBER_QUEUE)
        entry = (asyncio.get_running_loop(), queue, frozenset(names))
        with self._lock:
            self._subs.append(entry)
        try:
            yield {"type": SUBSCRIBED, "channels": names}
            while True:
                item = await queue.get()
                if item is not None:
                    yield item
        finally:
            with self._lock:
                self._subs.remove(entry)

    def close(self) -> None:
        with self._lock:
            self._subs.clear()


Deliver = Callable[[str, str | bytes], None]


class _Listener(ABC):
    """One listening connection; driven only by its ``_Hub`` task."""

    @abstractmethod
    async def open(self) -> None: ...

    @abstractmethod
    async def listen(self, channel: str, deliver: Deliver) -> None:
        """Return once messages on ``channel`` are being received."""

    @abstractmethod
    async def unlisten(self, channel: str) -> None: ...

    @abstractmethod
    async def poll(self, timeout: float, deliver: Deliver) -> None:
        """Wait up to ``timeout`` seconds, calling ``deliver(channel, payload)`` per message."""

    @abstractmethod
    async def close(self) -> None: ...


class _Hub:
    """The shared listening connection of one event loop and the local subscribers it feeds.

    (Un)subscriptions are queued as commands and applied by the hub's task between polls, in order,
    so a channel is listened to exactly while it has local subscribers. If the connection fails the
    hub dies: its subscribers get ``BrokerUnavailable`` and the next subscribe starts a new hub.
    """

    def __init__(self, listener: _Listener) -> None:
        self.loop = asyncio.get_running_loop()
        self.listener = listener
        self.subs: dict[str, set[asyncio.Queue[dict[str, Any] | None]]] = {}
        self.ready: dict[str, asyncio.Future[None]] = {}
        self.commands: asyncio.Queue[tuple[str, str, asyncio.Future[None] | None]] = asyncio.Queue()
        self.dead = False
        self.task = self.loop.create_task(self._run())

    def add(
        self, channels: list[str], queue: asyncio.Queue[dict[str, Any] | None]
    ) -> list[asyncio.Future[None]]:
        futures = []
        for channel in set(channels):
            if channel not in self.subs:
                self.subs[channel] = set()
                self.ready[channel] = self.loop.create_future()
                self.commands.put_nowait(("listen", channel, self.ready[channel]))
            self.subs[channel].add(queue)
            futures.append(self.ready[channel])
        return futures

    def remove(self, channels: list[str], queue: asyncio.Queue[dict[str, Any] | None]) -> None:
        for channel in set(channels):
            queues = self.subs.get(channel)
            if queues is None:
                continue
            queues.discard(queue)
            if not queues:
                del self.subs[channel]
                self.ready.pop(channel, None)
                if not self.dead:
                    self.commands.put_nowait(("unlisten", channel, None))

    def _deliver(self, channel: str, payload: str | bytes) -> None:
        try:
            message = json.loads(payload)
        except ValueError:
            logger.warning("live message on %s is not JSON; ignored", channel)
            return
        if not isinstance(message, dict):
            return
        for queue in list(self.subs.get(channel, ())):
            offer(queue, dict(message))

    async def _run(self) -> None:
        try:
            await asyncio.wait_for(self.listener.open(), CONNECT_TIMEOUT_S)
            while True:
                while not self.commands.empty():
                    op, channel, future = self.commands.get_nowait()
                    if op == "listen":
                        await asyncio.wait_for(
                            self.listener.listen(channel, self._deliver), COMMAND_TIMEOUT_S
                        )
                        if future is not None and not future.done():
                            future.set_result(None)
                    else:
                        await asyncio.wait_for(self.listener.unlisten(channel), COMMAND_TIMEOUT_S)
                await self.listener.poll(POLL_S, self._deliver)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.warning("live broker connection lost: %s: %s", type(exc).__name__, exc)
        finally:
            self.dead = True
            for future in self.ready.values():
                if not future.done():
                    future.set_exception(BrokerUnavailable("could not subscribe to the live broker"))
                    future.exception()  # retrieved here so an unawaited one is not reported
            for queues in self.subs.values():
                for queue in queues:
                    offer(queue, None)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.listener.close(), COMMAND_TIMEOUT_S)


class _SharedListenerBroker(ABC):
    """A broker whose subscriptions share one listening connection per event loop."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._hub: _Hub | None = None

    @abstractmethod
    def _listener(self) -> _Listener: ...

    @abstractmethod
    def publish(self, channel: str, message: dict[str, Any]) -> None: ...

    def _current_hub(self) -> _Hub:
        loop = asyncio.get_running_loop()
        hub = self._hub
        if hub is None or hub.dead or hub.loop is not loop:
            hub = self._hub = _Hub(self._listener())
        return hub

    async def subscribe(self, channels: list[str]) -> AsyncIterator[dict[str, Any]]:
        """Yield ``{"type": "subscribed", …}`` once listening, then every message on ``channels``.

        Raises BrokerUnavailable when the broker cannot be reached within ``CONNECT_TIMEOUT_S`` +
        ``COMMAND_TIMEOUT_S`` seconds or the connection is lost later.
        """
        names = _check_channels(channels)
        hub = self._current_hub()
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=SUBSCRIBER_QUEUE)
        futures = hub.add(names, queue)
        try:
            done, pending = await asyncio.wait(futures, timeout=CONNECT_TIMEOUT_S + COMMAND_TIMEOUT_S)
            if pending:
                raise BrokerUnavailable("timed out subscribing to the live broker")
            for future in done:
                future.result()
            yield {"type": SUBSCRIBED, "channels": names}
            while True:
                item = await queue.get()
                if item is None:
                    raise BrokerUnavailable("the live broker connection was lost")
                yield item
        finally:
            hub.remove(names, queue)

    def _close_hub(self) -> None:
        hub, self._hub = self._hub, None
        if hub is not None and not hub.loop.is_closed():
            with contextlib.suppress(RuntimeError):
                hub.loop.call_soon_threadsafe(hub.task.cancel)


class _RedisListener(_Listener):
    def __init__(self, url: str) -> None:
        self.client = redis.asyncio.Redis.from_url(
            url,
            socket_connect_timeout=CONNECT_TIMEOUT_S,
            health_check_interval=int(HEALTH_CHECK_S),
        )
        self.pubsub = self.client.pubsub()

    async def open(self) -> None:
        await self.client.ping()

    async def listen(self, channel: str, deliver: Deliver) -> None:
        await self.pubsub.subscribe(channel)
        # The subscription is active once Redis confirms it; messages read meanwhile are delivered.
        # get_message also answers None for a health-check PONG, so only the deadline means failure
        # (the hub bounds this call with COMMAND_TIMEOUT_S).
        while True:
            msg = await self.pubsub.get_message(timeout=POLL_S)
            if msg is None:
                continue
            if msg["type"] == "message":
                deliver(_text(msg["channel"]), msg["data"])
            elif msg["type"] == "subscribe" and _text(msg["channel"]) == channel:
                return

    async def unlisten(self, channel: str) -> None:
        await self.pubsub.unsubscribe(channel)

    async def poll(self, timeout: float, deliver: Deliver) -> None:
        if not self.pubsub.subscribed:
            await asyncio.sleep(timeout)
            return
        msg = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=timeout)
        while msg is not None:
            if msg["type"] == "message":
                deliver(_text(msg["channel"]), msg["data"])
            msg = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=0)

    async def close(self) -> None:
        await self.pubsub.aclose()  # type: ignore[no-untyped-call]
        await self.client.aclose()


def _text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class RedisBroker(_SharedListenerBroker):
    """Redis pub/sub (``redis://`` or ``rediss://``); publish with a sync client, listen with asyncio."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        # one quick retry covers a pooled connection that Redis closed (restart, idle timeout)
        self._client = redis.Redis.from_url(
            url,
            socket_connect_timeout=CONNECT_TIMEOUT_S,
            socket_timeout=COMMAND_TIMEOUT_S,
            retry=Retry(NoBackoff(), 1),
        )

    def _listener(self) -> _Listener:
        return _RedisListener(self.url)

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        """Publish now (blocking, at most about ``CONNECT_TIMEOUT_S`` + ``COMMAND_TIMEOUT_S`` s).

        Raises ValueError/PayloadTooLarge for a bad message and redis errors when Redis fails.
        """
        self._client.publish(channel, encode_message(channel, message))

    def close(self) -> None:
        self._close_hub()
        self._client.close()


def _pg_conninfo(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


#: libpq options: fail a dead peer within seconds instead of the kernel's minutes.
_PG_OPTIONS: dict[str, Any] = {
    "connect_timeout": max(2, round(CONNECT_TIMEOUT_S)),
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": round(COMMAND_TIMEOUT_S * 1000),
    "application_name": "minwon-live",
}


def listener_application_name() -> str:
    """``application_name`` of this process's listening connection, as seen in pg_stat_activity."""
    return f"minwon-live-listen:{os.getpid()}"


class _PgListener(_Listener):
    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: psycopg.AsyncConnection[Any] | None = None
        self.last_check = time.monotonic()

    async def open(self) -> None:
        self.conn = await psycopg.AsyncConnection.connect(
            self.url, autocommit=True, **{**_PG_OPTIONS, "application_name": listener_application_name()}
        )

    def _conn(self) -> psycopg.AsyncConnection[Any]:
        if self.conn is None:
            raise BrokerUnavailable("PostgreSQL listener is not connected")
        return self.conn

    async def listen(self, channel: str, deliver: Deliver) -> None:
        await self._conn().execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))

    async def unlisten(self, channel: str) -> None:
        await self._conn().execute(sql.SQL("UNLISTEN {}").format(sql.Identifier(channel)))

    async def poll(self, timeout: float, deliver: Deliver) -> None:
        conn = self._conn()
        async for note in conn.notifies(timeout=timeout):
            deliver(note.channel, note.payload)
        if time.monotonic() - self.last_check > HEALTH_CHECK_S:
            # an idle socket to a vanished server would otherwise wait forever
            await asyncio.wait_for(conn.execute("SELECT 1"), COMMAND_TIMEOUT_S)
            self.last_check = time.monotonic()

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()


class PostgresBroker(_SharedListenerBroker):
    """PostgreSQL LISTEN/NOTIFY (``postgresql://``). Notifications stay within one database: every
    process must use the same URL. NOTIFY is delivered when the notifying transaction commits; we
    publish in autocommit, after the caller's own commit.
    """

    def __init__(self, url: str) -> None:
        super().__init__(_pg_conninfo(url))
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[Any] | None = None

    def _listener(self) -> _Listener:
        return _PgListener(self.url)

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        """``SELECT pg_notify(channel, payload)`` on this process's publishing connection (blocking,
        at most about ``CONNECT_TIMEOUT_S`` + ``COMMAND_TIMEOUT_S`` s; a stale connection is replaced
        once). Raises ValueError/PayloadTooLarge for a bad message and psycopg errors on failure.
        """
        payload = encode_message(channel, message)
        with self._lock:
            for _attempt in range(2):
                fresh = self._conn is None or self._conn.closed
                if self._conn is None or self._conn.closed:
                    self._conn = psycopg.connect(
                        self.url,
                        autocommit=True,
                        options=f"-c statement_timeout={round(COMMAND_TIMEOUT_S * 1000)}",
                        **_PG_OPTIONS,
                    )
                try:
                    self._conn.execute("SELECT pg_notify(%s, %s)", (channel, payload))
                    return
                except psycopg.OperationalError:
                    self._conn.close()
                    self._conn = None
                    if fresh:
                        raise

    def close(self) -> None:
        self._close_hub()
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def make_broker(url: str | None) -> Broker:
    """The broker for ``url`` (``MINWON_BROKER_URL``); raises ValueError for an unknown scheme."""
    if not url:
        return InProcessBroker()
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in ("redis", "rediss"):
        return RedisBroker(url)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return PostgresBroker(url)
    raise ValueError(
        "MINWON_BROKER_URL must start with redis://, rediss://, postgresql:// or postgres:// "
        f"(got scheme {scheme or 'none'!r}); leave it unset for in-process live updates"
    )


_lock = threading.Lock()
_broker: Broker | None = None
_broker_url: str | None = None
_suspended_until = 0.0
_dropped = 0


def get_broker() -> Broker:
    """The process-wide broker for ``get_settings().broker_url`` (rebuilt when the setting changes).

    Raises ValueError naming MINWON_BROKER_URL for an unknown scheme.
    """
    global _broker, _broker_url
    url = get_settings().broker_url or None
    with _lock:
        if _broker is None or url != _broker_url:
            if _broker is not None:
                _broker.close()
            _broker, _broker_url = make_broker(url), url
        return _broker


def reset_broker() -> None:
    """Close and forget the cached broker and the publish back-off (tests; settings changes)."""
    global _broker, _broker_url, _suspended_until, _dropped
    with _lock:
        if _broker is not None:
            _broker.close()
        _broker, _broker_url = None, None
        _suspended_until, _dropped = 0.0, 0


def publish(channel: str, message: dict[str, Any]) -> None:
    """Publish ``message`` on ``channel``; never raises.

    Call after the write it announces has committed, from sync code (FastAPI runs sync routes in
    worker threads): with Redis or PostgreSQL this blocks for the round trip (at most the timeouts
    above); from async code use ``await asyncio.to_thread(publish, …)``. A broker failure (or an
    oversized or bad message) is logged — channel, message type and error only, never the content —
    and the message is dropped; for ``PUBLISH_BACKOFF_S`` seconds after a failure further messages
    are dropped without trying, so an outage does not slow the caller down message by message.
    """
    global _suspended_until, _dropped
    kind = message.get("type") if isinstance(message, dict) else None
    if time.monotonic() < _suspended_until:
        _dropped += 1
        return
    try:
        get_broker().publish(channel, message)
    except (ValueError, TypeError) as exc:
        logger.error("live message %r on %r refused: %s", kind, channel, exc)
    except Exception as exc:
        with _lock:
            dropped, _dropped = _dropped, 0
            _suspended_until = time.monotonic() + PUBLISH_BACKOFF_S
        logger.warning(
            "live broker unavailable, message %r on %r dropped (%d more dropped before): %s: %s",
            kind,
            channel,
            dropped,
            type(exc).__name__,
            exc,
        )
