"""The demo evaluations: every part of the month summary has data; a second run adds nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.core.clock import local_today
from minwon.evaluations.demo import load_demo_evaluations
from minwon.evaluations.models import Evaluation
from minwon.evaluations.service import evaluation_summary
from tests.factories import make_org, make_user


def test_demo_evaluations_fill_the_last_month_summary(db: Session) -> None:
    make_org(db)
    for name in ("counselor1", "counselor2"):
        make_user(db, name, "counselor")
    make_user(db, "quality1", "quality_manager")
    make_user(db, "supervisor1", "supervisor")
    assert load_demo_evaluations(db=db) == []
    count = db.scalar(select(func.count(Evaluation.id)))
    last = local_today().replace(day=1) - timedelta(days=1)
    first_prev = (last.replace(day=1) - timedelta(days=1)).replace(day=1)
    total = evaluation_summary(db=db, first_day=first_prev, last_day=last)
    assert total.completed == 12  # 2 counselors × 3 contacts × 2 months
    assert total.disputed == 1 and total.disputes_resolved == 1
    assert total.calibration_sessions == 1 and total.calibration_mean_spread == 6.0  # 93 − 87
    assert total.coaching_notes >= 1 and total.critical_failures >= 1
    assert evaluation_summary(db=db, first_day=last.replace(day=1), last_day=last).completed == 6
    assert load_demo_evaluations(db=db) == []
    assert db.scalar(select(func.count(Evaluation.id))) == count
