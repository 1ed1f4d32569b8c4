"""Demo register entries for 한빛시 (``minwon init --demo``): one per source, in different states, one
overdue and one closed after an effective check, so the register page and the management review have
something to show.

The entries are dated in the past like real ones: the survey entry two months ago (overdue since), the
complaint, evaluation and audit entries during the last complete month (the complaint closed in it), so
the management review of that month lists them. The KPI entry answers the breach the demo surveys really
produce (customer satisfaction red in the three complete months before today, see
``minwon capa suggest``) and is opened at the start of the current month, when that run is complete.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.capa import service as capa
from minwon.capa.breaches import breach_ref, complete_periods
from minwon.capa.models import Nonconformity
from minwon.core.clock import local_today, local_zone, utcnow


def _at(day: date, hour: int) -> datetime:
    """``hour``:00 Asia/Seoul on ``day`` as a UTC instant."""
    return datetime.combine(day, time(hour), tzinfo=local_zone()).astimezone(UTC)


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
    now = utcnow()
    months = complete_periods(today, 3)
    this_month = today.replace(day=1)
    last = months[-1].first_day  # first day of the last complete month
    before = months[-2].first_day  # … and of the month before it

    # Opened on the morning of the 1st of the current month (or now, if that is earlier), when the
    # three-month run of red customer satisfaction in the demo surveys is complete.
    kpi_open = max(_at(this_month, 0), min(now, _at(this_month, 9)))
    kpi = capa.create_nonconformity(
        db=db,
        actor=qm,
        title="고객 만족도 3개월 연속 목표 미달",
        source="kpi",
        source_ref=breach_ref("csat", months[0], months[-1]),
        description="만족도 조사의 만족 응답 비율이 3개월 연속 목표(85%)의 경고 구간(75%) 아래였습니다.",
        now=kpi_open,
    )
    capa.plan_action(
        db=db,
        actor=qm,
        nc_id=kpi.id,
        root_cause="세목별 표준 답변이 상담사마다 달라 재문의가 잦았고, 약속한 회신 전화가 늦었습니다.",
        corrective_action="세목별 표준 답변을 지식 DB에 하나로 정리하고 회신 약속을 당일 점검합니다.",
        owner_id=sup.id,
        due_date=today + timedelta(days=14),
        check_planned=today + timedelta(days=45),
        now=min(now, kpi_open + timedelta(minutes=30)),
    )

    complaint = capa.create_nonconformity(
        db=db,
        actor=qm,
        title="전화 연결 후 장시간 보류 불만",
        source="complaint",
        source_ref="complaint:demo-1",
        description="민원인이 보류 안내 없이 5분 넘게 대기했다고 불만을 제기했습니다.",
        correction="민원인에게 사과 전화를 드리고 요청 사항을 바로 처리했습니다.",
        today=last + timedelta(days=2),
        now=_at(last + timedelta(days=2), 10),
    )
    capa.plan_action(
        db=db,
        actor=qm,
        nc_id=complaint.id,
        root_cause="보류 시 안내 멘트와 1분 재확인 규칙이 신규 상담사 교육에 빠져 있었습니다.",
        corrective_action="보류 안내 표준 멘트를 지식 DB에 싣고 신규 교육 과정에 넣습니다.",
        owner_id=c1.id,
        due_date=last + timedelta(days=17),
        today=last + timedelta(days=3),
        now=_at(last + timedelta(days=3), 14),
    )
    capa.record_implementation(
        db=db,
        actor=c1,
        nc_id=complaint.id,
        implementation_note="표준 멘트 게시, 신규 교육 2회 실시",
        now=_at(last + timedelta(days=14), 16),
    )
    capa.record_check(
        db=db,
        actor=qm,
        nc_id=complaint.id,
        result="effective",
        note="같은 유형 불만 재발 없음",
        now=_at(last + timedelta(days=24), 11),
    )
    capa.close_nonconformity(
        db=db, actor=qm, nc_id=complaint.id, note="유효성 확인 후 종결", now=_at(last + timedelta(days=25), 9)
    )

    survey_day = before + timedelta(days=4)
    survey = capa.create_nonconformity(
        db=db,
        actor=qm,
        title="자동차세 문의 만족도 낮음",
        source="survey",
        source_ref="survey:demo",
        description="자동차세 연납 문의 후 만족도 조사에서 낮은 점수가 이어졌습니다.",
        today=survey_day,
        now=_at(survey_day, 10),
    )
    capa.plan_action(
        db=db,
        actor=qm,
        nc_id=survey.id,
        root_cause="연납 신청 기간 안내가 표준 답변마다 달랐습니다.",
        corrective_action="연납 표준 답변을 하나로 합치고 세무과 검토를 받습니다.",
        owner_id=c2.id,
        due_date=survey_day + timedelta(days=14),
        today=survey_day + timedelta(days=1),
        now=_at(survey_day + timedelta(days=1), 15),
    )

    evaluation = capa.create_nonconformity(
        db=db,
        actor=sup,
        title="본인 확인 절차 누락",
        source="evaluation",
        source_ref="evaluation:demo",
        description="상담 평가에서 개인정보 안내 전 본인 확인을 빠뜨린 사례가 확인되었습니다.",
        today=last + timedelta(days=9),
        now=_at(last + timedelta(days=9), 11),
    )
    capa.plan_action(
        db=db,
        actor=sup,
        nc_id=evaluation.id,
        root_cause="상담 화면에 본인 확인 체크 항목이 없습니다.",
        corrective_action="본인 확인 체크리스트를 상담 스크립트 첫 단계에 넣습니다.",
        owner_id=c1.id,
        due_date=today + timedelta(days=7),
        today=last + timedelta(days=10),
        now=_at(last + timedelta(days=10), 10),
    )
    capa.record_implementation(
        db=db,
        actor=c1,
        nc_id=evaluation.id,
        implementation_note="스크립트 개정, 상담사 공지",
        now=_at(last + timedelta(days=20), 17),
    )

    capa.create_nonconformity(
        db=db,
        actor=qm,
        title="녹취 보관 기간 기록 누락",
        source="audit",
        source_ref="audit:internal",
        description="내부 심사에서 녹취 파일 보관 기간 점검 기록이 없다는 지적을 받았습니다.",
        today=last + timedelta(days=19),
        now=_at(last + timedelta(days=19), 15),
    )
    return ["capa: 5 demo nonconformities (one overdue, one closed after an effective check)"]
