"""Telephony events through the real HTTP endpoint: auth, state machine, idempotency, bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.core.crypto import decrypt
from minwon.telephony.models import Call, CallEvent, CallStatus
from minwon.telephony.service import issue_pbx_token
from tests.factories import make_org, make_user

KST = "+09:00"


def _post(client: TestClient, token: str, body: object):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/telephony/events", json=body, headers={"Authorization": f"Bearer {token}"})


def _setup(db: Session) -> str:
    make_org(db)
    make_user(db, "counselor1", pbx_agent_id="AGENT_01")
    return issue_pbx_token(db=db, name="pbx-main")


def test_token_required(client: TestClient, db: Session) -> None:
    _setup(db)
    ev = {"event": "ringing", "call_id": "c1", "occurred_at": f"2026-11-30T10:00:00{KST}", "queue": "tax"}
    assert client.post("/api/v1/telephony/events", json=ev).status_code == 401
    assert _post(client, "not-a-token", ev).status_code == 401


def test_answered_call_lifecycle_with_hold(client: TestClient, db: Session) -> None:
    token = _setup(db)
    events = [
        {
            "event": "ringing",
            "call_id": "c1",
            "occurred_at": f"2026-11-30T10:00:00{KST}",
            "entered_at": f"2026-11-30T09:59:50{KST}",
            "queue": "tax",
            "caller": "010-1234-5678",
            "agent": "AGENT_01",
        },
        {
            "event": "answered",
            "call_id": "c1",
            "occurred_at": f"2026-11-30T10:00:12{KST}",
            "agent": "AGENT_01",
        },
        {"event": "hold", "call_id": "c1", "occurred_at": f"2026-11-30T10:01:00{KST}"},
        {"event": "unhold", "call_id": "c1", "occurred_at": f"2026-11-30T10:01:30{KST}"},
        {"event": "hangup", "call_id": "c1", "occurred_at": f"2026-11-30T10:03:12{KST}"},
    ]
    r = _post(client, token, events)
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 5
    call = db.scalar(select(Call).where(Call.external_id == "c1"))
    assert call is not None
    assert call.status == CallStatus.COMPLETED
    # by hand: wait 10:00:00→10:00:12 = 12 s; hold 30 s; talk 10:00:12→10:03:12 = 180 s less hold = 150 s
    assert (call.queue_wait_s, call.hold_s, call.talk_s) == (12, 30, 150)
    assert call.caller_masked == "010-****-5678"
    assert call.caller_enc is not None and "5678" not in call.caller_enc
    assert decrypt(call.caller_enc) == "01012345678"
    assert call.service_day == date(2026, 11, 30)
    assert call.started_at == datetime(2026, 11, 30, 0, 59, 50, tzinfo=UTC)
    assert call.agent_id is not None


def test_same_events_twice_count_once(client: TestClient, db: Session) -> None:
    token = _setup(db)
    events = [
        {"event": "ringing", "call_id": "c2", "occurred_at": f"2026-11-30T10:00:00{KST}", "queue": "tax"},
        {"event": "abandoned", "call_id": "c2", "occurred_at": f"2026-11-30T10:00:40{KST}"},
    ]
    assert _post(client, token, events).json()["accepted"] == 2
    again = _post(client, token, events).json()
    assert (again["accepted"], again["duplicates"]) == (0, 2)
    assert db.scalar(select(func.count()).select_from(Call)) == 1
    assert db.scalar(select(func.count()).select_from(CallEvent)) == 2
    call = db.scalar(select(Call).where(Call.external_id == "c2"))
    assert call is not None and call.status == CallStatus.ABANDONED and call.queue_wait_s == 40


def test_pbx_reported_durations_win(client: TestClient, db: Session) -> None:
    token = _setup(db)
    events = [
        {"event": "ringing", "call_id": "c3", "occurred_at": f"2026-11-30T10:00:00{KST}", "queue": "tax"},
        {
            "event": "answered",
            "call_id": "c3",
            "occurred_at": f"2026-11-30T10:00:09{KST}",
            "queue_wait_s": 10,
        },
        {"event": "hangup", "call_id": "c3", "occurred_at": f"2026-11-30T10:01:00{KST}", "talk_s": 52},
    ]
    _post(client, token, events)
    call = db.scalar(select(Call).where(Call.external_id == "c3"))
    assert call is not None and (call.queue_wait_s, call.talk_s) == (10, 52)


def test_hangup_while_queued_is_abandoned_and_ivr_only_is_not_offered(
    client: TestClient, db: Session
) -> None:
    token = _setup(db)
    events = [
        {"event": "ringing", "call_id": "q", "occurred_at": f"2026-11-30T10:00:00{KST}", "queue": "tax"},
        {"event": "hangup", "call_id": "q", "occurred_at": f"2026-11-30T10:00:05{KST}"},
        {
            "event": "hangup",
            "call_id": "ivr",
            "occurred_at": f"2026-11-30T10:00:05{KST}",
            "entered_at": f"2026-11-30T09:59:55{KST}",
        },
    ]
    _post(client, token, events)
    q = db.scalar(select(Call).where(Call.external_id == "q"))
    ivr = db.scalar(select(Call).where(Call.external_id == "ivr"))
    assert q is not None and q.status == CallStatus.ABANDONED and q.queue_wait_s == 5
    assert ivr is not None and ivr.status == CallStatus.ENDED_IN_IVR


def test_bad_events_are_rejected_by_field_without_losing_the_good_ones(
    client: TestClient, db: Session
) -> None:
    token = _setup(db)
    r = _post(client, token, {"event": "ringing", "call_id": "x", "occurred_at": "2026-11-30T10:00:00"})
    assert r.status_code == 422
    assert r.json()["field"] == "occurred_at"
    r = _post(
        client, token, {"event": "teleport", "call_id": "x", "occurred_at": f"2026-11-30T10:00:00{KST}"}
    )
    assert r.status_code == 422 and r.json()["field"] == "event"
    batch = [
        {"event": "ringing", "call_id": "ok", "occurred_at": f"2026-11-30T10:00:00{KST}", "queue": "tax"},
        {"event": "ringing", "call_id": "bad", "occurred_at": f"2026-11-30T10:00:00{KST}", "queue": "nope"},
        {
            "event": "ringing",
            "call_id": "bad2",
            "occurred_at": f"2026-11-30T10:00:00{KST}",
            "caller": "call me",
        },
        {"event": "hold", "call_id": "ghost", "occurred_at": f"2026-11-30T10:00:00{KST}"},
    ]
    body = _post(client, token, batch).json()
    assert (body["accepted"], body["rejected"]) == (1, 3)
    assert [o["field"] for o in body["outcomes"][1:]] == ["queue", "caller", "call_id"]
    assert "call me" not in str(body)
    assert db.scalar(select(func.count()).select_from(Call)) == 1


def test_event_after_the_end_is_a_conflict(client: TestClient, db: Session) -> None:
    token = _setup(db)
    _post(
        client,
        token,
        [
            {"event": "ringing", "call_id": "e", "occurred_at": f"2026-11-30T10:00:00{KST}", "queue": "tax"},
            {"event": "abandoned", "call_id": "e", "occurred_at": f"2026-11-30T10:00:10{KST}"},
        ],
    )
    body = _post(
        client, token, {"event": "answered", "call_id": "e", "occurred_at": f"2026-11-30T10:00:20{KST}"}
    ).json()
    assert body["rejected"] == 1 and "already ended" in body["outcomes"][0]["message"]


def test_out_of_range_timestamps_and_ids_are_clear_errors(client: TestClient, db: Session) -> None:
    token = _setup(db)
    for stamp in ("9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "1969-12-31T23:00:00+00:00"):
        r = _post(
            client,
            token,
            [
                {
                    "event": "ringing",
                    "call_id": "ok",
                    "occurred_at": f"2026-11-30T10:00:00{KST}",
                    "queue": "tax",
                },
                {"event": "ringing", "call_id": "far", "occurred_at": stamp, "queue": "tax"},
            ],
        )
        assert r.status_code == 422 and r.json()["field"] == "1.occurred_at", r.text
    r = client.get("/api/v1/contacts/9999999999999999999999999999999")
    assert r.status_code in (401, 422)  # signed out → 401; never a 500


def test_hangup_tells_the_desk_the_call_ended(db: Session) -> None:
    import asyncio

    from minwon.core.live import get_broker
    from minwon.telephony.schemas import TelephonyEvent
    from minwon.telephony.service import authenticate_pbx, ingest_events

    token = _setup(db)
    pbx = authenticate_pbx(db=db, token=token)
    agent_id = db.scalar(select(Call.agent_id).limit(1))  # no calls yet
    assert agent_id is None

    async def run() -> list[dict[str, object]]:
        got: list[dict[str, object]] = []
        from minwon.accounts.models import User

        user = db.scalar(select(User).where(User.pbx_agent_id == "AGENT_01"))
        assert user is not None
        stream = get_broker().subscribe([f"desk:{user.id}"])
        first = await stream.__anext__()
        if first.get("type") != "subscribed":
            got.append(first)
        events = [
            TelephonyEvent.model_validate(e)
            for e in (
                {
                    "event": "ringing",
                    "call_id": "h",
                    "occurred_at": f"2026-11-30T10:00:00{KST}",
                    "queue": "tax",
                    "agent": "AGENT_01",
                },
                {
                    "event": "answered",
                    "call_id": "h",
                    "occurred_at": f"2026-11-30T10:00:05{KST}",
                    "agent": "AGENT_01",
                },
                {"event": "hangup", "call_id": "h", "occurred_at": f"2026-11-30T10:02:05{KST}"},
            )
        ]
        await asyncio.to_thread(ingest_events, db=db, pbx=pbx, events=events)
        while len(got) < 3:
            got.append(await asyncio.wait_for(stream.__anext__(), timeout=5))
        await stream.aclose()
        return got

    got = asyncio.run(run())
    assert [m["type"] for m in got] == ["screen_pop", "screen_pop", "call_state"]
    assert got[2]["status"] == "completed"


def test_strict_token_scheme_queue_and_body_size(client: TestClient, db: Session) -> None:
    token = _setup(db)
    ev = {"event": "ringing", "call_id": "s1", "occurred_at": f"2026-11-30T10:00:00{KST}", "queue": "tax"}
    bare = client.post("/api/v1/telephony/events", json=ev, headers={"Authorization": token})
    assert bare.status_code == 401  # the "Bearer" scheme is required
    no_queue = _post(client, token, {**ev, "queue": None}).json()
    assert no_queue["rejected"] == 1 and no_queue["outcomes"][0]["field"] == "queue"
    short = _post(client, token, {**ev, "call_id": "s2", "caller": "12"}).json()
    assert short["rejected"] == 1 and short["outcomes"][0]["field"] == "caller"
    big = client.post(
        "/api/v1/telephony/events",
        content=b"[" + b" " * 2_000_001 + b"]",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert big.status_code == 413 and big.json()["field"] == "body"
