"""SSE live updates through real ``minwon serve`` processes.

With a broker (Redis or PostgreSQL LISTEN/NOTIFY), an event the PBX posts to server 1 pops up on a
desk connected to server 2. Without one, live updates stay inside the process that took the write
(the documented one-process default). Every read has an overall deadline so a failure cannot hang.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.accounts.service import create_user
from minwon.db.session import make_engine
from minwon.org.service import ensure_queue
from minwon.telephony.models import Call
from minwon.telephony.service import issue_pbx_token
from tests.conftest import free_port

PASSWORD = "correct-horse-battery"
WAIT_S = 10.0
REDIS_URL = os.environ.get("MINWON_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

pytestmark = pytest.mark.broker


@dataclass
class World:
    url: str
    counselor_id: int
    pbx_token: str


def _seed(database_url: str) -> World:
    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            counselor = create_user(
                db=db,
                username="counselor1",
                password=PASSWORD,
                role="counselor",
                display_name="상담사1",
                pbx_agent_id="AGENT_01",
            )
            create_user(db=db, username="super1", password=PASSWORD, role="supervisor", display_name="감독자")
            ensure_queue(db=db, code="general", name="일반")
            db.commit()
            token = issue_pbx_token(db=db, name="test-pbx")
            return World(url=database_url, counselor_id=counselor.id, pbx_token=token)
    finally:
        engine.dispose()


def _call_id(database_url: str, external_id: str) -> int:
    engine = make_engine(database_url)
    try:
        with Session(engine) as db:
            call_id = db.scalar(select(Call.id).where(Call.external_id == external_id))
            assert call_id is not None
            return call_id
    finally:
        engine.dispose()


@contextlib.contextmanager
def _signed_in(base: str, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=WAIT_S) as client:
        yield _sign_in(client, username)


def _sign_in(client: httpx.Client, username: str) -> httpx.Client:
    form = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert match, "login form has no csrf_token"
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": match[1]})
    assert r.status_code == 303, r.text
    assert "minwon_session" in client.cookies
    return client


class Sse:
    """Reads one SSE response message by message; comments and ``retry:`` lines are skipped."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.iter_lines()

    def until(self, wanted: str) -> dict[str, Any]:
        """The data of the next ``wanted`` event (others are skipped); fails after ``WAIT_S``."""
        deadline = time.monotonic() + WAIT_S
        event, data = "message", ""
        for line in self.lines:
            if time.monotonic() > deadline:
                break
            if line.startswith("event: "):
                event = line[len("event: ") :]
            elif line.startswith("data: "):
                data = line[len("data: ") :]
            elif line == "" and data:
                if event == wanted:
                    parsed = json.loads(data)
                    assert isinstance(parsed, dict)
                    return parsed
                event, data = "message", ""
        raise AssertionError(f"no {wanted!r} event within {WAIT_S} s")


def _post_events(base: str, token: str, events: list[dict[str, Any]]) -> None:
    r = httpx.post(
        f"{base}/api/v1/telephony/events",
        json=events,
        headers={"Authorization": f"Bearer {token}"},
        timeout=WAIT_S,
    )
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == len(events), r.text


RINGING = {
    "event": "ringing",
    "call_id": "pbx-call-1",
    # 01:00 UTC = 10:00 in Seoul, so the service day is 30 November
    "occurred_at": "2026-11-30T01:00:00+00:00",
    "caller": "010-1234-5678",
    "queue": "general",
    "agent": "AGENT_01",
}


def _broker_url(kind: str, database_url: str) -> str:
    if kind == "redis":
        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
        except redis.RedisError as exc:
            pytest.skip(f"no Redis reachable at {REDIS_URL}: {exc}")
        return REDIS_URL
    if database_url.startswith("postgresql"):
        url = "postgresql://" + database_url.split("://", 1)[1]
    else:
        url = os.environ.get("MINWON_TEST_PG_BROKER_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL reachable at {url}: {exc}")
    return url


@pytest.mark.parametrize("kind", ["redis", "postgres"])
def test_screen_pop_crosses_server_processes(
    kind: str, fresh_database_url: str, start_server: Callable[..., str]
) -> None:
    world = _seed(fresh_database_url)
    broker = _broker_url(kind, fresh_database_url)
    server1 = start_server(world.url, MINWON_BROKER_URL=broker)
    server2 = start_server(world.url, MINWON_BROKER_URL=broker)

    with (
        _signed_in(server2, "counselor1") as counselor,
        _signed_in(server2, "super1") as supervisor,
        counselor.stream("GET", "/live/desk") as desk_response,
        supervisor.stream("GET", "/live/supervisor") as board_response,
    ):
        assert desk_response.status_code == 200
        assert desk_response.headers["content-type"].startswith("text/event-stream")
        assert board_response.status_code == 200
        desk, board = Sse(desk_response), Sse(board_response)
        # the answer's headers come once the subscription is active; the first event confirms it
        assert desk.until("subscribed")["channels"] == [f"desk:{world.counselor_id}"]
        assert board.until("subscribed")["channels"] == ["supervisor"]

        _post_events(server1, world.pbx_token, [RINGING])

        pop = desk.until("screen_pop")
        assert pop == {
            "type": "screen_pop",
            "event": "ringing",
            "call_id": _call_id(world.url, "pbx-call-1"),
            "caller": "010-****-5678",
            "queue": "general",
            "channel": f"desk:{world.counselor_id}",
        }
        assert board.until("calls_changed") == {
            "type": "calls_changed",
            "days": ["2026-11-30"],
            "channel": "supervisor",
        }


def test_without_a_broker_updates_stay_in_their_process(
    fresh_database_url: str, start_server: Callable[..., str]
) -> None:
    """The one-process default: server 2's desk never hears about server 1's event, only its own."""
    world = _seed(fresh_database_url)
    server1 = start_server(world.url, MINWON_BROKER_URL="")
    server2 = start_server(world.url, MINWON_BROKER_URL="")

    with _signed_in(server2, "counselor1") as counselor, counselor.stream("GET", "/live/desk") as response:
        desk = Sse(response)
        desk.until("subscribed")
        _post_events(server1, world.pbx_token, [RINGING])
        answered = {**RINGING, "event": "answered", "occurred_at": "2026-11-30T01:00:09+00:00"}
        _post_events(server2, world.pbx_token, [answered])
        # server 1 published the ringing pop before server 2 took the answer; had it crossed over it
        # would come first
        assert desk.until("screen_pop")["event"] == "answered"


def test_streams_hold_no_database_connection(
    fresh_database_url: str, start_server: Callable[..., str]
) -> None:
    """20 open desks exceed the connection pool (5 + 10 overflow): if each stream kept its session's
    connection, the 16th sign-in check and the PBX post would wait for the pool and time out."""
    world = _seed(fresh_database_url)
    server = start_server(world.url, MINWON_BROKER_URL="")
    with _signed_in(server, "counselor1") as counselor, contextlib.ExitStack() as stack:
        responses = [stack.enter_context(counselor.stream("GET", "/live/desk")) for _ in range(20)]
        assert [r.status_code for r in responses] == [200] * 20
        streams = [Sse(r) for r in responses]
        for stream in streams:
            stream.until("subscribed")
        _post_events(server, world.pbx_token, [RINGING])
        for stream in streams:
            assert stream.until("screen_pop")["call_id"] == _call_id(world.url, "pbx-call-1")


def test_supervisor_stream_needs_a_supervisor_role(
    fresh_database_url: str, start_server: Callable[..., str]
) -> None:
    world = _seed(fresh_database_url)
    server = start_server(world.url, MINWON_BROKER_URL="")
    anonymous = httpx.get(f"{server}/live/desk", timeout=WAIT_S)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login"
    with _signed_in(server, "counselor1") as counselor:
        denied = counselor.get("/live/supervisor")
        assert denied.status_code == 403
        assert denied.json()["error"] == "PermissionDenied"


def test_closing_the_stream_releases_the_subscription(
    fresh_database_url: str, start_server: Callable[..., str]
) -> None:
    """A closed desk stops listening: Redis counts no subscriber of its channel any more."""
    world = _seed(fresh_database_url)
    broker = _broker_url("redis", fresh_database_url)
    server = start_server(world.url, MINWON_BROKER_URL=broker)
    channel = f"desk:{world.counselor_id}"
    monitor = redis.Redis.from_url(broker, socket_timeout=WAIT_S)

    def subscribers() -> int:
        return int(dict(monitor.pubsub_numsub(channel))[channel.encode()])

    baseline = subscribers()  # other test runs on this Redis may use the same channel name
    with _signed_in(server, "counselor1") as counselor:
        with counselor.stream("GET", "/live/desk") as response:
            Sse(response).until("subscribed")
            assert subscribers() == baseline + 1
        deadline = time.monotonic() + WAIT_S
        while subscribers() > baseline and time.monotonic() < deadline:
            time.sleep(0.1)
        assert subscribers() == baseline
    monitor.close()


def test_server_shutdown_ends_open_streams(fresh_database_url: str, tmp_path: Path) -> None:
    """SIGTERM stops ``minwon serve`` even while a desk stream is open (streams never end on their
    own; uvicorn would otherwise wait for them forever)."""
    world = _seed(fresh_database_url)
    port = free_port()
    env = {
        **os.environ,
        "MINWON_DATABASE_URL": world.url,
        "MINWON_ENVIRONMENT": "test",
        "MINWON_BROKER_URL": "",
    }
    with (tmp_path / "server.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "minwon.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            time.sleep(0.2)
        with _signed_in(base, "counselor1") as counselor, counselor.stream("GET", "/live/desk") as response:
            stream = Sse(response)
            stream.until("subscribed")
            proc.send_signal(signal.SIGTERM)
            # the client keeps the stream open: the server must end it, not wait for the client
            assert proc.wait(timeout=30) is not None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
