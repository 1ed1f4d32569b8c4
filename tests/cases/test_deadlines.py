"""Tests for minwon.cases.deadlines (statutory processing deadlines, 민원 처리기한).

Every expected value below was computed BY HAND in the comment next to it,
never by calling the code under test.  Holiday facts were checked beforehand
with ``holidays.KR(years=...)`` (holidays==0.108; called here through the
typed ``holidays.country_holidays("KR", ...)``) and are re-asserted in
``test_holiday_facts_relied_on`` so a library change fails loudly there.

Weekday key used in the comments (checked with datetime.date.weekday()):
  2025-03: Mon 3/10, Tue 3/11, Wed 3/12, Thu 3/13, Fri 3/14, Sat 3/15,
           Sun 3/16, Mon 3/17, Tue 3/18, Wed 3/19, Tue 3/25, Wed 3/26.
  No public holiday in 2025-03-04 .. 2025-04-30 (3/1 Sat and its substitute
  3/3 Mon are the only March holidays).

Default calendar: working hours 09:00-12:00 and 13:00-18:00 = 8 h/day.
"""

from __future__ import annotations

import pickle
from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
import pytest

from minwon.cases.deadlines import (
    STATUTORY_HOURS_PER_DAY,
    Deadline,
    DeadlineError,
    Period,
    PeriodUnit,
    PetitionType,
    WorkingCalendar,
    compute_deadline,
    is_overdue,
    statutory_period,
)

KST = ZoneInfo("Asia/Seoul")


def kst(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=KST)


def statutory(amount: int, unit: PeriodUnit) -> Period:
    return Period(amount, unit)


# ---------------------------------------------------------------------------
# Holiday facts (verified with holidays.KR before writing the tests)
# ---------------------------------------------------------------------------

# date -> name printed by holidays.KR(years=...) in holidays 0.108
HOLIDAYS_RELIED_ON = {
    date(2024, 5, 6): "Alternative holiday for Children's Day",  # 5/5 was a Sunday
    date(2025, 1, 27): "Temporary Public Holiday",
    date(2025, 1, 28): "The day preceding Korean New Year",
    date(2025, 1, 29): "Korean New Year",
    date(2025, 1, 30): "The second day of Korean New Year",
    date(2025, 6, 3): "Presidential Election Day",
    date(2025, 6, 6): "Memorial Day",
    date(2025, 10, 3): "National Foundation Day",
    date(2025, 10, 5): "The day preceding Chuseok",  # a Sunday
    date(2025, 10, 6): "Chuseok",
    date(2025, 10, 7): "The second day of Chuseok",
    date(2025, 10, 8): "Alternative holiday for Chuseok",
    date(2025, 10, 9): "Hangul Day",
    date(2026, 2, 16): "The day preceding Korean New Year",
    date(2026, 2, 17): "Korean New Year",
    date(2026, 2, 18): "The second day of Korean New Year",
    date(2026, 3, 2): "Alternative holiday for Independence Movement Day",  # 3/1 was a Sunday
}


def test_holiday_facts_relied_on() -> None:
    # Canary: the hand computations below assume exactly these holidays.
    for d, name in HOLIDAYS_RELIED_ON.items():
        kr = holidays.country_holidays("KR", years=d.year)
        assert kr.get(d) == name, d
        assert not WorkingCalendar().is_working_day(d), d
    # ...and that these ordinary weekdays are NOT holidays.
    for d in (date(2025, 3, 10), date(2025, 1, 24), date(2025, 1, 31), date(2025, 10, 2), date(2025, 10, 10)):
        assert d not in holidays.country_holidays("KR", years=d.year)
        assert WorkingCalendar().is_working_day(d)


def test_weekends_are_not_working_days() -> None:
    # 2025-03-15 is a Saturday, 2025-03-16 a Sunday (Sunday = public holiday,
    # 관공서의 공휴일에 관한 규정 §2); 2025-03-14 Friday is a working day.
    cal = WorkingCalendar()
    assert cal.is_working_day(date(2025, 3, 14))
    assert not cal.is_working_day(date(2025, 3, 15))
    assert not cal.is_working_day(date(2025, 3, 16))


# ---------------------------------------------------------------------------
# Hours regime (Act §19(1))
# ---------------------------------------------------------------------------


def test_other_received_late_afternoon_rolls_to_next_morning() -> None:
    # Mon 2025-03-10 17:00, 3 working hours:
    #   Mon 17:00-18:00 = 1 h (2 h left); Tue 3/11 09:00-11:00 = 2 h -> Tue 11:00.
    dl = compute_deadline(PetitionType.OTHER, kst(2025, 3, 10, 17))
    assert dl.due == kst(2025, 3, 11, 11)
    assert dl.period == Period(3, PeriodUnit.HOURS)
    assert "Act §19(1)" in dl.basis and "Decree §16" in dl.basis


def test_other_spanning_lunch_break() -> None:
    # Mon 2025-03-10 11:30: 11:30-12:00 = 0.5 h; break 12-13 not counted;
    #   13:00-15:30 = 2.5 h -> total 3 h at Mon 15:30.
    assert compute_deadline("other", kst(2025, 3, 10, 11, 30)).due == kst(2025, 3, 10, 15, 30)


def test_other_received_during_lunch_break_starts_at_13() -> None:
    # Mon 2025-03-10 12:30 is inside the break -> counting starts 13:00;
    #   13:00 + 3 h = 16:00 (no break in between).
    assert compute_deadline("other", kst(2025, 3, 10, 12, 30)).due == kst(2025, 3, 10, 16)


def test_other_received_before_opening() -> None:
    # Mon 2025-03-10 08:00 -> counting starts 09:00; 09:00-12:00 = 3 h -> 12:00.
    assert compute_deadline("other", kst(2025, 3, 10, 8)).due == kst(2025, 3, 10, 12)


def test_due_is_exact_moment_hours_run_out_at_close_of_day() -> None:
    # Mon 2025-03-10 15:00: 15:00-18:00 = exactly 3 h -> due Mon 18:00,
    #   NOT Tue 09:00 (the third hour is used up at 18:00).
    assert compute_deadline("other", kst(2025, 3, 10, 15)).due == kst(2025, 3, 10, 18)


def test_after_hours_friday_receipt() -> None:
    # Fri 2025-03-14 19:00 is after closing; Sat 3/15, Sun 3/16 not counted;
    #   counting starts Mon 3/17 09:00; 09:00-12:00 = 3 h -> Mon 12:00 exactly
    #   (the 3rd hour ends at the start of the break, so 12:00 not 13:00).
    assert compute_deadline("other", kst(2025, 3, 14, 19)).due == kst(2025, 3, 17, 12)


def test_friday_afternoon_across_weekend() -> None:
    # Fri 2025-03-14 16:30: 16:30-18:00 = 1.5 h; Sat/Sun skipped;
    #   Mon 3/17 09:00-10:30 = 1.5 h -> Mon 10:30.
    assert compute_deadline("other", kst(2025, 3, 14, 16, 30)).due == kst(2025, 3, 17, 10, 30)


def test_receipt_on_saturday_hours_regime() -> None:
    # Sat 2025-03-15 10:00 (office closed): counting starts Mon 3/17 09:00;
    #   +3 h -> Mon 12:00.
    assert compute_deadline("other", kst(2025, 3, 15, 10)).due == kst(2025, 3, 17, 12)


def test_sub_second_precision_is_preserved() -> None:
    # Mon 2025-03-10 10:15:30.5: until 12:00 = 1 h 44 min 29.5 s;
    #   3 h - 1:44:29.5 = 1:15:30.5 left, from 13:00 -> 14:15:30.5.
    received = kst(2025, 3, 10, 10, 15, 30, 500_000)
    assert compute_deadline("other", received).due == kst(2025, 3, 10, 14, 15, 30, 500_000)


def test_statutory_3_days_become_24_working_hours() -> None:
    # Statutory 3-day period -> 3 x 8 = 24 working hours (Act §19(1)).
    # Wed 2025-03-12 10:00: Wed 10-12 (2 h) + 13-18 (5 h) = 7 h;
    #   Thu 3/13 8 h -> 15 h; Fri 3/14 8 h -> 23 h; Sat/Sun skipped;
    #   Mon 3/17 09:00-10:00 = 1 h -> 24 h at Mon 10:00.
    dl = compute_deadline("statutory", kst(2025, 3, 12, 10), period=Period(3, PeriodUnit.DAYS))
    assert dl.due == kst(2025, 3, 17, 10)
    assert "24 working hours" in dl.basis and "Act §19(1)" in dl.basis


def test_statutory_1_day() -> None:
    # 1 day = 8 h. Mon 2025-03-10 14:00: Mon 14-18 = 4 h; Tue 3/11 09-12 = 3 h
    #   (7 h); 13:00-14:00 = 1 h -> Tue 14:00.
    dl = compute_deadline(PetitionType.STATUTORY, kst(2025, 3, 10, 14), period=Period(1, PeriodUnit.DAYS))
    assert dl.due == kst(2025, 3, 11, 14)


def test_statutory_5_days_hours_vs_6_days_days_boundary() -> None:
    # 5 days -> 40 working hours from Mon 2025-03-10 15:00:
    #   Mon 15-18 = 3 h; Tue 8 (11); Wed 8 (19); Thu 8 (27); Fri 8 (35);
    #   Mon 3/17 09-12 = 3 (38); 13-15 = 2 (40) -> Mon 3/17 15:00.
    five = compute_deadline("statutory", kst(2025, 3, 10, 15), period=Period(5, PeriodUnit.DAYS))
    assert five.due == kst(2025, 3, 17, 15)
    # 6 days -> counted in days, first day included (Act §19(2)):
    #   Mon 3/10 (1), Tue 11 (2), Wed 12 (3), Thu 13 (4), Fri 14 (5),
    #   Mon 17 (6) -> Mon 3/17 18:00.
    six = compute_deadline("statutory", kst(2025, 3, 10, 15), period=Period(6, PeriodUnit.DAYS))
    assert six.due == kst(2025, 3, 17, 18)
    assert "Act §19(2)" in six.basis


def test_40_hours_equals_5_days() -> None:
    # Mon 2025-03-10 09:00 + 40 h = five full 8-hour days Mon..Fri -> Fri 3/14 18:00.
    by_hours = compute_deadline("statutory", kst(2025, 3, 10, 9), period=Period(40, PeriodUnit.HOURS))
    by_days = compute_deadline("statutory", kst(2025, 3, 10, 9), period=Period(5, PeriodUnit.DAYS))
    assert by_hours.due == by_days.due == kst(2025, 3, 14, 18)


def test_substitute_holiday_children_day_2024_hours() -> None:
    # 2024-05-05 (Sun) Children's Day -> 2024-05-06 Mon substitute holiday
    # (holidays.KR 2024: "Alternative holiday for Children's Day").
    # Fri 2024-05-03 17:00: Fri 17-18 = 1 h; Sat 4, Sun 5, Mon 6 skipped;
    #   Tue 5/7 09:00-11:00 = 2 h -> Tue 2024-05-07 11:00.
    assert compute_deadline("other", kst(2024, 5, 3, 17)).due == kst(2024, 5, 7, 11)


def test_lunar_new_year_2025_hours() -> None:
    # holidays.KR 2025: 1/27 Mon temporary holiday, 1/28-1/30 Seollal.
    # Fri 2025-01-24 16:00: Fri 16-18 = 2 h; Sat 25, Sun 26, Mon 27 (temp),
    #   Tue 28, Wed 29, Thu 30 skipped; Fri 1/31 09:00-10:00 = 1 h -> 1/31 10:00.
    assert compute_deadline("other", kst(2025, 1, 24, 16)).due == kst(2025, 1, 31, 10)


def test_lunar_new_year_2026_hours() -> None:
    # holidays.KR 2026: Seollal 2/16 Mon, 2/17 Tue, 2/18 Wed.
    # Fri 2026-02-13 17:00: 1 h; Sat 14, Sun 15, Mon 16, Tue 17, Wed 18 skipped;
    #   Thu 2/19 09:00-11:00 = 2 h -> Thu 2026-02-19 11:00.
    assert compute_deadline("other", kst(2026, 2, 13, 17)).due == kst(2026, 2, 19, 11)


def test_chuseok_2025_hours() -> None:
    # holidays.KR 2025: 10/3 Fri 개천절, 10/5-10/7 Chuseok, 10/8 substitute,
    # 10/9 한글날.  Thu 2025-10-02 16:30: 16:30-18:00 = 1.5 h; Fri 3 .. Thu 9 all
    #   non-working; Fri 10/10 09:00-10:30 = 1.5 h -> Fri 2025-10-10 10:30.
    assert compute_deadline("other", kst(2025, 10, 2, 16, 30)).due == kst(2025, 10, 10, 10, 30)


# ---------------------------------------------------------------------------
# Days regime (Act §19(2))
# ---------------------------------------------------------------------------


def test_grievance_friday_afternoon_before_substitute_holiday() -> None:
    # 7-day grievance (Decree §17) received Fri 2024-05-03 15:00, Mon 5/6 being
    # the substitute holiday for Children's Day (holidays.KR 2024):
    #   Fri 5/3 (1, day of receipt counted); Sat 4, Sun 5, Mon 6 skipped;
    #   Tue 7 (2), Wed 8 (3), Thu 9 (4), Fri 10 (5), Mon 13 (6), Tue 14 (7)
    #   -> Tue 2024-05-14 18:00.
    dl = compute_deadline(PetitionType.GRIEVANCE, kst(2024, 5, 3, 15))
    assert dl.due == kst(2024, 5, 14, 18)
    assert dl.period == Period(7, PeriodUnit.DAYS)
    assert "Act §19(2)" in dl.basis and "Decree §17" in dl.basis


def test_inquiry_procedure_across_lunar_new_year_2025() -> None:
    # 7 days from Fri 2025-01-24 14:00; holidays 1/27 (temporary) and
    # 1/28-1/30 (Seollal) per holidays.KR 2025:
    #   Fri 1/24 (1); Sat 25, Sun 26, Mon 27, Tue 28, Wed 29, Thu 30 skipped;
    #   Fri 31 (2), Mon 2/3 (3), Tue 4 (4), Wed 5 (5), Thu 6 (6), Fri 7 (7)
    #   -> Fri 2025-02-07 18:00.
    dl = compute_deadline("inquiry_procedure", kst(2025, 1, 24, 14))
    assert dl.due == kst(2025, 2, 7, 18)
    assert "Decree §14" in dl.basis


def test_inquiry_law_across_lunar_new_year_2026_and_march_substitute() -> None:
    # 14 days from Thu 2026-02-12 10:00; holidays.KR 2026: 2/16-2/18 Seollal,
    # 3/2 Mon substitute for 3/1 (Sunday):
    #   Thu 2/12 (1), Fri 13 (2); Sat 14 .. Wed 18 skipped; Thu 19 (3), Fri 20 (4),
    #   Mon 23 (5), Tue 24 (6), Wed 25 (7), Thu 26 (8), Fri 27 (9);
    #   Mon 3/2 skipped; Tue 3/3 (10), Wed 4 (11), Thu 5 (12), Fri 6 (13),
    #   Mon 3/9 (14) -> Mon 2026-03-09 18:00.
    dl = compute_deadline(PetitionType.INQUIRY_LAW, kst(2026, 2, 12, 10))
    assert dl.due == kst(2026, 3, 9, 18)
    assert dl.period == Period(14, PeriodUnit.DAYS)


def test_grievance_across_chuseok_2025() -> None:
    # 7 days from Thu 2025-10-02 10:00; 10/3 개천절, 10/4 Sat, 10/5 Sun+Chuseok eve,
    # 10/6-10/7 Chuseok, 10/8 substitute, 10/9 한글날 (holidays.KR 2025):
    #   Thu 10/2 (1); Fri 3 .. Thu 9 skipped; Fri 10 (2), Mon 13 (3), Tue 14 (4),
    #   Wed 15 (5), Thu 16 (6), Fri 17 (7) -> Fri 2025-10-17 18:00.
    assert compute_deadline("grievance", kst(2025, 10, 2, 10)).due == kst(2025, 10, 17, 18)


def test_proposal_14_days_spanning_election_and_memorial_day() -> None:
    # 14 days from Wed 2025-05-28 09:30; holidays.KR 2025: 6/3 Tue presidential
    # election day, 6/6 Fri Memorial Day:
    #   Wed 5/28 (1), Thu 29 (2), Fri 30 (3), Mon 6/2 (4); Tue 6/3 skipped;
    #   Wed 4 (5), Thu 5 (6); Fri 6 skipped; Mon 9 (7), Tue 10 (8), Wed 11 (9),
    #   Thu 12 (10), Fri 13 (11), Mon 16 (12), Tue 17 (13), Wed 18 (14)
    #   -> Wed 2025-06-18 18:00.
    dl = compute_deadline(PetitionType.PROPOSAL, kst(2025, 5, 28, 9, 30))
    assert dl.due == kst(2025, 6, 18, 18)
    assert "Decree §15" in dl.basis


def test_days_regime_receipt_on_saturday_starts_next_working_day() -> None:
    # Sat 2025-03-15 cannot be counted, so day 1 is Mon 3/17:
    #   Mon 17 (1), Tue 18 (2), Wed 19 (3), Thu 20 (4), Fri 21 (5), Mon 24 (6),
    #   Tue 25 (7) -> Tue 2025-03-25 18:00.
    assert compute_deadline("inquiry_procedure", kst(2025, 3, 15, 10)).due == kst(2025, 3, 25, 18)


def test_days_regime_after_hours_receipt_still_counts_the_day() -> None:
    # Documented choice: the day of receipt counts whatever the time.
    # Mon 2025-03-10 20:00, 7 days: Mon 10 (1), Tue 11 (2), Wed 12 (3), Thu 13 (4),
    #   Fri 14 (5), Mon 17 (6), Tue 18 (7) -> Tue 2025-03-18 18:00.
    assert compute_deadline("grievance", kst(2025, 3, 10, 20)).due == kst(2025, 3, 18, 18)


# ---------------------------------------------------------------------------
# Calendar regime: weeks / months / years (Act §19(3), Civil Act §159-§161)
# ---------------------------------------------------------------------------


def test_one_month_ends_day_before_corresponding_date() -> None:
    # Received 2025-03-10 (Mon, day 1).  Corresponding date 2025-04-10, so the
    # period ends 2025-04-09 (Wed, a working day) -> due Wed 4/9 18:00.
    dl = compute_deadline("statutory", kst(2025, 3, 10, 11), period=Period(1, PeriodUnit.MONTHS))
    assert dl.due == kst(2025, 4, 9, 18)
    assert "Act §19(3)" in dl.basis and "Civil Act" in dl.basis


def test_month_period_ending_on_saturday_rolls_past_sunday() -> None:
    # Received Thu 2025-03-13, 1 month -> corresponding 4/13 -> last day Sat 4/12;
    #   Sat -> next day Sun 4/13 (public holiday) -> Mon 4/14 working -> Mon 18:00.
    dl = compute_deadline("statutory", kst(2025, 3, 13, 9), period=Period(1, PeriodUnit.MONTHS))
    assert dl.due == kst(2025, 4, 14, 18)


def test_month_period_ending_on_holiday_chain_chuseok_2025() -> None:
    # Received Thu 2025-09-04, 1 month -> corresponding 10/4 -> last day Fri 10/3
    #   (개천절).  Roll: Sat 10/4, Sun 10/5, Mon 10/6, Tue 10/7 (Chuseok),
    #   Wed 10/8 (substitute), Thu 10/9 (한글날) -> Fri 2025-10-10 18:00.
    dl = compute_deadline("statutory", kst(2025, 9, 4, 14), period=Period(1, PeriodUnit.MONTHS))
    assert dl.due == kst(2025, 10, 10, 18)


def test_month_end_without_corresponding_day() -> None:
    # Received 2025-01-31: February 2025 has no 31st -> the period ends on the
    # month's last day, Fri 2025-02-28 (Civil Act §160(3)) -> due 2/28 18:00.
    dl = compute_deadline("statutory", kst(2025, 1, 31, 10), period=Period(1, PeriodUnit.MONTHS))
    assert dl.due == kst(2025, 2, 28, 18)
    # Received 2024-01-31 (leap year): no Feb 31 -> last day of Feb = Thu 2024-02-29.
    dl = compute_deadline("statutory", kst(2024, 1, 31, 10), period=Period(1, PeriodUnit.MONTHS))
    assert dl.due == kst(2024, 2, 29, 18)
    # Received 2025-01-28 (Seollal eve; receipt date still day 1 for calendar
    # periods): corresponding 2/28 exists -> ends the day before, Thu 2/27.
    dl = compute_deadline("statutory", kst(2025, 1, 28, 10), period=Period(1, PeriodUnit.MONTHS))
    assert dl.due == kst(2025, 2, 27, 18)


def test_weeks_period() -> None:
    # Received Wed 2025-03-12, 2 weeks: corresponding date Wed 3/26 -> last day
    #   Tue 3/25 (working) -> due Tue 2025-03-25 18:00.
    dl = compute_deadline("statutory", kst(2025, 3, 12, 16), period=Period(2, PeriodUnit.WEEKS))
    assert dl.due == kst(2025, 3, 25, 18)


def test_year_period_from_leap_day() -> None:
    # Received 2024-02-29, 1 year: 2025 has no Feb 29 -> last day of Feb 2025 =
    #   Fri 2025-02-28 (working) -> due 2025-02-28 18:00.
    dl = compute_deadline("statutory", kst(2024, 2, 29, 10), period=Period(1, PeriodUnit.YEARS))
    assert dl.due == kst(2025, 2, 28, 18)


# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------


def test_extra_temporary_holiday_changes_the_result() -> None:
    # Hypothetical temporary holiday on Tue 2025-03-11 supplied by configuration.
    cal = WorkingCalendar(extra_holidays=frozenset({date(2025, 3, 11)}))
    # Hours: Mon 3/10 17:00 -> Mon 17-18 = 1 h; Tue 3/11 skipped;
    #   Wed 3/12 09:00-11:00 = 2 h -> Wed 11:00 (vs Tue 11:00 without it).
    assert compute_deadline("other", kst(2025, 3, 10, 17)).due == kst(2025, 3, 11, 11)
    assert compute_deadline("other", kst(2025, 3, 10, 17), calendar=cal).due == kst(2025, 3, 12, 11)
    # Days: 7 days from Mon 3/10: Mon 10 (1), [Tue 11 skipped], Wed 12 (2), Thu 13 (3),
    #   Fri 14 (4), Mon 17 (5), Tue 18 (6), Wed 19 (7) -> Wed 3/19 18:00
    #   (vs Tue 3/18 without the extra holiday, see the after-hours test).
    assert compute_deadline("grievance", kst(2025, 3, 10, 10), calendar=cal).due == kst(2025, 3, 19, 18)
    assert not cal.is_working_day(date(2025, 3, 11))
    assert WorkingCalendar().is_working_day(date(2025, 3, 11))


def test_extra_holidays_accepts_any_iterable_of_dates() -> None:
    cal = WorkingCalendar(extra_holidays=[date(2025, 3, 11)])  # type: ignore[arg-type]
    assert cal.extra_holidays == frozenset({date(2025, 3, 11)})
    with pytest.raises(DeadlineError, match="extra_holidays"):
        WorkingCalendar(extra_holidays=frozenset({datetime(2025, 3, 11, tzinfo=KST)}))


def test_custom_working_hours() -> None:
    # 08:00-17:00 with 12:00-13:00 break = 8 h/day.
    # Mon 2025-03-10 16:00: 16-17 = 1 h; Tue 08:00-10:00 = 2 h -> Tue 10:00.
    cal = WorkingCalendar(work_start=time(8), work_end=time(17))
    assert cal.hours_per_day() == 8.0
    assert compute_deadline("other", kst(2025, 3, 10, 16), calendar=cal).due == kst(2025, 3, 11, 10)
    # Days regime due is at the configured close (17:00): 7 days from Mon 3/10 -> Tue 3/18 17:00.
    assert compute_deadline("grievance", kst(2025, 3, 10, 16), calendar=cal).due == kst(2025, 3, 18, 17)


def test_calendar_without_break() -> None:
    # 09:00-18:00, no break = 9 h/day. Mon 2025-03-10 11:30 + 3 h = 14:30 (no lunch gap).
    cal = WorkingCalendar(break_start=None, break_end=None)
    assert cal.hours_per_day() == 9.0
    assert compute_deadline("other", kst(2025, 3, 10, 11, 30), calendar=cal).due == kst(2025, 3, 10, 14, 30)
    # Statutory conversion stays 8 h/day (Act §19(1)) regardless of the calendar:
    # 1 day = 8 h from Mon 09:00 -> Mon 17:00 on this 9-hour calendar.
    assert STATUTORY_HOURS_PER_DAY == 8
    dl = compute_deadline("statutory", kst(2025, 3, 10, 9), period=Period(1, PeriodUnit.DAYS), calendar=cal)
    assert dl.due == kst(2025, 3, 10, 17)


def test_default_hours_per_day() -> None:
    # 09-12 (3 h) + 13-18 (5 h) = 8 h.
    assert WorkingCalendar().hours_per_day() == 8.0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"work_start": time(18), "work_end": time(9)}, "work_end"),
        ({"break_start": None}, "break_start"),
        ({"break_end": None}, "break_end"),
        ({"break_start": time(13), "break_end": time(12)}, "break_start"),
        ({"break_start": time(8), "break_end": time(9, 30)}, "break_start"),
    ],
)
def test_invalid_calendar(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(DeadlineError, match=f"^{field}:") as exc:
        WorkingCalendar(**kwargs)  # type: ignore[arg-type]
    assert exc.value.field == field


# ---------------------------------------------------------------------------
# Time zones
# ---------------------------------------------------------------------------


def test_utc_input_is_converted_to_seoul() -> None:
    # 2025-03-10 08:00 UTC = 2025-03-10 17:00 KST (Mon) -> like the first test,
    #   due Tue 3/11 11:00 KST, returned in Asia/Seoul.
    dl = compute_deadline("other", datetime(2025, 3, 10, 8, tzinfo=UTC))
    assert dl.due == kst(2025, 3, 11, 11)
    assert dl.due.tzinfo == KST
    assert dl.due.utcoffset() == timedelta(hours=9)
    assert (dl.due.hour, dl.due.minute) == (11, 0)


def test_utc_date_differs_from_seoul_date() -> None:
    # 2025-03-09 23:30 UTC is Sunday in UTC but Mon 2025-03-10 08:30 in Seoul.
    # Hours: counting starts Mon 09:00 KST -> +3 h = Mon 12:00 KST.
    assert compute_deadline("other", datetime(2025, 3, 9, 23, 30, tzinfo=UTC)).due == kst(2025, 3, 10, 12)
    # Days: 2025-03-14 20:00 at UTC-05:00 is Friday there but 2025-03-15 10:00 KST
    #   (Saturday) -> day 1 is Mon 3/17: Mon 17 (1), Tue 18 (2), Wed 19 (3),
    #   Thu 20 (4), Fri 21 (5), Mon 24 (6), Tue 25 (7) -> Tue 3/25 18:00 KST.
    #   (Counting from the local Friday 3/14 would have given Mon 3/24.)
    received = datetime(2025, 3, 14, 20, tzinfo=timezone(timedelta(hours=-5)))
    assert compute_deadline("grievance", received).due == kst(2025, 3, 25, 18)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def test_naive_datetime_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"received_at: naive datetime") as exc:
        compute_deadline("other", datetime(2025, 3, 10, 9))
    assert isinstance(exc.value, DeadlineError)
    assert exc.value.field == "received_at"
    with pytest.raises(DeadlineError, match="start"):
        WorkingCalendar().add_working_hours(datetime(2025, 3, 10, 9), 1)
    with pytest.raises(DeadlineError, match="now"):
        is_overdue(kst(2025, 3, 10, 9), datetime(2025, 3, 10, 9))


def test_unknown_type_string_lists_allowed_values() -> None:
    with pytest.raises(DeadlineError, match="petition_type") as exc:
        compute_deadline("complaint", kst(2025, 3, 10, 9))
    message = str(exc.value)
    for value in ("other", "inquiry_procedure", "inquiry_law", "proposal", "grievance", "statutory"):
        assert value in message


def test_petition_type_string_values_are_accepted() -> None:
    # Same as the grievance after-hours case: Mon 3/10 -> Tue 3/18 18:00.
    by_str = compute_deadline("grievance", kst(2025, 3, 10, 10))
    by_enum = compute_deadline(PetitionType.GRIEVANCE, kst(2025, 3, 10, 10))
    assert by_str == by_enum
    assert by_str.due == kst(2025, 3, 18, 18)


@pytest.mark.parametrize(
    ("amount", "unit"),
    [
        (0, PeriodUnit.DAYS),
        (-1, PeriodUnit.DAYS),
        (3651, PeriodUnit.DAYS),
        (41, PeriodUnit.HOURS),
        (521, PeriodUnit.WEEKS),
        (121, PeriodUnit.MONTHS),
        (11, PeriodUnit.YEARS),
        (True, PeriodUnit.DAYS),
        (1.5, PeriodUnit.DAYS),
        ("3", PeriodUnit.DAYS),
    ],
)
def test_bad_period_amount(amount: object, unit: PeriodUnit) -> None:
    with pytest.raises(DeadlineError, match=r"^amount:"):
        Period(amount, unit)  # type: ignore[arg-type]


def test_period_bounds_are_inclusive_and_unit_string_coerced() -> None:
    assert Period(40, PeriodUnit.HOURS).amount == 40
    assert Period(3650, PeriodUnit.DAYS).amount == 3650
    assert Period(10, PeriodUnit.YEARS).amount == 10
    assert Period(2, "weeks").unit is PeriodUnit.WEEKS  # type: ignore[arg-type]
    with pytest.raises(DeadlineError, match=r"^unit:.*months"):
        Period(1, "fortnights")  # type: ignore[arg-type]


def test_statutory_requires_period_and_others_refuse_override() -> None:
    with pytest.raises(DeadlineError, match=r"^period:.*required"):
        compute_deadline("statutory", kst(2025, 3, 10, 9))
    with pytest.raises(DeadlineError, match=r"^period:.*cannot override"):
        compute_deadline("grievance", kst(2025, 3, 10, 9), period=Period(30, PeriodUnit.DAYS))
    with pytest.raises(DeadlineError, match=r"^period:"):
        statutory_period(PetitionType.OTHER, period=Period(3, PeriodUnit.HOURS))


def test_default_periods() -> None:
    assert statutory_period(PetitionType.OTHER) == Period(3, PeriodUnit.HOURS)
    assert statutory_period(PetitionType.INQUIRY_PROCEDURE) == Period(7, PeriodUnit.DAYS)
    assert statutory_period(PetitionType.INQUIRY_LAW) == Period(14, PeriodUnit.DAYS)
    assert statutory_period(PetitionType.PROPOSAL) == Period(14, PeriodUnit.DAYS)
    assert statutory_period(PetitionType.GRIEVANCE) == Period(7, PeriodUnit.DAYS)
    custom = Period(20, PeriodUnit.DAYS)
    assert statutory_period(PetitionType.STATUTORY, period=custom) is custom


def test_bad_hours_argument() -> None:
    cal = WorkingCalendar()
    for bad in (0, -1, float("nan"), float("inf"), True):
        with pytest.raises(DeadlineError, match=r"^hours:"):
            cal.add_working_hours(kst(2025, 3, 10, 9), bad)


def test_deadline_error_pickles() -> None:
    err = DeadlineError("amount", "bad")
    again = pickle.loads(pickle.dumps(err))
    assert (again.field, again.message, str(again)) == ("amount", "bad", "amount: bad")


# ---------------------------------------------------------------------------
# Working-time helpers and overdue check
# ---------------------------------------------------------------------------


def test_working_seconds_between() -> None:
    cal = WorkingCalendar()
    # Mon 2025-03-10 11:00 -> Tue 3/11 10:00: Mon 11-12 (3600) + 13-18 (18000)
    #   + Tue 09-10 (3600) = 25200 s.
    assert cal.working_seconds_between(kst(2025, 3, 10, 11), kst(2025, 3, 11, 10)) == 25200
    # Fri 3/14 17:00 -> Mon 3/17 10:00: 3600 + 3600 = 7200 s (weekend excluded).
    assert cal.working_seconds_between(kst(2025, 3, 14, 17), kst(2025, 3, 17, 10)) == 7200
    # Entirely inside the break: 0; reversed interval: 0.
    assert cal.working_seconds_between(kst(2025, 3, 10, 12, 10), kst(2025, 3, 10, 12, 50)) == 0
    assert cal.working_seconds_between(kst(2025, 3, 11, 10), kst(2025, 3, 10, 11)) == 0
    # Across Seollal 2025: Fri 1/24 17:00 -> Fri 1/31 09:30 = 3600 + 1800 = 5400 s.
    assert cal.working_seconds_between(kst(2025, 1, 24, 17), kst(2025, 1, 31, 9, 30)) == 5400


def test_add_working_hours_fractional() -> None:
    # Mon 2025-03-10 09:00 + 4.5 h: 09-12 = 3 h, 13:00-14:30 = 1.5 h -> 14:30.
    assert WorkingCalendar().add_working_hours(kst(2025, 3, 10, 9), 4.5) == kst(2025, 3, 10, 14, 30)


def test_is_overdue() -> None:
    due = kst(2025, 3, 11, 11)
    assert not is_overdue(due, kst(2025, 3, 11, 10, 59))
    assert not is_overdue(due, due)  # processing exactly at the due instant is on time
    assert is_overdue(due, due + timedelta(microseconds=1))
    # 2025-03-11 02:00 UTC == 11:00 KST -> not overdue; 02:01 UTC -> overdue.
    assert not is_overdue(due, datetime(2025, 3, 11, 2, tzinfo=UTC))
    assert is_overdue(due, datetime(2025, 3, 11, 2, 1, tzinfo=UTC))


def test_results_are_frozen() -> None:
    dl = compute_deadline("other", kst(2025, 3, 10, 9))
    assert isinstance(dl, Deadline)
    with pytest.raises(FrozenInstanceError):
        dl.due = kst(2030, 1, 1)  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        WorkingCalendar().tz = "UTC"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        Period(1, PeriodUnit.DAYS).amount = 2  # type: ignore[misc]


def test_basis_fits_the_deadline_basis_column() -> None:
    # cases.deadline_basis is String(200); the longest basis is the statutory calendar one.
    for period in (
        Period(40, PeriodUnit.HOURS),
        Period(5, PeriodUnit.DAYS),
        Period(3650, PeriodUnit.DAYS),
        Period(520, PeriodUnit.WEEKS),
        Period(120, PeriodUnit.MONTHS),
        Period(10, PeriodUnit.YEARS),
    ):
        basis = compute_deadline("statutory", kst(2025, 3, 10, 9), period=period).basis
        assert "Act §19" in basis and len(basis) <= 200, basis


# ---------------------------------------------------------------------------
# Performance / caching
# ---------------------------------------------------------------------------


def test_holiday_tables_are_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    # Warm the cache for 2025 and 2026, then make building a holiday table fail:
    # further computations in those years must not construct holidays.KR again.
    compute_deadline("grievance", kst(2025, 12, 1, 10))
    compute_deadline("grievance", kst(2026, 1, 5, 10))

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("holidays table rebuilt")

    monkeypatch.setattr(holidays, "country_holidays", boom)
    monkeypatch.setattr(holidays, "KR", boom)
    for day in range(1, 28):
        compute_deadline("inquiry_law", kst(2025, 11, day, 10))
        compute_deadline("other", kst(2025, 11, day, 17, 30))
