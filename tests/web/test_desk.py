"""The desk, case pages and contacts API through HTTP, signed in like a browser."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.cases.models import Case
from minwon.contacts.models import Callback, Contact
from minwon.contacts.service import record_contact
from minwon.core.clock import utcnow
from minwon.core.crypto import pseudonym
from minwon.core.models import AccessRecord
from minwon.org.models import Category
from tests.contacts.support import make_call
from tests.factories import PASSWORD, make_org, make_user

KST = ZoneInfo("Asia/Seoul")


def sign_in(client: TestClient, username: str) -> str:
    """Sign in through /login as a browser does; returns the page CSRF token of the start page."""
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = client.get("/desk" if r.headers["location"] == "/desk" else r.headers["location"])
    csrf = re.search(r'data-csrf="([^"]+)"', page.text)
    assert csrf is not None
    return csrf.group(1)


def _count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_desk_page_shows_form_hotkeys_and_test_ids(client: TestClient, db: Session) -> None:
    make_org(db)
    make_user(db, "counselor1", pbx_agent_id="AGENT_01")
    sign_in(client, "counselor1")
    page = client.get("/desk")
    assert page.status_code == 200
    for testid in (
        "contact-form",
        "category",
        "inquiry",
        "answer",
        "outcome",
        "save",
        "search-input",
        "callbacks",
    ):
        assert f'data-testid="{testid}"' in page.text, testid
    assert "<kbd>Ctrl</kbd>+<kbd>Enter</kbd>" in page.text
    assert 'data-hotkey="1"' in page.text and "[1] 지방세" in page.text
    assert "/static/desk.js" in page.text


def test_department_officer_may_not_open_the_desk(client: TestClient, db: Session) -> None:
    make_org(db)
    make_user(db, "officer", role="department_officer")
    sign_in(client, "officer")
    assert client.get("/desk").status_code == 403


def test_save_contact_needs_csrf_then_saves_and_confirms_transfer(client: TestClient, db: Session) -> None:
    cats, depts, _q = make_org(db)
    make_user(db, "counselor1", pbx_agent_id="AGENT_01")
    csrf = sign_in(client, "counselor1")
    form = {
        "category_id": str(cats[0].id),
        "inquiry": "자동차세 이중 납부 환급 요청",
        "answer": "세무과 이관",
        "outcome": "transferred",
        "department_id": str(depts[0].id),
        "petition_type": "inquiry_procedure",
        "opened_at": (utcnow() - timedelta(seconds=30)).isoformat(),
    }
    assert client.post("/desk/contacts", data=form).status_code == 403
    assert client.post("/desk/contacts", data={**form, "csrf_token": "wrong"}).status_code == 403
    assert _count(db, Contact) == 0
    r = client.post("/desk/contacts", data={**form, "csrf_token": csrf}, headers={"HX-Request": "true"})
    assert r.status_code == 200, r.text
    contact = db.scalars(select(Contact)).one()
    case = db.get(Case, contact.case_id)
    assert case is not None
    assert 'data-testid="confirmation"' in r.text
    assert case.number in r.text
    assert case.due_at is not None
    assert case.due_at.astimezone(KST).strftime("%Y-%m-%d %H:%M") in r.text  # local time
    # The form comes back cleared.
    assert "자동차세 이중 납부" not in r.text
    assert contact.acw_s >= 30  # the form was opened 30 s before saving


def test_validation_error_is_shown_beside_the_field(client: TestClient, db: Session) -> None:
    cats, _depts, _q = make_org(db)
    make_user(db, "counselor1")
    csrf = sign_in(client, "counselor1")
    r = client.post(
        "/desk/contacts",
        data={
            "csrf_token": csrf,
            "category_id": str(cats[0].id),
            "inquiry": "환급 문의",
            "outcome": "transferred",
        },
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 422
    assert 'data-field="department_id"' in r.text
    assert "환급 문의" in r.text  # what was typed is kept
    r = client.post(
        "/desk/contacts", data={"csrf_token": csrf, "category_id": "", "inquiry": "x", "outcome": "resolved"}
    )
    assert r.status_code == 422 and 'data-field="category_id"' in r.text
    assert _count(db, Contact) == 0


def test_manual_callback_contact_and_callback_list(client: TestClient, db: Session) -> None:
    cats, _depts, _q = make_org(db)
    make_user(db, "counselor1")
    csrf = sign_in(client, "counselor1")
    due_local = (utcnow() + timedelta(days=1)).astimezone(KST).strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        "/desk/contacts",
        data={
            "csrf_token": csrf,
            "category_id": str(cats[1].id),
            "inquiry": "요금 확인 후 연락 요망",
            "outcome": "callback",
            "caller": "010-4444-5555",
            "channel": "visit",
            "callback_due": due_local,
        },
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200, r.text
    cb = db.scalars(select(Callback)).one()
    assert cb.due_at.astimezone(KST).strftime("%Y-%m-%dT%H:%M") == due_local
    assert 'data-testid="callback-due"' in r.text
    listing = client.get("/desk/callbacks")
    assert "010-****-5555" in listing.text and "요금 확인" in listing.text
    done = client.post(f"/desk/callbacks/{cb.id}", data={"csrf_token": csrf, "status": "done"})
    assert done.status_code == 200 and "010-****-5555" not in done.text


def test_pop_shows_history_and_repeat_warning_and_logs_access(client: TestClient, db: Session) -> None:
    cats, _depts, _q = make_org(db)
    agent = make_user(db, "counselor1", pbx_agent_id="AGENT_01")
    make_user(db, "counselor2", pbx_agent_id="AGENT_02")
    now = utcnow()
    record_contact(
        db=db,
        agent=agent,
        category_id=cats[1].id,
        inquiry="수도 요금 문의",
        outcome="resolved",
        caller="010-1234-5678",
        now=now - timedelta(days=3),
    )
    call = make_call(
        db, "pop-1", ringing_at=now - timedelta(seconds=20), answered_at=now - timedelta(seconds=5)
    )
    csrf = sign_in(client, "counselor1")
    before = _count(db, AccessRecord)
    r = client.get(f"/desk/pop/{call.id}")
    assert r.status_code == 200
    assert 'data-testid="pop-panel"' in r.text and "010-****-5678" in r.text
    assert 'data-testid="repeat-warning"' in r.text and "수도 요금 문의" in r.text
    assert f'data-recent-categories="{cats[1].id}"' in r.text
    assert _count(db, AccessRecord) == before + 1
    rec = db.scalars(select(AccessRecord).order_by(AccessRecord.id.desc())).first()
    assert rec is not None and rec.purpose == f"call:{call.id}"
    assert rec.subject_ref == pseudonym("01012345678", purpose="caller")
    # The desk page reloads the pop of the live call.
    assert f'hx-get="/desk/pop/{call.id}"' in client.get("/desk").text
    # Saving on that call binds the contact to it.
    r = client.post(
        "/desk/contacts",
        data={
            "csrf_token": csrf,
            "call_id": str(call.id),
            "category_id": str(cats[1].id),
            "inquiry": "재문의",
            "outcome": "resolved",
        },
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200, r.text
    assert db.scalar(select(Contact).where(Contact.call_id == call.id)) is not None
    client.post("/logout", data={"csrf_token": csrf})
    sign_in(client, "counselor2")
    assert client.get(f"/desk/pop/{call.id}").status_code == 403


def test_pop_without_earlier_contacts_has_no_warning(client: TestClient, db: Session) -> None:
    make_org(db)
    make_user(db, "counselor1", pbx_agent_id="AGENT_01")
    call = make_call(db, "pop-2", ringing_at=utcnow(), caller="02-555-0101")
    sign_in(client, "counselor1")
    r = client.get(f"/desk/pop/{call.id}")
    assert r.status_code == 200 and "repeat-warning" not in r.text


def test_search_partial_works(client: TestClient, db: Session) -> None:
    make_org(db)
    make_user(db, "counselor1")
    sign_in(client, "counselor1")
    r = client.get("/desk/search", params={"q": "자동차세"})
    assert r.status_code == 200


def test_cases_pages_for_officer_and_supervisor(client: TestClient, db: Session) -> None:
    cats, depts, _q = make_org(db)
    agent = make_user(db, "counselor1")
    make_user(db, "tax1", role="department_officer", department_id=depts[0].id)
    make_user(db, "sup1", role="supervisor")
    received = datetime(2026, 3, 4, 10, 0, tzinfo=KST)
    tax_case = db.get(
        Case,
        record_contact(
            db=db,
            agent=agent,
            category_id=cats[0].id,
            inquiry="재산세 분할납부",
            outcome="transferred",
            department_id=depts[0].id,
            caller="01012345678",
            now=received,
        ).case_id,
    )
    water_case = db.get(
        Case,
        record_contact(
            db=db,
            agent=agent,
            category_id=cats[1].id,
            inquiry="누수",
            outcome="transferred",
            department_id=depts[1].id,
            now=received,
        ).case_id,
    )
    assert tax_case is not None and water_case is not None
    csrf = sign_in(client, "tax1")
    page = client.get("/cases")
    assert page.status_code == 200
    assert tax_case.number in page.text and water_case.number not in page.text
    assert tax_case.number in client.get("/cases?view=overdue").text  # due 12 March 2026 18:00 has passed
    before = _count(db, AccessRecord)
    detail = client.get(f"/cases/{tax_case.id}")
    assert (
        detail.status_code == 200 and "재산세 분할납부" in detail.text and "2026-03-12 18:00" in detail.text
    )
    assert _count(db, AccessRecord) == before + 1
    assert client.get(f"/cases/{water_case.id}").status_code == 403
    client.post("/logout", data={"csrf_token": csrf})
    sign_in(client, "sup1")
    page = client.get("/cases")
    assert tax_case.number in page.text and water_case.number in page.text
    assert client.get("/cases?view=later").status_code == 422


def test_contacts_api(client: TestClient, db: Session) -> None:
    cats, depts, _q = make_org(db)
    make_user(db, "counselor1")
    csrf = sign_in(client, "counselor1")
    body = {
        "category_id": cats[0].id,
        "inquiry": "지방소득세 신고 기한",
        "answer": "5월 말",
        "outcome": "resolved",
        "caller": "010-7777-8888",
    }
    assert client.post("/api/v1/contacts", json=body).status_code == 403
    r = client.post("/api/v1/contacts", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["caller_masked"] == "010-****-8888" and out["outcome"] == "resolved"
    assert "caller_enc" not in out and "caller_ref" not in out
    got = client.get(f"/api/v1/contacts/{out['id']}")
    assert got.status_code == 200 and got.json()["inquiry"] == "지방소득세 신고 기한"
    bad = client.post(
        "/api/v1/contacts", json={**body, "outcome": "transferred"}, headers={"X-CSRF-Token": csrf}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "department_id"
    moved = client.post(
        "/api/v1/contacts",
        json={**body, "outcome": "transferred", "department_id": depts[0].id},
        headers={"X-CSRF-Token": csrf},
    )
    assert moved.status_code == 201 and re.fullmatch(r"\d{4}-\d{6}", moved.json()["case_number"])


def test_article_view_partial(client: TestClient, db: Session) -> None:
    from minwon.knowledge.service import upsert_article

    cats, _depts, _q = make_org(db)
    make_user(db, "counselor1")
    art = upsert_article(
        db=db,
        slug="car-tax",
        title="자동차세 연납",
        body="1월 연납 시 할인",
        keywords="연납",
        category_id=cats[0].id,
    ).article
    sign_in(client, "counselor1")
    hits = client.get("/desk/search", params={"q": "연납"})
    assert f'data-article-id="{art.id}"' in hits.text
    r = client.get(f"/desk/articles/{art.id}")
    assert r.status_code == 200, r.text
    assert 'data-testid="article"' in r.text and "1월 연납 시 할인" in r.text


def test_callback_on_a_withheld_call_takes_the_number_given(client: TestClient, db: Session) -> None:
    cats, _depts, _q = make_org(db)
    make_user(db, "counselor1", pbx_agent_id="AGENT_01")
    now = utcnow()
    call = make_call(
        db,
        "withheld",
        caller=None,
        ringing_at=now - timedelta(minutes=2),
        answered_at=now - timedelta(minutes=1),
        ended_at=now - timedelta(seconds=10),
    )
    csrf = sign_in(client, "counselor1")
    pop = client.get(f"/desk/pop/{call.id}")
    assert pop.status_code == 200 and "repeat-warning" not in pop.text
    data = {
        "csrf_token": csrf,
        "call_id": str(call.id),
        "category_id": str(cats[0].id),
        "inquiry": "납부 확인 요청",
        "outcome": "callback",
    }
    missing = client.post("/desk/contacts", data=data, headers={"HX-Request": "true"})
    assert missing.status_code == 422 and 'data-field="caller"' in missing.text
    # Without htmx the whole desk comes back, so the form also works without JavaScript.
    saved = client.post("/desk/contacts", data={**data, "callback_caller": "010-8080-9090"})
    assert (
        saved.status_code == 200
        and 'data-testid="desk"' in saved.text
        and 'data-testid="confirmation"' in saved.text
    )
    contact = db.scalar(select(Contact).where(Contact.call_id == call.id))
    assert contact is not None and contact.caller_masked == "010-****-9090"
    assert contact.acw_s >= 10  # the call ended 10 s before saving


def _callback(client: TestClient, csrf: str, cats: list[Category], caller: str = "010-4444-5555") -> None:
    due_local = (utcnow() + timedelta(days=1)).astimezone(KST).strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        "/desk/contacts",
        data={
            "csrf_token": csrf,
            "category_id": str(cats[1].id),
            "inquiry": "요금 확인 후 연락 요망",
            "outcome": "callback",
            "caller": caller,
            "callback_due": due_local,
        },
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200, r.text


def test_failed_save_keeps_the_typing_and_shows_no_confirmation(client: TestClient, db: Session) -> None:
    cats, _depts, _q = make_org(db)
    make_user(db, "counselor1", pbx_agent_id="AGENT_01")
    now = utcnow()
    call = make_call(
        db, "dup-1", ringing_at=now - timedelta(seconds=30), answered_at=now - timedelta(seconds=20)
    )
    csrf = sign_in(client, "counselor1")
    page = client.get("/desk")
    # The error slot for failures that do not re-render the form (500, network): hidden, with the
    # generic message the script shows when the answer is not JSON.
    assert 'data-testid="save-error"' in page.text and 'data-generic="' in page.text
    data = {
        "csrf_token": csrf,
        "call_id": str(call.id),
        "category_id": str(cats[0].id),
        "inquiry": "첫 기록",
        "outcome": "resolved",
    }
    first = client.post("/desk/contacts", data=data, headers={"HX-Request": "true"})
    assert first.status_code == 200 and 'data-testid="confirmation"' in first.text
    again = client.post(
        "/desk/contacts", data={**data, "inquiry": "두 번째 기록"}, headers={"HX-Request": "true"}
    )
    assert again.status_code == 409
    assert 'data-testid="confirmation"' not in again.text
    assert 'role="alert"' in again.text and 'data-field="call_id"' in again.text
    assert "두 번째 기록" in again.text  # what was typed is kept
    assert _count(db, Contact) == 1


def test_reload_does_not_pop_a_call_already_recorded(client: TestClient, db: Session) -> None:
    cats, _depts, _q = make_org(db)
    make_user(db, "counselor1", pbx_agent_id="AGENT_01")
    now = utcnow()
    # Still talking as far as the PBX said (no hangup yet), but the counselor has saved the record.
    call = make_call(
        db, "live-1", ringing_at=now - timedelta(seconds=30), answered_at=now - timedelta(seconds=20)
    )
    csrf = sign_in(client, "counselor1")
    assert f'hx-get="/desk/pop/{call.id}"' in client.get("/desk").text
    r = client.post(
        "/desk/contacts",
        data={
            "csrf_token": csrf,
            "call_id": str(call.id),
            "category_id": str(cats[0].id),
            "inquiry": "통화 중 저장",
            "outcome": "resolved",
        },
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200, r.text
    before = _count(db, AccessRecord)
    assert "/desk/pop/" not in client.get("/desk").text
    assert _count(db, AccessRecord) == before


def test_pop_carries_the_status_labels_for_call_state_updates(client: TestClient, db: Session) -> None:
    make_org(db)
    make_user(db, "counselor1", pbx_agent_id="AGENT_01")
    now = utcnow()
    call = make_call(
        db, "st-1", ringing_at=now - timedelta(seconds=30), answered_at=now - timedelta(seconds=20)
    )
    sign_in(client, "counselor1")
    pop = client.get(f"/desk/pop/{call.id}")
    assert pop.status_code == 200
    assert 'data-status="talking"' in pop.text
    labels = re.search(r"data-status-labels='([^']*)'", pop.text)
    assert labels is not None
    decoded = json.loads(html.unescape(labels.group(1)))
    assert set(decoded) >= {"talking", "completed", "abandoned"}
    # Esc detaches the form from the call; the form announces the manual contact it becomes.
    assert 'data-testid="detached-note"' in client.get("/desk").text


def test_reveal_callback_number_for_the_assigned_counselor_with_access_record(
    client: TestClient, db: Session
) -> None:
    cats, _depts, _q = make_org(db)
    make_user(db, "counselor1")
    make_user(db, "counselor2")
    make_user(db, "sup1", role="supervisor")
    csrf = sign_in(client, "counselor1")
    _callback(client, csrf, cats)
    cb = db.scalars(select(Callback)).one()
    listing = client.get("/desk/callbacks")
    assert f'hx-post="/desk/callbacks/{cb.id}/number"' in listing.text
    assert "010-4444-5555" not in listing.text
    assert client.post(f"/desk/callbacks/{cb.id}/number").status_code == 403  # no CSRF token
    before = _count(db, AccessRecord)
    r = client.post(f"/desk/callbacks/{cb.id}/number", data={"csrf_token": csrf})
    assert r.status_code == 200, r.text
    assert "010-4444-5555" in r.text and 'href="tel:01044445555"' in r.text
    assert _count(db, AccessRecord) == before + 1
    rec = db.scalars(select(AccessRecord).order_by(AccessRecord.id.desc())).first()
    assert rec is not None
    assert (rec.action, rec.purpose) == ("view", f"callback:{cb.id}")
    assert rec.subject_ref == pseudonym("01044445555", purpose="caller")
    client.post("/logout", data={"csrf_token": csrf})

    csrf2 = sign_in(client, "counselor2")
    denied = client.post(f"/desk/callbacks/{cb.id}/number", data={"csrf_token": csrf2})
    assert denied.status_code == 403 and denied.json()["field"] == "callback_id"
    assert "010-4444-5555" not in denied.text
    assert _count(db, AccessRecord) == before + 1
    client.post("/logout", data={"csrf_token": csrf2})

    csrf3 = sign_in(client, "sup1")
    assert "010-4444-5555" in client.post(f"/desk/callbacks/{cb.id}/number", data={"csrf_token": csrf3}).text
    assert _count(db, AccessRecord) == before + 2
    assert client.post("/desk/callbacks/999999/number", data={"csrf_token": csrf3}).status_code == 404


def test_no_answer_counts_attempts_and_keeps_the_callback_until_the_third(
    client: TestClient, db: Session
) -> None:
    cats, _depts, _q = make_org(db)
    make_user(db, "counselor1")
    csrf = sign_in(client, "counselor1")
    _callback(client, csrf, cats)
    cb = db.scalars(select(Callback)).one()
    first = client.post(f"/desk/callbacks/{cb.id}", data={"csrf_token": csrf, "status": "failed"})
    assert first.status_code == 200
    db.refresh(cb)
    assert (cb.attempts, cb.status.value) == (1, "pending")
    assert "010-****-5555" in first.text  # still listed for another try
    assert re.search(r'data-testid="callback-attempts">1<', first.text)
    client.post(f"/desk/callbacks/{cb.id}", data={"csrf_token": csrf, "status": "failed"})
    third = client.post(f"/desk/callbacks/{cb.id}", data={"csrf_token": csrf, "status": "failed"})
    db.refresh(cb)
    assert (cb.attempts, cb.status.value) == (3, "failed")
    assert "010-****-5555" not in third.text


def test_callback_status_missing_or_unknown_is_422_naming_status(client: TestClient, db: Session) -> None:
    cats, _depts, _q = make_org(db)
    make_user(db, "counselor1")
    csrf = sign_in(client, "counselor1")
    _callback(client, csrf, cats)
    cb = db.scalars(select(Callback)).one()
    for data in ({}, {"status": ""}, {"status": "pending"}, {"status": "maybe"}):
        r = client.post(f"/desk/callbacks/{cb.id}", data={"csrf_token": csrf, **data})
        assert r.status_code == 422, (data, r.text)
        assert r.json()["field"] == "status"
    db.refresh(cb)
    assert (cb.status.value, cb.attempts) == ("pending", 0)
    done = client.post(f"/desk/callbacks/{cb.id}", data={"csrf_token": csrf, "status": "done"})
    assert done.status_code == 200
    db.refresh(cb)
    assert (cb.status.value, cb.attempts) == ("done", 1)


def test_search_accepts_500_characters_and_the_input_allows_them(client: TestClient, db: Session) -> None:
    make_org(db)
    make_user(db, "counselor1")
    sign_in(client, "counselor1")
    page = client.get("/desk")
    field = re.search(r'<input id="search-q"[^>]*>', page.text)
    assert field is not None and 'maxlength="500"' in field.group(0)
    assert client.get("/desk/search", params={"q": "가" * 500}).status_code == 200
    too_long = client.get("/desk/search", params={"q": "가" * 501})
    assert too_long.status_code == 422 and too_long.json()["field"] == "q"


ARTICLE_MD = """## 핵심 안내

**자동차세**는 1월에 [위택스](https://www.wetax.go.kr)에서 연납하면 *할인*됩니다.

| 신청 기간 | 공제율 |
|---|---:|
| 1월 | 5% |

- `위택스` 접속
* 연납 신청"""
ARTICLE_PLAIN = """핵심 안내

자동차세는 1월에 위택스에서 연납하면 할인됩니다.

신청 기간 · 공제율
1월 · 5%

- 위택스 접속
- 연납 신청"""


def test_markdown_to_plain_by_hand() -> None:
    from minwon.web.desk import markdown_to_plain

    assert markdown_to_plain(ARTICLE_MD) == ARTICLE_PLAIN
    assert markdown_to_plain("# 제목 #\n\n> 인용\n---\n끝") == "제목\n\n인용\n끝"
    assert (
        markdown_to_plain("<https://a.go.kr> 와 [](https://b.go.kr)") == "https://a.go.kr 와 https://b.go.kr"
    )
    assert markdown_to_plain("file_name_here ~~취소~~ __굵게__") == "file_name_here 취소 굵게"


def test_article_partial_carries_the_plain_text(client: TestClient, db: Session) -> None:
    from minwon.knowledge.service import upsert_article

    cats, _depts, _q = make_org(db)
    make_user(db, "counselor1")
    art = upsert_article(
        db=db, slug="md", title="자동차세 연납", body=ARTICLE_MD, keywords="연납", category_id=cats[0].id
    ).article
    sign_in(client, "counselor1")
    r = client.get(f"/desk/articles/{art.id}")
    plain = re.search(r'<div id="article-plain"[^>]*>(.*?)</div>', r.text, re.S)
    assert plain is not None and html.unescape(plain.group(1)) == ARTICLE_PLAIN
