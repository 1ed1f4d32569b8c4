"""The ``corrective_actions_overdue`` job: an entry past its due date is reported once per due date
(history line and an e-mail to the owner through the outbox)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.capa import service as capa
from minwon.core.clock import local_today
from minwon.notices.models import Notice
from minwon.notices.service import render
from minwon.scheduler.jobs import registered_jobs
from tests.capa.support import SEOUL, staff


def test_overdue_reported_once_per_due_date(db: Session) -> None:
    qm, owner = staff(db, "qm"), staff(db, "owner", "counselor")
    owner.email = "owner@center.example"
    db.commit()
    today = local_today()
    nc = capa.create_nonconformity(
        db=db,
        actor=qm,
        title="오안내",
        source="audit",
        description="d",
        owner_id=owner.id,
        due_date=today + timedelta(days=2),
    )
    job = next(j for j in registered_jobs() if j.name == "corrective_actions_overdue")

    def at(day_offset: int) -> datetime:
        return datetime.combine(today + timedelta(days=day_offset), time(9), tzinfo=SEOUL)

    assert job.run(db, at(2)) == 0  # the due day itself is not overdue
    assert job.run(db, at(3)) == 1
    assert job.run(db, at(4)) == 0  # reported once
    notices = list(db.scalars(select(Notice).where(Notice.template_key == "capa_overdue")))
    assert [n.dedupe_key for n in notices] == [
        f"capa:{nc.id}:overdue:{(today + timedelta(days=2)).isoformat()}"
    ]
    _subject, body = render(
        "capa_overdue",
        {"center": "한빛시", "reference": nc.reference, "title": "오안내", "due": "2026-12-02"},
    )
    assert body == f"[한빛시] 시정조치 {nc.reference}(오안내)의 완료 기한 2026-12-02이(가) 지났습니다."
    overdue_events = [e for e in capa.history(db=db, nc_id=nc.id) if e.action == "overdue"]
    assert [(e.actor_id, e.note, e.from_status, e.to_status) for e in overdue_events] == [
        (None, (today + timedelta(days=2)).isoformat(), "open", "open")
    ]
    # a new due date that passes is reported again; a closed entry never
    capa.update_nonconformity(db=db, actor=qm, nc_id=nc.id, values={"due_date": today + timedelta(days=10)})
    assert job.run(db, at(11)) == 1
    assert len(list(db.scalars(select(Notice).where(Notice.template_key == "capa_overdue")))) == 2
