"""KPI formulas (pure) and their SQL aggregation over a hand-made day (see ``support.py``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.contacts.models import Channel, Contact, Outcome
from minwon.core.errors import NotFound, ValidationError
from minwon.quality import kpi
from minwon.quality.service import day_kpis, interval_kpis, month_kpis, period_kpis, queue_kpis
from minwon.telephony.models import Call
from minwon.telephony.service import ingest_events
from tests.factories import make_org, make_user
from tests.quality.support import DAY, at, ev, ingest_sample_day

# --- pure ---------------------------------------------------------------------------------------


def test_ratios_of_nothing_are_undefined_not_zero() -> None:
    assert kpi.ratio(0, 0) is None
    assert kpi.service_level(0, 0) is None
    assert kpi.abandonment_rate(0, 0) is None
    assert kpi.answer_rate(0, 0) is None
    assert kpi.mean(0, 0) is None
    assert kpi.service_level(3, 4) == 0.75
    assert kpi.mean(50, 2) == 25


def test_compute_and_round_from_counts() -> None:
    counts = kpi.KpiCounts(
        offered=3,
        answered=2,
        abandoned=1,
        answered_within_threshold=1,
        wait_total_s=51,
        wait_count=2,
        handle_total_s=421,
        handle_count=2,
    )
    values = kpi.compute(counts, sl_threshold_s=20)
    assert values["service_level"] == pytest.approx(1 / 3)
    assert values["asa_s"] == 25.5
    assert values["aht_s"] == 210.5
    assert values["answer_rate"] == pytest.approx(2 / 3)
    shown = kpi.rounded(values)
    assert shown["service_level"] == 0.3333
    assert shown["abandonment_rate"] == 0.3333
    assert shown["offered"] == 3
    assert kpi.format_value("service_level", 1 / 3) == "33.3%"
    assert kpi.format_value("asa_s", None) == "—"
    assert kpi.format_value("offered", 1234) == "1,234"


def test_every_indicator_has_one_definition_with_unit_and_korean_label() -> None:
    names = [d.name for d in kpi.DEFINITIONS]
    assert len(names) == len(set(names))
    assert {"offered", "service_level", "asa_s", "aht_s", "abandonment_rate", "answer_rate"} <= set(names)
    for d in kpi.DEFINITIONS:
        assert d.unit in (kpi.CALLS, kpi.CONTACTS, kpi.RATIO, kpi.SECONDS, kpi.SCORE)
        assert d.source and d.needs
        assert d.label_ko and d.formula


# --- SQL ----------------------------------------------------------------------------------------


def test_day_kpis_of_the_hand_made_day(db: Session) -> None:
    ingest_sample_day(db)
    k = day_kpis(db=db, day=DAY)
    assert (k["offered"], k["answered"], k["abandoned"], k["ended_in_ivr"]) == (3, 2, 1, 1)
    assert k["answered_within_threshold"] == 1
    assert k["sl_threshold_s"] == 20
    assert k["service_level"] == pytest.approx(1 / 3)
    assert k["asa_s"] == pytest.approx(25.0)
    assert k["aht_s"] == pytest.approx(210.0)
    assert k["abandonment_rate"] == pytest.approx(1 / 3)
    assert k["answer_rate"] == pytest.approx(2 / 3)
    assert k["day"] == "2026-11-02"


def test_threshold_override_and_empty_day(db: Session) -> None:
    ingest_sample_day(db)
    assert day_kpis(db=db, day=DAY, sl_threshold_s=40)["service_level"] == pytest.approx(2 / 3)
    assert day_kpis(db=db, day=DAY, sl_threshold_s=9)["service_level"] == 0
    empty = day_kpis(db=db, day=DAY + timedelta(days=1))
    assert empty["offered"] == 0
    assert empty["service_level"] is None and empty["asa_s"] is None and empty["aht_s"] is None
    with pytest.raises(ValidationError) as err:
        day_kpis(db=db, day=DAY, sl_threshold_s=0)
    assert err.value.field == "sl_threshold_s"


def test_queue_threshold_and_filter(db: Session) -> None:
    ingest_sample_day(db, queue="tax", sl_threshold_s=45)
    k = day_kpis(db=db, day=DAY, queue_code="tax")
    assert k["sl_threshold_s"] == 45
    assert k["service_level"] == pytest.approx(2 / 3)
    with pytest.raises(NotFound) as err:
        day_kpis(db=db, day=DAY, queue_code="nope")
    assert err.value.field == "queue"


def test_after_call_work_from_the_contact_record_counts_in_aht(db: Session) -> None:
    ingest_sample_day(db)
    cats, _depts, _queues = make_org(db)
    agent = make_user(db, "counselor1")
    call = db.scalar(select(Call).where(Call.external_id == "c1"))
    assert call is not None and call.ended_at is not None
    db.add(
        Contact(
            call_id=call.id,
            channel=Channel.CALL,
            agent_id=agent.id,
            category_id=cats[0].id,
            inquiry="자동차세 납부 문의",
            outcome=Outcome.RESOLVED,
            wrapup_started_at=call.ended_at,
            acw_s=30,
        )
    )
    db.commit()
    # (300 + 30 + 120) / 2
    assert day_kpis(db=db, day=DAY)["aht_s"] == pytest.approx(225.0)


def test_interval_kpis_bucket_by_local_queue_entry(db: Session) -> None:
    ingest_sample_day(db)
    rows = interval_kpis(db=db, day=DAY, minutes=30)
    assert len(rows) == 48
    by_start = {r["start"]: r for r in rows}
    assert by_start["09:00"]["end"] == "09:30"
    assert (by_start["09:00"]["offered"], by_start["09:00"]["answered"]) == (2, 2)
    assert by_start["09:00"]["asa_s"] == pytest.approx(25.0)
    assert (by_start["09:30"]["offered"], by_start["09:30"]["abandoned"]) == (1, 1)
    assert by_start["09:30"]["ended_in_ivr"] == 1
    assert by_start["10:00"]["offered"] == 0 and by_start["10:00"]["service_level"] is None
    assert rows[-1]["end"] == "24:00"
    assert sum(r["offered"] for r in rows) == 3
    hourly = interval_kpis(db=db, day=DAY, minutes=60)
    assert [(r["start"], r["offered"]) for r in hourly if r["offered"]] == [("09:00", 3)]
    with pytest.raises(ValidationError) as err:
        interval_kpis(db=db, day=DAY, minutes=7)
    assert err.value.field == "interval"


def test_call_queued_after_midnight_counts_in_the_last_interval_of_its_day(db: Session) -> None:
    pbx = ingest_sample_day(db)
    next_day = DAY + timedelta(days=1)
    result = ingest_events(
        db=db,
        pbx=pbx,
        events=[
            ev("ringing", "late", "00:00:05", next_day, queue="general", entered_at=at("23:59:50")),
            ev("answered", "late", "00:00:15", next_day),
            ev("hangup", "late", "00:01:00", next_day),
        ],
    )
    assert result.accepted == 3
    rows = interval_kpis(db=db, day=DAY, minutes=30)
    assert rows[-1]["start"] == "23:30" and rows[-1]["offered"] == 1
    assert sum(r["offered"] for r in rows) == day_kpis(db=db, day=DAY)["offered"] == 4
    assert day_kpis(db=db, day=next_day)["offered"] == 0


def test_queue_breakdown_and_month(db: Session) -> None:
    pbx = ingest_sample_day(db)
    from minwon.org.service import ensure_queue

    ensure_queue(db=db, code="water", name="상하수도", sl_threshold_s=60)
    db.commit()
    other_day = date(2026, 11, 20)
    ingest_events(
        db=db,
        pbx=pbx,
        events=[
            ev("ringing", "w1", "14:00:00", other_day, queue="water"),
            ev("answered", "w1", "14:00:50", other_day),
            ev("hangup", "w1", "14:02:00", other_day),
        ],
    )
    queues = {
        r["queue"]: r for r in queue_kpis(db=db, first_day=date(2026, 11, 1), last_day=date(2026, 11, 30))
    }
    assert queues["general"]["offered"] == 3 and queues["general"]["queue_name"] == "일반 상담"
    assert queues["water"]["offered"] == 1
    # water is measured against its own 60 s: the 50 s wait is within.
    assert queues["water"]["service_level"] == 1.0 and queues["water"]["sl_threshold_s"] == 60
    assert queues[None]["ended_in_ivr"] == 1 and queues[None]["offered"] == 0
    month = month_kpis(db=db, month="2026-11")
    assert (month["offered"], month["answered"], month["month"]) == (4, 3, "2026-11")
    assert month["first_day"] == "2026-11-01" and month["last_day"] == "2026-11-30"
    assert period_kpis(db=db, first_day=DAY, last_day=DAY)["offered"] == 3
    with pytest.raises(ValidationError) as err:
        month_kpis(db=db, month="2026-13")
    assert err.value.field == "month"
