"""Server-sent event streams: ``GET /live/desk`` (screen-pops) and ``GET /live/supervisor``.

Wire format (HTML Living Standard, "Server-sent events"): the stream opens with ``retry: 2000`` and
an ``event: subscribed`` message once the broker subscription is active; then each message is
``event: <type>`` + ``data: <json>``; a ``: heartbeat`` comment follows every ``HEARTBEAT_S`` seconds
of silence so proxies keep the connection open. When the broker connection is lost the stream ends
and the browser's EventSource reconnects after 2 s. No database session is held while streaming.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from minwon.accounts.deps import CurrentUser, require_roles
from minwon.accounts.models import Role, User
from minwon.core.i18n import gettext
from minwon.core.live import SUBSCRIBED, SUBSCRIBER_QUEUE, get_broker, offer
from minwon.db.deps import DbSession
from minwon.web.templating import request_locale

logger = logging.getLogger(__name__)

router = APIRouter(tags=["live"])

#: Seconds of silence after which a comment line is sent (proxies drop idle connections at 30–60 s).
HEARTBEAT_S = 15.0
#: Seconds between checks that the client is still connected.
DISCONNECT_CHECK_S = 1.0
#: Seconds to wait for the broker subscription before answering 503.
SUBSCRIBE_TIMEOUT_S = 10.0
#: Milliseconds the browser waits before reconnecting.
RETRY_MS = 2000

SupervisorUser = Annotated[
    User, Depends(require_roles(Role.SUPERVISOR, Role.QUALITY_MANAGER, Role.ADMINISTRATOR))
]


def format_event(message: dict[str, Any]) -> str:
    """One SSE message: ``event: <message["type"]>`` and ``data: <JSON on one line>``."""
    kind = str(message.get("type") or "message")
    if any(c in kind for c in "\r\n"):
        kind = "message"
    return f"event: {kind}\ndata: {json.dumps(message, ensure_ascii=False, default=str)}\n\n"


class _Subscription:
    """Runs the broker subscription in its own task, so waiting for a message with a timeout never
    cancels (and thereby closes) the broker's async generator."""

    def __init__(self, channels: list[str]) -> None:
        self.channels = channels
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=SUBSCRIBER_QUEUE)
        self.ready = asyncio.Event()
        self.task = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        stream = get_broker().subscribe(self.channels)
        try:
            async for message in stream:
                if message.get("type") == SUBSCRIBED:
                    self.ready.set()
                offer(self.queue, message)  # a stalled client loses its oldest messages
        finally:
            await stream.aclose()  # type: ignore[attr-defined]

    async def wait_ready(self, timeout: float) -> bool:
        waiter = asyncio.create_task(self.ready.wait())
        await asyncio.wait({waiter, self.task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        return self.ready.is_set()

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(BaseException):
            await self.task


async def _event_stream(request: Request, sub: _Subscription) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    try:
        yield f"retry: {RETRY_MS}\n\n"
        last_sent = loop.time()
        while True:
            if await request.is_disconnected():
                break
            if sub.task.done() and sub.queue.empty():
                if not sub.task.cancelled() and sub.task.exception() is not None:
                    logger.info("live stream ended: %s", type(sub.task.exception()).__name__)
                break
            try:
                message = await asyncio.wait_for(sub.queue.get(), DISCONNECT_CHECK_S)
            except TimeoutError:
                if loop.time() - last_sent >= HEARTBEAT_S:
                    yield ": heartbeat\n\n"
                    last_sent = loop.time()
                continue
            if message is not None:
                yield format_event(message)
            last_sent = loop.time()
    finally:
        await sub.close()


async def _stream(request: Request, db: DbSession, channels: list[str]) -> Response:
    # The session was used only to resolve the sign-in; release its connection now, because the
    # dependency would otherwise keep it until the stream ends (a whole shift for a desk).
    await run_in_threadpool(db.close)
    sub = _Subscription(channels)
    if not await sub.wait_ready(SUBSCRIBE_TIMEOUT_S):
        failure = sub.task.exception() if sub.task.done() and not sub.task.cancelled() else None
        await sub.close()
        logger.warning(
            "live stream refused, broker unavailable: %s",
            type(failure).__name__ if failure else "timeout",
        )
        msg = gettext(request_locale(request), "Live updates are unavailable. Retrying shortly.")
        return JSONResponse(
            {"error": "ServiceUnavailable", "message": msg, "field": None},
            status_code=503,
            headers={"Retry-After": str(RETRY_MS // 1000)},
        )
    return StreamingResponse(
        _event_stream(request, sub),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/live/desk")
async def desk_stream(request: Request, user: CurrentUser, db: DbSession) -> Response:
    """Screen-pops for the signed-in user: SSE of channel ``desk:<user id>``.

    Events: ``subscribed``, ``screen_pop`` (``{"event", "call_id", "caller" (masked), "queue"}``).
    Answers a redirect to /login without a session, 503 when the broker cannot be reached.
    """
    return await _stream(request, db, [f"desk:{user.id}"])


@router.get("/live/supervisor")
async def supervisor_stream(request: Request, user: SupervisorUser, db: DbSession) -> Response:
    """Counter changes for supervisors, quality managers and administrators (403 otherwise): SSE of
    channel ``supervisor``; events such as ``calls_changed`` (``{"days": ["YYYY-MM-DD", …]}``)."""
    return await _stream(request, db, ["supervisor"])
