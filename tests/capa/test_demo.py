"""The demo register entries: every state the page shows, one overdue, idempotent."""

from __future__ import annotations

from sqlalchemy.orm import Session

from minwon.capa import service as capa
from minwon.capa.demo import load_demo_capa
from minwon.core.clock import local_today
from tests.capa.support import staff


def test_demo_entries(db: Session) -> None:
    assert load_demo_capa(db=db) == ["capa: demo accounts missing; no demo register entries"]
    for name, role in (("quality1", "quality_manager"), ("supervisor1", "supervisor")):
        staff(db, name, role)
    for name in ("counselor1", "counselor2"):
        staff(db, name, "counselor")
    assert load_demo_capa(db=db) == [
        "capa: 5 demo nonconformities (one overdue, one closed after an effective check)"
    ]
    rows = capa.list_nonconformities(db=db)
    assert sorted((n.source, n.status) for n in rows) == [
        ("audit", "open"),
        ("complaint", "closed"),
        ("evaluation", "implemented"),
        ("kpi", "action_planned"),
        ("survey", "action_planned"),
    ]
    assert [n.source for n in capa.list_nonconformities(db=db, overdue=True)] == ["survey"]
    closed = next(n for n in rows if n.status == "closed")
    assert closed.check_result == "effective"
    assert load_demo_capa(db=db) == []
    today = local_today()
    summary = capa.capa_summary(db=db, first_day=today.replace(day=1), last_day=today)
    assert (summary.opened, summary.closed, summary.open_at_end, summary.overdue) == (5, 1, 4, 1)
    assert summary.effectiveness_confirmed == 1
