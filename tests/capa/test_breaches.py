"""Runs of breached periods and breach references (pure; values by hand)."""

from __future__ import annotations

from datetime import date

import pytest

from minwon.capa import breaches


def test_runs_red_only_and_not_green() -> None:
    series = ["green", "red", "red", "red", "amber", "red", "red", None, "red", "red", "red", "red"]
    # red only: indices 1–3 (3 long), 5–6 (2, too short), 8–11 (4)
    assert breaches.find_runs(series, min_length=3) == [(1, 3), (8, 11)]
    # not green: 1–6 (amber joins the reds), None at 7 breaks, 8–11
    assert breaches.find_runs(series, min_length=3, include_amber=True) == [(1, 6), (8, 11)]
    assert breaches.find_runs(series, min_length=5) == []
    assert breaches.find_runs(series, min_length=1) == [(1, 3), (5, 6), (8, 11)]


def test_runs_edges() -> None:
    assert breaches.find_runs([], min_length=3) == []
    assert breaches.find_runs(["red"] * 3, min_length=3) == [(0, 2)]
    assert breaches.find_runs([None, None, None], min_length=1, include_amber=True) == []
    with pytest.raises(ValueError):
        breaches.find_runs(["red"], min_length=0)


def test_complete_periods_months_and_weeks() -> None:
    months = breaches.complete_periods(date(2026, 2, 15), 3)
    assert [p.label for p in months] == ["2025-11", "2025-12", "2026-01"]
    assert months[0].first_day == date(2025, 11, 1) and months[-1].last_day == date(2026, 1, 31)
    # 2026-11-30 is a Monday: its week is running, the three before it are complete
    weeks = breaches.complete_periods(date(2026, 11, 30), 3, breaches.WEEK)
    assert [p.label for p in weeks] == ["2026-W46", "2026-W47", "2026-W48"]
    assert weeks[-1].first_day == date(2026, 11, 23) and weeks[-1].last_day == date(2026, 11, 29)
    with pytest.raises(ValueError):
        breaches.complete_periods(date(2026, 1, 1), 3, "year")


def test_breach_references() -> None:
    first, last = breaches.month_period(2026, 9), breaches.month_period(2026, 11)
    ref = breaches.breach_ref("service_level", first, last)
    assert ref == "kpi:service_level:2026-09..2026-11"
    assert breaches.parse_breach_ref(ref) == ("service_level", date(2026, 9, 1), date(2026, 11, 30))
    assert breaches.parse_breach_ref("kpi:fcr:2026-W45..2026-W47") == (
        "fcr",
        date(2026, 11, 2),
        date(2026, 11, 22),
    )
    for bad in ("complaint:12", "kpi:service_level:2026-13..2026-14", "kpi:fcr:2026-11..2026-09", ""):
        assert breaches.parse_breach_ref(bad) is None
    assert breaches.overlaps(date(2026, 9, 1), date(2026, 11, 30), date(2026, 11, 30), date(2027, 1, 31))
    assert not breaches.overlaps(date(2026, 9, 1), date(2026, 11, 30), date(2026, 12, 1), date(2027, 1, 31))
