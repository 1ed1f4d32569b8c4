"""Knowledge base: shapes returned by the service, the API and the CLI."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class ArticleHit(BaseModel):
    """One search result. ``score`` is the sum of matched-term weights (title 3, keywords 2, body 1)."""

    article_id: int
    version: int
    title: str
    snippet: str
    category_name: str | None
    score: int


class ArticleOut(BaseModel):
    """A published standard answer as the desk shows it (``body`` is Markdown)."""

    model_config = ConfigDict(from_attributes=True)

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
