"""``minwon notices deliver --once`` as a real process against a real, committed database."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlalchemy import select

from minwon.db.session import make_engine, session_scope
from minwon.notices.models import Notice, NoticeChannel, NoticeStatus
from minwon.notices.service import enqueue
from tests.notices.support import PHONE


def _run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MINWON_DATABASE_URL": url,
        "MINWON_ENVIRONMENT": "test",
        "MINWON_SMS_PROVIDER": "recording",
    }
    return subprocess.run(
        [sys.executable, "-m", "minwon.cli", "notices", "deliver", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deliver_once_sends_and_prints_counts(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url)
    with session_scope(engine) as db:
        for i in range(3):
            enqueue(
                db,
                channel=NoticeChannel.SMS,
                recipient=PHONE,
                template_key="survey_invitation",
                context={"center": "한빛시", "url": f"https://minwon.example/s/{i}", "expires": "12-07"},
            )
        db.commit()
    done = _run(fresh_database_url, "--once", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "claimed": 3,
        "sent": 3,
        "retried": 0,
        "failed": 0,
        "recovered": 0,
        "lost": 0,
    }
    assert PHONE not in done.stdout + done.stderr
    with session_scope(engine) as db:
        assert set(db.scalars(select(Notice.status))) == {NoticeStatus.SENT}
    again = _run(fresh_database_url, "--once", "--json")
    assert json.loads(again.stdout)["claimed"] == 0
    engine.dispose()


def test_bad_options_are_refused(fresh_database_url: str) -> None:
    r = _run(fresh_database_url, "--interval", "0")
    assert r.returncode == 2 and "--interval must be between 0.5 and 3600 seconds" in r.stderr
    r = _run(fresh_database_url, "--once", "--limit", "0")
    assert r.returncode == 2 and "--limit must be between 1 and 10000" in r.stderr
