"""Small builders for test data, going through the same service functions users go through."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.accounts.service import create_user
from minwon.org.models import Category, Department, Queue
from minwon.org.service import ensure_department, ensure_queue, save_category

PASSWORD = "correct-horse-battery"


def make_user(db: Session, username: str = "counselor1", role: str = "counselor", **kw: object) -> User:
    user = create_user(
        db=db,
        username=username,
        password=PASSWORD,
        role=role,
        display_name=kw.pop("display_name", username),
        **kw,
    )  # type: ignore[arg-type]
    db.commit()
    return user


def make_org(db: Session) -> tuple[list[Category], list[Department], list[Queue]]:
    """Two departments, three categories and two queues."""
    tax = ensure_department(db=db, name="세무과")
    water = ensure_department(db=db, name="상하수도사업소")
    cats = [
        save_category(
            db=db,
            code="local_tax",
            name_ko="지방세",
            name_en="Local tax",
            sort_order=1,
            hotkey="1",
            default_department_id=tax.id,
        ),
        save_category(
            db=db,
            code="water",
            name_ko="상하수도",
            name_en="Water and sewage",
            sort_order=2,
            hotkey="2",
            default_department_id=water.id,
        ),
        save_category(db=db, code="other", name_ko="기타", name_en="Other", sort_order=9, hotkey="7"),
    ]
    queues = [
        ensure_queue(db=db, code="tax", name="지방세"),
        ensure_queue(db=db, code="general", name="일반"),
    ]
    db.commit()
    return cats, [tax, water], queues


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign ``username`` in through the login form; returns the session's CSRF token."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "the login page has no CSRF token"
    r = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, f"sign-in of {username} failed: {r.status_code}"
    return csrf_token(client)


def csrf_token(client: TestClient, path: str = "/") -> str:
    """The CSRF token the app puts in pages for the signed-in session."""
    page = client.get(path, headers={"Accept": "text/html"})
    found = re.search(r'data-csrf="([^"]+)"', page.text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)
