"""Intraday call-volume forecasts and their backtest (pure: pandas and statsmodels, no database).

Method ("top-down": daily total × intraday profile), the usual practice for call-center volume
(Ibrahim, Ye, L'Ecuyer & Shen 2016, "Modeling and forecasting call center arrivals: a literature survey
and a case study", IJF 32:865; Weinberg, Brown & Stroud 2007, JASA 102:480, whose bank series the demo uses):

1. **Daily totals** of offered calls are modelled with statsmodels ``SARIMAX``: an AR(1) error with a
   constant and exogenous regressors — one dummy per weekday present (the first weekday is the baseline),
   a Korean public-holiday flag (``holidays.KR``) and any boolean weather flags given (cold wave, heavy
   snow, heat, heavy rain). A regressor is only fitted when it varies in the training days; otherwise it
   is dropped and the reason is returned in :attr:`Forecast.dropped`. Coefficients are in calls per day.
2. **Intraday profile**: for each weekday, the mean share of the day's calls in each slot over the last
   ``profile_weeks`` ordinary (non-holiday, non-empty) days of that weekday.
3. Forecast per slot = daily forecast × the weekday's share of that slot.

Series convention: a ``pd.Series`` of counts indexed by a naive local ``DatetimeIndex`` of slot starts
(5-, 15-, 30- or 60-minute slots). Slots without calls may be missing; they count as 0.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from minwon.core.errors import ValidationError

#: Interval lengths (minutes) the forecast accepts; each divides an hour.
INTERVAL_MINUTES = (5, 15, 30, 60)
#: Weather flags the daily model understands (``minwon.weather`` ``DailyWeather`` attributes).
WEATHER_FLAGS = ("cold_wave", "heavy_snow", "heat", "heavy_rain")
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAY = "holiday"
METHOD = (
    "daily totals: regression on weekday/holiday/weather flags with AR(1) errors (statsmodels SARIMAX)"
    " × intraday profile of the weekday"
)
WEEK = pd.Timedelta(days=7)


@dataclass
class Forecast:
    """A forecast per interval and per day, and how the daily model was built.

    ``intervals``: columns ``start`` (naive local Timestamp of the slot start), ``day`` (date),
    ``slot`` (``HH:MM``) and ``calls`` (expected offered calls, float ≥ 0), in time order.
    ``daily``: columns ``day`` and ``calls`` (expected offered calls that day).
    ``coefficients``: fitted daily-model parameters (calls per day for the regressors; ``ar.L1`` unitless).
    ``regressors``: the exogenous regressors fitted; ``dropped``: regressor → why it was not fitted.
    """

    interval_minutes: int
    intervals: pd.DataFrame
    daily: pd.DataFrame
    coefficients: dict[str, float]
    regressors: list[str]
    dropped: dict[str, str] = field(default_factory=dict)
    method: str = METHOD

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form: intervals and days as lists of dicts (dates ISO, counts rounded to 0.01)."""
        return {
            "interval_minutes": self.interval_minutes,
            "method": self.method,
            "regressors": self.regressors,
            "dropped": self.dropped,
            "coefficients": {k: round(v, 4) for k, v in self.coefficients.items()},
            "daily": [
                {"day": d.isoformat(), "calls": round(float(c), 2)}
                for d, c in zip(self.daily["day"], self.daily["calls"], strict=True)
            ],
            "intervals": [
                {"day": d.isoformat(), "start": s, "calls": round(float(c), 2)}
                for d, s, c in zip(
                    self.intervals["day"], self.intervals["slot"], self.intervals["calls"], strict=True
                )
            ],
        }


# --- series helpers -------------------------------------------------------------------------------


def check_interval(minutes: int) -> int:
    """``minutes`` if it is one of :data:`INTERVAL_MINUTES`; else ValidationError (field ``interval``)."""
    if minutes not in INTERVAL_MINUTES:
        allowed = ", ".join(str(m) for m in INTERVAL_MINUTES)
        raise ValidationError(f"interval must be one of {allowed} minutes", field="interval")
    return minutes


def aggregate(series: pd.Series, minutes: int) -> pd.Series:
    """Sum a slot series into ``minutes``-long slots (floor of the slot start), dropping empty days.

    Raises ValidationError (``interval``) for an unsupported length, (``history``) for an empty series.
    """
    check_interval(minutes)
    if series.empty:
        raise ValidationError("the history has no calls", field="history")
    keys = series.index.floor(f"{minutes}min")
    out = series.groupby(keys).sum().astype(float)
    out.index.name = "start"
    return out


def daily_totals(series: pd.Series) -> pd.Series:
    """Calls per day (index: ``date``), for the days present in ``series``."""
    out = series.groupby(series.index.date).sum().astype(float)
    out.index = pd.Index(out.index, name="day")
    return out


def _slot_label(ts: pd.Timestamp) -> str:
    return f"{ts.hour:02d}:{ts.minute:02d}"


def intraday_profile(
    series: pd.Series, *, exclude: Iterable[date] = (), weeks: int = 8, minutes: int | None = None
) -> dict[int, pd.Series]:
    """Weekday (0 = Monday) → share of the day's calls per slot (index ``HH:MM``; sums to 1).

    Each share is the mean over the last ``weeks`` days of that weekday with calls, leaving out the days in
    ``exclude`` (holidays). A weekday without such days gets the profile of all days. With ``minutes``
    (the slot length), every slot between the first and the last slot with calls is listed (share 0 when
    it never had calls), so a forecast covers an unbroken grid.
    """
    skip = set(exclude)
    frame = pd.DataFrame(
        {"day": series.index.date, "slot": [_slot_label(t) for t in series.index], "calls": series.values}
    )
    table = frame.pivot_table(index="day", columns="slot", values="calls", aggfunc="sum", fill_value=0.0)
    if minutes is not None and len(table.columns):
        offsets = [int(c[:2]) * 60 + int(c[3:]) for c in table.columns]
        grid = [f"{m // 60:02d}:{m % 60:02d}" for m in range(min(offsets), max(offsets) + 1, minutes)]
        table = table.reindex(columns=grid, fill_value=0.0)
    totals = table.sum(axis=1)
    table = table[(totals > 0) & ~table.index.isin(list(skip))]
    shares = table.div(table.sum(axis=1), axis=0)
    overall = shares.tail(weeks * 7).mean()
    weekdays = np.array([d.weekday() for d in shares.index])
    profiles: dict[int, pd.Series] = {}
    for weekday in range(7):
        rows = shares[weekdays == weekday].tail(weeks)
        profile = rows.mean() if len(rows) else overall
        profiles[weekday] = profile / profile.sum()
    return profiles


def open_weekdays(days: Iterable[date]) -> list[int]:
    """The weekdays (0 = Monday) on which the history has calls, sorted."""
    return sorted({d.weekday() for d in days})


def next_days(last: date, count: int, weekdays: Sequence[int]) -> list[date]:
    """The ``count`` days after ``last`` that fall on one of ``weekdays``."""
    out: list[date] = []
    day = last
    while len(out) < count:
        day += timedelta(days=1)
        if day.weekday() in weekdays:
            out.append(day)
    return out


def next_days_until(last: date, until: date, weekdays: Sequence[int]) -> list[date]:
    """The days after ``last`` up to and including ``until`` that fall on one of ``weekdays``."""
    out: list[date] = []
    day = last
    while day < until:
        day += timedelta(days=1)
        if day.weekday() in weekdays:
            out.append(day)
    return out


def holiday_flags(days: Sequence[date], country: str | None) -> pd.Series:
    """1.0 for a public holiday of ``country`` (``holidays`` package; "KR" = Korea), else 0.0."""
    if country is None:
        return pd.Series(0.0, index=pd.Index(days, name="day"))
    import holidays

    years = sorted({d.year for d in days})
    calendar = holidays.country_holidays(country, years=years)
    return pd.Series([1.0 if d in calendar else 0.0 for d in days], index=pd.Index(days, name="day"))


# --- the daily model ------------------------------------------------------------------------------


def _design(
    days: Sequence[date],
    *,
    weekdays: Sequence[int],
    holiday_country: str | None,
    covariates: pd.DataFrame | None,
) -> pd.DataFrame:
    index = pd.Index(days, name="day")
    x = pd.DataFrame(index=index)
    for weekday in weekdays[1:]:
        x[WEEKDAY_NAMES[weekday]] = [1.0 if d.weekday() == weekday else 0.0 for d in days]
    if holiday_country is not None:
        x[HOLIDAY] = holiday_flags(days, holiday_country).to_numpy()
    if covariates is not None:
        aligned = covariates.reindex(index)
        for column in covariates.columns:
            x[str(column)] = aligned[column].fillna(False).astype(float).to_numpy()
    return x


def _normalise_covariates(covariates: pd.DataFrame | None) -> pd.DataFrame | None:
    if covariates is None:
        return None
    frame = covariates.copy()
    try:
        frame.index = pd.Index([pd.Timestamp(d).date() for d in frame.index], name="day")
    except (TypeError, ValueError):
        raise ValidationError("covariates must be indexed by date", field="covariates") from None
    for column in frame.columns:
        values = frame[column].dropna()
        if not values.isin([0, 1, True, False]).all():
            raise ValidationError(f"covariate {column!r} must be boolean (0/1)", field="covariates")
    return frame


def forecast(
    series: pd.Series,
    *,
    days: int,
    interval_minutes: int = 30,
    covariates: pd.DataFrame | None = None,
    holiday_country: str | None = "KR",
    fill_missing_days: bool = True,
    profile_weeks: int = 8,
    history_end: date | None = None,
) -> Forecast:
    """Forecast offered calls per ``interval_minutes`` slot for the ``days`` open days after the history.

    ``series``: counts per slot (see the module docstring). Open days are the weekdays the history has
    calls on; with ``fill_missing_days`` an open weekday without calls inside the history's span counts
    as a day with 0 calls (closed, e.g. a holiday), otherwise it is left out (the bank series, whose
    missing days are US holidays the model does not know). ``covariates``: boolean columns (e.g.
    :data:`WEATHER_FLAGS`) indexed by date, covering history and, where known, the forecast days (a
    missing future value is taken as False and said so in ``dropped``). ``holiday_country``: ``"KR"``
    for the center (``holidays.KR``), ``None`` to fit no holiday flag. ``history_end``: the last day the
    history covers (default: its last day with calls); the forecast starts on the next open day.

    Raises ValidationError: ``interval`` (unsupported length), ``days`` (not 1–62), ``history`` (fewer
    than 14 days with calls), ``covariates`` (not boolean / not indexed by date).
    """
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    check_interval(interval_minutes)
    if not 1 <= days <= 62:
        raise ValidationError("days must be 1–62", field="days")
    slots = aggregate(series, interval_minutes)
    totals = daily_totals(slots)
    totals = totals[totals > 0]
    if len(totals) < 14:
        raise ValidationError(
            f"the history has {len(totals)} days with calls; at least 14 are needed", field="history"
        )
    weekdays = open_weekdays(totals.index)
    end = max(history_end or totals.index[-1], totals.index[-1])
    if fill_missing_days:
        span = pd.date_range(totals.index[0], end, freq="D").date
        totals = totals.reindex([d for d in span if d.weekday() in weekdays], fill_value=0.0)
    train_days = list(totals.index)
    future = next_days(end, days, weekdays)
    cov = _normalise_covariates(covariates)
    dropped: dict[str, str] = {}
    x_train = _design(train_days, weekdays=weekdays, holiday_country=holiday_country, covariates=cov)
    x_future = _design(future, weekdays=weekdays, holiday_country=holiday_country, covariates=cov)
    for column in list(x_train.columns):
        if x_train[column].nunique() < 2:
            state = "always true" if x_train[column].iloc[0] else "never true"
            dropped[column] = f"constant in the training days ({state}): not fitted"
            x_train = x_train.drop(columns=column)
            x_future = x_future.drop(columns=column)
    if cov is not None:
        for column in cov.columns:
            name = str(column)
            if name in x_future.columns:
                known = cov[column].reindex(pd.Index(future)).notna()
                if not known.all():
                    dropped[f"{name}:future"] = (
                        f"no value for {int((~known).sum())} forecast day(s): taken as false"
                    )
    # y = const + regressors·β + u, u an AR(1) error; fitted on y / mean(y) so the optimiser sees
    # numbers near 1, then the coefficients are scaled back to calls per day
    level = float(totals.mean()) or 1.0
    y = totals.to_numpy(dtype=float) / level
    exog = np.column_stack([np.ones(len(y)), x_train.to_numpy(dtype=float)])
    model = SARIMAX(y, exog=exog, order=(1, 0, 0), trend="n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = model.fit(disp=False)
    names = ["const", *x_train.columns, "ar.L1", "sigma2"]
    params = np.asarray(fitted.params, dtype=float)
    coefficients = {n: float(v) * level for n, v in zip(names[:-2], params[:-2], strict=True)}
    coefficients["ar.L1"] = float(params[-2])
    coefficients["sigma2"] = float(params[-1]) * level**2
    exog_future = np.column_stack([np.ones(days), x_future.to_numpy(dtype=float)])
    daily_forecast = np.clip(np.asarray(fitted.forecast(steps=days, exog=exog_future)) * level, 0.0, None)

    holidays_known = holiday_flags(train_days, holiday_country)
    profiles = intraday_profile(
        slots,
        exclude=[d for d, h in holidays_known.items() if h],
        weeks=profile_weeks,
        minutes=interval_minutes,
    )
    rows = []
    for day, total in zip(future, daily_forecast, strict=True):
        profile = profiles[day.weekday()]
        for slot, share in profile.items():
            hour, minute = (int(p) for p in str(slot).split(":"))
            start = pd.Timestamp(day.year, day.month, day.day, hour, minute)
            rows.append({"start": start, "day": day, "slot": str(slot), "calls": float(total * share)})
    intervals = pd.DataFrame(rows, columns=["start", "day", "slot", "calls"])
    daily = pd.DataFrame({"day": future, "calls": daily_forecast})
    return Forecast(
        interval_minutes=interval_minutes,
        intervals=intervals,
        daily=daily,
        coefficients=coefficients,
        regressors=list(x_train.columns),
        dropped=dropped,
    )


# --- accuracy -------------------------------------------------------------------------------------


def wape(actual: Sequence[float] | np.ndarray, forecast: Sequence[float] | np.ndarray) -> float:
    """Weighted absolute percentage error: Σ|actual − forecast| / Σ actual (a ratio, 0 = perfect).

    Raises ValidationError (``actual``) for different lengths, no values or Σ actual = 0.
    """
    a, f = _pair(actual, forecast)
    total = float(np.sum(np.abs(a)))
    if total == 0:
        raise ValidationError("WAPE is undefined when the actual values sum to 0", field="actual")
    return float(np.sum(np.abs(a - f)) / total)


def mase(
    actual: Sequence[float] | np.ndarray, forecast: Sequence[float] | np.ndarray, *, scale: float
) -> float:
    """Mean absolute scaled error: mean|actual − forecast| / ``scale`` (Hyndman & Koehler 2006, IJF 22:679).

    ``scale`` is the in-sample mean absolute error of the seasonal-naive forecast (see
    :func:`seasonal_naive_scale`); MASE < 1 beats it. Raises ValidationError (``scale``) if ``scale`` ≤ 0.
    """
    a, f = _pair(actual, forecast)
    if not scale > 0:
        raise ValidationError("MASE needs a positive scale", field="scale")
    return float(np.mean(np.abs(a - f)) / scale)


def seasonal_naive_scale(train: pd.Series, *, lag: pd.Timedelta = WEEK) -> float:
    """Mean |y(t) − y(t − lag)| over the slots of ``train`` whose slot ``lag`` earlier is also present.

    ``train``: counts per slot indexed by time. Raises ValidationError (``history``) when no slot has
    a partner ``lag`` earlier.
    """
    earlier = train.copy()
    earlier.index = earlier.index + lag
    joined = pd.concat([train.rename("now"), earlier.rename("before")], axis=1, join="inner")
    if joined.empty:
        raise ValidationError("the history is shorter than the seasonal lag", field="history")
    return float(np.mean(np.abs(joined["now"] - joined["before"])))


def _pair(
    actual: Sequence[float] | np.ndarray, forecast: Sequence[float] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    if a.shape != f.shape or a.size == 0:
        raise ValidationError("actual and forecast must be non-empty and of the same length", field="actual")
    return a, f


def seasonal_naive(slots: pd.Series, future_days: Sequence[date]) -> pd.Series:
    """Each future slot = the same slot on the latest history day of the same weekday (index: start)."""
    by_day = {d: g for d, g in slots.groupby(slots.index.date)}
    history_days = sorted(by_day)
    parts = []
    for day in future_days:
        same = [d for d in history_days if d.weekday() == day.weekday()]
        if not same:
            raise ValidationError(f"no history day on the weekday of {day}", field="history")
        source = by_day[same[-1]]
        shifted = source.copy()
        shifted.index = shifted.index + pd.Timedelta(days=(day - same[-1]).days)
        parts.append(shifted)
    return pd.concat(parts)


def _mean_or_none(values: list[float]) -> float | None:
    return round(float(np.mean(values)), 4) if values else None


def backtest(
    series: pd.Series,
    *,
    interval_minutes: int = 30,
    horizons: Mapping[str, int] | None = None,
    origins: int = 30,
    holiday_country: str | None = None,
    fill_missing_days: bool = False,
) -> dict[str, Any]:
    """Rolling-origin evaluation of :func:`forecast` against the seasonal-naive forecast.

    For each of the last ``origins`` possible origins (an origin = a day; the model sees every day before
    it), forecast the longest horizon and score each horizon (``name → open days``; default 1 day and 5
    open days = 1 week for a weekday series) over its first days at ``interval_minutes`` slots. Scores
    per horizon and method: pooled WAPE over all origins, and MASE = mean over origins of the MASE with
    the training set's seasonal-naive (same slot one week earlier) scale (``None`` when that
    scale is 0). Returns a JSON-ready dict.
    """
    horizons = dict(horizons or {"1d": 1, "1w": 5})
    longest = max(horizons.values())
    slots = aggregate(series, interval_minutes)
    days = sorted({d for d in slots.index.date})
    first_origin = len(days) - origins - longest + 1
    if first_origin < 28:
        raise ValidationError("the history is too short for this many origins", field="origins")
    errors: dict[str, dict[str, list[float]]] = {
        h: {"model_abs": [], "naive_abs": [], "actual": [], "model_mase": [], "naive_mase": []}
        for h in horizons
    }
    for k in range(first_origin, first_origin + origins):
        origin = days[k]
        train = slots[slots.index < pd.Timestamp(origin)]
        test_days = days[k : k + longest]
        # forecast every open weekday up to the last test day, then keep the days that have data (a
        # missing day of the bank series is a US holiday the model does not know about)
        ahead = len(next_days_until(days[k - 1], test_days[-1], open_weekdays(days[:k])))
        result = forecast(
            train,
            days=ahead,
            interval_minutes=interval_minutes,
            holiday_country=holiday_country,
            fill_missing_days=fill_missing_days,
        )
        predicted = result.intervals.set_index("start")["calls"]
        naive = seasonal_naive(train, test_days)
        scale = seasonal_naive_scale(train)
        for name, h in horizons.items():
            wanted = set(test_days[:h])
            actual = slots[[d in wanted for d in slots.index.date]]
            model = predicted.reindex(actual.index, fill_value=0.0)
            base = naive.reindex(actual.index, fill_value=0.0)
            e = errors[name]
            e["model_abs"].append(float(np.sum(np.abs(actual - model))))
            e["naive_abs"].append(float(np.sum(np.abs(actual - base))))
            e["actual"].append(float(actual.sum()))
            if scale > 0:  # a training set that repeats exactly every week has no MASE
                e["model_mase"].append(mase(actual.to_numpy(), model.to_numpy(), scale=scale))
                e["naive_mase"].append(mase(actual.to_numpy(), base.to_numpy(), scale=scale))
    out: dict[str, Any] = {
        "interval_minutes": interval_minutes,
        "origins": origins,
        "first_origin": days[first_origin].isoformat(),
        "last_origin": days[first_origin + origins - 1].isoformat(),
        "horizons": {},
    }
    for name, e in errors.items():
        out["horizons"][name] = {
            "open_days": horizons[name],
            "model": {
                "wape": round(sum(e["model_abs"]) / sum(e["actual"]), 4),
                "mase": _mean_or_none(e["model_mase"]),
            },
            "seasonal_naive": {
                "wape": round(sum(e["naive_abs"]) / sum(e["actual"]), 4),
                "mase": _mean_or_none(e["naive_mase"]),
            },
        }
    return out
