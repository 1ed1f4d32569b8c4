"""Provider selection by name: built-ins, entry points of installed packages, clear errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from minwon.core.errors import ValidationError
from minwon.notices.models import NoticeChannel
from minwon.notices.providers import ENTRY_POINT_GROUP, OutgoingMessage, discover, provider_for
from minwon.notices.providers.http_sms import HttpSmsProvider
from minwon.notices.providers.recording import RecordingProvider
from minwon.notices.providers.smtp import SmtpProvider
from tests.notices.support import PHONE, settings

PLUGIN = """
from minwon.notices.models import NoticeChannel
from minwon.notices.providers import Provider, SendResult


class KakaoLike(Provider):
    name = "kakao_like"
    channels = frozenset({NoticeChannel.SMS})

    def send(self, message, *, timeout_s, db):
        return SendResult(provider_ref="k-1")
"""


@pytest.fixture()
def installed_plugin(tmp_path: Path) -> Iterator[None]:
    """A package installed the way pip does: module + ``*.dist-info/entry_points.txt`` on sys.path."""
    (tmp_path / "minwon_kakao_like.py").write_text(PLUGIN)
    info = tmp_path / "minwon_kakao_like-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: minwon-kakao-like\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\nkakao_like = minwon_kakao_like:KakaoLike\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("minwon_kakao_like", None)


def test_builtins_are_chosen_per_channel() -> None:
    cfg = settings(sms_provider="http_sms", email_provider="smtp")
    assert isinstance(provider_for(NoticeChannel.SMS, cfg), HttpSmsProvider)
    assert isinstance(provider_for(NoticeChannel.EMAIL, cfg), SmtpProvider)
    assert isinstance(provider_for(NoticeChannel.SMS, settings()), RecordingProvider)


def test_entry_point_provider_is_discovered(installed_plugin: None) -> None:
    assert set(discover()) >= {"recording", "smtp", "http_sms", "kakao_like"}
    provider = provider_for(NoticeChannel.SMS, settings(sms_provider="kakao_like"))
    assert type(provider).__name__ == "KakaoLike"


def test_unknown_name_and_wrong_channel_are_clear_errors() -> None:
    with pytest.raises(
        ValidationError, match=r"MINWON_SMS_PROVIDER='nope' is not a notice provider; known: "
    ):
        provider_for(NoticeChannel.SMS, settings(sms_provider="nope"))
    with pytest.raises(ValidationError, match=r"MINWON_EMAIL_PROVIDER='http_sms' cannot send email"):
        provider_for(NoticeChannel.EMAIL, settings(email_provider="http_sms"))


def test_gateway_payload_follows_the_90_byte_rule() -> None:
    gw = HttpSmsProvider(settings(sms_sender="0212345678"))

    def msg(body: str) -> OutgoingMessage:
        return OutgoingMessage(
            notice_id=7,
            channel=NoticeChannel.SMS,
            recipient=PHONE,
            recipient_masked="x",
            subject="안내",
            body=body,
        )

    short = gw.payload(msg("가" * 45))
    assert short == {
        "message_id": "minwon-notice-7",
        "to": PHONE,
        "from": "0212345678",
        "type": "SMS",
        "text": "가" * 45,
    }
    long = gw.payload(msg("가" * 45 + "!"))
    assert long["type"] == "LMS" and long["subject"] == "안내"
