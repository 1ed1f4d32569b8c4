"""Knowledge base JSON API for signed-in users: search and read standard answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from minwon.accounts.deps import CurrentUser
from minwon.db.deps import DbSession
from minwon.knowledge.schemas import ArticleHit, ArticleOut
from minwon.knowledge.service import get_published_article, search_articles

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge"])


@router.get("/search", response_model=list[ArticleHit])
def search(
    db: DbSession,
    _user: CurrentUser,
    q: Annotated[str, Query(description="Search text (Korean or English), at most 500 characters.")] = "",
    category_id: Annotated[int | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> list[ArticleHit]:
    """Published articles matching ``q``, best first. 401 when not signed in; 422 for a query over 500
    characters (field ``query``)."""
    return search_articles(db=db, query=q, category_id=category_id, limit=limit)


@router.get("/articles/{article_id}", response_model=ArticleOut)
def read_article(db: DbSession, _user: CurrentUser, article_id: int) -> ArticleOut:
    """One published article with its category and department names; 404 when missing or unpublished."""
    return get_published_article(db=db, article_id=article_id)
