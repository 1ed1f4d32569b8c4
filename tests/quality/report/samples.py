"""Hand-made month summaries (the shapes of ``minwon.quality.summaries``) and a small call history."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from minwon.quality.summaries import (
    AgentScore,
    CapaSummary,
    EvaluationSummary,
    NonconformityItem,
    QuestionResult,
    SurveySummary,
)
from minwon.telephony.service import ingest_events
from tests.quality.support import ev, ingest_sample_day

SURVEYS = SurveySummary(
    invited=40,
    responded=10,
    response_rate=0.25,
    csat=0.8,
    mean_rating=4.15,
    questions=[
        QuestionResult("상담사의 친절도", 4.5, 10),
        QuestionResult("문제 해결 정도", 3.8, 10),
        QuestionResult("대기 시간 만족도", None, 0),
    ],
    low_score_followups_opened=2,
    low_score_followups_open=1,
    complaints_recorded=3,
    complaints_open=1,
)
EVALUATIONS = EvaluationSummary(
    completed=6,
    mean_score=82.5,
    pass_rate=5 / 6,
    critical_failures=1,
    disputed=2,
    disputes_resolved=1,
    by_agent=[AgentScore("김상담", 3, 88.0, 0), AgentScore("이상담", 3, 77.0, 1)],
    calibration_sessions=1,
    calibration_mean_spread=12.5,
    coaching_notes=4,
)
CAPA = CapaSummary(
    opened=3,
    closed=1,
    open_at_end=4,
    overdue=1,
    effectiveness_confirmed=1,
    by_source={"kpi": 1, "complaint": 2},
    items=[
        NonconformityItem(
            "NC-2026-007", "서비스 레벨 3개월 연속 미달", "kpi", "박품질", date(2026, 11, 20), "open", True
        ),
        NonconformityItem(
            "NC-2026-008", "불친절 응대 민원", "complaint", "최팀장", date(2026, 12, 15), "action", False
        ),
        NonconformityItem("NC-2026-009", "안내 오류 민원", "complaint", None, None, "closed", False),
    ],
)
EMPTY_SURVEYS = SurveySummary(invited=0, responded=0, response_rate=None, csat=None, mean_rating=None)
EMPTY_EVALUATIONS = EvaluationSummary(
    completed=0, mean_score=None, pass_rate=None, critical_failures=0, disputed=0, disputes_resolved=0
)
EMPTY_CAPA = CapaSummary(opened=0, closed=0, open_at_end=0, overdue=0, effectiveness_confirmed=0)


def seed_calls(db: Session) -> None:
    """The sample day 2026-11-02 (offered 3, answered 2, abandoned 1, SL 1/3, ASA 25 s, AHT 210 s; see
    ``tests/quality/support.py``) and on 2026-09-07 two calls: one answered after 5 s with 60 s of talk,
    one abandoned after 30 s (offered 2, answered 1, SL 1/2, ASA 5 s, AHT 60 s, abandonment 1/2)."""
    pbx = ingest_sample_day(db)
    sep = date(2026, 9, 7)
    result = ingest_events(
        db=db,
        pbx=pbx,
        events=[
            ev("ringing", "s1", "10:00:00", sep, queue="general"),
            ev("answered", "s1", "10:00:05", sep, agent="AGENT_01"),
            ev("hangup", "s1", "10:01:05", sep),
            ev("ringing", "s2", "11:00:00", sep, queue="general"),
            ev("abandoned", "s2", "11:00:30", sep),
        ],
    )
    assert result.rejected == 0, result.outcomes
