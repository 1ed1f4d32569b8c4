"""Demo evaluations for the two months before today: sampled and scored contacts, one dispute resolved
by the supervisor, one calibration session and coaching notes (idempotent: skipped when a sample run
exists, or when the demo accounts are missing).

The demo contacts are recorded through the desk's service (resolved at first contact, so no open case or
callback is left behind); timestamps of the evaluation steps are set back into their month so that the
month summaries of the management review have data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.accounts.models import Role, User
from minwon.contacts.service import record_contact
from minwon.core.clock import local_today, local_zone
from minwon.evaluations import service
from minwon.evaluations.models import Evaluation, EvaluationEvent, SampleRun
from minwon.org.models import Category

INQUIRIES = (
    ("재산세 납부 기한이 언제인가요?", "9월 16일부터 30일까지 납부하시면 됩니다."),
    ("수도 요금이 갑자기 많이 나왔어요.", "누수 여부 확인 방법과 감면 신청 절차를 안내했습니다."),
    ("주민등록등본은 온라인으로 발급되나요?", "정부24에서 무료로 발급받으실 수 있습니다."),
    ("불법 주정차 신고는 어떻게 하나요?", "안전신문고 앱으로 신고하는 방법을 안내했습니다."),
)
#: Score profiles of the default scorecard (criterion key → score) with their totals by hand.
PROFILES = (
    {
        "c1": 5,
        "c2": 5,
        "c3": 4,
        "c4": 4,
        "c5": 5,
        "c6": 4,
        "c7": 5,
        "c8": 4,
        "c9": 1,
        "c10": 1,
        "c11": 1,
    },  # 93
    {
        "c1": 4,
        "c2": 5,
        "c3": 3,
        "c4": 5,
        "c5": 4,
        "c6": 5,
        "c7": 5,
        "c8": 2,
        "c9": 1,
        "c10": 1,
        "c11": 1,
    },  # 87
    {
        "c1": 4,
        "c2": 5,
        "c3": 3,
        "c4": 5,
        "c5": 4,
        "c6": 5,
        "c7": 5,
        "c8": 2,
        "c9": 0,
        "c10": 1,
        "c11": 1,
    },  # 77
    {
        "c1": 5,
        "c2": 5,
        "c3": 5,
        "c4": 5,
        "c5": 5,
        "c6": 5,
        "c7": 5,
        "c8": 5,
        "c9": 1,
        "c10": 0,
        "c11": 1,
    },  # 0
)

#: Profiles (indexes into PROFILES) each evaluator gives in turn, per month: mostly good work, one
#: identity check missed (quality manager; disputed once) and one privacy violation (supervisor).
QUALITY_SEQUENCE = (0, 2, 1, 0, 1, 0)
SUPERVISOR_SEQUENCE = (1, 0, 3, 0, 1, 0)


def _instant(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=local_zone()).astimezone(UTC)


def _backdate(db: Session, ev: Evaluation, when: datetime) -> None:
    for attr in ("submitted_at", "acknowledged_at", "disputed_at", "resolved_at"):
        if getattr(ev, attr) is not None:
            setattr(ev, attr, when)
            when += timedelta(days=1)
    for event in db.scalars(select(EvaluationEvent).where(EvaluationEvent.evaluation_id == ev.id)):
        event.at = min(event.at, when)


def load_demo_evaluations(*, db: Session) -> list[str]:
    """Load the demo evaluations (see the module docstring); commits. Returns notices for the output."""
    if db.scalar(select(SampleRun.id).limit(1)) is not None:
        return []
    users = {u.username: u for u in db.scalars(select(User))}
    quality, supervisor = users.get("quality1"), users.get("supervisor1")
    counselors = [u for u in users.values() if u.role == Role.COUNSELOR and u.is_active]
    categories = list(
        db.scalars(select(Category).where(Category.is_active.is_(True)).order_by(Category.sort_order))
    )
    if quality is None or supervisor is None or not counselors or not categories:
        return ["demo evaluations skipped: the demo accounts or categories are missing"]
    counselors.sort(key=lambda u: u.username)
    first_this = local_today().replace(day=1)
    months = [
        (first_this - timedelta(days=40)).replace(day=1),
        (first_this - timedelta(days=1)).replace(day=1),
    ]
    disputed = calibrated = False
    for first in months:
        for c_index, agent in enumerate(counselors):
            for k in range(6):
                question, answer = INQUIRIES[(k + c_index) % len(INQUIRIES)]
                record_contact(
                    db=db,
                    agent=agent,
                    category_id=categories[(k + c_index) % min(4, len(categories))].id,
                    inquiry=question,
                    answer=answer,
                    outcome="resolved",
                    now=_instant(first + timedelta(days=2 + 4 * k), 10 + c_index),
                )
        month = first.strftime("%Y-%m")
        report = service.sample_month(
            db=db,
            month=month,
            actor=quality,
            per_agent=3,
            seed=f"demo-{month}",
            evaluator_ids=[quality.id, supervisor.id],
        )
        turns: dict[int, int] = {}
        for n, ev_id in enumerate(report.evaluation_ids):
            ev = db.get(Evaluation, ev_id)
            assert ev is not None
            evaluator = quality if ev.evaluator_id == quality.id else supervisor
            turns[evaluator.id] = turns.get(evaluator.id, -1) + 1
            sequence = QUALITY_SEQUENCE if evaluator is quality else SUPERVISOR_SEQUENCE
            profile = PROFILES[sequence[turns[evaluator.id] % len(sequence)]]
            service.submit_scores(
                db=db,
                evaluation_id=ev.id,
                actor=evaluator,
                scores=profile,
                overall_comment="응대 태도 우수" if profile is PROFILES[0] else "개선 사항을 확인해 주세요.",
            )
            if ev.total_score is not None and ev.total_score < 80 and evaluator is quality and not disputed:
                service.dispute(
                    db=db,
                    evaluation_id=ev.id,
                    actor=db.get(User, ev.agent_id),  # type: ignore[arg-type]
                    reason="본인 확인 절차를 진행했습니다. 녹취를 확인해 주세요.",
                )
                service.resolve(
                    db=db,
                    evaluation_id=ev.id,
                    actor=supervisor,
                    decision="adjust",
                    note="녹취 확인 결과 본인 확인을 했음: 점수 조정",
                    scores={**profile, "c9": 1},
                )
                disputed = True
            elif n % 3 == 0:
                service.acknowledge(db=db, evaluation_id=ev.id, actor=db.get(User, ev.agent_id))  # type: ignore[arg-type]
            if ev.passed is False:
                note = service.add_coaching_note(
                    db=db,
                    actor=evaluator,
                    evaluation_id=ev.id,
                    discussed="통화 녹취를 함께 듣고 부족한 항목을 확인함",
                    actions="본인 확인 절차 체크리스트 사용, 통화 끝 요약",
                    follow_up_on=first + timedelta(days=45),
                )
                note.created_at = _instant(first + timedelta(days=27), 15)
            _backdate(db, ev, _instant(first + timedelta(days=25), 14))
        if not calibrated and report.evaluation_ids:
            contact_id = db.get(Evaluation, report.evaluation_ids[-1]).contact_id  # type: ignore[union-attr]
            session = service.create_calibration(
                db=db,
                actor=quality,
                contact_id=contact_id,
                evaluator_ids=[quality.id, supervisor.id],
                title="월간 평가 기준 맞추기",
            )
            session.created_at = _instant(first + timedelta(days=26), 16)
            for ev in db.scalars(select(Evaluation).where(Evaluation.calibration_session_id == session.id)):
                who = quality if ev.evaluator_id == quality.id else supervisor
                service.submit_scores(
                    db=db,
                    evaluation_id=ev.id,
                    actor=who,
                    scores=PROFILES[0] if who is quality else PROFILES[1],
                )
            calibrated = True
        db.commit()
    return []
