"""Administration pages: categories (administrators only, CSRF-checked forms) and queues."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.core.models import AuditEvent
from minwon.org.models import Category
from tests.factories import PASSWORD, make_org, make_user

HTML = {"accept": "text/html"}


def _sign_in(client: TestClient, username: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303


def _csrf(client: TestClient) -> str:
    page = client.get("/admin/categories", headers=HTML)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    return token.group(1)


def _new_category(csrf: str, **overrides: str) -> dict[str, str]:
    form = {
        "csrf_token": csrf,
        "category_id": "",
        "code": "welfare",
        "name_ko": "복지",
        "name_en": "Welfare",
        "sort_order": "8",
        "hotkey": "8",
        "default_department_id": "",
        "is_active": "on",
    }
    form.update(overrides)
    return form


def test_signed_out_is_sent_to_login(client: TestClient) -> None:
    r = client.get("/admin/categories", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_counselor_gets_403_on_every_admin_page(client: TestClient, db: Session) -> None:
    make_org(db)
    make_user(db, "counselor1", "counselor")
    _sign_in(client, "counselor1")
    denied = client.get("/admin/categories", headers=HTML)
    assert denied.status_code == 403
    assert client.get("/admin/queues").status_code == 403
    # even with the session's own CSRF token (from the error page's sign-out form) a counselor cannot post
    token = re.search(r'name="csrf_token" value="([^"]+)"', denied.text)
    assert token
    r = client.post("/admin/categories", data=_new_category(token.group(1)), follow_redirects=False)
    assert r.status_code == 403
    assert r.json()["error"] == "PermissionDenied"
    assert db.scalar(select(Category).where(Category.code == "welfare")) is None


def test_admin_lists_categories_in_order(client: TestClient, db: Session) -> None:
    make_org(db)
    make_user(db, "admin", "administrator")
    _sign_in(client, "admin")
    page = client.get("/admin/categories", headers=HTML)
    assert page.status_code == 200
    # make_org's order: 지방세 (1), 상하수도 (2), 기타 (9)
    positions = [page.text.index(name) for name in ("지방세", "상하수도", "기타")]
    assert positions == sorted(positions)


def test_post_without_or_with_a_wrong_csrf_token_is_refused(client: TestClient, db: Session) -> None:
    make_user(db, "admin", "administrator")
    _sign_in(client, "admin")
    form = _new_category("")
    del form["csrf_token"]
    assert client.post("/admin/categories", data=form).status_code == 403
    assert client.post("/admin/categories", data=_new_category("forged")).status_code == 403
    assert db.scalar(select(Category).where(Category.code == "welfare")) is None


def test_admin_creates_then_edits_a_category(client: TestClient, db: Session) -> None:
    _cats, depts, _queues = make_org(db)
    admin = make_user(db, "admin", "administrator")
    _sign_in(client, "admin")
    csrf = _csrf(client)
    r = client.post(
        "/admin/categories",
        data=_new_category(csrf, default_department_id=str(depts[0].id)),
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/admin/categories?saved=welfare"
    created = db.scalar(select(Category).where(Category.code == "welfare"))
    assert created is not None
    assert (created.name_ko, created.sort_order, created.hotkey, created.default_department_id) == (
        "복지",
        8,
        "8",
        depts[0].id,
    )
    assert created.is_active
    audit = db.scalar(select(AuditEvent).where(AuditEvent.action == "category_saved"))
    assert audit is not None and audit.actor_id == admin.id

    edit_page = client.get(f"/admin/categories?edit={created.id}", headers=HTML)
    assert 'value="복지"' in edit_page.text
    form = _new_category(csrf, category_id=str(created.id), name_ko="복지·돌봄", sort_order="3", hotkey="")
    del form["is_active"]  # unchecked box
    assert client.post("/admin/categories", data=form, follow_redirects=False).status_code == 303
    db.refresh(created)
    assert (created.name_ko, created.sort_order, created.hotkey, created.is_active) == (
        "복지·돌봄",
        3,
        None,
        False,
    )


def test_errors_are_shown_next_to_the_field(client: TestClient, db: Session) -> None:
    make_org(db)
    make_user(db, "admin", "administrator")
    _sign_in(client, "admin")
    csrf = _csrf(client)
    # hotkey 1 belongs to 지방세 in make_org
    taken = client.post("/admin/categories", data=_new_category(csrf, hotkey="1"), headers=HTML)
    assert taken.status_code == 422
    assert re.search(r'id="e-hotkey"[^>]*>[^<]*지방세', taken.text)
    assert 'value="복지"' in taken.text  # the form keeps what was typed
    bad_order = client.post("/admin/categories", data=_new_category(csrf, sort_order="abc"), headers=HTML)
    assert bad_order.status_code == 422 and 'id="e-sort_order"' in bad_order.text
    no_name = client.post("/admin/categories", data=_new_category(csrf, name_ko=" "), headers=HTML)
    assert no_name.status_code == 422 and 'id="e-name_ko"' in no_name.text
    dup = client.post("/admin/categories", data=_new_category(csrf, code="water", hotkey=""), headers=HTML)
    assert dup.status_code == 422 and 'id="e-code"' in dup.text
    assert db.scalar(select(Category).where(Category.code == "welfare")) is None


def test_queues_page_lists_queues_read_only(client: TestClient, db: Session) -> None:
    make_org(db)
    make_user(db, "admin", "administrator")
    _sign_in(client, "admin")
    page = client.get("/admin/queues", headers=HTML)
    assert page.status_code == 200
    for code in ("tax", "general"):
        assert f"<code>{code}</code>" in page.text
    assert "<form" not in page.text.split("<main>", 1)[1].split("</main>", 1)[0]
