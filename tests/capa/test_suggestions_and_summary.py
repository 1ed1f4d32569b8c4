"""KPI-breach suggestions from real calls, and the month summary for the management review."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from minwon.capa import service as capa
from minwon.core.clock import local_today
from minwon.core.errors import PermissionDenied, ValidationError
from minwon.quality.summaries import CapaSummary, NonconformityItem
from tests.capa.support import ingest_calls, month_start, staff

TODAY = date(2026, 12, 15)


def test_three_red_months_suggest_once(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    # Sep, Oct, Nov 2026: one call each answered after 40 s → service level 0/1 = red (target 0.80,
    # amber 0.70); answer rate 1/1 and abandonment 0/1 are green. Aug: answered after 10 s → green.
    ingest_calls(db, [date(2026, 9, 10), date(2026, 10, 10), date(2026, 11, 10)], wait_s=40)
    ingest_calls(db, [date(2026, 8, 10)], wait_s=10, prefix="g")
    found = capa.breach_suggestions(db=db, today=TODAY)
    assert [s.as_dict() for s in found] == [
        {
            "kpi": "service_level",
            "granularity": "month",
            "first": "2026-09",
            "last": "2026-11",
            "periods": 3,
            "statuses": ["red", "red", "red"],
            "source_ref": "kpi:service_level:2026-09..2026-11",
        }
    ]
    assert capa.suggestion_text("ko", found[0]) == "서비스 레벨 3개월 연속 목표 미달 (2026-09 ~ 2026-11)"
    # four months needed: none
    monkeypatch.setenv("MINWON_CAPA_BREACH_PERIODS", "4")
    assert capa.breach_suggestions(db=db, today=TODAY) == []
    monkeypatch.delenv("MINWON_CAPA_BREACH_PERIODS")
    # registered: an overlapping run of the same indicator is not suggested again (the run grew by Dec)
    qm = staff(db, "qm")
    capa.open_nonconformity(
        db=db,
        source="kpi",
        source_ref=found[0].source_ref,
        title="서비스 레벨 미달",
        description="3개월",
        actor=qm,
    )
    assert capa.breach_suggestions(db=db, today=TODAY) == []
    ingest_calls(db, [date(2026, 12, 10)], wait_s=40, prefix="d")
    assert capa.breach_suggestions(db=db, today=date(2027, 1, 5)) == []


def test_dismissed(db: Session) -> None:
    ingest_calls(db, [date(2026, 9, 10), date(2026, 10, 10), date(2026, 11, 10)], wait_s=40)
    qm, counselor = staff(db, "qm"), staff(db, "c1", "counselor")
    ref = "kpi:service_level:2026-09..2026-11"
    with pytest.raises(PermissionDenied):
        capa.dismiss_suggestion(db=db, actor=counselor, source_ref=ref)
    with pytest.raises(ValidationError):
        capa.dismiss_suggestion(db=db, actor=qm, source_ref="kpi:nonsense:2026-09..2026-11")
    row = capa.dismiss_suggestion(db=db, actor=qm, source_ref=ref, note="일시적 인력 부족")
    assert (row.kpi, row.first_day, row.last_day, row.dismissed_by_id) == (
        "service_level",
        date(2026, 9, 1),
        date(2026, 11, 30),
        qm.id,
    )
    assert capa.breach_suggestions(db=db, today=TODAY) == []


def test_amber_counts_when_configured(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    # each month 3 calls answered in 10 s and 1 in 40 s → SL 3/4 = 0.75: amber (0.70 ≤ SL < 0.80)
    months = [date(2026, 9, 10), date(2026, 10, 10), date(2026, 11, 10)]
    for i in range(3):
        ingest_calls(db, months, wait_s=10, prefix=f"ok{i}-")
    ingest_calls(db, months, wait_s=40, prefix="late-")
    assert capa.breach_suggestions(db=db, today=TODAY) == []
    monkeypatch.setenv("MINWON_CAPA_BREACH_INCLUDE_AMBER", "1")
    found = capa.breach_suggestions(db=db, today=TODAY)
    assert [(s.source_ref, s.statuses) for s in found] == [
        ("kpi:service_level:2026-09..2026-11", ["amber", "amber", "amber"])
    ]


def test_weeks(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    # red calls on Tuesdays of ISO weeks 2026-W46, W47, W48 (Nov 10, 17, 24); today Monday Nov 30
    ingest_calls(db, [date(2026, 11, 10), date(2026, 11, 17), date(2026, 11, 24)], wait_s=40)
    monkeypatch.setenv("MINWON_CAPA_BREACH_GRANULARITY", "week")
    found = capa.breach_suggestions(db=db, today=date(2026, 11, 30))
    assert [s.source_ref for s in found] == ["kpi:service_level:2026-W46..2026-W48"]
    assert capa.suggestion_text("ko", found[0]) == "서비스 레벨 3주 연속 목표 미달 (2026-W46 ~ 2026-W48)"
    # a monthly entry registered for November overlaps those weeks
    capa.open_nonconformity(
        db=db,
        source="kpi",
        source_ref="kpi:service_level:2026-11..2026-11",
        title="t",
        description="d",
        actor=staff(db, "qm"),
    )
    assert capa.breach_suggestions(db=db, today=date(2026, 11, 30)) == []


def test_summary_of_the_month(db: Session) -> None:
    qm, owner = staff(db, "qm"), staff(db, "홍길동", "counselor")
    today = local_today()
    first, last = month_start(today, 0), (month_start(today, -1) - timedelta(days=1))
    past = today - timedelta(days=40)
    # 1: kpi, overdue (due 30 days ago), open
    late = capa.create_nonconformity(
        db=db,
        actor=qm,
        title="서비스 레벨",
        source="kpi",
        description="d",
        owner_id=owner.id,
        due_date=past + timedelta(days=10),
        today=past,
    )
    # 2: complaint, closed after an effective check
    done = capa.create_nonconformity(db=db, actor=qm, title="불친절", source="complaint", description="d")
    capa.plan_action(
        db=db,
        actor=qm,
        nc_id=done.id,
        root_cause="r",
        corrective_action="a",
        owner_id=owner.id,
        due_date=today,
    )
    capa.record_implementation(db=db, actor=owner, nc_id=done.id, implementation_note="i")
    capa.record_check(db=db, actor=qm, nc_id=done.id, result="effective")
    capa.close_nonconformity(db=db, actor=qm, nc_id=done.id)
    # 3: complaint, open, due later
    later = capa.create_nonconformity(
        db=db,
        actor=qm,
        title="오안내",
        source="complaint",
        description="d",
        due_date=today + timedelta(days=5),
    )
    summary = capa.capa_summary(db=db, first_day=first, last_day=last)
    assert isinstance(summary, CapaSummary)
    assert summary == CapaSummary(
        opened=3,
        closed=1,
        open_at_end=2,
        overdue=1,
        effectiveness_confirmed=1,
        by_source={"kpi": 1, "survey": 0, "complaint": 2, "evaluation": 0, "audit": 0, "other": 0},
        items=[
            NonconformityItem(
                late.reference, "서비스 레벨", "kpi", "홍길동", past + timedelta(days=10), "open", True
            ),
            NonconformityItem(done.reference, "불친절", "complaint", "홍길동", today, "closed", False),
            NonconformityItem(
                later.reference, "오안내", "complaint", None, today + timedelta(days=5), "open", False
            ),
        ],
    )
    # the month before: nothing existed yet
    before_last = first - timedelta(days=1)
    assert capa.capa_summary(
        db=db, first_day=before_last.replace(day=1), last_day=before_last
    ) == CapaSummary(
        opened=0,
        closed=0,
        open_at_end=0,
        overdue=0,
        effectiveness_confirmed=0,
        by_source={"kpi": 0, "survey": 0, "complaint": 0, "evaluation": 0, "audit": 0, "other": 0},
        items=[],
    )
    with pytest.raises(ValidationError):
        capa.capa_summary(db=db, first_day=last, last_day=first)
