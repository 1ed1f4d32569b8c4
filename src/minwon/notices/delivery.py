"""The delivery worker: takes due notices from the outbox and sends them through their channel's provider.

Safe with several workers at once (several ``minwon notices deliver`` or scheduler processes):

* A notice is *claimed* in its own short transaction: ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL
  (a second worker skips rows the first has locked), and on SQLite the session's ``BEGIN IMMEDIATE``
  (``db.session``) serialises writers, so the second worker sees the first one's claim. The claim sets
  ``status = sending``, a random ``claim_token``, one more ``attempts`` and a *lease*
  (``next_attempt_at`` = end of the lease).
* The message is sent outside any transaction (no lock is held while a gateway answers), with the
  provider's timeout.
* The outcome is written only if the row still carries the worker's token, so a worker whose lease was
  taken over never overwrites the newer attempt.
* A worker that dies mid-send leaves a ``sending`` row; once its lease ends, the row is due again and
  the next worker sends it (at-least-once delivery: providers get an idempotency key,
  ``minwon-notice-<id>``, the same on every attempt).

Failures are retried with exponential backoff and jitter (``backoff.py``) up to
``MINWON_NOTICE_MAX_ATTEMPTS`` attempts, then the notice is FAILED with the reason. Reasons and log lines
name the notice id, never the recipient or the text.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from minwon.config import Settings, get_settings
from minwon.core.clock import utcnow
from minwon.core.crypto import decrypt, random_token
from minwon.core.errors import MinwonError
from minwon.db import models as _all_models  # noqa: F401 - maps the tables notices refer to (cases, contacts)
from minwon.notices.backoff import backoff_delay
from minwon.notices.models import Notice, NoticeChannel, NoticeStatus
from minwon.notices.providers import DeliveryError, OutgoingMessage, Provider, provider_for

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    """What one :func:`deliver_due` call did (counts of notices).

    ``claimed``: taken for sending; ``sent``: accepted by a provider; ``retried``: failed, queued again
    with backoff; ``failed``: gave up (FAILED); ``recovered``: taken over from a worker whose lease had
    ended; ``lost``: this worker's lease was taken over before it recorded the outcome.
    """

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0
    lost: int = 0
    notice_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        data = asdict(self)
        data.pop("notice_ids")
        return data


@dataclass(frozen=True)
class _Claim:
    notice_id: int
    token: str
    attempts: int
    channel: NoticeChannel
    recipient_enc: str
    recipient_masked: str
    subject: str
    body: str


def lease_length(settings: Settings) -> timedelta:
    """The lease of a claim: ``MINWON_NOTICE_LEASE_S``, at least twice the send timeout."""
    return timedelta(seconds=max(settings.notice_lease_s, 2 * settings.notice_send_timeout_s))


def claim_next(*, db: Session, now: datetime, settings: Settings, report: DeliveryReport) -> _Claim | None:
    """Claim the oldest due notice (queued and due, or sending with an ended lease) and commit.

    Returns ``None`` when nothing is due. A notice whose lease ended after its last allowed attempt is
    FAILED instead of sent again.
    """
    while True:
        row = db.scalar(
            select(Notice)
            .where(
                Notice.next_attempt_at <= now,
                or_(Notice.status == NoticeStatus.QUEUED, Notice.status == NoticeStatus.SENDING),
            )
            .order_by(Notice.next_attempt_at, Notice.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if row is None:
            db.commit()
            return None
        if row.status is NoticeStatus.SENDING:
            report.recovered += 1
            log.warning("notice %s: lease ended while sending (worker stopped); taken over", row.id)
            if row.attempts >= settings.notice_max_attempts:
                row.status = NoticeStatus.FAILED
                row.claim_token = None
                row.last_error = "worker stopped while sending the last attempt"
                report.failed += 1
                db.commit()
                continue
        token = random_token(16)[:32]
        row.status = NoticeStatus.SENDING
        row.claim_token = token
        row.attempts += 1
        # measured from the clock too, so a long batch with a fixed ``now`` never shortens a lease
        row.next_attempt_at = max(now, utcnow()) + lease_length(settings)
        claim = _Claim(
            notice_id=row.id,
            token=token,
            attempts=row.attempts,
            channel=row.channel,
            recipient_enc=row.recipient_enc,
            recipient_masked=row.recipient_masked,
            subject=row.subject,
            body=row.body,
        )
        db.commit()
        report.claimed += 1
        report.notice_ids.append(claim.notice_id)
        return claim


def _send(
    claim: _Claim, *, db: Session, providers: dict[NoticeChannel, Provider], settings: Settings
) -> tuple[str, str]:
    """(provider name, provider ref). Raises DeliveryError."""
    try:
        recipient = decrypt(claim.recipient_enc)
    except (ValueError, UnicodeDecodeError):
        raise DeliveryError("recipient cannot be decrypted (unknown key id)", permanent=True) from None
    provider = providers.get(claim.channel)
    if provider is None:
        try:
            provider = provider_for(claim.channel, settings)
        except MinwonError as exc:
            raise DeliveryError(exc.message) from None
        providers[claim.channel] = provider
    message = OutgoingMessage(
        notice_id=claim.notice_id,
        channel=claim.channel,
        recipient=recipient,
        recipient_masked=claim.recipient_masked,
        subject=claim.subject,
        body=claim.body,
    )
    try:
        result = provider.send(message, timeout_s=settings.notice_send_timeout_s, db=db)
    except DeliveryError:
        raise
    except Exception as exc:  # a provider bug must not stop the worker; the class name only (no data)
        raise DeliveryError(f"provider {provider.name} raised {type(exc).__name__}") from None
    return provider.name, result.provider_ref


def _finish(db: Session, claim: _Claim, values: Mapping[str, object]) -> bool:
    """Write the outcome if the claim is still ours; commit. False when the lease was taken over."""
    result = db.execute(
        update(Notice)
        .where(
            Notice.id == claim.notice_id,
            Notice.claim_token == claim.token,
            Notice.status == NoticeStatus.SENDING,
        )
        .values(claim_token=None, **values)
    )
    if getattr(result, "rowcount", 0) != 1:
        db.rollback()
        return False
    db.commit()
    return True


def deliver_due(
    *,
    db: Session,
    now: datetime | None = None,
    limit: int = 50,
    settings: Settings | None = None,
    providers: dict[NoticeChannel, Provider] | None = None,
    rng: random.Random | None = None,
) -> DeliveryReport:
    """Send up to ``limit`` due notices, one claim at a time, and return what happened.

    ``now`` (aware, default the clock) decides what is due and when retries fall. ``settings`` default
    to the process settings; ``providers`` may pin a provider per channel (otherwise chosen by
    ``MINWON_SMS_PROVIDER``/``MINWON_EMAIL_PROVIDER``); ``rng`` draws the backoff jitter. Commits after
    every claim and every outcome, so pass a session without pending work of your own (the scheduler:
    its own session per round). Never raises for a failed send; raises ValueError for a naive ``now``.
    Returns a :class:`DeliveryReport`; ``report.as_dict()`` gives the counts for a log line.
    """
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    settings = settings or get_settings()
    providers = dict(providers or {})
    report = DeliveryReport()
    for _ in range(max(limit, 0)):
        claim = claim_next(db=db, now=now, settings=settings, report=report)
        if claim is None:
            break
        try:
            name, ref = _send(claim, db=db, providers=providers, settings=settings)
        except DeliveryError as exc:
            db.rollback()  # drop anything a provider added before failing
            give_up = exc.permanent or claim.attempts >= settings.notice_max_attempts
            if give_up:
                values: dict[str, object] = {"status": NoticeStatus.FAILED, "last_error": exc.reason}
            else:
                delay = backoff_delay(
                    claim.attempts,
                    base_s=settings.notice_backoff_base_s,
                    cap_s=settings.notice_backoff_max_s,
                    rng=rng,
                )
                values = {
                    "status": NoticeStatus.QUEUED,
                    "last_error": exc.reason,
                    "next_attempt_at": now + delay,
                }
            if not _finish(db, claim, values):
                report.lost += 1
                log.warning("notice %s: lease taken over before the failure was recorded", claim.notice_id)
                continue
            if give_up:
                report.failed += 1
                log.warning(
                    "notice %s failed after %s attempt(s): %s", claim.notice_id, claim.attempts, exc.reason
                )
            else:
                report.retried += 1
                log.info(
                    "notice %s attempt %s failed, will retry: %s", claim.notice_id, claim.attempts, exc.reason
                )
            continue
        sent = {
            "status": NoticeStatus.SENT,
            "provider": name,
            "provider_ref": ref[:120] or None,
            "sent_at": utcnow(),
            "last_error": "",
        }
        if _finish(db, claim, sent):
            report.sent += 1
            log.info("notice %s sent via %s", claim.notice_id, name)
        else:
            report.lost += 1
            log.warning("notice %s: lease taken over before the send was recorded", claim.notice_id)
    return report
