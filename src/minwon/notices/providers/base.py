"""The provider contract: how a notice leaves minwon.

A provider is a class with a ``name``, the ``channels`` it serves, a constructor taking the
:class:`~minwon.config.Settings` and :meth:`Provider.send`. Built-in providers are ``recording``,
``smtp`` and ``http_sms``; others register a class under the entry-point group
``minwon.notice_providers`` (``name = "package.module:ProviderClass"``) and are chosen with
``MINWON_SMS_PROVIDER`` / ``MINWON_EMAIL_PROVIDER``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy.orm import Session

from minwon.config import Settings
from minwon.notices.models import NoticeChannel


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to send. ``recipient`` is the clear mobile number (digits) or e-mail address: it exists
    only in memory while sending and must never be logged or put into an error."""

    notice_id: int
    channel: NoticeChannel
    recipient: str
    recipient_masked: str
    subject: str
    body: str

    @property
    def idempotency_key(self) -> str:
        """The same for every attempt of one notice, so a gateway can drop a repeat after a crash."""
        return f"minwon-notice-{self.notice_id}"


@dataclass(frozen=True)
class SendResult:
    """A provider accepted the message; ``provider_ref`` is its id for it (may be empty)."""

    provider_ref: str = ""


class DeliveryError(Exception):
    """A send failed. ``permanent``: retrying cannot help (refused recipient, rejected request).

    ``reason`` must contain no personal data (no number, address or message text): it is stored in
    ``notices.last_error``, shown to administrators and logged.
    """

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason[:500]
        self.permanent = permanent


class Provider(ABC):
    """Base class of notice providers."""

    name: ClassVar[str]
    channels: ClassVar[frozenset[NoticeChannel]]

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @abstractmethod
    def send(self, message: OutgoingMessage, *, timeout_s: float, db: Session) -> SendResult:
        """Send ``message`` within ``timeout_s`` seconds.

        ``db`` is the worker's session; a provider may add rows to it (they are committed together with
        the notice's new state). Raises :class:`DeliveryError`; any other exception is treated as a
        temporary failure named by its class only.
        """
