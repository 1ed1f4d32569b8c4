"""Knowledge base: upsert, the simple Korean-aware search, the JSON API and the CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minwon.core.errors import ValidationError
from minwon.knowledge.service import get_published_article, search_articles, upsert_article
from minwon.org.service import save_category
from tests.factories import PASSWORD, make_user

ARTICLES_YAML = Path(__file__).resolve().parents[2] / "src" / "minwon" / "knowledge" / "demo_articles.yaml"
ARTICLES: list[dict[str, Any]] = yaml.safe_load(ARTICLES_YAML.read_text(encoding="utf-8"))
#: The standard answer about paying a year's vehicle tax in advance (자동차세 연납), found by hand.
PREPAY = next(a for a in ARTICLES if "자동차세" in a["title"] and "연납" in a["title"])


def _load_articles(db: Session) -> dict[str, int]:
    """All 59 demo articles; the 지방세 ones get that category. Returns ``{slug: id}``."""
    tax = save_category(db=db, code="local_tax", name_ko="지방세", name_en="Local tax", sort_order=1)
    ids = {}
    for a in ARTICLES:
        result = upsert_article(
            db=db,
            slug=a["slug"],
            title=a["title"],
            body=a["body"],
            keywords=a["keywords"],
            category_id=tax.id if a["category"] == "지방세" else None,
            is_demo=True,
        )
        ids[a["slug"]] = result.article.id
    return ids


def test_spaced_query_finds_the_prepayment_article_first_with_the_hand_computed_score(db: Session) -> None:
    ids = _load_articles(db)
    hits = search_articles(db=db, query="자동차세 연납")
    assert hits[0].article_id == ids[PREPAY["slug"]]
    # terms 자동차세, 연납, 자동차세연납: title has all three (3×3), keywords the first two (2×2),
    # body the first two ("자동차세 1년 치를", "연납하신") (2×1) → 15
    assert hits[0].score == 15
    assert hits[0].category_name == "지방세"
    assert hits[0].version == 1
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_badly_spaced_query_still_finds_it(db: Session) -> None:
    ids = _load_articles(db)
    hits = search_articles(db=db, query="자동차세연납")
    assert hits and hits[0].article_id == ids[PREPAY["slug"]]


def test_snippet_is_taken_around_the_first_body_match(db: Session) -> None:
    _load_articles(db)
    hits = search_articles(db=db, query="위택스")
    assert hits
    assert all("위택스" in h.snippet for h in hits)


def test_empty_long_and_limit(db: Session) -> None:
    _load_articles(db)
    assert search_articles(db=db, query="") == []
    assert search_articles(db=db, query="  \t ") == []
    with pytest.raises(ValidationError) as long_query:
        search_articles(db=db, query="가" * 501)
    assert long_query.value.field == "query"
    assert len(search_articles(db=db, query="가" * 500)) == 0
    assert len(search_articles(db=db, query="안내", limit=3)) == 3


def test_like_wildcards_are_literal(db: Session) -> None:
    _load_articles(db)

    def containing(ch: str) -> set[str]:
        return {
            a["title"]
            for a in ARTICLES
            if ch in a["title"] or ch in ", ".join(a["keywords"]) or ch in a["body"]
        }

    for ch in ("%", "_"):
        found = {h.title for h in search_articles(db=db, query=ch, limit=100)}
        assert found == containing(ch), ch
    assert len(containing("%")) < len(ARTICLES)  # a raw % would have matched every article


def test_only_published_and_category_filter(db: Session) -> None:
    ids = _load_articles(db)
    tax_id = get_published_article(db=db, article_id=ids[PREPAY["slug"]]).category_id
    tax_hits = search_articles(db=db, query="신청", category_id=tax_id)
    expected = {a["title"] for a in ARTICLES if a["category"] == "지방세"}
    assert tax_hits and {h.title for h in tax_hits} <= expected
    upsert_article(
        db=db,
        slug=PREPAY["slug"],
        title=PREPAY["title"],
        body=PREPAY["body"],
        keywords=PREPAY["keywords"],
        category_id=tax_id,
        is_published=False,
        is_demo=True,
    )
    assert ids[PREPAY["slug"]] not in {h.article_id for h in search_articles(db=db, query="자동차세 연납")}


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


def test_api_needs_sign_in_and_returns_hits_and_articles(client: TestClient, db: Session) -> None:
    ids = _load_articles(db)
    assert client.get("/api/v1/kb/search", params={"q": "자동차세"}).status_code == 401
    make_user(db, "counselor1")
    _sign_in(client, "counselor1")
    r = client.get("/api/v1/kb/search", params={"q": "자동차세연납"})
    assert r.status_code == 200
    assert r.json()[0]["article_id"] == ids[PREPAY["slug"]]
    assert set(r.json()[0]) >= {"article_id", "version", "title", "snippet", "category_name", "score"}
    too_long = client.get("/api/v1/kb/search", params={"q": "가" * 501})
    assert too_long.status_code == 422 and too_long.json()["field"] == "query"
    article = client.get(f"/api/v1/kb/articles/{ids[PREPAY['slug']]}")
    assert article.status_code == 200
    assert article.json()["title"] == PREPAY["title"]
    assert article.json()["category_name"] == "지방세"
    assert client.get("/api/v1/kb/articles/999999").status_code == 404


def test_cli_search_prints_json(fresh_database_url: str, tmp_path: Path) -> None:
    from minwon.db.session import make_engine, session_scope

    engine = make_engine(fresh_database_url)
    with session_scope(engine) as fresh:
        ids = _load_articles(fresh)
    engine.dispose()
    env = {**os.environ, "MINWON_DATABASE_URL": fresh_database_url}
    out = subprocess.run(
        [sys.executable, "-m", "minwon.cli", "kb", "search", "자동차세연납", "--json", "--limit", "2"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = json.loads(out.stdout)
    assert 1 <= len(rows) <= 2
    assert rows[0]["article_id"] == ids[PREPAY["slug"]]
    assert set(rows[0]) >= {"article_id", "version", "title", "score", "snippet"}
