"""Knowledge base service: writing standard answers and a simple keyword search.

The search is deliberately simple (SQL ``LIKE`` over title, keywords and body); a morphological
Korean search replaces it later. It copes with the most common Korean input problem, irregular word
spacing (띄어쓰기), by matching terms against the text with spaces removed and by also trying the
whole query with its spaces removed ("자동차세연납" finds "자동차세 연납 신청과 할인").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.core.clock import utcnow
from minwon.core.errors import NotFound, ValidationError
from minwon.core.textmatch import match_score, search_terms, snippet_around
from minwon.knowledge.models import Article
from minwon.knowledge.schemas import ArticleHit, ArticleOut
from minwon.org.models import Category, Department

MAX_QUERY_CHARS = 500
MAX_LIMIT = 100
#: Weight of a term found in the title, the keywords and the body.
WEIGHT_TITLE, WEIGHT_KEYWORDS, WEIGHT_BODY = 3, 2, 1
SNIPPET_CHARS = 120


@dataclass(frozen=True)
class UpsertResult:
    """``status``: ``created``, ``updated`` (content changed → version + 1) or ``unchanged``."""

    article: Article
    status: Literal["created", "updated", "unchanged"]


def keywords_text(keywords: str | Sequence[str]) -> str:
    """Keywords as stored: a comma-separated string (``["자동차세", "연납"]`` → ``"자동차세, 연납"``)."""
    items = keywords.split(",") if isinstance(keywords, str) else [str(k) for k in keywords]
    return ", ".join(k.strip() for k in items if k.strip())


def upsert_article(
    *,
    db: Session,
    slug: str,
    title: str,
    body: str,
    keywords: str | Sequence[str] = "",
    category_id: int | None = None,
    department_id: int | None = None,
    is_published: bool = True,
    is_demo: bool = False,
) -> UpsertResult:
    """Create the article ``slug`` or update it in place; commits.

    A change of title, body, keywords, category, department or publication raises ``version`` by one
    and sets ``updated_at``; the same content again changes nothing (idempotent loads).
    Raises ValidationError naming the field for an empty or over-long slug or title, or an empty body.
    """
    slug = slug.strip()
    title = title.strip()
    if not slug or len(slug) > 120 or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", slug):
        raise ValidationError("slug must be 1–120 lowercase letters, digits, - or _", field="slug")
    if not title or len(title) > 300:
        raise ValidationError("title must be 1–300 characters", field="title")
    if not body.strip():
        raise ValidationError("body is required", field="body")
    fields = {
        "title": title,
        "body": body,
        "keywords": keywords_text(keywords),
        "category_id": category_id,
        "department_id": department_id,
        "is_published": is_published,
        "is_demo": is_demo,
    }
    article = db.scalar(select(Article).where(Article.slug == slug))
    if article is None:
        article = Article(slug=slug, version=1, updated_at=utcnow(), **fields)
        db.add(article)
        db.commit()
        return UpsertResult(article, "created")
    if all(getattr(article, name) == value for name, value in fields.items()):
        return UpsertResult(article, "unchanged")
    for name, value in fields.items():
        setattr(article, name, value)
    article.version += 1
    article.updated_at = utcnow()
    db.commit()
    return UpsertResult(article, "updated")


def get_article(*, db: Session, article_id: int) -> Article:
    """The article ``article_id`` (published or not). Raises NotFound."""
    article = db.get(Article, article_id)
    if article is None:
        raise NotFound(f"article {article_id} does not exist", field="article_id")
    return article


def get_published_article(*, db: Session, article_id: int) -> ArticleOut:
    """A published article with its category and department names. Raises NotFound (also when unpublished)."""
    article = get_article(db=db, article_id=article_id)
    if not article.is_published:
        raise NotFound(f"article {article_id} does not exist", field="article_id")
    out = ArticleOut.model_validate(article)
    if article.category_id is not None:
        category = db.get(Category, article.category_id)
        out.category_name = category.name_ko if category else None
    if article.department_id is not None:
        department = db.get(Department, article.department_id)
        out.department_name = department.name if department else None
    return out


def search_articles(
    *, db: Session, query: str, category_id: int | None = None, limit: int = 10
) -> list[ArticleHit]:
    """Published articles matching ``query``, best first (at most ``limit``, 1–100).

    Each term (see :func:`search_terms`) found in the title adds 3, in the keywords 2, in the body 1
    (case-insensitive ``LIKE``, spaces in the text ignored). Ties are ordered by title, then id.
    An empty query gives ``[]``. Raises ValidationError (field ``query``)
    for a query over 500 characters, (field ``limit``) for a limit outside 1–100.
    """
    if len(query) > MAX_QUERY_CHARS:
        raise ValidationError(f"query must be at most {MAX_QUERY_CHARS} characters", field="query")
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationError(f"limit must be 1–{MAX_LIMIT}", field="limit")
    terms = search_terms(query)
    if not terms:
        return []
    score = match_score(
        terms,
        [(Article.title, WEIGHT_TITLE), (Article.keywords, WEIGHT_KEYWORDS), (Article.body, WEIGHT_BODY)],
    )
    stmt = (
        select(Article, Category.name_ko, score.label("score"))
        .outerjoin(Category, Category.id == Article.category_id)
        .where(Article.is_published.is_(True), score > 0)
        .order_by(score.desc(), Article.title, Article.id)
        .limit(limit)
    )
    if category_id is not None:
        stmt = stmt.where(Article.category_id == category_id)
    return [
        ArticleHit(
            article_id=article.id,
            version=article.version,
            title=article.title,
            snippet=make_snippet(article.body, terms),
            category_name=category_name,
            score=int(row_score),
        )
        for article, category_name, row_score in db.execute(stmt).all()
    ]


_MARKDOWN = (
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # [text](url) → text
    (re.compile(r"^\s*\|?\s*:?-{3,}.*$", re.MULTILINE), ""),  # table separator rows
    (re.compile(r"\*\*|__|`"), ""),  # emphasis and code marks
    (re.compile(r"^\s*(?:>|[-*]\s|#+\s)", re.MULTILINE), ""),  # quote, bullet and heading marks
    (re.compile(r"\s*\|\s*"), " "),  # table cell borders
)


def _plain(markdown: str) -> str:
    """Article Markdown reduced to plain text for snippets."""
    for pattern, replacement in _MARKDOWN:
        markdown = pattern.sub(replacement, markdown)
    return markdown


def make_snippet(body: str, terms: Sequence[str], width: int = SNIPPET_CHARS) -> str:
    """About ``width`` characters of the article's plain text around the earliest match of any term
    (see :func:`minwon.core.textmatch.snippet_around`)."""
    return snippet_around(_plain(body), terms, width)
