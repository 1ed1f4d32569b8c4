"""The register's workflow, required fields, numbering, permissions and overdue entries (real DB)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.capa import service as capa
from minwon.capa.models import NcCounter, NcEvent, Nonconformity
from minwon.core.clock import local_today, to_local, utcnow
from minwon.core.errors import Conflict, PermissionDenied, ValidationError
from tests.capa.support import staff


def _new(db: Session, actor: object, **kw: object) -> Nonconformity:
    values: dict[str, object] = {"title": "응대율 저하", "source": "audit", "description": "내부 심사 지적"}
    values.update(kw)
    return capa.create_nonconformity(db=db, actor=actor, **values)  # type: ignore[arg-type]


def test_full_cycle_with_a_failed_check(db: Session) -> None:
    qm, owner = staff(db, "qm"), staff(db, "owner", "counselor")
    today = local_today()
    nc = _new(db, qm, correction="해당 민원인에게 즉시 회신")
    year = to_local(utcnow()).year
    assert nc.reference == f"NC-{year}-0001" and nc.status == "open" and nc.round == 1

    with pytest.raises(ValidationError) as missing:
        capa.plan_action(
            db=db,
            actor=qm,
            nc_id=nc.id,
            root_cause=" ",
            corrective_action="교육",
            owner_id=owner.id,
            due_date=today + timedelta(days=7),
        )
    assert missing.value.field == "root_cause"
    with pytest.raises(Conflict):
        capa.close_nonconformity(db=db, actor=qm, nc_id=nc.id)
    with pytest.raises(Conflict):
        capa.record_check(db=db, actor=qm, nc_id=nc.id, result="effective")

    capa.plan_action(
        db=db,
        actor=qm,
        nc_id=nc.id,
        root_cause="신규 상담사 교육 누락",
        corrective_action="입문 교육 과정 개편",
        owner_id=owner.id,
        due_date=today + timedelta(days=7),
        check_planned=today + timedelta(days=30),
    )
    assert nc.status == "action_planned"
    with pytest.raises(Conflict):
        capa.plan_action(
            db=db,
            actor=qm,
            nc_id=nc.id,
            root_cause="x",
            corrective_action="y",
            owner_id=owner.id,
            due_date=today,
        )
    # the owner records progress on their own entry, but may not check effectiveness
    with pytest.raises(ValidationError):
        capa.record_implementation(db=db, actor=owner, nc_id=nc.id, implementation_note="")
    capa.record_implementation(db=db, actor=owner, nc_id=nc.id, implementation_note="교육 과정 개편 완료")
    assert nc.status == "implemented"
    with pytest.raises(PermissionDenied):
        capa.record_check(db=db, actor=owner, nc_id=nc.id, result="effective")
    with pytest.raises(ValidationError) as no_note:
        capa.record_check(db=db, actor=qm, nc_id=nc.id, result="not_effective")
    assert no_note.value.field == "check_note"

    # not effective: open again, round 2, the old action cleared (kept in the history)
    capa.record_check(db=db, actor=qm, nc_id=nc.id, result="not_effective", note="오류율 변화 없음")
    assert (nc.status, nc.round, nc.corrective_action, nc.check_result) == ("open", 2, "", None)
    assert nc.root_cause == "신규 상담사 교육 누락"
    with pytest.raises(ValidationError) as new_action:
        capa.plan_action(
            db=db,
            actor=qm,
            nc_id=nc.id,
            root_cause=nc.root_cause,
            corrective_action="",
            owner_id=owner.id,
            due_date=today + timedelta(days=7),
        )
    assert new_action.value.field == "corrective_action"
    capa.plan_action(
        db=db,
        actor=qm,
        nc_id=nc.id,
        root_cause=nc.root_cause,
        corrective_action="멘토 동석 2주",
        owner_id=owner.id,
        due_date=today + timedelta(days=14),
    )
    capa.record_implementation(db=db, actor=qm, nc_id=nc.id, implementation_note="멘토 배정")
    capa.record_check(db=db, actor=qm, nc_id=nc.id, result="effective", note="오류율 8% → 2%")
    assert nc.status == "verified" and nc.checked_by_id == qm.id and nc.check_result == "effective"
    with pytest.raises(PermissionDenied):
        capa.close_nonconformity(db=db, actor=owner, nc_id=nc.id)
    capa.close_nonconformity(db=db, actor=qm, nc_id=nc.id, note="종결")
    assert nc.status == "closed" and nc.closed_by_id == qm.id
    with pytest.raises(Conflict):
        capa.update_nonconformity(db=db, actor=qm, nc_id=nc.id, values={"title": "바꿈"})

    events = capa.history(db=db, nc_id=nc.id)
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("created", None, "open"),
        ("planned", "open", "action_planned"),
        ("implemented", "action_planned", "implemented"),
        ("checked", "implemented", "open"),
        ("planned", "open", "action_planned"),
        ("implemented", "action_planned", "implemented"),
        ("checked", "implemented", "verified"),
        ("closed", "verified", "closed"),
    ]
    assert [e.actor_id for e in events] == [qm.id, qm.id, owner.id, qm.id, qm.id, qm.id, qm.id, qm.id]
    assert events[3].changes["corrective_action"] == ["입문 교육 과정 개편", ""]
    assert events[3].changes["check_result"] == [None, "not_effective"]
    assert events[3].note == "오류율 변화 없음"


def test_history_is_append_only(db: Session) -> None:
    qm = staff(db, "qm")
    nc = _new(db, qm)
    event = capa.history(db=db, nc_id=nc.id)[0]
    event.note = "고침"
    with pytest.raises(RuntimeError, match="append-only"):
        db.flush()
    db.rollback()
    db.delete(db.get(NcEvent, event.id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.flush()
    db.rollback()


def test_bad_input_stores_nothing(db: Session) -> None:
    qm = staff(db, "qm")
    today = local_today()
    cases: list[tuple[dict[str, object], str]] = [
        ({"source": "rumour"}, "source"),
        ({"title": ""}, "title"),
        ({"title": "가" * 201}, "title"),
        ({"source_ref": "x" * 101}, "source_ref"),
        ({"description": "나" * 4001}, "description"),
        ({"description": "  "}, "description"),
        ({"owner_id": 999_999}, "owner_id"),
        ({"due_date": today - timedelta(days=1)}, "due_date"),
    ]
    for kw, field in cases:
        with pytest.raises(ValidationError) as err:
            _new(db, qm, **kw)
        assert err.value.field == field, kw
        db.rollback()
    assert db.scalar(select(func.count()).select_from(Nonconformity)) == 0
    assert db.scalar(select(func.count()).select_from(NcEvent)) == 0
    assert db.scalar(select(func.max(NcCounter.last))) in (None, 0)
    # the next good entry still gets number 1: no gaps
    assert _new(db, qm).seq == 1


def test_roles(db: Session) -> None:
    counselor, sup, admin = (
        staff(db, "c1", "counselor"),
        staff(db, "sup", "supervisor"),
        staff(db, "adm", "administrator"),
    )
    with pytest.raises(PermissionDenied):
        _new(db, counselor)
    a = _new(db, sup)
    b = capa.open_nonconformity(
        db=db,
        source="complaint",
        source_ref="complaint:7",
        title="불친절 응대",
        description="민원 접수",
        actor=admin,
    )
    assert (b.source, b.source_ref, b.seq, b.owner_id) == ("complaint", "complaint:7", 2, None)
    # a counselor who owns nothing sees nothing and may not edit; after owning one, sees only that one
    assert capa.list_nonconformities(db=db, viewer=counselor) == []
    with pytest.raises(PermissionDenied):
        capa.update_nonconformity(db=db, actor=counselor, nc_id=a.id, values={"correction": "x"})
    capa.update_nonconformity(db=db, actor=sup, nc_id=a.id, values={"owner_id": counselor.id})
    assert [n.id for n in capa.list_nonconformities(db=db, viewer=counselor)] == [a.id]
    capa.update_nonconformity(db=db, actor=counselor, nc_id=a.id, values={"correction": "임시 안내문 게시"})
    with pytest.raises(PermissionDenied):
        capa.update_nonconformity(db=db, actor=counselor, nc_id=a.id, values={"title": "바꿈"})
    edits = [e for e in capa.history(db=db, nc_id=a.id) if e.action == "edited"]
    assert [e.changes for e in edits] == [
        {"owner_id": [None, counselor.id]},
        {"correction": ["", "임시 안내문 게시"]},
    ]


def test_numbering_and_overdue(db: Session) -> None:
    qm, owner = staff(db, "qm"), staff(db, "owner", "counselor")
    today = local_today()
    past = today - timedelta(days=30)
    # created "30 days ago" with a due date 10 days after that: overdue now
    late = _new(db, qm, owner_id=owner.id, due_date=past + timedelta(days=10), today=past)
    due_today = _new(db, qm, due_date=today)
    no_due = _new(db, qm, source="kpi")
    year = to_local(utcnow()).year
    assert [n.reference for n in (late, due_today, no_due)] == [f"NC-{year}-{i:04d}" for i in (1, 2, 3)]
    assert capa.is_overdue(late, today) and not capa.is_overdue(due_today, today)
    assert not capa.is_overdue(no_due, today)
    assert capa.is_overdue(due_today, today + timedelta(days=1))
    assert [n.id for n in capa.list_nonconformities(db=db, overdue=True)] == [late.id]
    assert [n.id for n in capa.list_nonconformities(db=db, source="kpi")] == [no_due.id]
    assert [n.id for n in capa.list_nonconformities(db=db, owner_id=owner.id)] == [late.id]
    assert [n.id for n in capa.list_nonconformities(db=db)] == [no_due.id, due_today.id, late.id]
    with pytest.raises(ValidationError):
        capa.list_nonconformities(db=db, status="lost")
    # a plan may not set a due date in the past either
    with pytest.raises(ValidationError) as err:
        capa.plan_action(
            db=db,
            actor=qm,
            nc_id=no_due.id,
            root_cause="원인",
            corrective_action="조치",
            owner_id=owner.id,
            due_date=today - timedelta(days=1),
        )
    assert err.value.field == "due_date"
    with pytest.raises(ValidationError) as err:
        capa.plan_action(
            db=db,
            actor=qm,
            nc_id=no_due.id,
            root_cause="원인",
            corrective_action="조치",
            owner_id=None,
            due_date=today,
        )
    assert err.value.field == "owner_id"
    assert db.get(Nonconformity, no_due.id).status == "open"  # type: ignore[union-attr]
