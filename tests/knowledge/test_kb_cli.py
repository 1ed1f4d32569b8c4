"""``minwon kb overdue --json`` and ``minwon kb diff`` against a real database in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from minwon.core.clock import local_today
from minwon.db.session import make_engine, session_scope
from minwon.knowledge import service as kb
from tests.factories import make_org
from tests.knowledge.conftest import staff


def _run(url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MINWON_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "minwon.cli", "kb", *args], env=env, cwd=cwd, capture_output=True, text=True
    )


def test_overdue_json_and_diff(fresh_database_url: str, tmp_path: Path) -> None:
    today = local_today()
    engine = make_engine(fresh_database_url)
    with session_scope(engine) as db:
        _cats, (tax, _water), _q = make_org(db)
        author, qm = staff(db, "author1"), staff(db, "qm1", role="quality_manager")
        soon = kb.create_article(
            db=db, author=author, title="곧 검토", body="공제율 5%", department_id=tax.id
        )
        late = kb.create_article(db=db, author=author, title="나중 검토", body="본문")
        for v, due in ((soon, today + timedelta(days=2)), (late, today + timedelta(days=40))):
            kb.submit_for_review(db=db, actor=author, article_id=v.article_id, number=1)
            kb.approve_version(db=db, actor=qm, article_id=v.article_id, number=1, review_due=due)
        kb.save_draft(
            db=db, author=author, article_id=soon.article_id, base_number=1, title="곧 검토", body="공제율 3%"
        )
        soon_id, late_id = soon.article_id, late.article_id
    engine.dispose()

    none_yet = _run(fresh_database_url, tmp_path, "overdue", "--json")
    assert none_yet.returncode == 0, none_yet.stderr
    assert json.loads(none_yet.stdout) == []

    as_of = today + timedelta(days=45)
    out = _run(fresh_database_url, tmp_path, "overdue", "--json", "--on", as_of.isoformat())
    rows = json.loads(out.stdout)
    # most overdue first: 43 days and 5 days past their review dates
    assert [(r["article_id"], r["version"], r["days_overdue"]) for r in rows] == [
        (soon_id, 1, 43),
        (late_id, 1, 5),
    ]
    assert (
        rows[0]["department_name"] == "세무과"
        and rows[0]["review_due"] == (today + timedelta(days=2)).isoformat()
    )

    bad = _run(fresh_database_url, tmp_path, "overdue", "--on", "2026-02-30")
    assert bad.returncode != 0 and "2026-02-30" in bad.stderr

    diff = _run(fresh_database_url, tmp_path, "diff", str(soon_id), "1", "2")
    assert diff.stdout.splitlines() == [
        "--- v1 곧 검토",
        "+++ v2 곧 검토",
        "@@ -1 +1 @@",
        "-공제율 5%",
        "+공제율 3%",
    ]
