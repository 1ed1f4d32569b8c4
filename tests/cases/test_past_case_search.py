"""Similar past cases: closed cases found by title or question, spacing-insensitive; open ones never."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from minwon.cases.models import Case, CaseSource, CaseStatus
from minwon.cases.service import search_past_cases
from minwon.core.errors import ValidationError
from minwon.org.service import ensure_department


def _case(db: Session, ref: str, title: str, question: str, status: CaseStatus, dept_id: int) -> Case:
    c = Case(
        number=f"T-{ref}",
        source=CaseSource.IMPORT,
        external_ref=ref,
        title=title,
        question=question,
        answer=f"answer {ref}",
        department_id=dept_id,
        petition_type="inquiry_procedure",
        status=status,
        received_at=datetime(2020, 1, 2, tzinfo=UTC),
    )
    db.add(c)
    db.commit()
    return c


def test_finds_closed_cases_by_title_then_question(db: Session) -> None:
    dept = ensure_department(db=db, name="교통행정과")
    a = _case(db, "t:1", "주정차 위반 과태료 이의", "딱지를 받았는데요", CaseStatus.CLOSED, dept.id)
    b = _case(db, "t:2", "버스 노선 문의", "주정차위반 과태료가 너무 많아요", CaseStatus.CLOSED, dept.id)
    _case(db, "t:3", "주정차 위반 과태료 (처리 중)", "아직 열린 건", CaseStatus.TRANSFERRED, dept.id)
    hits = search_past_cases(db=db, query="주정차위반과태료", limit=5)
    # by hand: one term "주정차위반과태료"; a: title (spaces removed) matches → 3; b: question matches → 1
    assert [(h.case_id, h.score) for h in hits] == [(a.id, 3), (b.id, 1)]
    assert hits[0].department == "교통행정과" and hits[0].external_ref == "t:1"
    spaced = search_past_cases(db=db, query="주정차 위반 과태료", limit=5)
    # terms 주정차, 위반, 과태료, 주정차위반과태료: a title has all four → 12; b question has all four → 4
    assert [(h.case_id, h.score) for h in spaced] == [(a.id, 12), (b.id, 4)]


def test_empty_and_too_long_queries(db: Session) -> None:
    assert search_past_cases(db=db, query="   ") == []
    with pytest.raises(ValidationError) as exc:
        search_past_cases(db=db, query="가" * 501)
    assert exc.value.field == "query"
    assert search_past_cases(db=db, query="100%_\\") == []


def test_desk_search_shows_past_cases_beside_answers(client, db: Session) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_org, make_user
    from tests.web.test_desk import sign_in

    make_org(db)
    make_user(db, "counselor1", pbx_agent_id="AGENT_01")
    dept = ensure_department(db=db, name="교통행정과")
    _case(db, "t:9", "견인 차량 보관소 위치", "차가 끌려갔어요", CaseStatus.CLOSED, dept.id)
    sign_in(client, "counselor1")
    page = client.get("/desk/search", params={"q": "끌려갔"})
    assert page.status_code == 200
    assert 'data-testid="past-case"' in page.text
    assert "견인 차량 보관소 위치" in page.text and "answer t:9" in page.text
