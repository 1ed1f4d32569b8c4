"""Several citizens' browsers (or one impatient double-click) submitting the same survey link at once
against a real ``minwon serve``: exactly one submission is stored, the others are told the survey is
already answered, and none waits on a database lock held by a request the event loop cannot finish."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.core.clock import utcnow
from minwon.db.session import make_engine
from minwon.feedback.models import SurveyResponse
from tests.factories import make_org, make_user
from tests.feedback.support import answers, invite_one

SUBMITTERS = 5


def test_simultaneous_submissions_of_one_link_one_wins_the_rest_get_410(
    fresh_database_url: str, start_server: Callable[..., str]
) -> None:
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as db:
        cats, _d, _q = make_org(db)
        agent = make_user(db, "agent1")
        _inv, token = invite_one(db, agent, cats[0], "010-0000-5151", utcnow() - timedelta(minutes=30))
        data = answers(db, 4, 5, 3)
    base = start_server(fresh_database_url)
    barrier = threading.Barrier(SUBMITTERS)
    statuses: list[int] = []
    lock = threading.Lock()

    def submit() -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            barrier.wait()
            r = http.post(f"/s/{token}", data=data, headers={"Accept": "text/html"})
        with lock:
            statuses.append(r.status_code)

    threads = [threading.Thread(target=submit) for _ in range(SUBMITTERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [410] * (SUBMITTERS - 1)
    with Session(engine) as db:
        assert db.scalar(select(func.count(SurveyResponse.id))) == 1
    engine.dispose()
