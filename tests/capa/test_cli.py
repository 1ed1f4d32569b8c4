"""``minwon capa list --json`` and ``minwon capa suggest --json`` against a real database in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from minwon.capa import service as capa
from minwon.core.clock import local_today, to_local, utcnow
from minwon.db.session import make_engine, session_scope
from tests.capa.support import ingest_calls, month_start, staff


def _run(url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MINWON_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "minwon.cli", "capa", *args], env=env, cwd=cwd, capture_output=True, text=True
    )


def test_list_and_suggest(fresh_database_url: str, tmp_path: Path) -> None:
    today = local_today()
    past = today - timedelta(days=20)
    # red service level in the three complete months before this one (one call each, 40 s wait)
    months = [month_start(today, back).replace(day=10) for back in (3, 2, 1)]
    engine = make_engine(fresh_database_url)
    with session_scope(engine) as db:
        qm, owner = staff(db, "qm"), staff(db, "담당자", "counselor")
        capa.create_nonconformity(
            db=db,
            actor=qm,
            title="늦음",
            source="survey",
            description="d",
            owner_id=owner.id,
            due_date=past + timedelta(days=5),
            today=past,
        )
        capa.create_nonconformity(db=db, actor=qm, title="새것", source="audit", description="d")
        ingest_calls(db, months, wait_s=40)
    engine.dispose()
    year = to_local(utcnow()).year

    out = _run(fresh_database_url, tmp_path, "list", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [(r["reference"], r["status"], r["overdue"]) for r in rows] == [
        (f"NC-{year}-0002", "open", False),
        (f"NC-{year}-0001", "open", True),
    ]
    assert rows[1]["owner"] == "담당자" and rows[1]["due_date"] == (past + timedelta(days=5)).isoformat()
    overdue = json.loads(_run(fresh_database_url, tmp_path, "list", "--overdue", "--json").stdout)
    assert [r["title"] for r in overdue] == ["늦음"]
    bad = _run(fresh_database_url, tmp_path, "list", "--status", "lost")
    assert bad.returncode == 2 and "status" in bad.stdout + bad.stderr

    labels = [f"{m:%Y-%m}" for m in months]
    found = json.loads(_run(fresh_database_url, tmp_path, "suggest", "--json").stdout)
    assert found == [
        {
            "kpi": "service_level",
            "granularity": "month",
            "first": labels[0],
            "last": labels[2],
            "periods": 3,
            "statuses": ["red", "red", "red"],
            "source_ref": f"kpi:service_level:{labels[0]}..{labels[2]}",
            "title": f"서비스 레벨 3개월 연속 목표 미달 ({labels[0]} ~ {labels[2]})",
        }
    ]


def test_table_keeps_the_reference_whole_at_80_columns(fresh_database_url: str, tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url)
    with session_scope(engine) as db:
        qm = staff(db, "qm")
        past = local_today() - timedelta(days=20)
        nc = capa.create_nonconformity(
            db=db, actor=qm, title="아주 긴 제목 " * 8, source="evaluation", description="d", today=past
        )
        # the widest status (action_planned) and an overdue due date
        capa.plan_action(
            db=db,
            actor=qm,
            nc_id=nc.id,
            root_cause="r",
            corrective_action="a",
            owner_id=staff(db, "긴이름의담당자", "counselor").id,
            due_date=past + timedelta(days=5),
            today=past,
        )
    engine.dispose()
    env = {**os.environ, "MINWON_DATABASE_URL": fresh_database_url, "COLUMNS": "80"}
    out = subprocess.run(
        [sys.executable, "-m", "minwon.cli", "capa", "list"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert f"NC-{to_local(utcnow()).year}-0001" in out.stdout and "action_planned" in out.stdout
    assert max(len(line) for line in out.stdout.splitlines()) <= 80
