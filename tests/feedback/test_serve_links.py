"""``minwon serve --host H --port P`` without MINWON_SURVEY_BASE_URL / MINWON_PUBLIC_URL: the survey
links that its scheduler child puts in SMS point at ``http://H:P``, not the default port 8000."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.contacts.service import record_contact
from minwon.core.clock import utcnow
from minwon.db.session import make_engine
from minwon.feedback.models import SurveyInvitation
from minwon.notices.models import Notice
from tests.factories import make_org, make_user

#: The scheduler child ticks at start; loading it takes a few seconds, many more on a loaded machine.
WAIT_S = 120


def test_survey_links_follow_the_served_host_and_port(
    fresh_database_url: str, start_server: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MINWON_SURVEY_BASE_URL", raising=False)
    monkeypatch.delenv("MINWON_PUBLIC_URL", raising=False)
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as db:
        cats, _d, _q = make_org(db)
        agent = make_user(db, "agent1")
        record_contact(
            db=db,
            agent=agent,
            category_id=cats[0].id,
            inquiry="지방세 문의",
            outcome="resolved",
            caller="010-0000-6060",
            now=utcnow() - timedelta(minutes=20),
        )
    base = start_server(fresh_database_url, MINWON_SCHEDULER_AUTOSTART="true")
    assert not base.endswith(":8000")
    body = None
    deadline = time.monotonic() + WAIT_S
    while body is None and time.monotonic() < deadline:
        with Session(engine) as db:
            body = db.scalar(
                select(Notice.body).join(SurveyInvitation, SurveyInvitation.notice_id == Notice.id)
            )
        if body is None:
            time.sleep(1)
    engine.dispose()
    assert body is not None, "the scheduler queued no survey SMS"
    assert re.search(re.escape(base) + r"/s/[A-Za-z0-9_-]{10,}", body), body
