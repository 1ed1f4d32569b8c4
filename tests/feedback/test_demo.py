"""The demo surveys load once, with low scores, follow-ups and complaints, and feed the month summary."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.core.clock import local_today
from minwon.feedback.demo import load_demo_feedback
from minwon.feedback.models import ServiceComplaint, SurveyFollowUp, SurveyResponse
from minwon.feedback.service import survey_summary
from tests.factories import make_org, make_user


def test_demo_feedback_loads_once(db: Session) -> None:
    make_org(db)
    make_user(db, "c1", display_name="상담사1")
    make_user(db, "c2", display_name="상담사2")
    make_user(db, "s1", "supervisor", display_name="감독자")
    notices = load_demo_feedback(db=db)
    assert len(notices) == 1 and "responses" in notices[0]
    responses = db.scalar(select(func.count(SurveyResponse.id))) or 0
    assert 250 <= responses <= 420
    low = db.scalar(select(func.count(SurveyResponse.id)).where(SurveyResponse.lowest <= 2)) or 0
    assert low == db.scalar(select(func.count(SurveyFollowUp.id))) and low > 10
    assert (db.scalar(select(func.count(ServiceComplaint.id))) or 0) >= 10
    assert load_demo_feedback(db=db) == []
    assert db.scalar(select(func.count(SurveyResponse.id))) == responses
    last_month_end = local_today().replace(day=1) - timedelta(days=1)
    summary = survey_summary(db=db, first_day=last_month_end.replace(day=1), last_day=last_month_end)
    assert summary.invited > 0 and summary.responded > 0 and summary.csat is not None
    assert len(summary.questions) == 3
