"""A small, hand-written routing corpus: three departments with distinct Korean vocabulary."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from minwon.cases.models import Case, CaseSource, CaseStatus
from minwon.core.clock import local_zone
from minwon.org.models import Department
from minwon.routing.model import Example

TEXTS: dict[str, list[str]] = {
    "세무과": [
        "자동차세 납부 기한이 언제인가요",
        "재산세 고지서를 받지 못했습니다",
        "지방세 체납 가산금 문의",
        "자동차세 연납 신청 방법",
        "재산세 납부 영수증 발급",
        "주민세 고지서 금액이 이상합니다",
        "지방세 납부 가상계좌 문의",
        "자동차세 이중 납부 환급",
    ],
    "상하수도사업소": [
        "수도 요금이 너무 많이 나왔어요",
        "수도 계량기 동파 신고",
        "하수도 요금 감면 신청",
        "수돗물에서 냄새가 나요",
        "상수도 누수 요금 조정",
        "수도 계량기 검침 오류",
        "하수도 막힘 신고합니다",
        "수도 요금 자동이체 신청",
    ],
    "주차관리과": [
        "불법 주차 차량 견인 요청",
        "주정차 위반 과태료 이의신청",
        "견인된 차량 찾는 방법",
        "주차 단속 과태료 감경",
        "거주자 우선 주차 신청",
        "주정차 위반 딱지 문의",
        "불법 주차 신고합니다",
        "견인 보관소 위치 문의",
    ],
}


def examples(start: date = date(2020, 1, 1)) -> list[Example]:
    """24 examples, one per day in rotation, so every department appears in every stretch of days."""
    out: list[Example] = []
    for i in range(8):
        for j, (label, texts) in enumerate(TEXTS.items()):
            out.append(Example(texts[i], label, start + timedelta(days=3 * i + j)))
    return out


def add_cases(db: Session, departments: dict[str, Department]) -> None:
    """The corpus as answered cases in ``db`` (numbers R-0001…)."""
    for n, ex in enumerate(examples(), 1):
        at = datetime(ex.day.year, ex.day.month, ex.day.day, 10, tzinfo=local_zone())
        db.add(
            Case(
                number=f"R-{n:04d}",
                source=CaseSource.IMPORT,
                external_ref=f"R-{n}",
                title=ex.text,
                question=ex.text,
                department_id=departments[ex.label].id,
                petition_type="other",
                status=CaseStatus.CLOSED,
                received_at=at,
                closed_at=at,
            )
        )
    db.flush()
