"""The desk's search-as-you-type partial and the synonym admin page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minwon.knowledge.service import upsert_article
from minwon.search.service import list_synonyms
from tests.factories import PASSWORD, make_org, make_user
from tests.web.test_desk import sign_in

HTML = {"accept": "text/html"}


def _ids(page: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-article-id="(\d+)"', page)]


def test_desk_search_marks_terms_escapes_and_filters(client: TestClient, db: Session) -> None:
    cats, depts, _queues = make_org(db)
    tow = upsert_article(
        db=db,
        slug="tow",
        title="견인된 차량 찾기",
        body="견인 보관소 <위치> 안내 & 요금",
        category_id=cats[0].id,
        department_id=depts[0].id,
    ).article.id
    water = upsert_article(
        db=db, slug="water", title="수도요금 견인 아님", body="수도요금 안내", category_id=cats[1].id
    ).article.id
    make_user(db, "counselor1")
    sign_in(client, "counselor1")
    page = client.get("/desk/search", params={"q": "견인 보관소"})
    assert page.status_code == 200
    assert _ids(page.text)[0] == tow
    assert "<mark>보관소</mark> &lt;위치&gt; 안내 &amp; 요금" in page.text
    assert "<위치>" not in page.text
    assert set(_ids(client.get("/desk/search", params={"q": "견인"}).text)) == {tow, water}
    by_cat = client.get("/desk/search", params={"q": "견인", "category_id": str(cats[1].id)})
    assert _ids(by_cat.text) == [water]
    by_dept = client.get("/desk/search", params={"q": "견인", "department_id": str(depts[0].id)})
    assert _ids(by_dept.text) == [tow]
    # the inquiry being typed is searched when the search box is empty
    assert _ids(client.get("/desk/search", params={"q": "", "inquiry": "차가 견인 보관소에"}).text)[0] == tow


def test_desk_search_hard_input_never_500(client: TestClient, db: Session) -> None:
    make_org(db)
    make_user(db, "counselor1")
    sign_in(client, "counselor1")
    for q in ("", "😀😀😀", "過怠料", "<script>alert(1)</script>", "가" * 500, "'; DROP TABLE articles; --"):
        r = client.get("/desk/search", params={"q": q})
        assert r.status_code == 200, q
        assert "<script>alert" not in r.text
    # (10,000 characters exceed the test client's URL limit; the service test covers them)
    too_long = client.get("/desk/search", params={"q": "가" * 2_000})
    assert too_long.status_code == 422 and too_long.json()["field"] == "q"
    assert client.get("/desk/search", params={"q": "x", "inquiry": "가" * 4000}).status_code == 200


def _admin_csrf(client: TestClient) -> str:
    page = client.get("/admin/synonyms", headers=HTML)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    return token.group(1)


def test_admin_adds_edits_and_deletes_a_synonym(client: TestClient, db: Session) -> None:
    make_user(db, "admin1", role="administrator")
    page = client.post(
        "/login",
        data={
            "username": "admin1",
            "password": PASSWORD,
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1),  # type: ignore[union-attr]
        },
        follow_redirects=False,
    )
    assert page.status_code == 303
    csrf = _admin_csrf(client)
    r = client.post(
        "/admin/synonyms",
        data={"csrf_token": csrf, "term": "렉카", "expansions": "견인, 견인차", "is_active": "on"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    [entry] = list_synonyms(db=db)
    assert (entry.term, entry.expansions, entry.is_active) == ("렉카", "견인, 견인차", True)
    bad = client.post("/admin/synonyms", data={"csrf_token": csrf, "term": "", "expansions": "x"})
    assert bad.status_code == 422 and 'id="e-term"' in bad.text
    off = client.post(
        "/admin/synonyms",
        data={"csrf_token": csrf, "synonym_id": str(entry.id), "term": "렉카", "expansions": "견인"},
        follow_redirects=False,
    )
    assert off.status_code == 303
    db.refresh(entry)
    assert (entry.expansions, entry.is_active) == ("견인", False)
    gone = client.post(
        f"/admin/synonyms/{entry.id}/delete", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert gone.status_code == 303 and list_synonyms(db=db) == []
    make_user(db, "counselor1")
    client.post("/logout", data={"csrf_token": csrf})
    sign_in(client, "counselor1")
    assert client.get("/admin/synonyms", headers=HTML).status_code in (302, 303, 403)
