"""The forecaster on synthetic series whose weekly pattern, covariate effect and profile are known."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from minwon.core.errors import ValidationError
from minwon.workforce.forecast import aggregate, backtest, forecast, intraday_profile

#: Calls per day by weekday (Mon–Fri); the center is closed at weekends and on Korean holidays.
BASE = {0: 1000.0, 1: 800.0, 2: 750.0, 3: 760.0, 4: 900.0}
COLD_WAVE_EFFECT = 200.0
#: 18 half-hour slots 09:00–17:30, a triangular profile (sums to 1).
WEIGHTS = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1], dtype=float)
PROFILE = WEIGHTS / WEIGHTS.sum()
FIRST, LAST = date(2024, 1, 1), date(2024, 7, 31)


def synthetic(noise_sd: float = 20.0, seed: int = 7) -> tuple[pd.Series, pd.DataFrame]:
    import holidays

    rng = np.random.default_rng(seed)
    kr = holidays.KR(years=[2024])  # type: ignore[attr-defined]
    index, values, flags = [], [], {}
    day = FIRST
    while day <= LAST + timedelta(days=14):
        cold = bool(rng.random() < 0.15)
        flags[day] = {"cold_wave": cold, "heat": False}
        if day <= LAST and day.weekday() < 5 and day not in kr:
            total = BASE[day.weekday()] + (COLD_WAVE_EFFECT if cold else 0.0) + rng.normal(0, noise_sd)
            for k, share in enumerate(PROFILE):
                index.append(pd.Timestamp(day.year, day.month, day.day, 9) + pd.Timedelta(minutes=30 * k))
                values.append(total * share)
        day += timedelta(days=1)
    covariates = pd.DataFrame.from_dict(flags, orient="index")
    return pd.Series(values, index=pd.DatetimeIndex(index), dtype=float), covariates


def test_recovers_the_weekday_pattern_and_the_cold_wave_effect() -> None:
    series, covariates = synthetic()
    result = forecast(series, days=5, interval_minutes=30, covariates=covariates)
    c = result.coefficients
    assert c["cold_wave"] == pytest.approx(COLD_WAVE_EFFECT, abs=30)
    # Monday is the baseline: the other weekdays' dummies are their difference to Monday
    assert c["tue"] == pytest.approx(BASE[1] - BASE[0], abs=30)
    assert c["fri"] == pytest.approx(BASE[4] - BASE[0], abs=30)
    # the center is closed on holidays (0 calls): a holiday removes about a whole day
    assert c["holiday"] < -600
    assert "sat" not in c and "sun" not in c
    assert result.dropped["heat"].startswith("constant in the training days (never true)")
    assert "cold_wave" in result.regressors


def test_forecast_days_use_future_covariates_and_the_weekday_profile() -> None:
    series, covariates = synthetic()
    result = forecast(series, days=5, interval_minutes=30, covariates=covariates)
    # 2024-07-31 is a Wednesday: the next open days are Thu 1 Aug … Wed 7 Aug (no holiday then)
    assert list(result.daily["day"]) == [date(2024, 8, d) for d in (1, 2, 5, 6, 7)]
    for day, calls in zip(result.daily["day"], result.daily["calls"], strict=True):
        expected = BASE[day.weekday()] + (COLD_WAVE_EFFECT if covariates.loc[day, "cold_wave"] else 0.0)
        assert calls == pytest.approx(expected, abs=60)
        rows = result.intervals[result.intervals["day"] == day]
        assert list(rows["slot"])[:2] == ["09:00", "09:30"] and len(rows) == 18
        assert rows["calls"].sum() == pytest.approx(calls)
        assert np.allclose(rows["calls"].to_numpy() / calls, PROFILE)


def test_hourly_forecast_sums_the_half_hours() -> None:
    series, covariates = synthetic()
    hourly = forecast(series, days=1, interval_minutes=60, covariates=covariates)
    assert list(hourly.intervals["slot"]) == [f"{h:02d}:00" for h in range(9, 18)]
    assert hourly.intervals["calls"].iloc[0] == pytest.approx(
        hourly.daily["calls"].iloc[0] * (PROFILE[0] + PROFILE[1])
    )


def test_a_covariate_without_future_values_is_taken_as_false_and_said_so() -> None:
    series, covariates = synthetic()
    past_only = covariates[covariates.index <= LAST]
    result = forecast(series, days=2, interval_minutes=30, covariates=past_only)
    assert "cold_wave:future" in result.dropped


def test_bad_input_names_the_field() -> None:
    series, covariates = synthetic()
    with pytest.raises(ValidationError) as err:
        forecast(series, days=3, interval_minutes=20)
    assert err.value.field == "interval"
    with pytest.raises(ValidationError) as err:
        forecast(series, days=0)
    assert err.value.field == "days"
    with pytest.raises(ValidationError) as err:
        forecast(series[: 18 * 5], days=1)
    assert err.value.field == "history"
    with pytest.raises(ValidationError) as err:
        forecast(series, days=1, covariates=covariates.assign(cold_wave=3.5))
    assert err.value.field == "covariates"


def test_aggregate_sums_slots() -> None:
    s = pd.Series(
        [1.0, 2.0, 3.0, 4.0],
        index=pd.DatetimeIndex(
            ["2024-01-02 09:00", "2024-01-02 09:05", "2024-01-02 09:30", "2024-01-02 09:55"]
        ),
    )
    out = aggregate(s, 30)
    assert out.to_dict() == {pd.Timestamp("2024-01-02 09:00"): 3.0, pd.Timestamp("2024-01-02 09:30"): 7.0}


def test_backtest_of_a_purely_periodic_series_gives_the_seasonal_naive_no_error() -> None:
    series, _ = synthetic(noise_sd=0.0)
    # without the cold waves and holidays every week repeats exactly
    periodic = series.copy()
    totals = {d: BASE[d.weekday()] for d in set(periodic.index.date)}
    periodic[:] = [totals[t.date()] * PROFILE[(t.hour - 9) * 2 + t.minute // 30] for t in periodic.index]
    out = backtest(periodic, interval_minutes=30, origins=3)
    for horizon in ("1d", "1w"):
        assert out["horizons"][horizon]["seasonal_naive"]["wape"] == pytest.approx(0.0, abs=1e-9)
        assert out["horizons"][horizon]["model"]["wape"] < 0.05


def test_profile_lists_every_slot_between_the_first_and_last() -> None:
    # Monday 2 Jan 2024 … two Mondays, calls at 09:00 and 10:30 only: 09:30 and 10:00 get share 0
    s = pd.Series(
        [3.0, 1.0, 6.0, 2.0],
        index=pd.DatetimeIndex(
            ["2024-01-01 09:00", "2024-01-01 10:30", "2024-01-08 09:00", "2024-01-08 10:30"]
        ),
    )
    profile = intraday_profile(s, minutes=30)[0]
    assert list(profile.index) == ["09:00", "09:30", "10:00", "10:30"]
    # shares 3/4 and 6/8 = 0.75 at 09:00 on both days
    assert profile.to_list() == pytest.approx([0.75, 0.0, 0.0, 0.25])
