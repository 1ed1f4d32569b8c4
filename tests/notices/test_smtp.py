"""The SMTP provider against a real SMTP server on localhost (aiosmtpd), plain and STARTTLS + AUTH."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session

from minwon.core.clock import utcnow
from minwon.notices.delivery import deliver_due
from minwon.notices.models import Notice, NoticeChannel, NoticeStatus
from minwon.notices.service import enqueue
from tests.conftest import free_port
from tests.notices.support import settings

CONTEXT = {"center": "한빛시 민원콜센터", "case_number": "2026-000123"}


class Inbox:
    """aiosmtpd handler: refuses ``nobody@`` (550) and ``busy@`` (451), keeps the rest."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 mailbox unavailable"
        if address.startswith("busy@"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), mail))
        return "250 Message accepted"


@pytest.fixture()
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def _email(db: Session, to: str) -> Notice:
    notice = enqueue(
        db, channel=NoticeChannel.EMAIL, recipient=to, template_key="case_answer", context=CONTEXT
    )
    db.commit()
    return notice


def test_email_is_delivered_with_korean_subject_and_stable_message_id(
    db: Session, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    notice = _email(db, "citizen@example.org")
    cfg = settings(email_provider="smtp", smtp_port=port, smtp_from="noreply@hanbit.example")
    report = deliver_due(db=db, now=utcnow(), settings=cfg)
    assert report.sent == 1
    [(rcpts, mail)] = inbox.messages
    assert rcpts == ["citizen@example.org"]
    assert mail["Subject"] == "민원 답변 안내"
    assert mail["From"] == "noreply@hanbit.example"
    assert mail.get_content().strip() == "[한빛시 민원콜센터] 민원 2026-000123에 답변이 등록되었습니다."
    db.refresh(notice)
    assert notice.status is NoticeStatus.SENT and notice.provider == "smtp"
    assert notice.provider_ref == f"<minwon-notice-{notice.id}@hanbit.example>" == mail["Message-ID"]


def test_550_recipient_is_permanent_and_451_is_retried(db: Session, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    refused = _email(db, "nobody@example.org")
    busy = _email(db, "busy@example.org")
    cfg = settings(email_provider="smtp", smtp_port=port)
    report = deliver_due(db=db, now=utcnow(), settings=cfg)
    assert (report.failed, report.retried, report.sent) == (1, 1, 0)
    db.refresh(refused)
    db.refresh(busy)
    assert refused.status is NoticeStatus.FAILED and refused.last_error == "SMTP 550: recipient refused"
    assert busy.status is NoticeStatus.QUEUED and busy.last_error == "SMTP 451: recipient refused"
    assert "example.org" not in refused.last_error + busy.last_error
    assert inbox.messages == []


def test_no_server_is_retried(db: Session) -> None:
    notice = _email(db, "citizen@example.org")
    deliver_due(db=db, now=utcnow(), settings=settings(email_provider="smtp", smtp_port=free_port()))
    db.refresh(notice)
    assert notice.status is NoticeStatus.QUEUED
    assert notice.last_error == "SMTP connect failed (ConnectionRefusedError)"


def test_starttls_and_login(db: Session, tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(
            success=auth_data.password == b"s3cret", handled=False
        )  # False: aiosmtpd answers 535

    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    )
    controller.start()
    try:
        base = {
            "email_provider": "smtp",
            "smtp_port": port,
            "smtp_starttls": True,
            "smtp_ca_file": str(cert),
            "smtp_username": "minwon",
        }
        ok = _email(db, "citizen@example.org")
        assert deliver_due(db=db, now=utcnow(), settings=settings(**base, smtp_password="s3cret")).sent == 1
        assert len(inbox.messages) == 1 and logins == [(b"minwon", b"s3cret")]
        db.refresh(ok)
        assert ok.status is NoticeStatus.SENT

        wrong = _email(db, "other@example.org")
        deliver_due(db=db, now=utcnow(), settings=settings(**base, smtp_password="wrong"))
        db.refresh(wrong)
        assert wrong.status is NoticeStatus.QUEUED
        assert wrong.last_error == "SMTP 535: login refused (check MINWON_SMTP_USERNAME)"

        untrusted = _email(db, "third@example.org")
        deliver_due(
            db=db, now=utcnow(), settings=settings(**{**base, "smtp_ca_file": ""}, smtp_password="s3cret")
        )
        db.refresh(untrusted)
        assert untrusted.last_error == "SMTP TLS failed (SSLCertVerificationError)"
        assert len(inbox.messages) == 1
    finally:
        controller.stop()


def test_silent_server_times_out_and_is_retried(db: Session) -> None:
    # a listening socket that completes the TCP handshake but never sends the 220 greeting
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        notice = _email(db, "citizen@example.org")
        cfg = settings(email_provider="smtp", smtp_port=silent.getsockname()[1], notice_send_timeout_s=0.3)
        assert deliver_due(db=db, now=utcnow(), settings=cfg).retried == 1
    db.refresh(notice)
    assert notice.status is NoticeStatus.QUEUED and notice.last_error == "SMTP timeout after 0.3 s (connect)"
