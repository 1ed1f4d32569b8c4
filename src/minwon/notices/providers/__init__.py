"""Notice providers, chosen per channel by name (``MINWON_SMS_PROVIDER``, ``MINWON_EMAIL_PROVIDER``).

Names resolve to the built-ins (``recording``, ``smtp``, ``http_sms``) or to classes registered under the
entry-point group ``minwon.notice_providers``.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from minwon.config import Settings
from minwon.core.errors import ValidationError
from minwon.notices.models import NoticeChannel
from minwon.notices.providers.base import DeliveryError, OutgoingMessage, Provider, SendResult
from minwon.notices.providers.http_sms import HttpSmsProvider
from minwon.notices.providers.recording import RecordingProvider
from minwon.notices.providers.smtp import SmtpProvider

ENTRY_POINT_GROUP = "minwon.notice_providers"

BUILTIN: dict[str, type[Provider]] = {
    cls.name: cls for cls in (RecordingProvider, SmtpProvider, HttpSmsProvider)
}

__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "DeliveryError",
    "OutgoingMessage",
    "Provider",
    "SendResult",
    "discover",
    "provider_for",
]


def discover() -> dict[str, type[Provider]]:
    """Every known provider class by name: built-ins, then entry points (which may not shadow one).

    Raises TypeError when an entry point is not a :class:`Provider` subclass.
    """
    found = dict(BUILTIN)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in BUILTIN:
            continue
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Provider)):
            raise TypeError(f"entry point {ep.name!r} in {ENTRY_POINT_GROUP} is not a notice Provider")
        found[ep.name] = cls
    return found


def provider_for(channel: NoticeChannel, settings: Settings) -> Provider:
    """The provider configured for ``channel``.

    Raises ValidationError for an unknown name or a provider that does not serve the channel.
    """
    name = settings.sms_provider if channel is NoticeChannel.SMS else settings.email_provider
    setting = f"MINWON_{channel.value.upper()}_PROVIDER"
    known = discover()
    cls = known.get(name)
    if cls is None:
        raise ValidationError(
            f"{setting}={name!r} is not a notice provider; known: {', '.join(sorted(known))}"
        )
    if channel not in cls.channels:
        raise ValidationError(f"{setting}={name!r} cannot send {channel.value}")
    return cls(settings)
