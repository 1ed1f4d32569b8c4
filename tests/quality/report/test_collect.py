"""The collector takes every figure from the KPI module and the other domains' functions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from minwon.accounts.models import Role
from minwon.capa.service import capa_summary, open_nonconformity
from minwon.core.clock import local_today
from minwon.core.errors import ValidationError
from minwon.evaluations.service import evaluation_summary
from minwon.feedback.service import record_complaint, survey_summary
from minwon.quality.kpi import statuses, targets
from minwon.quality.report.collect import (
    COLLECT_STEPS,
    TREND_MONTHS,
    collect,
    month_summaries,
    trend_months,
)
from minwon.quality.service import month_kpis, period_kpis
from tests.factories import make_user
from tests.quality.report.samples import CAPA, EVALUATIONS, SURVEYS, seed_calls


def test_trend_months_run_back_over_the_year_boundary() -> None:
    assert trend_months("2026-02", 4) == ["2025-11", "2025-12", "2026-01", "2026-02"]
    months = trend_months("1999-08")
    assert len(months) == TREND_MONTHS == 12 and months[0] == "1998-09" and months[-1] == "1999-08"
    with pytest.raises(ValidationError):
        trend_months("2026-13")


def test_collect_equals_the_kpi_functions(db: Session) -> None:
    seed_calls(db)
    steps: list[tuple[str, int, int]] = []
    data = collect(db=db, month="2026-11", progress=lambda s, d, t: steps.append((s, d, t)))

    # By hand (tests/quality/support.py): offered 3, answered 2, abandoned 1, SL 1/3, ASA 25 s, AHT 210 s.
    assert (data.kpis["offered"], data.kpis["answered"], data.kpis["abandoned"]) == (3, 2, 1)
    assert data.kpis["service_level"] == pytest.approx(1 / 3)
    assert (data.kpis["asa_s"], data.kpis["aht_s"]) == (25.0, 210.0)
    assert data.status["service_level"] == "red"  # 33 % < amber 70 %
    assert data.status["abandonment_rate"] == "red"  # 33 % ≥ amber 10 %

    # …and equal to the KPI module's own functions, month by month.
    assert data.kpis == month_kpis(db=db, month="2026-11")
    assert data.status == statuses(month_kpis(db=db, month="2026-11"), targets())
    assert [t["month"] for t in data.trend] == trend_months("2026-11")
    for row in data.trend:
        assert row == month_kpis(db=db, month=row["month"])
    by_month = {t["month"]: t for t in data.trend}
    assert by_month["2026-09"]["offered"] == 2 and by_month["2026-09"]["service_level"] == 0.5
    assert by_month["2026-10"]["offered"] == 0 and by_month["2026-10"]["service_level"] is None
    assert data.previous_status == data.trend_status[-2] == statuses(by_month["2026-10"], targets())

    # One progress report per step, numbered up to the total.
    assert COLLECT_STEPS == TREND_MONTHS + 4
    assert [d for _s, d, _t in steps] == list(range(1, COLLECT_STEPS + 1))
    assert {t for _s, _d, t in steps} == {COLLECT_STEPS}

    # The baseline is the KPI module's figure over 2025-12-01…2026-10-31 as one period: only the
    # September calls (offered 2, SL 1/2).
    assert data.baseline == period_kpis(db=db, first_day=date(2025, 12, 1), last_day=date(2026, 10, 31))
    assert data.baseline["offered"] == 2 and data.baseline["service_level"] == 0.5

    # The summaries are passed through as given; None stays None ("not available").
    assert (data.surveys, data.evaluations, data.capa) == (None, None, None)
    full = collect(db=db, month="2026-11", surveys=SURVEYS, evaluations=EVALUATIONS, capa=CAPA)
    assert full.surveys is SURVEYS and full.evaluations is EVALUATIONS and full.capa is CAPA
    assert full.kb_as_of == date(2026, 11, 30) or full.kb_as_of < date(2026, 11, 30)
    assert full.access.month == "2026-11" and full.chain.ok


def test_month_summaries_come_from_the_three_domains(db: Session) -> None:
    """A complaint and a register entry recorded this month reach the report through the domains'
    ``*_summary`` functions; a month without them shows zero."""
    qm = make_user(db, "qm-report", Role.QUALITY_MANAGER)
    record_complaint(
        db=db, channel="phone", subject="waiting", description="대기 시간이 너무 깁니다", actor=qm
    )
    open_nonconformity(
        db=db,
        source="complaint",
        source_ref="complaint:1",
        title="대기 시간 불만",
        description="대기 시간 불만 접수",
        actor=qm,
    )
    today = local_today()
    first, last = today.replace(day=1), today
    got = month_summaries(db=db, first_day=first, last_day=last)
    assert got.surveys is not None and got.evaluations is not None and got.capa is not None
    assert got.surveys.complaints_recorded == 1
    assert (
        got.capa.opened == 1
        and got.capa.by_source["complaint"] == 1
        and sum(got.capa.by_source.values()) == 1
    )
    assert got.evaluations.completed == 0
    assert got.surveys == survey_summary(db=db, first_day=first, last_day=last)
    assert got.evaluations == evaluation_summary(db=db, first_day=first, last_day=last)
    assert got.capa == capa_summary(db=db, first_day=first, last_day=last)
    before = month_summaries(db=db, first_day=date(2020, 1, 1), last_day=date(2020, 1, 31))
    assert before.surveys is not None and before.surveys.complaints_recorded == 0
    assert before.capa is not None and before.capa.opened == 0


def test_bad_month_is_refused(db: Session) -> None:
    for month in ("2026-13", "26-11", "november"):
        with pytest.raises(ValidationError):
            collect(db=db, month=month)
