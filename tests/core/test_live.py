"""Live-update brokers against the real things: in-process, Redis at 127.0.0.1:6379, PostgreSQL.

Every round trip ends with a marker message: publishers are sequential and each backend keeps the
order of one publisher's messages, so when the marker arrives next, nothing filtered-out came first.
No sleeps and no timings: every wait has a generous overall timeout only so a failure cannot hang.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import psycopg
import pytest
import redis

from minwon.config import get_settings
from minwon.core import live
from minwon.core.live import (
    BrokerUnavailable,
    InProcessBroker,
    PayloadTooLarge,
    PostgresBroker,
    RedisBroker,
    get_broker,
    make_broker,
    publish,
    reset_broker,
)

REDIS_URL = os.environ.get("MINWON_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WAIT_S = 10.0


def pg_url() -> str:
    """The test PostgreSQL database (MINWON_TEST_DATABASE_URL) or the server's ``postgres`` database."""
    url = os.environ.get("MINWON_TEST_DATABASE_URL", "")
    if url.startswith(("postgresql", "postgres:")):
        return "postgresql://" + url.split("://", 1)[1]
    return "postgresql://postgres@127.0.0.1:5432/postgres"


def _require_pg() -> str:
    url = pg_url()
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL reachable at {url}: {exc}")
    return url


def _require_redis() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(params=["inprocess", "redis", "postgres"])
def broker(request: pytest.FixtureRequest) -> Iterator[live.Broker]:
    if request.param == "inprocess":
        b: live.Broker = InProcessBroker()
    elif request.param == "redis":
        b = RedisBroker(_require_redis())
    else:
        b = PostgresBroker(_require_pg())
    yield b
    b.close()


@pytest.fixture()
def broker_env() -> Iterator[Callable[[str | None], None]]:
    """Set MINWON_BROKER_URL for one test; restored (and the cached broker reset) afterwards."""
    before = os.environ.get("MINWON_BROKER_URL")

    def _set(url: str | None) -> None:
        if url is None:
            os.environ.pop("MINWON_BROKER_URL", None)
        else:
            os.environ["MINWON_BROKER_URL"] = url
        get_settings.cache_clear()
        reset_broker()

    yield _set
    _set(before)


async def _next(stream: AsyncIterator[dict[str, Any]]) -> dict[str, Any]:
    return await asyncio.wait_for(anext(stream), WAIT_S)


async def _open(b: live.Broker, channels: list[str]) -> AsyncIterator[dict[str, Any]]:
    stream = b.subscribe(channels)
    first = await _next(stream)
    assert first == {"type": "subscribed", "channels": channels}
    return stream


def test_fan_out_filters_by_channel_and_accepts_other_threads(broker: live.Broker) -> None:
    async def scenario() -> None:
        desk = await _open(broker, ["desk:5"])
        both = await _open(broker, ["desk:5", "supervisor"])
        other = await _open(broker, ["desk:6"])

        def publish_all() -> None:  # from a worker thread, as sync routes do
            broker.publish("desk:5", {"type": "screen_pop", "call_id": 17, "caller": "010-****-5678"})
            broker.publish("supervisor", {"type": "calls_changed", "days": ["2026-11-30"]})
            broker.publish("desk:6", {"type": "end"})
            broker.publish("desk:5", {"type": "end"})
            broker.publish("supervisor", {"type": "end"})

        thread = threading.Thread(target=publish_all)
        thread.start()
        await asyncio.to_thread(thread.join)

        pop = {"type": "screen_pop", "call_id": 17, "caller": "010-****-5678", "channel": "desk:5"}
        assert await _next(desk) == pop
        assert await _next(desk) == {"type": "end", "channel": "desk:5"}
        # the subscriber of both channels sees them in publishing order
        assert await _next(both) == pop
        assert await _next(both) == {"type": "calls_changed", "days": ["2026-11-30"], "channel": "supervisor"}
        assert await _next(both) == {"type": "end", "channel": "desk:5"}
        assert await _next(both) == {"type": "end", "channel": "supervisor"}
        assert await _next(other) == {"type": "end", "channel": "desk:6"}
        for stream in (desk, both, other):
            await stream.aclose()  # type: ignore[attr-defined]

    asyncio.run(scenario())


def test_unsubscribed_channel_is_dropped_and_can_be_resubscribed(broker: live.Broker) -> None:
    async def scenario() -> None:
        first = await _open(broker, ["desk:7"])
        await first.aclose()  # type: ignore[attr-defined]
        watcher = await _open(broker, ["supervisor"])
        await asyncio.to_thread(broker.publish, "desk:7", {"type": "lost"})
        again = await _open(broker, ["desk:7"])
        await asyncio.to_thread(broker.publish, "desk:7", {"type": "kept"})
        await asyncio.to_thread(broker.publish, "supervisor", {"type": "end"})
        assert await _next(again) == {"type": "kept", "channel": "desk:7"}
        assert await _next(watcher) == {"type": "end", "channel": "supervisor"}
        for stream in (again, watcher):
            await stream.aclose()  # type: ignore[attr-defined]

    asyncio.run(scenario())


def test_korean_text_and_the_notify_size_limit(broker: live.Broker) -> None:
    # PostgreSQL: "the payload must be shorter than 8000 bytes" (SQL command NOTIFY); the JSON below
    # is written out by hand: {"type": "x", "pad": "<n × a>", "channel": "t:1"}
    overhead = len('{"type": "x", "pad": "') + len('", "channel": "t:1"}')
    assert overhead == 42

    async def scenario() -> None:
        stream = await _open(broker, ["t:1"])
        await asyncio.to_thread(broker.publish, "t:1", {"type": "x", "pad": "a" * (7999 - 42)})
        with pytest.raises(PayloadTooLarge, match="8000 bytes"):
            broker.publish("t:1", {"type": "x", "pad": "a" * (8000 - 42)})
        await asyncio.to_thread(broker.publish, "t:1", {"type": "x", "text": "지방세 문의"})
        assert await _next(stream) == {"type": "x", "pad": "a" * 7957, "channel": "t:1"}
        assert await _next(stream) == {"type": "x", "text": "지방세 문의", "channel": "t:1"}
        await stream.aclose()  # type: ignore[attr-defined]

    asyncio.run(scenario())


def test_bad_channel_names_are_refused() -> None:
    b = InProcessBroker()
    for bad in ["", "desk 5", 'desk"5', "x" * 64, "데스크"]:
        with pytest.raises(ValueError, match="invalid live channel"):
            b.publish(bad, {"type": "x"})

    async def subscribe_to_nothing() -> None:
        with pytest.raises(ValueError, match="at least one channel"):
            await anext(b.subscribe([]))

    asyncio.run(subscribe_to_nothing())


def test_postgres_streams_share_one_listening_connection() -> None:
    url = _require_pg()
    b = PostgresBroker(url)

    def listeners() -> int:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                (live.listener_application_name(),),
            ).fetchone()
        assert row is not None
        return int(row[0])

    async def scenario() -> None:
        # listeners of earlier tests in this process may take a moment to leave pg_stat_activity
        deadline = time.monotonic() + WAIT_S
        while await asyncio.to_thread(listeners) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert await asyncio.to_thread(listeners) == 0
        streams = [await _open(b, [f"desk:{n}"]) for n in range(5)]
        assert await asyncio.to_thread(listeners) == 1
        for stream in streams:
            await stream.aclose()  # type: ignore[attr-defined]

    try:
        asyncio.run(scenario())
    finally:
        b.close()


def test_postgres_lost_listener_ends_streams_and_the_next_subscribe_reconnects() -> None:
    url = _require_pg()
    b = PostgresBroker(url)

    async def scenario() -> None:
        stream = await _open(b, ["desk:9"])
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (_listener_pid(b),))
        with pytest.raises(BrokerUnavailable):
            await _next(stream)
        again = await _open(b, ["desk:9"])
        await asyncio.to_thread(b.publish, "desk:9", {"type": "back"})
        assert await _next(again) == {"type": "back", "channel": "desk:9"}
        await again.aclose()  # type: ignore[attr-defined]

    try:
        asyncio.run(scenario())
    finally:
        b.close()


def _listener_pid(b: PostgresBroker) -> int:
    hub = b._hub
    assert hub is not None
    listener = hub.listener
    assert isinstance(listener, live._PgListener) and listener.conn is not None
    return int(listener.conn.info.backend_pid)


def test_subscribe_to_an_unreachable_broker_fails_instead_of_hanging() -> None:
    async def scenario(b: live.Broker) -> None:
        stream = b.subscribe(["desk:1"])
        with pytest.raises(BrokerUnavailable):
            await _next(stream)

    for b in (
        RedisBroker(f"redis://127.0.0.1:{closed_port()}/0"),
        PostgresBroker(f"postgresql://postgres@127.0.0.1:{closed_port()}/postgres"),
    ):
        asyncio.run(scenario(b))
        b.close()


def test_get_broker_follows_the_setting(broker_env: Callable[[str | None], None]) -> None:
    broker_env(None)
    assert isinstance(get_broker(), InProcessBroker)
    assert get_broker() is get_broker()
    broker_env("redis://127.0.0.1:6379/0")
    assert isinstance(get_broker(), RedisBroker)
    broker_env("rediss://example.invalid:6380/0")
    assert isinstance(get_broker(), RedisBroker)
    broker_env("postgresql://postgres@127.0.0.1:5432/postgres")
    assert isinstance(get_broker(), PostgresBroker)
    broker_env("postgres://postgres@127.0.0.1:5432/postgres")
    assert isinstance(get_broker(), PostgresBroker)
    broker_env("amqp://guest@127.0.0.1/")
    with pytest.raises(ValueError, match="MINWON_BROKER_URL"):
        get_broker()
    with pytest.raises(ValueError, match="MINWON_BROKER_URL"):
        make_broker("127.0.0.1:6379")


@pytest.mark.parametrize("scheme", ["redis", "postgresql"])
def test_publish_never_raises_when_the_broker_is_down(
    scheme: str, broker_env: Callable[[str | None], None], caplog: pytest.LogCaptureFixture
) -> None:
    port = closed_port()
    broker_env(
        f"redis://127.0.0.1:{port}/0" if scheme == "redis" else f"postgresql://postgres@127.0.0.1:{port}/x"
    )
    caller = "010-9876-5432"
    with caplog.at_level(logging.WARNING, logger="minwon.core.live"):
        publish("desk:3", {"type": "screen_pop", "caller": caller})
        publish("desk:3", {"type": "screen_pop", "caller": caller})  # within the back-off: dropped
    warnings = [r for r in caplog.records if r.name == "minwon.core.live"]
    assert len(warnings) == 1
    text = warnings[0].getMessage()
    assert "screen_pop" in text and "desk:3" in text
    assert caller not in text and "9876" not in text


def test_publish_logs_and_swallows_an_oversized_message(
    broker_env: Callable[[str | None], None], caplog: pytest.LogCaptureFixture
) -> None:
    broker_env(None)
    with caplog.at_level(logging.ERROR, logger="minwon.core.live"):
        publish("supervisor", {"type": "too_big", "pad": "가" * 3000})  # 9,000 bytes of UTF-8
    assert any("too_big" in r.getMessage() and "7999" in r.getMessage() for r in caplog.records)
