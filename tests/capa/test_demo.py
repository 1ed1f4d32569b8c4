"""The demo register entries: every state the page shows, one overdue, idempotent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.orm import Session

from minwon.capa import service as capa
from minwon.capa.breaches import complete_periods, parse_breach_ref
from minwon.capa.demo import load_demo_capa
from minwon.core.clock import local_today, to_local, utcnow
from minwon.db.session import make_engine, session_scope
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
    now = utcnow()
    last = complete_periods(today, 1)[0]
    for nc in rows:
        events = capa.history(db=db, nc_id=nc.id)
        times = [ev.at for ev in events]
        assert times == sorted(times) and times[0] == nc.opened_at and times[-1] <= now, nc.title
        assert nc.due_date is None or nc.due_date > to_local(nc.opened_at).date(), nc.title
    # the last complete month: complaint (closed in it), evaluation and audit opened; the survey entry
    # of the month before is still open and overdue at its end
    summary = capa.capa_summary(db=db, first_day=last.first_day, last_day=last.last_day)
    assert (summary.opened, summary.closed, summary.open_at_end, summary.overdue) == (3, 1, 3, 1)
    assert summary.effectiveness_confirmed == 1
    assert {k: v for k, v in summary.by_source.items() if v} == {"complaint": 1, "evaluation": 1, "audit": 1}
    # this month: only the KPI entry, opened once the three-month breach was complete
    current = capa.capa_summary(db=db, first_day=today.replace(day=1), last_day=today)
    assert (current.opened, current.closed, current.open_at_end, current.overdue) == (1, 0, 4, 1)


def test_demo_kpi_entry_answers_a_real_breach(fresh_database_url: str, tmp_path: Path) -> None:
    """After ``minwon init --demo`` the KPI entry's indicator is red in the three months it names, and
    ``minwon capa suggest`` has nothing left to suggest for it."""
    env = {**os.environ, "MINWON_DATABASE_URL": fresh_database_url}
    init = subprocess.run(
        [sys.executable, "-m", "minwon.cli", "init", "--demo"], env=env, cwd=tmp_path, capture_output=True
    )
    assert init.returncode == 0, init.stderr
    engine = make_engine(fresh_database_url)
    with session_scope(engine) as db:
        kpi = next(n for n in capa.list_nonconformities(db=db) if n.source == "kpi")
        parsed = parse_breach_ref(kpi.source_ref)
        assert parsed is not None
        name, first, last = parsed
        periods = [p for p in complete_periods(local_today(), 12) if first <= p.first_day <= last]
        assert len(periods) == 3
        assert capa.kpi_status_series(db=db, periods=periods)[name] == ["red", "red", "red"]
        assert capa.breach_suggestions(db=db) == []
        assert (
            capa.capa_summary(db=db, first_day=periods[-1].first_day, last_day=periods[-1].last_day).opened
            == 3
        )
    engine.dispose()
