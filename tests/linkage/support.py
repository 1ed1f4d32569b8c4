"""A small back office for orchestration tests: a real HTTP server on a free localhost port whose answer
per system is set by the test (ok, hang, HTTP 500, garbage body, outage 503), and a probe connector that
talks to it over HTTP. No mocks: requests really cross a socket."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import ClassVar

import httpx
import pytest
import uvicorn
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from minwon.linkage.contract import (
    Connector,
    ConnectorFailure,
    Identity,
    IdentityKey,
    LookupResult,
    LookupSpec,
)

#: Bills every probe system answers (amounts in KRW).
BILL = {
    "label": "자동차세 1기",
    "amount": 123450,
    "due_date": "2026-12-31",
    "bank": "농협은행",
    "virtual_account": "79012345678901",
}


@dataclass
class ProbeServer:
    base_url: str
    modes: dict[str, str] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    hang_s: float = 5.0
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    def set(self, system: str, mode: str) -> None:
        self.modes[system] = mode

    def reset(self) -> None:
        self.modes.clear()
        self.calls.clear()

    def stop(self) -> None:
        assert self._server is not None and self._thread is not None
        self._server.should_exit = True
        self._thread.join(timeout=10)


def start_probe_server() -> ProbeServer:
    state = ProbeServer(base_url="")

    async def items(request: Request) -> Response:
        system = request.path_params["system"]
        state.calls[system] += 1
        mode = state.modes.get(system, "ok")
        if mode == "hang":
            await asyncio.sleep(state.hang_s)
        if mode == "500":
            return PlainTextResponse("internal error", status_code=500)
        if mode == "outage":
            return PlainTextResponse("maintenance", status_code=503)
        if mode == "garbage":
            return PlainTextResponse('{"items": [{"label": "자동', media_type="application/json")
        if mode == "wrong_shape":
            return JSONResponse(
                {"source": system, "as_of": datetime.now(UTC).isoformat(), "items": [{"x": 1}]}
            )
        return JSONResponse(
            {"source": f"{system}-system", "as_of": datetime.now(UTC).isoformat(), "items": [BILL]}
        )

    app = Starlette(routes=[Route("/{system}/items", items, methods=["POST"])])
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("probe server did not start")
        time.sleep(0.02)
    state.base_url = f"http://127.0.0.1:{port}"
    state._server, state._thread = server, thread
    return state


class Bill(BaseModel):
    label: str
    amount: int
    due_date: date
    bank: str
    virtual_account: str


class ProbeConfig(BaseModel):
    base_url: str
    api_key: str = ""


class ProbeConnector(Connector):
    """Posts to ``{base_url}/{name}/items``; subclasses set the name."""

    name: ClassVar[str] = "probe"
    title: ClassVar[str] = "probe"
    Config: ClassVar[type[BaseModel]] = ProbeConfig
    secret_fields: ClassVar[frozenset[str]] = frozenset({"api_key"})
    lookups: ClassVar[tuple[LookupSpec, ...]] = ()

    async def fetch(self, lookup: str, identity: Identity, *, timeout_s: float) -> LookupResult:
        assert isinstance(self.config, ProbeConfig)
        try:
            async with httpx.AsyncClient(timeout=timeout_s) as client:
                r = await client.post(
                    f"{self.config.base_url}/{self.name}/items", json={"who": identity.subject_ref}
                )
        except httpx.TimeoutException:
            raise ConnectorFailure("timeout", f"{self.name}: timeout") from None
        except httpx.TransportError:
            raise ConnectorFailure("unavailable", f"{self.name}: unreachable") from None
        if r.status_code >= 500:
            raise ConnectorFailure("unavailable", f"{self.name}: HTTP {r.status_code}")
        try:
            body = r.json()
        except ValueError:
            raise ConnectorFailure("bad_response", f"{self.name}: not JSON") from None
        return LookupResult(
            lookup=lookup,
            source=body["source"],
            as_of=datetime.fromisoformat(body["as_of"]),
            items=body["items"],
        )

    async def health(self, *, timeout_s: float) -> str | None:
        return "ok"


def probe(name: str, title: str, needs: IdentityKey = IdentityKey.RESIDENT) -> type[ProbeConnector]:
    """A probe connector class named ``name`` with one lookup ``<name>.bills`` needing ``needs``."""
    return type(
        f"Probe_{name}",
        (ProbeConnector,),
        {
            "name": name,
            "title": title,
            "lookups": (LookupSpec(f"{name}.bills", f"{title} 고지", frozenset({needs}), Bill),),
        },
    )


TAX = probe("ptax", "지방세")
WATER = probe("pwater", "상하수도", IdentityKey.WATER_CUSTOMER)
PARKING = probe("pparking", "주정차", IdentityKey.VEHICLE)
PROBES = (TAX, WATER, PARKING)


@pytest.fixture(scope="module")
def probe_server() -> Iterator[ProbeServer]:
    server = start_probe_server()
    try:
        yield server
    finally:
        server.stop()


def identity(**values: str) -> Identity:
    return Identity(values={IdentityKey(k): v for k, v in values.items()}, subject_ref="subject-1")
