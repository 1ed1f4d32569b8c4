"""Where the search reads its documents: published standard answers and closed cases.

The only module of ``search`` that reads other domains' data. Articles come from the knowledge base's
document control (the approved version in effect today, ``knowledge.service.published_documents``), so
drafts, versions in review, retired and expired versions are never searchable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.cases.models import Case, CaseStatus
from minwon.knowledge.schemas import PublishedDoc
from minwon.knowledge.service import published_documents, published_fingerprint
from minwon.org.models import Department


@dataclass(frozen=True)
class CaseDoc:
    """A closed case (imported Q&A or the center's own), without caller data. ``stamp`` changes when the
    case's text changes."""

    case_id: int
    external_ref: str | None
    number: str
    title: str
    question: str
    answer: str
    department_id: int | None
    department: str | None
    category_id: int | None
    stamp: str


def iter_article_docs(*, db: Session) -> list[PublishedDoc]:
    """The approved version in effect today of every article, by article id."""
    return published_documents(db=db)


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def articles_fingerprint(*, db: Session) -> str:
    """Changes whenever the set of published versions may have changed (approval, retirement, a version
    starting or ending today); a few index look-ups."""
    return published_fingerprint(db=db)


def iter_case_docs(*, db: Session) -> list[CaseDoc]:
    """Every closed case with its department name, by id."""
    rows = db.execute(
        select(Case, Department.name)
        .outerjoin(Department, Department.id == Case.department_id)
        .where(Case.status == CaseStatus.CLOSED)
        .order_by(Case.id)
    ).all()
    return [
        CaseDoc(
            case_id=c.id,
            external_ref=c.external_ref,
            number=c.number,
            title=c.title,
            question=c.question,
            answer=c.answer,
            department_id=c.department_id,
            department=dept,
            category_id=c.category_id,
            stamp=_digest(c.number, c.closed_at, c.department_id, c.title, c.question, c.answer),
        )
        for c, dept in rows
    ]


def cases_fingerprint(*, db: Session) -> str:
    """Changes whenever a case is closed, reopened, added or its texts change length (one aggregate)."""
    text_length = (
        func.length(Case.title) + func.length(Case.question) + func.length(func.coalesce(Case.answer, ""))
    )
    row = db.execute(
        select(
            func.count(Case.id),
            func.coalesce(func.sum(Case.id), 0),
            func.max(Case.closed_at),
            func.coalesce(func.sum(text_length), 0),
            func.coalesce(func.sum(func.coalesce(Case.department_id, 0)), 0),
        ).where(Case.status == CaseStatus.CLOSED)
    ).one()
    return _digest(*row)
