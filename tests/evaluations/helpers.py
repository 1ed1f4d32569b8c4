"""Builders for evaluation tests: contacts recorded through the desk's service function."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.contacts.models import Contact
from minwon.contacts.service import record_contact
from minwon.org.models import Category

#: Scores of the default scorecard giving 87 points by hand:
#: 10·4/5 + 10 + 10·3/5 + 10 + 20·4/5 + 10 + 15 + 5·2/5 + 10 = 8+10+6+10+16+10+15+2+10 = 87.
SCORES_87 = {
    "c1": 4, "c2": 5, "c3": 3, "c4": 5, "c5": 4, "c6": 5, "c7": 5, "c8": 2, "c9": 1, "c10": 1, "c11": 1,
}  # fmt: skip
#: The same with identity check missed (c9 = 0): 87 − 10 = 77 (below the pass mark 80).
SCORES_77 = {**SCORES_87, "c9": 0}
#: Every criterion at its maximum: 100.
SCORES_100 = {**SCORES_87, "c1": 5, "c3": 5, "c5": 5, "c8": 5}
#: Privacy violation (critical c10 = 0): total 0, fail.
SCORES_CRITICAL = {**SCORES_100, "c10": 0}


def contact(
    db: Session, agent: User, category: Category, day: datetime, outcome: str = "resolved", **kw: object
) -> Contact:
    return record_contact(
        db=db,
        agent=agent,
        category_id=category.id,
        inquiry=kw.pop("inquiry", "재산세 납부 기한 문의"),  # type: ignore[arg-type]
        answer="9월 30일까지 납부하시면 됩니다.",
        outcome=outcome,
        now=day,
        caller="010-1234-5678",
        **kw,  # type: ignore[arg-type]
    )


def at(day: int, month: int = 9, year: int = 2026, hour: int = 2) -> datetime:
    """An instant on a local (Asia/Seoul) day of the month: 02:00 UTC is 11:00 KST."""
    return datetime(year, month, day, hour, tzinfo=UTC)
