"""Demo register entries for 한빛시 (``minwon init --demo``): one per source, in different states, one
overdue and one closed after an effective check, so the register page and the management review have
something to show."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.capa import service as capa
from minwon.capa.breaches import breach_ref, complete_periods
from minwon.capa.models import Nonconformity
from minwon.core.clock import local_today


def load_demo_capa(*, db: Session) -> list[str]:
    """Add five demo entries when the register is empty (idempotent); commits. Needs the demo accounts
    ``quality1``, ``supervisor1``, ``counselor1``, ``counselor2``; returns notices for the demo summary."""
    if db.scalar(select(func.count()).select_from(Nonconformity)):
        return []
    users = {u.username: u for u in db.scalars(select(User))}
    needed = ("quality1", "supervisor1", "counselor1", "counselor2")
    if any(name not in users for name in needed):
        return ["capa: demo accounts missing; no demo register entries"]
    qm, sup, c1, c2 = (users[name] for name in needed)
    today = local_today()
    months = complete_periods(today, 3)

    kpi = capa.create_nonconformity(
        db=db,
        actor=qm,
        title="서비스 레벨 3개월 연속 목표 미달",
        source="kpi",
        source_ref=breach_ref("service_level", months[0], months[-1]),
        description="20초 내 응답 비율이 3개월 연속 목표(80%)의 경고 구간 아래였습니다.",
    )
    capa.plan_action(
        db=db,
        actor=qm,
        nc_id=kpi.id,
        root_cause="오전 10–11시 인입 집중 시간대에 점심 교대가 겹쳐 상담 인력이 부족했습니다.",
        corrective_action="점심 교대를 11:30 이후로 옮기고 집중 시간대 최소 인원을 근무표 규칙에 넣습니다.",
        owner_id=sup.id,
        due_date=today + timedelta(days=14),
        check_planned=today + timedelta(days=45),
    )

    complaint = capa.create_nonconformity(
        db=db,
        actor=qm,
        title="전화 연결 후 장시간 보류 불만",
        source="complaint",
        source_ref="complaint:demo-1",
        description="민원인이 보류 안내 없이 5분 넘게 대기했다고 불만을 제기했습니다.",
        correction="민원인에게 사과 전화를 드리고 요청 사항을 바로 처리했습니다.",
    )
    capa.plan_action(
        db=db,
        actor=qm,
        nc_id=complaint.id,
        root_cause="보류 시 안내 멘트와 1분 재확인 규칙이 신규 상담사 교육에 빠져 있었습니다.",
        corrective_action="보류 안내 표준 멘트를 지식 DB에 싣고 신규 교육 과정에 넣습니다.",
        owner_id=c1.id,
        due_date=today,
    )
    capa.record_implementation(
        db=db, actor=c1, nc_id=complaint.id, implementation_note="표준 멘트 게시, 신규 교육 2회 실시"
    )
    capa.record_check(
        db=db, actor=qm, nc_id=complaint.id, result="effective", note="같은 유형 불만 재발 없음"
    )
    capa.close_nonconformity(db=db, actor=qm, nc_id=complaint.id, note="유효성 확인 후 종결")

    past = today - timedelta(days=30)
    survey = capa.create_nonconformity(
        db=db,
        actor=qm,
        title="자동차세 문의 만족도 낮음",
        source="survey",
        source_ref="survey:demo",
        description="자동차세 연납 문의 후 만족도 조사에서 낮은 점수가 이어졌습니다.",
        today=past,
    )
    capa.plan_action(
        db=db,
        actor=qm,
        nc_id=survey.id,
        root_cause="연납 신청 기간 안내가 표준 답변마다 달랐습니다.",
        corrective_action="연납 표준 답변을 하나로 합치고 세무과 검토를 받습니다.",
        owner_id=c2.id,
        due_date=past + timedelta(days=14),
        today=past,
    )

    evaluation = capa.create_nonconformity(
        db=db,
        actor=sup,
        title="본인 확인 절차 누락",
        source="evaluation",
        source_ref="evaluation:demo",
        description="상담 평가에서 개인정보 안내 전 본인 확인을 빠뜨린 사례가 확인되었습니다.",
    )
    capa.plan_action(
        db=db,
        actor=sup,
        nc_id=evaluation.id,
        root_cause="상담 화면에 본인 확인 체크 항목이 없습니다.",
        corrective_action="본인 확인 체크리스트를 상담 스크립트 첫 단계에 넣습니다.",
        owner_id=c1.id,
        due_date=today + timedelta(days=7),
    )
    capa.record_implementation(
        db=db, actor=c1, nc_id=evaluation.id, implementation_note="스크립트 개정, 상담사 공지"
    )

    capa.create_nonconformity(
        db=db,
        actor=qm,
        title="녹취 보관 기간 기록 누락",
        source="audit",
        source_ref="audit:internal",
        description="내부 심사에서 녹취 파일 보관 기간 점검 기록이 없다는 지적을 받았습니다.",
    )
    return ["capa: 5 demo nonconformities (one overdue, one closed after an effective check)"]
