"""Several workers at once on a real, committed database: no notice is sent twice.

Each worker is a thread with its own engine and connections (as separate processes would be), started
together. On PostgreSQL the claims use ``FOR UPDATE SKIP LOCKED``; on SQLite ``BEGIN IMMEDIATE``
serialises them. SMS go to a real HTTP gateway that counts what it receives; e-mail to the recording
provider (a row per message)."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select

from minwon.core.clock import utcnow
from minwon.db.session import make_engine, session_scope
from minwon.notices.delivery import DeliveryReport, deliver_due
from minwon.notices.models import Notice, NoticeChannel, NoticeStatus, RecordedMessage
from minwon.notices.service import enqueue
from tests.notices.support import API_KEY, PHONE, settings, sms_gateway

N_SMS = 30
N_EMAIL = 30
WORKERS = 3


def test_concurrent_workers_send_each_notice_once(fresh_database_url: str) -> None:
    setup = make_engine(fresh_database_url)
    with session_scope(setup) as db:
        for i in range(N_SMS + N_EMAIL):
            channel = NoticeChannel.SMS if i < N_SMS else NoticeChannel.EMAIL
            recipient = PHONE if i < N_SMS else f"citizen{i}@example.org"
            context = {"center": "한빛시", "url": f"https://minwon.example/s/{i}", "expires": "12-07"}
            enqueue(
                db, channel=channel, recipient=recipient, template_key="survey_invitation", context=context
            )
        db.commit()
    setup.dispose()

    reports: list[DeliveryReport] = []
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)
    now = utcnow()
    with sms_gateway() as gw:
        cfg = settings(sms_provider="http_sms", sms_gateway_url=gw.url, sms_gateway_api_key=API_KEY)

        def worker() -> None:
            engine = make_engine(fresh_database_url)
            try:
                start.wait()
                while True:
                    with session_scope(engine) as db:
                        report = deliver_due(db=db, now=now, limit=4, settings=cfg)
                    reports.append(report)
                    if report.claimed == 0:
                        return
            except BaseException as exc:  # surfaced below
                errors.append(exc)
            finally:
                engine.dispose()

        threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        requests = list(gw.requests)

    assert not errors, errors
    per_message = Counter(r["json"]["message_id"] for r in requests)
    assert len(per_message) == N_SMS and set(per_message.values()) == {1}, "an SMS went out twice"
    assert sum(r.sent for r in reports) == N_SMS + N_EMAIL
    assert sum(r.lost for r in reports) == 0 and sum(r.recovered for r in reports) == 0
    check = make_engine(fresh_database_url)
    with session_scope(check) as db:
        statuses = Counter(db.scalars(select(Notice.status)))
        assert statuses == {NoticeStatus.SENT: N_SMS + N_EMAIL}
        per_notice = db.execute(
            select(RecordedMessage.notice_id, func.count()).group_by(RecordedMessage.notice_id)
        ).all()
        assert len(per_notice) == N_EMAIL and {n for _id, n in per_notice} == {1}
        assert set(db.scalars(select(Notice.attempts))) == {1}
    check.dispose()
