"""Callbacks: assigned to a counselor or to a queue, each attempt recorded with its outcome, the final
outcome closes it, supervisors see every overdue one; the desk panel drives it over HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.contacts.models import AttemptOutcome, Callback, CallbackStatus
from minwon.contacts.service import (
    MAX_CALLBACK_ATTEMPTS,
    add_queue_agent,
    complete_callback,
    hand_callback_to_queue,
    list_callback_attempts,
    list_my_callbacks_due,
    list_overdue_callbacks,
    record_callback_attempt,
    record_contact,
    take_callback,
)
from minwon.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from minwon.org.models import Category, Queue
from tests.factories import make_org, make_user
from tests.web.test_desk import sign_in

KST = ZoneInfo("Asia/Seoul")
WED_10 = datetime(2026, 3, 4, 10, 0, tzinfo=KST)


def _setup(db: Session) -> tuple[list[Category], list[Queue], dict[str, User]]:
    cats, _depts, queues = make_org(db)
    users = {
        "a": make_user(db, "counselor1"),
        "b": make_user(db, "counselor2"),
        "c": make_user(db, "counselor3"),
        "sup": make_user(db, "supervisor1", role="supervisor"),
    }
    add_queue_agent(db=db, queue_id=queues[0].id, user_id=users["b"].id)
    add_queue_agent(db=db, queue_id=queues[0].id, user_id=users["b"].id)  # idempotent
    return cats, queues, users


def _callback(db: Session, agent: User, cat: Category, *, due: datetime | None = None) -> Callback:
    contact = record_contact(
        db=db,
        agent=agent,
        category_id=cat.id,
        inquiry="재산세 고지서 재발송 요청",
        outcome="callback",
        caller="010-2222-3333",
        channel="visit",
        callback_due_at=due,
        now=WED_10,
    )
    cb = db.scalar(select(Callback).where(Callback.contact_id == contact.id))
    assert cb is not None
    return cb


def test_attempts_are_recorded_until_the_caller_is_reached(db: Session) -> None:
    cats, _queues, users = _setup(db)
    cb = _callback(db, users["a"], cats[0])
    t1, t2 = WED_10 + timedelta(hours=1), WED_10 + timedelta(hours=2)
    record_callback_attempt(
        db=db, callback_id=cb.id, agent=users["a"], outcome="busy", note="통화 중", now=t1
    )
    assert cb.status == CallbackStatus.PENDING and cb.attempts == 1
    record_callback_attempt(
        db=db, callback_id=cb.id, agent=users["a"], outcome="reached", note=" 재발송 완료 ", now=t2
    )
    assert (cb.status, cb.closed_at, cb.attempts) == (CallbackStatus.DONE, t2, 2)
    attempts = list_callback_attempts(db=db, callback_id=cb.id)
    assert [(a.at, a.agent_id, a.outcome, a.note) for a in attempts] == [
        (t1, users["a"].id, AttemptOutcome.BUSY, "통화 중"),
        (t2, users["a"].id, AttemptOutcome.REACHED, "재발송 완료"),
    ]
    with pytest.raises(ValidationError, match="already closed"):
        record_callback_attempt(db=db, callback_id=cb.id, agent=users["a"], outcome="busy")


def test_unanswered_three_times_fails_and_wrong_number_fails_at_once(db: Session) -> None:
    cats, _queues, users = _setup(db)
    cb = _callback(db, users["a"], cats[0])
    for outcome in ("no_answer", "busy", "no_answer")[:MAX_CALLBACK_ATTEMPTS]:
        record_callback_attempt(db=db, callback_id=cb.id, agent=users["a"], outcome=outcome, now=WED_10)
    assert cb.status == CallbackStatus.FAILED and cb.attempts == 3 and cb.closed_at == WED_10
    cb2 = _callback(db, users["a"], cats[0])
    record_callback_attempt(db=db, callback_id=cb2.id, agent=users["a"], outcome="wrong_number", now=WED_10)
    assert cb2.status == CallbackStatus.FAILED and cb2.attempts == 1


def test_complete_callback_keeps_its_meaning_and_records_attempts(db: Session) -> None:
    cats, _queues, users = _setup(db)
    cb = _callback(db, users["a"], cats[0])
    complete_callback(db=db, callback_id=cb.id, agent=users["a"], status="failed")
    complete_callback(db=db, callback_id=cb.id, agent=users["a"], status="done")
    assert [a.outcome for a in list_callback_attempts(db=db, callback_id=cb.id)] == [
        AttemptOutcome.NO_ANSWER,
        AttemptOutcome.REACHED,
    ]
    cb2 = _callback(db, users["a"], cats[0])
    complete_callback(db=db, callback_id=cb2.id, agent=users["a"], status="cancelled")
    assert cb2.status == CallbackStatus.CANCELLED and cb2.attempts == 0 and cb2.closed_at is not None


def test_queue_callbacks_show_for_the_queue_agents_who_may_take_them(db: Session) -> None:
    cats, queues, users = _setup(db)
    cb = _callback(db, users["a"], cats[0])
    hand_callback_to_queue(db=db, callback_id=cb.id, agent=users["a"], queue_id=queues[0].id)
    assert cb.assigned_agent_id is None and cb.queue_id == queues[0].id
    # counselor2 works the queue and sees it; counselor1 handed it away; counselor3 is not in the queue
    seen_b = list_my_callbacks_due(db=db, agent=users["b"], now=WED_10)
    assert [(i.id, i.mine, i.queue_name) for i in seen_b] == [(cb.id, False, "지방세")]
    assert list_my_callbacks_due(db=db, agent=users["a"], now=WED_10) == []
    assert list_my_callbacks_due(db=db, agent=users["c"], now=WED_10) == []
    with pytest.raises(PermissionDenied):
        take_callback(db=db, callback_id=cb.id, agent=users["c"])
    take_callback(db=db, callback_id=cb.id, agent=users["b"])
    assert [i.mine for i in list_my_callbacks_due(db=db, agent=users["b"], now=WED_10)] == [True]
    with pytest.raises(PermissionDenied):
        take_callback(db=db, callback_id=cb.id, agent=users["a"])


def test_an_attempt_by_a_queue_agent_assigns_the_callback(db: Session) -> None:
    cats, queues, users = _setup(db)
    cb = _callback(db, users["a"], cats[0])
    hand_callback_to_queue(db=db, callback_id=cb.id, agent=users["a"], queue_id=queues[0].id)
    record_callback_attempt(db=db, callback_id=cb.id, agent=users["b"], outcome="no_answer", now=WED_10)
    assert cb.assigned_agent_id == users["b"].id and cb.status == CallbackStatus.PENDING


def test_take_conflict_when_someone_else_has_it(db: Session) -> None:
    cats, queues, users = _setup(db)
    add_queue_agent(db=db, queue_id=queues[0].id, user_id=users["c"].id)
    cb = _callback(db, users["a"], cats[0])
    hand_callback_to_queue(db=db, callback_id=cb.id, agent=users["a"], queue_id=queues[0].id)
    take_callback(db=db, callback_id=cb.id, agent=users["b"])
    # a supervisor may act on any callback, but cannot "take" one another counselor holds
    with pytest.raises(Conflict):
        take_callback(db=db, callback_id=cb.id, agent=users["sup"])


def test_supervisors_see_every_overdue_callback(db: Session) -> None:
    cats, queues, users = _setup(db)
    late = _callback(db, users["a"], cats[0], due=WED_10 + timedelta(hours=1))
    queued = _callback(db, users["a"], cats[0], due=WED_10 + timedelta(hours=2))
    _callback(db, users["b"], cats[0], due=WED_10 + timedelta(days=2))  # not yet due
    hand_callback_to_queue(db=db, callback_id=queued.id, agent=users["a"], queue_id=queues[0].id)
    now = WED_10 + timedelta(hours=3)
    rows = list_overdue_callbacks(db=db, viewer=users["sup"], now=now)
    assert [(r.id, r.assigned_name, r.queue_name) for r in rows] == [
        (late.id, "counselor1", None),
        (queued.id, None, "지방세"),
    ]
    with pytest.raises(PermissionDenied):
        list_overdue_callbacks(db=db, viewer=users["a"], now=now)


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"outcome": "maybe"}, ValidationError, "outcome"),
        ({"outcome": None}, ValidationError, "outcome"),
        ({"outcome": "busy", "note": "x" * 1001}, ValidationError, "note"),
        ({"outcome": "busy", "callback_id": 999_999}, NotFound, "callback_id"),
    ],
)
def test_bad_attempts(db: Session, kwargs: dict[str, Any], error: type[Exception], field: str) -> None:
    cats, _queues, users = _setup(db)
    cb = _callback(db, users["a"], cats[0])
    args: dict[str, Any] = {"callback_id": cb.id, **kwargs}
    with pytest.raises(error) as exc:
        record_callback_attempt(db=db, agent=users["a"], **args)
    assert getattr(exc.value, "field", None) == field
    assert list_callback_attempts(db=db, callback_id=cb.id) == []


def test_hand_to_unknown_queue(db: Session) -> None:
    cats, _queues, users = _setup(db)
    cb = _callback(db, users["a"], cats[0])
    with pytest.raises(ValidationError) as exc:
        hand_callback_to_queue(db=db, callback_id=cb.id, agent=users["a"], queue_id=987_654)
    assert exc.value.field == "queue_id" and cb.assigned_agent_id == users["a"].id


def test_desk_panel_over_http(client: Any, db: Session) -> None:
    cats, queues, users = _setup(db)
    cb = _callback(db, users["a"], cats[0])
    csrf = sign_in(client, "counselor1")
    panel = client.get("/desk/callbacks")
    assert panel.status_code == 200 and 'data-testid="callback-busy"' in panel.text
    r = client.post(
        f"/desk/callbacks/{cb.id}/attempts", data={"outcome": "busy", "note": "통화 중", "csrf_token": csrf}
    )
    assert r.status_code == 200 and 'data-testid="callback-attempts">1<' in r.text
    r = client.post(f"/desk/callbacks/{cb.id}/attempts", data={"outcome": "?", "csrf_token": csrf})
    assert r.status_code == 422 and r.json()["field"] == "outcome"
    r = client.post(
        f"/desk/callbacks/{cb.id}/attempts", data={"outcome": "busy", "note": "x" * 6000, "csrf_token": csrf}
    )
    assert r.status_code == 422
    r = client.post(f"/desk/callbacks/{cb.id}/queue", data={"queue_id": "abc", "csrf_token": csrf})
    assert r.status_code == 422 and r.json()["field"] == "queue_id"
    r = client.post(
        f"/desk/callbacks/{cb.id}/queue", data={"queue_id": str(queues[0].id), "csrf_token": csrf}
    )
    assert r.status_code == 200 and "callback-row" not in r.text
    assert client.get("/desk/callbacks/overdue").status_code == 403
    client.post("/logout", data={"csrf_token": csrf})
    csrf_b = sign_in(client, "counselor2")
    panel = client.get("/desk/callbacks")
    assert 'data-testid="callback-take"' in panel.text
    r = client.post(f"/desk/callbacks/{cb.id}/take", data={"csrf_token": csrf_b})
    assert r.status_code == 200 and 'data-mine="true"' in r.text
    assert client.post("/desk/callbacks/99999999/take", data={"csrf_token": csrf_b}).status_code == 404
