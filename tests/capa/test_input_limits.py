"""Due dates far in the future and control characters in titles are refused with a clear message."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.capa import service as capa
from minwon.capa.models import Nonconformity
from minwon.core.errors import ValidationError
from tests.capa.support import staff
from tests.factories import sign_in

TODAY = date(2026, 11, 30)


def test_horizon_is_five_years() -> None:
    assert capa.horizon(TODAY) == date(2031, 11, 30)
    assert capa.horizon(date(2028, 2, 29)) == date(2033, 2, 28)


def test_due_dates_within_five_years(db: Session) -> None:
    qm = staff(db, "qm")
    with pytest.raises(ValidationError) as err:
        capa.create_nonconformity(
            db=db,
            actor=qm,
            title="t",
            source="audit",
            description="d",
            due_date=date(9999, 12, 31),
            today=TODAY,
        )
    assert err.value.field == "due_date" and "5 years" in err.value.message
    nc = capa.create_nonconformity(
        db=db, actor=qm, title="t", source="audit", description="d", due_date=date(2031, 11, 30), today=TODAY
    )
    with pytest.raises(ValidationError) as err:
        capa.plan_action(
            db=db,
            actor=qm,
            nc_id=nc.id,
            root_cause="r",
            corrective_action="a",
            owner_id=qm.id,
            due_date=TODAY + timedelta(days=10),
            check_planned=date(2031, 12, 1),
            today=TODAY,
        )
    assert err.value.field == "check_planned"
    with pytest.raises(ValidationError) as err:
        capa.update_nonconformity(
            db=db, actor=qm, nc_id=nc.id, values={"due_date": date(2031, 12, 1)}, today=TODAY
        )
    assert err.value.field == "due_date"


@pytest.mark.parametrize("title", ["제목\x00끝", "줄\n바꿈", "탭\t문자", "\x1b[31m빨강"])
def test_control_characters_in_titles_are_refused(db: Session, title: str) -> None:
    qm = staff(db, "qm")
    with pytest.raises(ValidationError) as err:
        capa.create_nonconformity(db=db, actor=qm, title=title, source="audit", description="d")
    assert err.value.field == "title" and "control characters" in err.value.message
    with pytest.raises(ValidationError) as err:
        capa.create_nonconformity(db=db, actor=qm, title="ok", source="audit", description="설명\x00")
    assert err.value.field == "description"
    # line breaks stay allowed in multi-line texts
    nc = capa.create_nonconformity(db=db, actor=qm, title="ok", source="audit", description="첫 줄\n둘째 줄")
    assert nc.description == "첫 줄\n둘째 줄"


def test_the_page_says_why(client: TestClient, db: Session) -> None:
    staff(db, "qm")
    token = sign_in(client, "qm")
    form = {"csrf_token": token, "title": "제목\x00", "source": "audit", "description": "d"}
    r = client.post("/quality/capa/new", data=form, headers={"Accept": "text/html"})
    assert r.status_code == 422 and "제어 문자" in r.text
    r = client.post(
        "/quality/capa/new",
        data={**form, "title": "제목", "due_date": "9999-12-31"},
        headers={"Accept": "text/html"},
    )
    assert r.status_code == 422 and "5년 이내" in r.text
    assert db.scalar(select(func.count()).select_from(Nonconformity)) == 0
