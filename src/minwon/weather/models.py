"""KMA stations (ASOS), observations and weather warnings (특보)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, Enum, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minwon.core.clock import utcnow
from minwon.db.base import Base, UTCDateTime


class WeatherStation(Base):
    """An ASOS station (종관기상관측 지점), keyed by its KMA station number."""

    __tablename__ = "weather_stations"

    stn_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(40))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    #: Height of the station ground above sea level (노장해발고도), metres.
    elevation_m: Mapped[float | None] = mapped_column(Float)
    start_date: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(200), default="")
    managing_office: Mapped[str] = mapped_column(String(80), default="")


class ObservationPeriod(StrEnum):
    #: One hour ending at ``observed_at`` (or an instantaneous report, e.g. a board snapshot).
    HOURLY = "hourly"
    #: One KMA day (local 00:01–24:00); ``observed_at`` is local midnight at its start.
    DAILY = "daily"


class WeatherObservation(Base):
    """One observation of a station. Units: °C, mm, cm, m/s, %. ``None`` = not observed / missing.

    ``new_snow_cm`` is fresh snow over the row's own window: 3 hours for hourly rows (3시간 신적설),
    the day's deepest fresh snow (일 최심신적설) for daily rows. ``precip_max_1h_mm`` only on daily rows.
    """

    __tablename__ = "weather_observations"
    __table_args__ = (
        UniqueConstraint("stn_id", "period", "observed_at", name="uq_weather_observations_key"),
        Index("ix_weather_observations_stn_time", "stn_id", "observed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stn_id: Mapped[int] = mapped_column(Integer)
    period: Mapped[ObservationPeriod] = mapped_column(Enum(ObservationPeriod, native_enum=False, length=10))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    temp_c: Mapped[float | None] = mapped_column(Float)
    tmin_c: Mapped[float | None] = mapped_column(Float)
    tmax_c: Mapped[float | None] = mapped_column(Float)
    precip_mm: Mapped[float | None] = mapped_column(Float)
    precip_max_1h_mm: Mapped[float | None] = mapped_column(Float)
    snow_depth_cm: Mapped[float | None] = mapped_column(Float)
    new_snow_cm: Mapped[float | None] = mapped_column(Float)
    wind_ms: Mapped[float | None] = mapped_column(Float)
    humidity_pct: Mapped[float | None] = mapped_column(Float)
    #: Present weather in words (맑음, 흐림, 박무 …) where the source gives it.
    weather_text: Mapped[str | None] = mapped_column(String(40))
    #: Which format the row came from: portal_csv, apihub_sfctm, data_go_kr, board.
    source: Mapped[str] = mapped_column(String(20))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WarningKind(StrEnum):
    """KMA warning kinds (기상특보 종류)."""

    COLD_WAVE = "cold_wave"  # 한파
    HEAT = "heat"  # 폭염
    HEAVY_SNOW = "heavy_snow"  # 대설
    HEAVY_RAIN = "heavy_rain"  # 호우
    STRONG_WIND = "strong_wind"  # 강풍
    DRY = "dry"  # 건조
    HIGH_SEAS = "high_seas"  # 풍랑
    TYPHOON = "typhoon"  # 태풍
    YELLOW_DUST = "yellow_dust"  # 황사
    STORM_SURGE = "storm_surge"  # 폭풍해일


class WarningLevel(StrEnum):
    ADVISORY = "advisory"  # 주의보
    WARNING = "warning"  # 경보


class WeatherWarning(Base):
    """A weather warning (기상특보) for an area, from issue until lifted (``lifted_at`` None = in force)."""

    __tablename__ = "weather_warnings"
    __table_args__ = (UniqueConstraint("area", "kind", "level", "issued_at", name="uq_weather_warnings_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area: Mapped[str] = mapped_column(String(60))
    kind: Mapped[WarningKind] = mapped_column(Enum(WarningKind, native_enum=False, length=20))
    level: Mapped[WarningLevel] = mapped_column(Enum(WarningLevel, native_enum=False, length=10))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(20), default="file")
