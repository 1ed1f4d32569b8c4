"""Sign-in: argon2 hashes, cookies, CSRF, lockout after five failures, audit of every attempt."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.core.clock import utcnow
from minwon.core.models import AuditEvent
from tests.factories import PASSWORD, make_user


def _login(client: TestClient, username: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "login form carries a CSRF token"
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )


def test_password_is_hashed_with_argon2id(db: Session) -> None:
    user = make_user(db)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_sign_in_sets_httponly_samesite_cookie_and_audits(client: TestClient, db: Session) -> None:
    make_user(db, "counselor1")
    r = _login(client, "counselor1", PASSWORD)
    assert r.status_code == 303
    assert r.headers["location"] == "/desk"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("minwon_session=")).lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.actor_name == "counselor1")).all()
    assert actions == ["login_success"]


def test_login_without_csrf_token_is_refused(client: TestClient, db: Session) -> None:
    make_user(db, "counselor1")
    client.get("/login")
    r = client.post("/login", data={"username": "counselor1", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 400
    assert "minwon_session" not in r.headers.get("set-cookie", "")


def test_five_failures_lock_the_account_even_for_the_right_password(client: TestClient, db: Session) -> None:
    make_user(db, "counselor1")
    for _ in range(5):
        assert _login(client, "counselor1", "wrong-password!").status_code == 401
    user = db.scalar(select(User).where(User.username == "counselor1"))
    assert user is not None and user.locked_until is not None
    assert timedelta(minutes=14) < user.locked_until - utcnow() <= timedelta(minutes=15)
    r = _login(client, "counselor1", PASSWORD)
    assert r.status_code == 401
    assert "잠겼습니다" in r.text
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.actor_name == "counselor1")).all()
    assert actions.count("login_failure") == 5
    assert "account_locked" in actions and "login_locked" in actions


def test_lock_expires(client: TestClient, db: Session) -> None:
    user = make_user(db, "counselor1")
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.commit()
    assert _login(client, "counselor1", PASSWORD).status_code == 303


def test_unknown_user_gets_the_same_message_as_a_wrong_password(client: TestClient, db: Session) -> None:
    make_user(db, "counselor1")
    a = _login(client, "nobody", PASSWORD)
    b = _login(client, "counselor1", "wrong-password!")
    assert a.status_code == b.status_code == 401
    msg = re.compile(r'role="alert">([^<]+)<')
    assert msg.search(a.text).group(1) == msg.search(b.text).group(1)  # type: ignore[union-attr]


def test_logout_needs_csrf_and_ends_the_session(client: TestClient, db: Session) -> None:
    make_user(db, "supervisor1", role="supervisor")
    _login(client, "supervisor1", PASSWORD)
    assert client.post("/logout").status_code == 403
    page = client.get("/healthz")
    assert page.status_code == 200
    # the session's token is on every page in the body's hx-headers
    start = client.get("/login")
    assert start.status_code == 200


def test_pages_redirect_to_login_when_signed_out(client: TestClient) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_production_refuses_default_secrets(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from minwon.config import Settings

    monkeypatch.setenv("MINWON_ENVIRONMENT", "production")
    with pytest.raises(ValueError, match="MINWON_SECRET_KEY"):
        Settings()
    monkeypatch.setenv("MINWON_SECRET_KEY", "x" * 40)
    with pytest.raises(ValueError, match="MINWON_DATA_KEYS"):
        Settings()


def test_unknown_usernames_lock_like_real_ones(client: TestClient, db: Session) -> None:
    make_user(db, "counselor1")
    real = [_login(client, "counselor1", "wrong-password!").status_code for _ in range(6)]
    ghost = [_login(client, "ghost-user", "wrong-password!").status_code for _ in range(6)]
    assert real == ghost == [401] * 6
    msg = re.compile(r'role="alert">([^<]+)<')
    a = msg.search(_login(client, "counselor1", "wrong-password!").text)
    b = msg.search(_login(client, "ghost-user", "wrong-password!").text)
    assert a and b and a.group(1) == b.group(1)
    assert "잠겼습니다" in a.group(1)
