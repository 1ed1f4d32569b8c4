"""Knowledge base: shapes returned by the service, the API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel


@dataclass(frozen=True)
class PublishedDoc:
    """The approved version of an article in effect on a day — what search indexes.

    ``body`` is Markdown; ``keywords`` comma-separated; ``updated_at`` is when this version was approved
    (UTC, aware).
    """

    article_id: int
    version: int
    title: str
    body: str
    keywords: str
    category_id: int | None
    department_id: int | None
    updated_at: datetime


class ArticleHit(BaseModel):
    """One search result. ``score`` is the sum of matched-term weights (title 3, keywords 2, body 1)."""

    article_id: int
    version: int
    title: str
    snippet: str
    category_name: str | None
    score: int


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int


class ArticleOut(BaseModel):
    """The version of a standard answer in effect today, as the desk shows it (``body`` is Markdown;
    ``version`` its number; ``updated_at`` its approval time)."""

    id: int
    slug: str
    title: str
    body: str
    keywords: str
    category_id: int | None
    category_name: str | None = None
    department_id: int | None
    department_name: str | None = None
    version: int
    is_published: bool
    is_demo: bool
    updated_at: datetime
    effective_from: date | None = None
    effective_to: date | None = None
    review_due: date | None = None
    attachments: list[AttachmentOut] = []


class OverdueReview(BaseModel):
    """An approved version in effect whose periodic review date has passed (``days_overdue`` ≥ 1)."""

    article_id: int
    version: int
    title: str
    department_id: int | None
    department_name: str | None
    review_due: date
    days_overdue: int
