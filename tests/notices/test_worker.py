"""The delivery worker on the real database: success, retry with backoff, give-up, leases, faults.

The SMS gateway is a real HTTP server on a localhost port (``support.sms_gateway``)."""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from typing import ClassVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.core.clock import utcnow
from minwon.core.crypto import decrypt
from minwon.core.errors import Conflict
from minwon.notices import delivery
from minwon.notices.delivery import DeliveryReport, claim_next, deliver_due
from minwon.notices.models import Notice, NoticeChannel, NoticeStatus, RecordedMessage
from minwon.notices.providers import OutgoingMessage, Provider, SendResult
from minwon.notices.service import cancel_notice, enqueue, notices_for_case, retry_notice
from tests.notices.support import API_KEY, PHONE, PHONE_MASKED, settings, sms_gateway

CONTEXT = {
    "center": "한빛시 민원콜센터",
    "case_number": "2026-000123",
    "due": "2026-12-07 18:00",
    "status_url": "https://minwon.example/status",
    "verification_code": "123456",
}


def _notice(db: Session, *, key: str | None = None, channel: NoticeChannel = NoticeChannel.SMS) -> Notice:
    recipient = PHONE if channel is NoticeChannel.SMS else "citizen@example.org"
    notice = enqueue(
        db, channel=channel, recipient=recipient, template_key="case_receipt", context=CONTEXT, dedupe_key=key
    )
    db.commit()
    return notice


def _status(db: Session, notice: Notice) -> NoticeStatus:
    """The stored status, read again (mypy keeps an earlier assert's narrowing of the attribute)."""
    db.refresh(notice)
    return notice.status


def test_sent_through_the_recording_provider(db: Session) -> None:
    notice = _notice(db)
    now = utcnow()
    report = deliver_due(db=db, now=now, limit=10, settings=settings())
    assert report.as_dict() == {"claimed": 1, "sent": 1, "retried": 0, "failed": 0, "recovered": 0, "lost": 0}
    db.refresh(notice)
    assert notice.status is NoticeStatus.SENT
    assert notice.provider == "recording" and notice.attempts == 1 and notice.sent_at is not None
    recorded = db.scalars(select(RecordedMessage).where(RecordedMessage.notice_id == notice.id)).all()
    assert len(recorded) == 1
    assert notice.provider_ref == f"rec-{recorded[0].id}"
    assert recorded[0].recipient_masked == PHONE_MASKED and decrypt(recorded[0].recipient_enc) == PHONE
    assert recorded[0].body == notice.body
    # nothing left: a second round claims nothing
    assert deliver_due(db=db, now=now, limit=10, settings=settings()).claimed == 0


def test_only_due_notices_are_claimed_and_limit_is_kept(db: Session) -> None:
    for i in range(3):
        _notice(db, key=f"k{i}")
    later = _notice(db, key="later")
    later.next_attempt_at = utcnow() + timedelta(hours=1)
    db.commit()
    report = deliver_due(db=db, now=utcnow(), limit=2, settings=settings())
    assert report.claimed == 2 and report.sent == 2
    report = deliver_due(db=db, now=utcnow(), limit=10, settings=settings())
    assert report.claimed == 1  # the third; "later" is not due
    db.refresh(later)
    assert later.status is NoticeStatus.QUEUED


def test_gateway_500s_are_retried_with_backoff_then_sent(db: Session) -> None:
    notice = _notice(db)
    now = utcnow()
    with sms_gateway([500, 502]) as gw:
        cfg = settings(
            sms_provider="http_sms",
            sms_gateway_url=gw.url,
            sms_gateway_api_key=API_KEY,
            sms_sender="0212345678",
            notice_max_attempts=5,
        )
        r1 = deliver_due(db=db, now=now, settings=cfg, rng=random.Random(1))
        assert (r1.claimed, r1.retried, r1.sent) == (1, 1, 0)
        db.refresh(notice)
        assert notice.status is NoticeStatus.QUEUED and notice.attempts == 1
        assert notice.last_error == "gateway answered HTTP 500"
        # after attempt 1 the delay is in [30 s, 60 s] (base 60 s, equal jitter)
        assert now + timedelta(seconds=30) <= notice.next_attempt_at <= now + timedelta(seconds=60)
        assert deliver_due(db=db, now=now + timedelta(seconds=29), settings=cfg).claimed == 0
        t2 = now + timedelta(seconds=61)
        r2 = deliver_due(db=db, now=t2, settings=cfg)
        assert r2.retried == 1
        db.refresh(notice)
        # after attempt 2: [60 s, 120 s]
        assert t2 + timedelta(seconds=60) <= notice.next_attempt_at <= t2 + timedelta(seconds=120)
        r3 = deliver_due(db=db, now=t2 + timedelta(seconds=121), settings=cfg)
        assert r3.sent == 1
        db.refresh(notice)
        assert _status(db, notice) is NoticeStatus.SENT and notice.attempts == 3
        assert notice.provider == "http_sms" and notice.provider_ref == "gw-3" and notice.last_error == ""
        # every attempt carried the same idempotency key and the same message
        keys = {r["headers"]["Idempotency-Key"] for r in gw.requests}
        assert keys == {f"minwon-notice-{notice.id}"}
        body = gw.requests[-1]["json"]
        assert body["to"] == PHONE and body["from"] == "0212345678" and body["text"] == notice.body
        assert body["type"] == "LMS" and body["subject"] == "민원 접수 안내"  # 91 bytes: over an SMS


def test_gives_up_after_the_last_attempt(db: Session, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="minwon")
    notice = _notice(db)
    now = utcnow()
    with sms_gateway([503, 503, 503, 503]) as gw:
        cfg = settings(sms_provider="http_sms", sms_gateway_url=gw.url, sms_gateway_api_key=API_KEY)
        reports = [deliver_due(db=db, now=now + timedelta(hours=i), settings=cfg) for i in range(4)]
        assert [(r.retried, r.failed) for r in reports] == [(1, 0), (1, 0), (0, 1), (0, 0)]
        assert len(gw.requests) == 3
    db.refresh(notice)
    assert notice.status is NoticeStatus.FAILED and notice.attempts == 3
    assert notice.last_error == "gateway answered HTTP 503"
    assert PHONE not in caplog.text and "1234" not in notice.last_error
    assert f"notice {notice.id} failed after 3 attempt(s)" in caplog.text


@pytest.mark.parametrize(("status", "permanent"), [(400, True), (404, True), (429, False), (408, False)])
def test_4xx_is_permanent_except_rate_limit_and_timeout(db: Session, status: int, permanent: bool) -> None:
    notice = _notice(db)
    with sms_gateway([status]) as gw:
        cfg = settings(sms_provider="http_sms", sms_gateway_url=gw.url, sms_gateway_api_key=API_KEY)
        report = deliver_due(db=db, now=utcnow(), settings=cfg)
    db.refresh(notice)
    assert notice.last_error == f"gateway answered HTTP {status}"
    assert notice.status is (NoticeStatus.FAILED if permanent else NoticeStatus.QUEUED)
    assert (report.failed, report.retried) == ((1, 0) if permanent else (0, 1))


def test_wrong_api_key_is_a_permanent_failure(db: Session) -> None:
    notice = _notice(db)
    with sms_gateway() as gw:
        cfg = settings(sms_provider="http_sms", sms_gateway_url=gw.url, sms_gateway_api_key="wrong")
        deliver_due(db=db, now=utcnow(), settings=cfg)
        assert gw.requests[0]["headers"]["Authorization"] == "Bearer wrong"
    db.refresh(notice)
    assert notice.status is NoticeStatus.FAILED and notice.last_error == "gateway answered HTTP 401"


def test_gateway_timeout_is_retried(db: Session) -> None:
    notice = _notice(db)
    with sms_gateway(["hang"]) as gw:
        cfg = settings(
            sms_provider="http_sms",
            sms_gateway_url=gw.url,
            sms_gateway_api_key=API_KEY,
            notice_send_timeout_s=0.3,
        )
        report = deliver_due(db=db, now=utcnow(), settings=cfg)
    assert report.retried == 1
    db.refresh(notice)
    assert notice.status is NoticeStatus.QUEUED and notice.last_error == "gateway timeout after 0.3 s"


def test_unreachable_gateway_is_retried(db: Session) -> None:
    notice = _notice(db)
    with sms_gateway() as gw:
        url = gw.url
    cfg = settings(sms_provider="http_sms", sms_gateway_url=url, sms_gateway_api_key=API_KEY)
    assert deliver_due(db=db, now=utcnow(), settings=cfg).retried == 1
    db.refresh(notice)
    assert notice.last_error == "gateway unreachable (ConnectError)"


class Boom(Provider):
    """A provider plugin with a bug: raises with the recipient in its message."""

    name: ClassVar[str] = "boom"
    channels: ClassVar[frozenset[NoticeChannel]] = frozenset(NoticeChannel)

    def send(self, message: OutgoingMessage, *, timeout_s: float, db: Session) -> SendResult:
        raise RuntimeError(f"cannot reach {message.recipient}")


def test_a_crashing_provider_leaves_no_personal_data(db: Session, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="minwon")
    notice = _notice(db)
    cfg = settings()
    deliver_due(db=db, now=utcnow(), settings=cfg, providers={NoticeChannel.SMS: Boom(cfg)})
    db.refresh(notice)
    assert notice.last_error == "provider boom raised RuntimeError"
    assert PHONE not in caplog.text and PHONE not in notice.last_error


def test_unknown_provider_name_is_retried_with_a_clear_reason(db: Session) -> None:
    notice = _notice(db)
    deliver_due(db=db, now=utcnow(), settings=settings(sms_provider="nope"))
    db.refresh(notice)
    assert notice.status is NoticeStatus.QUEUED
    assert notice.last_error.startswith("MINWON_SMS_PROVIDER='nope' is not a notice provider; known: ")


def _crash_after_claim(db: Session, now: datetime) -> None:
    """A worker that claims and dies before sending: the claim is committed, nothing else happens."""
    assert claim_next(db=db, now=now, settings=settings(), report=DeliveryReport()) is not None


def test_expired_lease_is_taken_over_and_sent_once(db: Session) -> None:
    notice = _notice(db)
    now = utcnow()
    _crash_after_claim(db, now)
    db.refresh(notice)
    assert notice.status is NoticeStatus.SENDING and notice.attempts == 1
    # within the lease (120 s) nobody touches it
    assert deliver_due(db=db, now=now + timedelta(seconds=60), settings=settings()).claimed == 0
    report = deliver_due(db=db, now=now + timedelta(seconds=180), settings=settings())
    assert (report.recovered, report.sent) == (1, 1)
    db.refresh(notice)
    assert _status(db, notice) is NoticeStatus.SENT and notice.attempts == 2
    assert (
        db.scalars(select(RecordedMessage).where(RecordedMessage.notice_id == notice.id)).all().__len__() == 1
    )


def test_expired_lease_after_the_last_attempt_fails(db: Session) -> None:
    notice = _notice(db)
    now = utcnow()
    notice.attempts = 2  # settings(): 3 attempts
    db.commit()
    _crash_after_claim(db, now)
    report = deliver_due(db=db, now=now + timedelta(hours=1), settings=settings())
    assert (report.recovered, report.failed, report.claimed) == (1, 1, 0)
    db.refresh(notice)
    assert notice.status is NoticeStatus.FAILED
    assert notice.last_error == "worker stopped while sending the last attempt"


def test_a_worker_whose_lease_was_taken_over_records_nothing(db: Session) -> None:
    notice = _notice(db)
    now = utcnow()
    slow = claim_next(db=db, now=now, settings=settings(), report=DeliveryReport())
    assert slow is not None
    # the lease ends; another worker sends it
    assert deliver_due(db=db, now=now + timedelta(hours=1), settings=settings()).sent == 1
    # the first worker finally returns with a failure: it must not overwrite the newer outcome
    assert delivery._finish(db, slow, {"status": NoticeStatus.FAILED, "last_error": "late"}) is False
    db.refresh(notice)
    assert notice.status is NoticeStatus.SENT and notice.last_error == ""


def test_delivery_state_per_case_and_admin_retry_cancel(db: Session) -> None:
    from tests.factories import make_user

    admin = make_user(db, "admin", "administrator")
    failed = _notice(db, key="a")
    queued = _notice(db, key="b")
    with sms_gateway([400]) as gw:
        cfg = settings(sms_provider="http_sms", sms_gateway_url=gw.url, sms_gateway_api_key=API_KEY)
        deliver_due(db=db, now=utcnow(), limit=1, settings=cfg)
    db.refresh(failed)
    assert failed.status is NoticeStatus.FAILED
    retried = retry_notice(db=db, notice_id=failed.id, actor_id=admin.id, actor_name=admin.username)
    assert (retried.status, retried.attempts) == (NoticeStatus.QUEUED, 0)
    with pytest.raises(Conflict):
        retry_notice(db=db, notice_id=failed.id, actor_id=admin.id, actor_name=admin.username)
    assert cancel_notice(db=db, notice_id=queued.id, actor_id=admin.id, actor_name="admin").status is (
        NoticeStatus.CANCELLED
    )
    deliver_due(db=db, now=utcnow(), settings=settings())
    db.refresh(failed)
    assert _status(db, failed) is NoticeStatus.SENT
    with pytest.raises(Conflict):
        cancel_notice(db=db, notice_id=failed.id, actor_id=admin.id, actor_name="admin")
    assert notices_for_case(db=db, case_id=1) == []
