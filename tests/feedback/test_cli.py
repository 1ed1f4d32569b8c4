"""``minwon survey stats`` as a user runs it (a real process on a fresh database)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy.orm import Session

from minwon.db.session import make_engine
from minwon.feedback.service import submit_response
from tests.factories import make_org, make_user
from tests.feedback.support import answers, invite_one, kst


def test_stats_text_rounds_the_mean_overall_to_two_decimals(fresh_database_url: str) -> None:
    """November 2026: overall ratings 5, 4 and 2 → mean 11/3 = 3.666… → printed "3.67"."""
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as db:
        cats, _d, _q = make_org(db)
        agent = make_user(db, "agent1")
        for i, overall in enumerate((5, 4, 2)):
            at = kst(2026, 11, 2 + i)
            _inv, token = invite_one(db, agent, cats[0], f"010-0000-30{i}1", at)
            submit_response(
                db=db, token=token, ratings=answers(db, overall, 4, 4), ip="x", now=at + timedelta(hours=1)
            )
    engine.dispose()
    env = {**os.environ, "MINWON_DATABASE_URL": fresh_database_url, "MINWON_ENVIRONMENT": "test"}
    result = subprocess.run(
        [sys.executable, "-m", "minwon.cli", "survey", "stats", "--month", "2026-11"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "CSAT 66.7%, mean overall 3.67\n" in result.stdout, result.stdout
