"""Helpers for notice tests: a real local HTTP SMS gateway with scripted faults, and test settings."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from minwon.config import Settings

#: Fictional numbers (the 010-0000-xxxx range is never assigned).
PHONE = "01000001234"
PHONE_MASKED = "010-****-1234"
API_KEY = "gw-test-key-123"


def settings(**overrides: Any) -> Settings:
    """Settings for a test: small backoff, short timeout, the recording provider unless overridden."""
    values: dict[str, Any] = {
        "sms_provider": "recording",
        "email_provider": "recording",
        "notice_max_attempts": 3,
        "notice_backoff_base_s": 60.0,
        "notice_backoff_max_s": 600.0,
        "notice_lease_s": 120.0,
        "notice_send_timeout_s": 2.0,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Gateway:
    """A running gateway. ``script``: answers to give in order (an HTTP status, or ``"hang"`` to answer
    only after the test ends); when empty, 200. ``requests``: JSON bodies and headers received."""

    url: str
    script: list[int | str]
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def sms_gateway(script: list[int | str] | None = None) -> Iterator[Gateway]:
    """Start a real HTTP server on a free localhost port that acts as an SMS gateway."""
    state: dict[str, Gateway] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return  # silence the per-request stderr line

        def do_POST(self) -> None:
            gw = state["gw"]
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with gw.lock:
                gw.requests.append({"json": body, "headers": dict(self.headers)})
                action: int | str = gw.script.pop(0) if gw.script else 200
            if self.headers.get("Authorization") != f"Bearer {API_KEY}":
                action = 401
            if action == "hang":
                gw.release.wait(30)
                action = 200
            assert isinstance(action, int)
            payload = json.dumps(
                {"id": f"gw-{len(gw.requests)}"} if action < 300 else {"error": "x"}
            ).encode()
            self.send_response(action)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    gw = Gateway(url=f"http://127.0.0.1:{server.server_address[1]}/v1/messages", script=list(script or []))
    state["gw"] = gw
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gw
    finally:
        gw.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
