"""Bad input never becomes a server error: huge ids, unknown pages."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_org, make_user
from tests.web.test_desk import sign_in


def test_huge_ids_are_422_not_500(client: TestClient, db: Session) -> None:
    make_org(db)
    make_user(db, "supervisor1", role="supervisor")
    sign_in(client, "supervisor1")
    huge = "9" * 40
    for path in (f"/cases/{huge}", f"/desk/pop/{huge}", f"/api/v1/contacts/{huge}"):
        r = client.get(path)
        assert r.status_code in (404, 422), (path, r.status_code, r.text)
        # PostgreSQL aborts the transaction on an out-of-range value; a real request's session is closed
        # afterwards, but this test shares one session across requests
        db.rollback()


def test_unknown_page_is_a_page_for_browsers_and_json_for_apis(client: TestClient) -> None:
    page = client.get("/no-such-page", headers={"accept": "text/html"})
    assert page.status_code == 404 and "없는 페이지입니다" in page.text
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json()["error"] == "HTTPError"
