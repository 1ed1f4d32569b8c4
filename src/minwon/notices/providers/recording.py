"""The ``recording`` provider: "sends" by storing the message in ``notice_recorded_messages``.

The demo's default, and what tests use to see what citizens would have received. Nothing leaves the
machine. Administrators see the messages at ``/admin/notices/messages``.
"""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy.orm import Session

from minwon.core.crypto import encrypt
from minwon.notices.models import NoticeChannel, RecordedMessage
from minwon.notices.providers.base import OutgoingMessage, Provider, SendResult


class RecordingProvider(Provider):
    name: ClassVar[str] = "recording"
    channels: ClassVar[frozenset[NoticeChannel]] = frozenset(NoticeChannel)

    def send(self, message: OutgoingMessage, *, timeout_s: float, db: Session) -> SendResult:
        """Add a :class:`RecordedMessage` to ``db`` (committed with the notice); ref ``rec-<id>``."""
        row = RecordedMessage(
            notice_id=message.notice_id,
            channel=message.channel,
            recipient_enc=encrypt(message.recipient),
            recipient_masked=message.recipient_masked,
            subject=message.subject,
            body=message.body,
        )
        db.add(row)
        db.flush()
        return SendResult(provider_ref=f"rec-{row.id}")
