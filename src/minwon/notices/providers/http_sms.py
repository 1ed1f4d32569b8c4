"""The ``http_sms`` provider: SMS through an HTTP gateway (JSON over HTTPS, httpx).

Request: ``POST MINWON_SMS_GATEWAY_URL`` with ``Authorization: Bearer MINWON_SMS_GATEWAY_API_KEY``,
``Idempotency-Key: minwon-notice-<id>`` (the same on every attempt) and the JSON body::

    {"message_id": "minwon-notice-12", "to": "01012345678", "from": "0221234567",
     "type": "SMS" | "LMS", "subject": "...", "text": "..."}

``type`` follows the carriers' 90-byte rule (``rendering.sms_size``); ``subject`` is sent for LMS only.
Answer: any 2xx is accepted, its JSON ``id`` (or ``message_id``) becomes the provider reference. 4xx is a
permanent failure (the request itself is wrong) except 408 and 429, which are retried like 5xx,
timeouts and connection errors.
"""

from __future__ import annotations

from typing import ClassVar

import httpx
from sqlalchemy.orm import Session

from minwon.notices.models import NoticeChannel
from minwon.notices.providers.base import DeliveryError, OutgoingMessage, Provider, SendResult
from minwon.notices.rendering import sms_size

_RETRYABLE_4XX = frozenset({408, 425, 429})


class HttpSmsProvider(Provider):
    name: ClassVar[str] = "http_sms"
    channels: ClassVar[frozenset[NoticeChannel]] = frozenset({NoticeChannel.SMS})

    def payload(self, message: OutgoingMessage) -> dict[str, str]:
        """The JSON body for ``message`` (see the module docstring)."""
        size = sms_size(message.body)
        if size.kind == "too_long":
            raise DeliveryError(f"text is {size.bytes} bytes, over the LMS limit", permanent=True)
        body = {
            "message_id": message.idempotency_key,
            "to": message.recipient,
            "from": self.settings.sms_sender,
            "type": size.kind.upper(),
            "text": message.body,
        }
        if size.kind == "lms":
            body["subject"] = message.subject
        return body

    def send(self, message: OutgoingMessage, *, timeout_s: float, db: Session) -> SendResult:
        """POST one message to the gateway. Raises :class:`DeliveryError` (see the module docstring)."""
        url = self.settings.sms_gateway_url
        if not url:
            raise DeliveryError("MINWON_SMS_GATEWAY_URL is not set")
        headers = {
            "Authorization": f"Bearer {self.settings.sms_gateway_api_key}",
            "Idempotency-Key": message.idempotency_key,
        }
        try:
            with httpx.Client(timeout=timeout_s) as client:
                response = client.post(url, json=self.payload(message), headers=headers)
        except httpx.TimeoutException:
            raise DeliveryError(f"gateway timeout after {timeout_s:g} s") from None
        except httpx.HTTPError as exc:
            raise DeliveryError(f"gateway unreachable ({type(exc).__name__})") from None
        code = response.status_code
        if 200 <= code < 300:
            return SendResult(provider_ref=_reference(response))
        permanent = 400 <= code < 500 and code not in _RETRYABLE_4XX
        raise DeliveryError(f"gateway answered HTTP {code}", permanent=permanent)


def _reference(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    if isinstance(data, dict):
        ref = data.get("id") or data.get("message_id") or ""
        return str(ref)[:120]
    return ""
