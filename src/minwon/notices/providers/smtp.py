"""The ``smtp`` provider: e-mail through an SMTP server (smtplib).

Settings: ``MINWON_SMTP_HOST``/``_PORT``, ``_STARTTLS`` (upgrade a plain connection, RFC 3207) or
``_SSL`` (implicit TLS, port 465, RFC 8314), ``_USERNAME``/``_PASSWORD`` (AUTH after TLS), ``_FROM``,
``_CA_FILE`` (extra trusted CA in PEM, e.g. a city's internal CA). Server replies 5xx to the recipient
or the data are permanent failures; 4xx replies, timeouts, refused connections, TLS and login
failures are retried (RFC 5321 §4.2.1: 4yz is transient, 5yz permanent).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import ClassVar

from sqlalchemy.orm import Session

from minwon.notices.models import NoticeChannel
from minwon.notices.providers.base import DeliveryError, OutgoingMessage, Provider, SendResult


class SmtpProvider(Provider):
    name: ClassVar[str] = "smtp"
    channels: ClassVar[frozenset[NoticeChannel]] = frozenset({NoticeChannel.EMAIL})

    def build(self, message: OutgoingMessage) -> EmailMessage:
        """The MIME message: UTF-8 text, a Message-ID stable across retries of one notice."""
        sender = self.settings.smtp_from
        domain = sender.rpartition("@")[2] or "localhost"
        mail = EmailMessage()
        mail["From"] = sender
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = f"<{message.idempotency_key}@{domain}>"
        mail.set_content(message.body)
        return mail

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.smtp_ca_file or None)

    def send(self, message: OutgoingMessage, *, timeout_s: float, db: Session) -> SendResult:
        """Send one e-mail; ``provider_ref`` is its Message-ID. Raises :class:`DeliveryError`."""
        s = self.settings
        mail = self.build(message)
        stage = "connect"
        try:
            client: smtplib.SMTP
            if s.smtp_ssl:
                client = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=timeout_s, context=self._tls_context()
                )
            else:
                client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=timeout_s)
            with client:
                if s.smtp_starttls and not s.smtp_ssl:
                    stage = "STARTTLS"
                    client.starttls(context=self._tls_context())
                if s.smtp_username:
                    stage = "login"
                    client.login(s.smtp_username, s.smtp_password)
                stage = "send"
                client.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            code = min((c for c, _m in exc.recipients.values()), default=550)
            raise DeliveryError(f"SMTP {code}: recipient refused", permanent=code >= 500) from None
        except smtplib.SMTPDataError as exc:
            raise DeliveryError(
                f"SMTP {exc.smtp_code}: message refused", permanent=exc.smtp_code >= 500
            ) from None
        except smtplib.SMTPSenderRefused as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code}: sender refused (check MINWON_SMTP_FROM)") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code}: login refused (check MINWON_SMTP_USERNAME)") from None
        except TimeoutError:
            raise DeliveryError(f"SMTP timeout after {timeout_s:g} s ({stage})") from None
        except ssl.SSLError as exc:
            raise DeliveryError(f"SMTP TLS failed ({type(exc).__name__})") from None
        except smtplib.SMTPServerDisconnected as exc:
            # smtplib reports a read timeout as a disconnect; the TimeoutError is its context
            if isinstance(exc.__context__, TimeoutError):
                raise DeliveryError(f"SMTP timeout after {timeout_s:g} s ({stage})") from None
            raise DeliveryError(f"SMTP {stage} failed (SMTPServerDisconnected)") from None
        except (smtplib.SMTPException, OSError) as exc:
            # the class name only: server replies may quote the address
            raise DeliveryError(f"SMTP {stage} failed ({type(exc).__name__})") from None
        return SendResult(provider_ref=str(mail["Message-ID"]))
