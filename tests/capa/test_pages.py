"""The register pages through HTTP: list, prefilled form, bad input, workflow forms and roles."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.capa import service as capa
from minwon.capa.models import Nonconformity
from minwon.core.clock import local_today, to_local, utcnow
from tests.capa.support import ingest_calls, month_start, staff
from tests.factories import sign_in

HTML = {"Accept": "text/html"}


def _count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(Nonconformity)) or 0)


def test_prefill_and_create(client: TestClient, db: Session) -> None:
    qm = staff(db, "qm")
    owner = staff(db, "owner", "counselor")
    token = sign_in(client, "qm")
    ref = "complaint:42"
    page = client.get(
        f"/quality/capa/new?source=complaint&source_ref={ref}&title={quote('불친절 응대')}", headers=HTML
    )
    assert page.status_code == 200
    assert '<option value="complaint" selected>서비스 불만</option>' in page.text
    assert 'value="complaint:42"' in page.text and 'value="불친절 응대"' in page.text

    bad = client.get("/quality/capa/new?source=rumour&title=x", headers=HTML)
    assert bad.status_code == 422 and "출처를 선택하세요" in bad.text and 'value="x"' in bad.text
    long_ref = client.get(f"/quality/capa/new?source=kpi&source_ref={'r' * 101}", headers=HTML)
    assert long_ref.status_code == 422 and "출처 참조는 100자까지" in long_ref.text
    assert 'value="' + "r" * 101 not in long_ref.text

    form = {
        "csrf_token": token,
        "title": "불친절 응대",
        "source": "complaint",
        "source_ref": ref,
        "description": "상담 중 언성",
        "correction": "민원인에게 사과 전화",
        "owner_id": str(owner.id),
        "due_date": (local_today() + timedelta(days=10)).isoformat(),
    }
    bad_inputs = [
        ({"source": "rumour"}, "출처를 선택하세요"),
        ({"title": "가" * 201}, "제목은 200자까지"),
        ({"owner_id": "999999"}, "담당자는 등록된 활성 사용자여야 합니다."),
        ({"due_date": (local_today() - timedelta(days=1)).isoformat()}, "완료 기한은 과거일 수 없습니다."),
        ({"due_date": "next week"}, "YYYY-MM-DD"),
    ]
    for change, message in bad_inputs:
        r = client.post("/quality/capa/new", data={**form, **change}, headers=HTML)
        assert r.status_code == 422 and message in r.text, change
        assert 'value="불친절 응대"' in r.text or "가" * 201 in r.text  # the form keeps what was typed
    assert _count(db) == 0

    r = client.post("/quality/capa/new", data=form, headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    nc = db.scalars(select(Nonconformity)).one()
    assert r.headers["location"] == f"/quality/capa/{nc.id}?done=created"
    assert (nc.source_ref, nc.owner_id, nc.created_by_id) == (ref, owner.id, qm.id)
    detail = client.get(f"/quality/capa/{nc.id}", headers=HTML)
    assert f"NC-{to_local(utcnow()).year}-0001" in detail.text and "capa-plan-form" in detail.text
    listing = client.get("/quality/capa?status=open&source=complaint", headers=HTML)
    assert nc.reference in listing.text
    assert "capa-list-empty" in client.get("/quality/capa?source=kpi", headers=HTML).text


def test_workflow_through_forms_and_409(client: TestClient, db: Session) -> None:
    qm, owner = staff(db, "qm"), staff(db, "owner", "counselor")
    nc = capa.create_nonconformity(db=db, actor=qm, title="오안내", source="audit", description="d")
    token = sign_in(client, "qm")
    base = f"/quality/capa/{nc.id}"
    r = client.post(f"{base}/close", data={"csrf_token": token}, headers=HTML)
    assert r.status_code == 409 and "유효성 확인에서 조치가 효과적이라고 확인된 뒤에만" in r.text
    due = (local_today() + timedelta(days=3)).isoformat()
    plan = {
        "csrf_token": token,
        "root_cause": "",
        "corrective_action": "교육",
        "owner_id": str(owner.id),
        "due_date": due,
    }
    r = client.post(f"{base}/plan", data=plan, headers=HTML)
    assert r.status_code == 422 and "근본 원인을 입력하세요" in r.text and ">교육</textarea>" in r.text
    r = client.post(f"{base}/plan", data={**plan, "root_cause": "매뉴얼 미갱신"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{base}?done=plan"
    r = client.post(f"{base}/plan", data={**plan, "root_cause": "x"}, headers=HTML)
    assert r.status_code == 409 and "접수 상태인 항목에만" in r.text
    assert client.post(f"{base}/fly", data={"csrf_token": token}, headers=HTML).status_code == 422

    # the owner (a counselor) sees their entry, records the implementation, may not check or open others
    client.cookies.clear()
    token = sign_in(client, "owner")
    assert nc.reference in client.get("/quality/capa", headers=HTML).text
    page = client.get(base, headers=HTML)
    assert "capa-implement-form" in page.text and "capa-plan-form" not in page.text
    assert client.get("/quality/capa/new", headers=HTML).status_code == 403
    r = client.post(f"{base}/implement", data={"csrf_token": token, "implementation_note": "매뉴얼 개정"})
    assert r.status_code == 200 and "capa-check-form" not in r.text  # followed the redirect
    r = client.post(f"{base}/check", data={"csrf_token": token, "result": "effective"}, headers=HTML)
    assert r.status_code == 403
    other = capa.create_nonconformity(db=db, actor=qm, title="남의 것", source="other", description="d")
    assert client.get(f"/quality/capa/{other.id}", headers=HTML).status_code == 403

    client.cookies.clear()
    token = sign_in(client, "qm")
    r = client.post(f"{base}/check", data={"csrf_token": token, "result": "effective", "note": "재발 없음"})
    r = client.post(f"{base}/close", data={"csrf_token": token, "note": "종결"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(base, headers=HTML).text
    assert 'data-status="closed"' in page
    actions = re.findall(r'data-testid="capa-event" data-action="(\w+)"', page)
    assert actions == ["created", "planned", "implemented", "checked", "closed"]
    r = client.post(f"{base}/edit", data={"csrf_token": token, "title": "새 제목"}, headers=HTML)
    assert r.status_code == 409 and "종결된 항목은" in r.text


def test_roles_and_overdue_filter(client: TestClient, db: Session) -> None:
    qm = staff(db, "qm")
    staff(db, "officer", "department_officer")
    past = local_today() - timedelta(days=20)
    late = capa.create_nonconformity(
        db=db, actor=qm, title="기한 경과", source="kpi", description="d", due_date=past, today=past
    )
    capa.create_nonconformity(db=db, actor=qm, title="기한 전", source="kpi", description="d")
    sign_in(client, "officer")
    page = client.get("/quality/capa", headers=HTML)
    assert page.status_code == 200 and "capa-list-empty" in page.text and "nav-capa" not in page.text
    client.cookies.clear()
    sign_in(client, "qm")
    page = client.get("/quality/capa?overdue=1", headers=HTML).text
    assert re.findall(r'data-reference="([^"]+)"', page) == [late.reference]
    assert "capa-overdue" in page and "nav-capa" in page
    assert client.get("/quality/capa?status=lost", headers=HTML).status_code == 422


def test_suggestions_partial_register_link_and_dismiss(client: TestClient, db: Session) -> None:
    today = local_today()
    months = [month_start(today, back).replace(day=10) for back in (3, 2, 1)]
    labels = [f"{m:%Y-%m}" for m in months]
    ingest_calls(db, months, wait_s=40)
    staff(db, "qm")
    staff(db, "c1", "counselor")
    token = sign_in(client, "qm")
    assert 'hx-get="/quality/capa/suggestions"' in client.get("/quality/capa", headers=HTML).text
    part = client.get("/quality/capa/suggestions").text
    ref = f"kpi:service_level:{labels[0]}..{labels[2]}"
    text = f"서비스 레벨 3개월 연속 목표 미달 ({labels[0]} ~ {labels[2]})"
    assert text in part
    link = re.search(r'href="([^"]+)" data-testid="capa-suggestion-register"', part)
    assert link is not None
    form = client.get(html.unescape(link.group(1)), headers=HTML).text
    assert f'value="{ref}"' in form and f'value="{text}"' in form
    r = client.post("/quality/capa/suggestions/dismiss", data={"csrf_token": token, "source_ref": ref})
    assert r.status_code == 200 and "제안을 무시했습니다." in r.text
    assert "capa-suggestion" not in client.get("/quality/capa/suggestions").text
    client.cookies.clear()
    sign_in(client, "c1")
    assert client.get("/quality/capa/suggestions", headers=HTML).status_code == 403
    assert 'hx-get="/quality/capa/suggestions"' not in client.get("/quality/capa", headers=HTML).text
