"""Knowledge-base pages and the desk's article view through HTTP: what each role may do, the author
cannot approve, the desk shows only the version in effect, flags reach the owner, diffs are escaped."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.core.clock import local_today
from minwon.core.models import AuditEvent
from minwon.knowledge import service as kb
from minwon.knowledge.models import ArticleFlag, VersionStatus
from tests.factories import make_org
from tests.knowledge.conftest import staff
from tests.web.test_desk import sign_in


def _setup(db: Session) -> dict[str, int]:
    cats, (tax, water), _q = make_org(db)
    staff(db, "counselor1")
    staff(db, "qm1", role="quality_manager")
    staff(db, "officer_water", role="department_officer", department_id=water.id)
    return {"cat": cats[0].id, "tax": tax.id, "water": water.id}


def _post(client: TestClient, url: str, csrf: str, **data: str) -> object:
    return client.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)


def test_author_drafts_in_the_form_cannot_approve_and_second_user_does(
    client: TestClient, db: Session, kb_files: Path
) -> None:
    ids = _setup(db)
    csrf = sign_in(client, "qm1")
    r = client.post(
        "/kb/new",
        data={
            "csrf_token": csrf, "title": "대형폐기물 배출 <b>안내</b>",
            "body": "| 품목 | 수수료 |\n|---|---|\n| 소파 | 5,000원 |",
            "keywords": "대형폐기물, 스티커", "category_id": str(ids["cat"]),
            "department_id": str(ids["tax"]),
            "effective_from": "", "effective_to": "", "change_note": "신규",
        },
        files=[("attachments", ("안내.txt", "스티커 가격표".encode(), "text/plain"))],
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    article_id = int(re.search(r"/kb/articles/(\d+)", r.headers["location"]).group(1))  # type: ignore[union-attr]
    page = client.get(r.headers["location"])
    assert "<td>소파</td>" in page.text and "대형폐기물 배출 &lt;b&gt;안내&lt;/b&gt;" in page.text
    assert "안내.txt" in page.text
    stored = list(kb_files.rglob("*"))
    assert [p.read_text(encoding="utf-8") for p in stored if p.is_file()] == ["스티커 가격표"]
    download = client.get(re.search(r'href="(/kb/attachments/\d+)"', page.text).group(1))  # type: ignore[union-attr]
    assert download.text == "스티커 가격표" and "attachment;" in download.headers["content-disposition"]
    assert download.headers["x-content-type-options"] == "nosniff"
    assert _post(client, f"/kb/articles/{article_id}/versions/1/submit", csrf).status_code == 303  # type: ignore[attr-defined]
    refused = _post(client, f"/kb/articles/{article_id}/versions/1/approve", csrf)
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert "직접 작성" in refused.text  # type: ignore[attr-defined]
    assert kb.get_version(db=db, article_id=article_id, number=1).status == VersionStatus.IN_REVIEW

    # the desk does not show it yet
    client.cookies.clear()
    csrf_c = sign_in(client, "counselor1")
    assert client.get(f"/desk/articles/{article_id}").status_code == 404
    # a counselor cannot approve either
    assert _post(client, f"/kb/articles/{article_id}/versions/1/approve", csrf_c).status_code == 403  # type: ignore[attr-defined]
    assert client.get("/kb/review").status_code == 403

    client.cookies.clear()
    staff(db, "qm2", role="quality_manager")
    csrf2 = sign_in(client, "qm2")
    queue = client.get("/kb/review")
    assert f"/kb/articles/{article_id}?v=1" in queue.text
    ok = _post(client, f"/kb/articles/{article_id}/versions/1/approve", csrf2, comment="확인")
    assert ok.status_code == 303  # type: ignore[attr-defined]
    audit = db.scalar(select(AuditEvent).where(AuditEvent.action == "kb_approved"))
    assert audit is not None and audit.actor_name == "qm2"

    client.cookies.clear()
    sign_in(client, "counselor1")
    desk = client.get(f"/desk/articles/{article_id}")
    assert desk.status_code == 200 and "<td>소파</td>" in desk.text and 'data-testid="flag-form"' in desk.text


def test_desk_shows_the_version_in_effect_not_the_newer_draft_or_future_one(
    client: TestClient, db: Session
) -> None:
    ids = _setup(db)
    author, qm = staff(db, "author1"), staff(db, "qm9", role="quality_manager")
    v1 = kb.create_article(
        db=db, author=author, title="주민세 납부", body="8월에 납부합니다.", department_id=ids["tax"]
    )
    kb.submit_for_review(db=db, actor=author, article_id=v1.article_id, number=1)
    kb.approve_version(db=db, actor=qm, article_id=v1.article_id, number=1)
    v2 = kb.save_draft(
        db=db, author=author, article_id=v1.article_id, base_number=1, title="주민세 납부",
        body="9월에 납부합니다.", effective_from=local_today() + timedelta(days=7),
    )  # fmt: skip
    kb.submit_for_review(db=db, actor=author, article_id=v1.article_id, number=2)
    kb.approve_version(db=db, actor=qm, article_id=v1.article_id, number=2)
    kb.save_draft(
        db=db, author=author, article_id=v1.article_id, base_number=2, title="주민세", body="초안 10월"
    )
    assert v2.number == 2
    sign_in(client, "counselor1")
    r = client.get(f"/desk/articles/{v1.article_id}")
    assert "8월에 납부합니다." in r.text and "9월" not in r.text and "10월" not in r.text
    assert 'data-version="1"' in r.text
    hits = client.get("/desk/search", params={"q": "주민세"})
    assert f'data-article-id="{v1.article_id}"' in hits.text and "초안 10월" not in hits.text
    # the KB page lists it as published with v3 as draft; the status filter works
    listing = client.get("/kb", params={"status": "draft"})
    assert f'data-article-id="{v1.article_id}"' in listing.text
    assert f'data-article-id="{v1.article_id}"' not in client.get("/kb", params={"status": "retired"}).text
    assert client.get("/kb", params={"status": "nonsense"}).status_code == 422


def test_flag_from_the_desk_reaches_the_owning_department(client: TestClient, db: Session) -> None:
    ids = _setup(db)
    imported = kb.upsert_article(
        db=db, slug="water-bill", title="수도요금 고지", body="매월 25일", department_id=ids["water"]
    )
    aid = imported.article.id
    csrf = sign_in(client, "counselor1")
    empty = client.post(
        f"/kb/articles/{aid}/flag", data={"csrf_token": csrf, "reason": "wrong", "comment": " "},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert empty.status_code == 422 and 'data-testid="flag-error"' in empty.text
    sent = client.post(
        f"/kb/articles/{aid}/flag", data={"csrf_token": csrf, "reason": "outdated", "comment": "20일로 바뀜"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert sent.status_code == 200 and 'data-testid="flag-done"' in sent.text
    flag = db.scalar(select(ArticleFlag))
    assert flag is not None and flag.department_id == ids["water"]

    client.cookies.clear()
    csrf_o = sign_in(client, "officer_water")
    flags = client.get("/kb/flags")
    assert "20일로 바뀜" in flags.text and 'data-testid="flag-resolve"' in flags.text
    done = _post(client, f"/kb/flags/{flag.id}/resolve", csrf_o, note="v2 작성")
    assert done.status_code == 303  # type: ignore[attr-defined]
    db.refresh(flag)
    assert flag.status.value == "resolved" and flag.resolution_note == "v2 작성"
    assert "20일로 바뀜" not in client.get("/kb/flags").text


def test_diff_page_escapes_and_marks_changes(client: TestClient, db: Session) -> None:
    ids = _setup(db)
    author = staff(db, "author1")
    v1 = kb.create_article(
        db=db, author=author, title="제목", body="공제율 5%\n<script>x</script>", department_id=ids["tax"]
    )
    kb.save_draft(
        db=db,
        author=author,
        article_id=v1.article_id,
        base_number=1,
        title="새 제목",
        body="공제율 3%\n<script>x</script>",
    )
    sign_in(client, "counselor1")
    r = client.get(f"/kb/articles/{v1.article_id}/diff", params={"a": 1, "b": 2})
    assert r.status_code == 200
    assert "<script>x" not in r.text and "&lt;script&gt;x&lt;/script&gt;" in r.text
    assert "<del>5</del>" in r.text and "<ins>3</ins>" in r.text
    assert "<del>제목</del>" in r.text and "<ins>새 제목</ins>" in r.text
    assert client.get(f"/kb/articles/{v1.article_id}/diff", params={"a": 1, "b": 9}).status_code == 404


def test_edit_form_errors_and_stale_base(client: TestClient, db: Session) -> None:
    ids = _setup(db)
    author = staff(db, "author1")
    v1 = kb.create_article(db=db, author=author, title="제목", body="본문", department_id=ids["tax"])
    csrf = sign_in(client, "counselor1")
    url = f"/kb/articles/{v1.article_id}/edit"
    form = client.get(url)
    assert 'name="base_number" value="1"' in form.text
    bad = client.post(url, data={"csrf_token": csrf, "base_number": "1", "title": "", "body": "x"})
    assert bad.status_code == 422 and 'data-field="title"' in bad.text
    bad_date = client.post(
        url,
        data={
            "csrf_token": csrf,
            "base_number": "1",
            "title": "t",
            "body": "x",
            "effective_from": "2026-13-01",
        },
    )
    assert bad_date.status_code == 422 and 'data-field="effective_from"' in bad_date.text
    ok = client.post(
        url, data={"csrf_token": csrf, "base_number": "1", "title": "t", "body": "x"}, follow_redirects=False
    )
    assert ok.status_code == 303
    stale = client.post(url, data={"csrf_token": csrf, "base_number": "1", "title": "t2", "body": "y"})
    assert stale.status_code == 409
    assert [v.number for v in kb.list_versions(db=db, article_id=v1.article_id)] == [2, 1]


def test_overdue_page_and_cli_contract(client: TestClient, db: Session) -> None:
    ids = _setup(db)
    author, qm = staff(db, "author1"), staff(db, "qm9", role="quality_manager")
    v = kb.create_article(db=db, author=author, title="검토 지난 답변", body="b", department_id=ids["water"])
    kb.submit_for_review(db=db, actor=author, article_id=v.article_id, number=1)
    kb.approve_version(
        db=db, actor=qm, article_id=v.article_id, number=1, review_due=local_today() + timedelta(days=1)
    )
    assert kb.overdue_reviews(db=db) == []
    sign_in(client, "qm1")
    assert 'data-testid="kb-overdue-empty"' in client.get("/kb/overdue").text
