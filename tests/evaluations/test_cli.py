"""``minwon qa sample`` / ``minwon qa summary`` as a real process on a fresh database."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlalchemy.orm import Session

from minwon.db.session import make_engine
from tests.evaluations.helpers import at, contact
from tests.factories import make_org, make_user


def _qa(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MINWON_DATABASE_URL": url, "MINWON_ENVIRONMENT": "test"}
    return subprocess.run(
        [sys.executable, "-m", "minwon.cli", "qa", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sample_json_reproducible_and_bad_month(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as db:
        cats, deps, _ = make_org(db)
        c1 = make_user(db, "c1", "counselor")
        make_user(db, "q1", "quality_manager")
        for d in range(1, 9):
            contact(db, c1, cats[0], at(d))
        for d in range(9, 13):
            contact(db, c1, cats[1], at(d), outcome="transferred", department_id=deps[1].id)
    engine.dispose()
    first = _qa(
        fresh_database_url, "sample", "--month", "2026-09", "--per-agent", "3", "--seed", "a1", "--json"
    )
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    # 12 contacts, n = 3: quotas 2 and 1 exactly
    assert out["seed"] == "a1" and out["sampled"] == 3
    assert out["agents"][0]["strata"] == {"local_tax/resolved": 2, "water/transferred": 1}
    again = json.loads(
        _qa(fresh_database_url, "sample", "--month", "2026-09", "--per-agent", "3", "--json").stdout
    )
    assert again["sampled"] == 0  # the month's 3 are already drawn
    bad = _qa(fresh_database_url, "sample", "--month", "2026-13", "--json")
    assert bad.returncode == 2 and "month" in bad.stdout + bad.stderr
    summary = json.loads(_qa(fresh_database_url, "summary", "--month", "2026-09").stdout)
    assert summary["completed"] == 0 and summary["mean_score"] is None
