"""Shared plumbing of connectors that speak JSON over HTTP to a back office (the reference back office's
envelope ``{"source", "as_of", "subject_found", "items"}``).

Failures become :class:`~minwon.linkage.contract.ConnectorFailure` with these kinds:

* ``timeout`` — no complete answer within ``timeout_s`` (a total deadline, not per socket operation), or
  HTTP 504 from a gateway;
* ``unavailable`` — connection refused/reset/dropped, HTTP 5xx (except 504), HTTP 429;
* ``rejected`` — HTTP 401/403 (credentials) or another 4xx (the request was refused);
* ``bad_response`` — a body that is not JSON or not the expected shape.

Messages name the connector, the endpoint path and the HTTP status only — never identifiers, bodies or
the URL's query.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

import httpx
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from minwon.linkage.contract import ConnectorFailure


class HttpConnectorConfig(BaseModel):
    """Where the back office is and how to authenticate.

    ``base_url``: e.g. ``http://127.0.0.1:8090``; ``api_key``: sent as ``X-API-Key`` (a secret field:
    stored encrypted, never shown); ``verify_tls``: check the server certificate on https.
    """

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(pattern=r"^https?://[^\s]+$", max_length=300)
    api_key: str = Field(min_length=1, max_length=500, repr=False)
    verify_tls: bool = True


class Envelope(BaseModel):
    """The back office's answer: ``items`` are validated by the lookup's result model afterwards."""

    source: str
    as_of: AwareDatetime
    subject_found: bool = True
    items: list[dict[str, Any]]


class JsonHttpClient:
    """One connector's HTTP client: keeps a connection pool per event loop, closes it on :meth:`aclose`."""

    def __init__(self, connector_name: str, config: HttpConnectorConfig) -> None:
        self.name = connector_name
        self.config = config
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _get_client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop or self._client.is_closed:
            # a pool is bound to the loop that opened its connections; a new loop gets a new pool
            self._client = httpx.AsyncClient(
                base_url=self.config.base_url.rstrip("/"),
                headers={"X-API-Key": self.config.api_key, "Accept": "application/json"},
                verify=self.config.verify_tls,
                limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            )
            self._loop = loop
        return self._client

    async def aclose(self) -> None:
        if self._client is not None and self._loop is asyncio.get_running_loop():
            await self._client.aclose()
        self._client = None
        self._loop = None

    async def post(self, path: str, body: dict[str, Any], *, timeout_s: float) -> Envelope:
        """POST ``body`` as JSON to ``path`` and parse the envelope; raises ConnectorFailure."""
        return await self._call("POST", path, body, timeout_s=timeout_s)

    async def get(self, path: str, *, timeout_s: float) -> Envelope:
        """GET ``path`` and parse the envelope; raises ConnectorFailure."""
        return await self._call("GET", path, None, timeout_s=timeout_s)

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None, *, timeout_s: float
    ) -> Envelope:
        if timeout_s <= 0:
            raise ConnectorFailure("timeout", f"{self.name}: no time left for {path}")
        client = self._get_client()
        try:
            async with asyncio.timeout(timeout_s):
                response = await client.request(method, path, json=body, timeout=httpx.Timeout(timeout_s))
                content = response.content
        except (TimeoutError, httpx.TimeoutException):
            raise ConnectorFailure(
                "timeout", f"{self.name}: {path} gave no answer within {timeout_s:g} s"
            ) from None
        except httpx.TransportError as exc:
            raise ConnectorFailure(
                "unavailable", f"{self.name}: {path} unreachable ({type(exc).__name__})"
            ) from None
        status = response.status_code
        if status == 504:
            raise ConnectorFailure("timeout", f"{self.name}: {path} answered HTTP 504 (gateway timeout)")
        if status >= 500 or status == 429:
            raise ConnectorFailure("unavailable", f"{self.name}: {path} answered HTTP {status}")
        if status in (401, 403):
            raise ConnectorFailure("rejected", f"{self.name}: {path} refused the credentials (HTTP {status})")
        if status >= 400:
            raise ConnectorFailure("rejected", f"{self.name}: {path} rejected the request (HTTP {status})")
        if status != 200:
            raise ConnectorFailure(
                "bad_response", f"{self.name}: {path} answered HTTP {status}, expected 200"
            )
        try:
            return Envelope.model_validate_json(content)
        except ValidationError:
            raise ConnectorFailure("bad_response", f"{self.name}: {path} answered a malformed body") from None


def parse_items(name: str, path: str, model: type[BaseModel], items: list[dict[str, Any]]) -> list[Any]:
    """Validate each item with ``model``; a mismatch is a ``bad_response`` failure (no values quoted)."""
    try:
        return [model.model_validate(item) for item in items]
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})[:5]
        raise ConnectorFailure(
            "bad_response",
            f"{name}: {path} items do not match {model.__name__} (fields: {', '.join(fields)})",
        ) from None


def as_of_of(envelopes: list[Envelope]) -> datetime:
    """The oldest ``as_of`` of several answers (a result is as fresh as its stalest part)."""
    return min(e.as_of for e in envelopes)


class Deadline:
    """Seconds left of one ``timeout_s`` budget shared by several calls of one lookup."""

    def __init__(self, timeout_s: float) -> None:
        self._end = time.monotonic() + timeout_s

    def left(self) -> float:
        return self._end - time.monotonic()
