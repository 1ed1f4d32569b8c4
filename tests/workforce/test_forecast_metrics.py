"""WAPE, MASE and the seasonal-naive scale against tiny examples worked out by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from minwon.core.errors import ValidationError
from minwon.workforce.forecast import mase, seasonal_naive, seasonal_naive_scale, wape


def test_wape_by_hand() -> None:
    # |10-8| + |20-25| + |30-30| = 2 + 5 + 0 = 7; Σ actual = 60 → 7/60
    assert wape([10, 20, 30], [8, 25, 30]) == pytest.approx(7 / 60)
    assert wape([5, 5], [5, 5]) == 0.0


def test_wape_refuses_zero_actuals_and_mismatched_lengths() -> None:
    with pytest.raises(ValidationError) as err:
        wape([0, 0], [1, 1])
    assert err.value.field == "actual"
    with pytest.raises(ValidationError):
        wape([1, 2, 3], [1, 2])
    with pytest.raises(ValidationError):
        wape([], [])


def test_mase_by_hand() -> None:
    # errors 2, 5, 0 → mean 7/3; scale 3.5 → (7/3)/3.5 = 2/3
    assert mase([10, 20, 30], [8, 25, 30], scale=3.5) == pytest.approx(2 / 3)
    with pytest.raises(ValidationError) as err:
        mase([1], [1], scale=0.0)
    assert err.value.field == "scale"


def _slots(values: dict[str, float]) -> pd.Series:
    return pd.Series(list(values.values()), index=pd.DatetimeIndex(list(values)), dtype=float)


def test_seasonal_naive_scale_pairs_each_slot_with_the_same_slot_a_week_earlier() -> None:
    train = _slots(
        {
            "2026-11-02 09:00": 10,  # Monday
            "2026-11-02 09:30": 20,
            "2026-11-03 09:00": 7,  # Tuesday: no Tuesday a week later → unpaired
            "2026-11-09 09:00": 13,  # next Monday: |13-10| = 3
            "2026-11-09 09:30": 12,  # |12-20| = 8
        }
    )
    # pairs: 3 and 8 → mean 5.5
    assert seasonal_naive_scale(train) == pytest.approx(5.5)
    with pytest.raises(ValidationError):
        seasonal_naive_scale(_slots({"2026-11-02 09:00": 1, "2026-11-03 09:00": 2}))


def test_seasonal_naive_copies_the_latest_same_weekday() -> None:
    train = _slots(
        {
            "2026-11-02 09:00": 10,  # Monday
            "2026-11-03 09:00": 4,  # Tuesday
            "2026-11-09 09:00": 13,  # Monday, a week later: the latest Monday
        }
    )
    naive = seasonal_naive(train, [date(2026, 11, 10), date(2026, 11, 16)])
    assert naive[pd.Timestamp("2026-11-10 09:00")] == 4
    assert naive[pd.Timestamp("2026-11-16 09:00")] == 13
