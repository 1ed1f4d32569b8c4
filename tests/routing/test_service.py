"""Training from cases in the database, suggestions with targets, the CLI and the pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from minwon.core.errors import NotFound, ValidationError
from minwon.org.models import Department
from minwon.org.service import ensure_department
from minwon.routing.models import RoutingModelRecord
from minwon.routing.service import (
    evaluate_queries,
    forget_cached_model,
    set_mapping,
    suggest,
    train_model,
    training_examples,
)
from tests.factories import make_org, make_user, sign_in
from tests.routing.support import add_cases


@pytest.fixture()
def trained(db: Session) -> dict[str, Department]:
    """세무과 and 상하수도사업소 are active (with categories); 주차관리과 is an imported, inactive name
    mapped to today's 교통행정과."""
    forget_cached_model()
    _cats, (tax, water), _queues = make_org(db)
    old_parking = ensure_department(db=db, name="주차관리과", origin="import")
    old_parking.is_active = False
    traffic = ensure_department(db=db, name="교통행정과")
    db.commit()
    add_cases(db, {"세무과": tax, "상하수도사업소": water, "주차관리과": old_parking})
    set_mapping(db=db, label="주차관리과", department_id=traffic.id)
    train_model(db=db)
    yield {"tax": tax, "water": water, "old_parking": old_parking, "traffic": traffic}
    forget_cached_model()


def test_training_examples_come_from_answered_cases(db: Session, trained: dict[str, Department]) -> None:
    exs = training_examples(db=db)
    assert len(exs) == 24
    assert {e.label for e in exs} == {"세무과", "상하수도사업소", "주차관리과"}
    assert exs[0].day.isoformat() == "2020-01-01"
    record = db.scalar(select(RoutingModelRecord).where(RoutingModelRecord.is_active))
    assert record is not None and record.n_train == 24 and record.n_labels == 3
    assert record.metrics["n_test"] + record.metrics["n_train"] == 24


def test_suggestion_maps_to_active_department_and_category(
    db: Session, trained: dict[str, Department]
) -> None:
    s = suggest(db=db, text="자동차세 고지서 문의", threshold=0.0)
    assert s.department == "세무과" and not s.not_sure
    assert s.target is not None and s.target.department_id == trained["tax"].id
    assert s.category == "지방세"  # make_org: 지방세's default department is 세무과
    parked = suggest(db=db, text="견인된 차를 찾고 싶어요", threshold=0.0)
    assert parked.department == "교통행정과"  # the learned 주차관리과, mapped to today's department
    assert parked.target is not None and parked.target.department == "교통행정과"
    assert parked.category is None  # no category defaults to 교통행정과


def test_below_threshold_says_not_sure(db: Session, trained: dict[str, Department]) -> None:
    s = suggest(db=db, text="자동차세 고지서 문의", threshold=0.999)
    assert s.not_sure and s.department is None and s.target is None
    assert len(s.alternatives) == 3 and s.alternatives[0].department == "세무과"
    body = s.as_json()
    assert body["department"] is None and body["not_sure"] is True
    assert body["alternatives"][0]["department"] == "세무과"


def test_bad_text_and_missing_model(db: Session, trained: dict[str, Department]) -> None:
    with pytest.raises(ValidationError, match="empty"):
        suggest(db=db, text="   ")
    with pytest.raises(ValidationError, match="longer than 5000"):
        suggest(db=db, text="가" * 5001)
    db.execute(RoutingModelRecord.__table__.update().values(is_active=False))
    forget_cached_model()
    with pytest.raises(NotFound, match="no routing model"):
        suggest(db=db, text="수도 요금")


def test_training_needs_two_departments(db: Session) -> None:
    with pytest.raises(ValidationError, match="at least two departments"):
        train_model(db=db)
    assert db.scalar(select(func.count(RoutingModelRecord.id))) == 0


def test_query_file_accuracy(db: Session, trained: dict[str, Department]) -> None:
    result = evaluate_queries(
        db=db,
        queries=[
            ("자동차세 납부", "세무과"),  # hit @1
            ("수도 요금", "상하수도사업소"),  # hit @1
            ("견인 차량", "교통행정과"),  # hit @1 through the mapping
            ("자동차세 납부", "상하수도사업소"),  # not @1; @3 of three labels
        ],
    )
    assert result == {"n": 4, "accuracy_at_1": 0.75, "accuracy_at_3": 1.0}


def test_cli_route_json_and_queries(
    db: Session, trained: dict[str, Department], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from minwon.cli import app

    monkeypatch.setattr("minwon.db.session.session_scope", _scope_for(db))
    runner = CliRunner()
    out = runner.invoke(app, ["route", "수도 계량기 검침", "--json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert set(body) >= {"department", "category", "confidence", "alternatives"}
    assert body["alternatives"][0]["department"] == "상하수도사업소"
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"query": "수도 요금", "expected_department": "상하수도사업소"}\n\n'
        '{"query": "재산세", "expected_department": "세무과"}\n',
        encoding="utf-8",
    )
    out = runner.invoke(app, ["route", "--queries", str(queries)])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == {"n": 2, "accuracy_at_1": 1.0, "accuracy_at_3": 1.0}
    queries.write_text('{"query": "수도"}\n', encoding="utf-8")
    out = runner.invoke(app, ["route", "--queries", str(queries)])
    assert out.exit_code == 2 and "expected_department is missing" in out.output
    out = runner.invoke(app, ["route"])
    assert out.exit_code == 2 and "either an inquiry TEXT or --queries" in out.output


def _scope_for(db: Session):  # type: ignore[no-untyped-def]
    from contextlib import contextmanager

    @contextmanager
    def scope(engine=None):  # type: ignore[no-untyped-def]
        yield db

    return scope


def test_desk_partial_and_api(client: TestClient, db: Session, trained: dict[str, Department]) -> None:
    make_user(db, "c1", "counselor")
    make_user(db, "officer", "department_officer")
    csrf = sign_in(client, "c1")
    page = client.get("/desk/route-suggest", params={"inquiry": "자동차세 고지서 문의"})
    assert page.status_code == 200
    assert 'data-testid="route-suggestion"' in page.text and "세무과" in page.text
    assert client.get("/desk/route-suggest", params={"inquiry": "세"}).text.strip() == ""
    assert "세무과" in client.get("/desk/route-suggest", params={"inquiry": "재산"}).text
    api = client.post("/api/routing/suggest", json={"text": "견인 보관소"}, headers={"X-CSRF-Token": csrf})
    assert api.status_code == 200 and api.json()["alternatives"][0]["department"] == "교통행정과"
    bad = client.post("/api/routing/suggest", json={"text": ""}, headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 422 and "empty" in bad.text
    bad = client.post("/api/routing/suggest", json={"nope": 1}, headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 422
    # htmx requests from the desk get the message in the user's language; the JSON API stays English
    bad = client.post(
        "/api/routing/suggest", json={"text": " "}, headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
    )
    assert bad.status_code == 422 and bad.json()["message"] == "문의 내용이 비어 있습니다."
    client.cookies.clear()
    sign_in(client, "officer")
    assert client.get("/desk/route-suggest", params={"inquiry": "자동차세"}).status_code == 403


def test_admin_page_maps_and_retrains(
    client: TestClient, db: Session, trained: dict[str, Department]
) -> None:
    make_user(db, "admin1", "administrator")
    csrf = sign_in(client, "admin1")
    page = client.get("/admin/routing")
    assert page.status_code == 200 and 'data-testid="acc1"' in page.text
    r = client.post(
        "/admin/routing/map",
        data={"csrf_token": csrf, "label": "교통운영과", "department_id": str(trained["traffic"].id)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "교통운영과" in client.get("/admin/routing").text
    r = client.post("/admin/routing/map", data={"csrf_token": csrf, "label": "x", "department_id": ""})
    assert r.status_code == 422
    before = db.scalar(select(func.count(RoutingModelRecord.id)))
    r = client.post("/admin/routing/train", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert db.scalar(select(func.count(RoutingModelRecord.id))) == before + 1
    assert db.scalar(select(func.count(RoutingModelRecord.id)).where(RoutingModelRecord.is_active)) == 1


def test_labels_mapped_to_one_department_add_up(db: Session, trained: dict[str, Department]) -> None:
    from minwon.routing.service import _cache

    set_mapping(db=db, label="주차관리과", department_id=trained["tax"].id)
    model = _cache.get(db)
    assert model is not None
    probs = {r.label: r.probability for r in model.rank("견인 차량 재산세", k=3)}
    s = suggest(db=db, text="견인 차량 재산세", threshold=0.0)
    merged = {a.department: a.confidence for a in s.alternatives}
    assert set(merged) == {"세무과", "상하수도사업소"}  # two learned names, one transfer target
    assert merged["세무과"] == pytest.approx(probs["세무과"] + probs["주차관리과"])
    assert merged["상하수도사업소"] == pytest.approx(probs["상하수도사업소"])
