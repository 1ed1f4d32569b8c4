"""Weather service: the only place that writes stations, observations and warnings.

Functions are keyword-only and commit their own writes; each ingestion is one transaction (parse
everything first, then write; on any error the session is rolled back and nothing is kept).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from minwon.config import Settings
from minwon.core.clock import local_day_bounds, local_zone, utcnow
from minwon.core.errors import NotFound, ValidationError
from minwon.weather.board import Board, BoardStation, parse_board, resolve_board
from minwon.weather.criteria import DailyWeather, ObsRow, summarise_days
from minwon.weather.formats import (
    ObservationRecord,
    WarningRecord,
    check_record,
    decode_bytes,
    parse_data_go_kr_json,
    parse_portal_csv,
    parse_sfctm,
    parse_warnings_json,
    parse_warnings_text,
)
from minwon.weather.models import (
    ObservationPeriod,
    WarningKind,
    WarningLevel,
    WeatherObservation,
    WeatherStation,
    WeatherWarning,
)
from minwon.weather.registry import STATIONS_FILE, parse_stations_csv

__all__ = ["DailyWeather", "daily_weather"]

FORMATS = ("auto", "portal", "sfctm", "json")
_VALUE_FIELDS = (
    "temp_c", "tmin_c", "tmax_c", "precip_mm", "precip_max_1h_mm", "snow_depth_cm", "new_snow_cm",
    "wind_ms", "humidity_pct", "weather_text",
)  # fmt: skip


@dataclass
class WriteResult:
    created: int = 0
    updated: int = 0
    recovered: list[BoardStation] = field(default_factory=list)


def read_input_file(path: Path, *, field: str = "file") -> bytes:
    """The bytes of the file at ``path``. Raises NotFound when it does not exist, ValidationError
    (``field``) when it is a directory or cannot be read (permissions, special files)."""
    if not path.exists():
        raise NotFound(f"file not found: {path}", field=field)
    if path.is_dir():
        raise ValidationError(f"{path} is a directory, not a file", field=field)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror or exc}", field=field) from exc


#: Earliest accepted time for a stored board snapshot (the Unix epoch, UTC).
BOARD_TIME_MIN = datetime(1970, 1, 1, tzinfo=UTC)
#: How far ahead of now a board snapshot may be stored (clock skew, a board for tomorrow morning).
BOARD_TIME_AHEAD = timedelta(days=1)


# --- stations ------------------------------------------------------------------------------------


def stations_file(data_dir: Path) -> Path:
    return Path(data_dir).joinpath(*STATIONS_FILE)


def load_stations(*, db: Session, path: Path) -> WriteResult:
    """Upsert the registry CSV at ``path`` into ``weather_stations``; commits.

    Raises NotFound (field ``file``) when the file is missing, ValidationError for a bad row.
    """
    if not path.exists():
        raise NotFound(f"station registry not found: {path}", field="file")
    records = parse_stations_csv(decode_bytes(read_input_file(path)))
    result = WriteResult()
    existing = {s.stn_id: s for s in db.scalars(select(WeatherStation))}
    try:
        for rec in records:
            station = existing.get(rec.stn_id)
            if station is None:
                db.add(WeatherStation(**rec.__dict__))
                result.created += 1
            else:
                for key, value in rec.__dict__.items():
                    setattr(station, key, value)
                result.updated += 1
        db.commit()
    except Exception:
        db.rollback()
        raise
    return result


def load_demo_stations(*, db: Session, data_dir: Path) -> list[str]:
    """``minwon init --demo``: load the registry from ``data_dir`` if it is there; commits.

    Returns notices for the demo summary (empty when the registry was loaded).
    """
    path = stations_file(data_dir)
    if not path.exists():
        return [f"KMA station registry not found at {path}; the weather board shows station numbers only"]
    load_stations(db=db, path=path)
    return load_seed_board(db=db, seed_dir=Path(data_dir).parent / "seed")


#: The news page's board is a morning board; it is stored as the 06:00 observation of its date.
SEED_BOARD_HOUR = 6


def load_seed_board(*, db: Session, seed_dir: Path) -> list[str]:
    """Store the KMA board of the seed news page (``shared/seed/news_page_*.txt``) as observations, so
    the demo desk shows real station weather; idempotent; commits. Returns notices."""
    pages = sorted(seed_dir.glob("news_page_*.txt")) if seed_dir.is_dir() else []
    if not pages:
        return [
            f"no seed news page in {seed_dir}; the desk weather board stays empty until observations load"
        ]
    board, stations = read_board(db=db, text=pages[-1].read_text(encoding="utf-8"))
    if board.day is None:
        return [f"{pages[-1].name}: the board has no date; not stored"]
    at = datetime.combine(board.day, time(SEED_BOARD_HOUR), tzinfo=ZoneInfo("Asia/Seoul"))
    store_board(db=db, stations=stations, observed_at=at)
    return []


def list_stations(*, db: Session) -> list[WeatherStation]:
    """All stations in station-number order."""
    return list(db.scalars(select(WeatherStation).order_by(WeatherStation.stn_id)))


def city_station_ids(settings: Settings) -> list[int]:
    """``MINWON_CITY_STATIONS`` as station numbers. Raises ValidationError (field ``city_stations``)."""
    try:
        ids = [int(part) for part in settings.city_stations.split(",") if part.strip()]
    except ValueError as exc:
        raise ValidationError(
            "MINWON_CITY_STATIONS must be comma-separated station numbers", field="city_stations"
        ) from exc
    return ids


# --- observations --------------------------------------------------------------------------------


def parse_observation_file(path: Path, fmt: str = "auto") -> list[ObservationRecord]:
    """Records of a KMA file: ``portal`` CSV, API Hub ``sfctm`` text or data.go.kr ``json``; ``auto``
    decides by content (``{`` → json, ``#``/digits → sfctm, else portal). Raises NotFound (missing
    file), ValidationError (a directory, unreadable, or bad content naming the line/item)."""
    if fmt not in FORMATS:
        raise ValidationError(f"format must be one of {', '.join(FORMATS)}", field="format")
    text = decode_bytes(read_input_file(path))
    if fmt == "auto":
        head = text.lstrip("\ufeff \r\n\t")[:1]
        fmt = "json" if head == "{" else "sfctm" if head == "#" or head.isdigit() else "portal"
    if fmt == "json":
        return parse_data_go_kr_json(text).records
    if fmt == "sfctm":
        return parse_sfctm(text)
    return parse_portal_csv(text)


def ingest_observations(*, db: Session, records: Sequence[ObservationRecord]) -> WriteResult:
    """Upsert ``records`` by (station, period, observed_at); one transaction, commits.

    A later value replaces an earlier one field by field only where the new value is not None (so a
    board snapshot does not erase an hourly record's precipitation). Raises ValidationError for a naive
    time or a value outside :data:`minwon.weather.formats.PLAUSIBLE` (field ``record N``, 1-based);
    on any error nothing is written.
    """
    result = WriteResult()
    if not records:
        return result
    try:
        groups: dict[tuple[int, str], list[ObservationRecord]] = {}
        for n, rec in enumerate(records, start=1):
            if rec.observed_at.tzinfo is None:
                raise ValidationError("observation time must be timezone-aware", field="observed_at")
            check_record(rec, where=f"record {n}")
            groups.setdefault((rec.stn_id, rec.period), []).append(rec)
        for (stn_id, period), recs in groups.items():
            low = min(r.observed_at for r in recs)
            high = max(r.observed_at for r in recs)
            existing = {
                o.observed_at: o
                for o in db.scalars(
                    select(WeatherObservation).where(
                        WeatherObservation.stn_id == stn_id,
                        WeatherObservation.period == ObservationPeriod(period),
                        WeatherObservation.observed_at >= low,
                        WeatherObservation.observed_at <= high,
                    )
                )
            }
            for rec in recs:
                obs = existing.get(rec.observed_at)
                values = {k: getattr(rec, k) for k in _VALUE_FIELDS}
                if obs is None:
                    obs = WeatherObservation(
                        stn_id=stn_id,
                        period=ObservationPeriod(period),
                        observed_at=rec.observed_at,
                        source=rec.source,
                        **values,
                    )
                    db.add(obs)
                    existing[rec.observed_at] = obs
                    result.created += 1
                else:
                    for key, value in values.items():
                        if value is not None:
                            setattr(obs, key, value)
                    obs.source = rec.source
                    obs.loaded_at = utcnow()
                    result.updated += 1
        db.commit()
    except Exception:
        db.rollback()
        raise
    return result


def ingest_file(*, db: Session, path: Path, fmt: str = "auto") -> WriteResult:
    """Parse the whole file, then :func:`ingest_observations`; commits. Raises ValidationError/NotFound."""
    return ingest_observations(db=db, records=parse_observation_file(path, fmt))


def fetch_observations(
    *, db: Session, settings: Settings, source: str, stn_ids: Sequence[int], start: date, end: date
) -> WriteResult:
    """Download local days ``start``..``end`` for ``stn_ids`` from ``source`` (``apihub`` =
    ``kma_sfctm3``, ``data-go-kr`` = ``getWthrDataList``), then store everything in one transaction.

    Every page is downloaded and parsed before the first write, so a timeout, an error answer or a
    malformed page leaves the database as it was. Raises FetchError, ValidationError.
    """
    from minwon.weather.fetcher import fetch_data_go_kr, fetch_sfctm

    if end < start:
        raise ValidationError("end is before start", field="end")
    records: list[ObservationRecord] = []
    if source == "apihub":
        low, _ = local_day_bounds(start)
        _, high = local_day_bounds(end)
        records = fetch_sfctm(settings=settings, start=low, end=high, stn_ids=list(stn_ids))
    elif source == "data-go-kr":
        for stn_id in stn_ids:
            records.extend(fetch_data_go_kr(settings=settings, stn_id=stn_id, start=start, end=end))
    else:
        raise ValidationError("source must be apihub or data-go-kr", field="source")
    return ingest_observations(db=db, records=records)


def fetch_and_store_warnings(*, db: Session, settings: Settings) -> WriteResult:
    """Download the warnings in force (API Hub ``wrn_now_data.php``) and store them; commits."""
    from minwon.weather.fetcher import fetch_warnings

    return ingest_warnings(db=db, records=fetch_warnings(settings=settings))


def count_observations(*, db: Session, stn_id: int | None = None) -> int:
    query = select(func.count(WeatherObservation.id))
    if stn_id is not None:
        query = query.where(WeatherObservation.stn_id == stn_id)
    return int(db.scalar(query) or 0)


def latest_observations(*, db: Session, stn_ids: Sequence[int]) -> dict[int, WeatherObservation]:
    """The newest hourly observation of each station (stations without one are absent)."""
    out: dict[int, WeatherObservation] = {}
    for stn_id in stn_ids:
        obs = db.scalars(
            select(WeatherObservation)
            .where(
                WeatherObservation.stn_id == stn_id,
                WeatherObservation.period == ObservationPeriod.HOURLY,
            )
            .order_by(WeatherObservation.observed_at.desc())
            .limit(1)
        ).first()
        if obs is not None:
            out[stn_id] = obs
    return out


def daily_weather(*, db: Session, stn_id: int, start: date, end: date) -> dict[date, DailyWeather]:
    """Daily weather of station ``stn_id`` for local days ``start``..``end`` (inclusive).

    Returns ``{day: DailyWeather(tmin, tmax °C, precip_mm, snow_cm, cold_wave, heavy_snow, heat,
    heavy_rain, basis)}``; days without observations are absent. Criteria and approximations:
    :mod:`minwon.weather.criteria` (KMA 기상특보 발표기준). Raises ValidationError when ``end < start``.
    """
    if end < start:
        raise ValidationError("end is before start", field="end")
    low, _ = local_day_bounds(start)
    _, high = local_day_bounds(end)
    rows = db.scalars(
        select(WeatherObservation).where(
            WeatherObservation.stn_id == stn_id,
            # 12 hours before for the rolling rain windows; +1 minute for the 24:00 value.
            WeatherObservation.observed_at >= low - timedelta(hours=12),
            WeatherObservation.observed_at <= high,
        )
    )
    obs_rows = [
        ObsRow(
            observed_at=o.observed_at,
            period=o.period.value,
            temp_c=o.temp_c,
            tmin_c=o.tmin_c,
            tmax_c=o.tmax_c,
            precip_mm=o.precip_mm,
            precip_max_1h_mm=o.precip_max_1h_mm,
            new_snow_cm=o.new_snow_cm,
        )
        for o in rows
    ]
    return summarise_days(obs_rows, start=start, end=end, zone=local_zone())


# --- boards --------------------------------------------------------------------------------------


def board_registry(*, db: Session, data_dir: Path | None = None) -> list[tuple[int, str]]:
    """``(stn_id, name)`` of the registry: the table, else the registry file in ``data_dir``.

    Raises NotFound when neither is available.
    """
    stations = [(s.stn_id, s.name) for s in list_stations(db=db)]
    if stations:
        return stations
    if data_dir is not None and stations_file(data_dir).exists():
        recs = parse_stations_csv(decode_bytes(stations_file(data_dir).read_bytes()))
        return [(r.stn_id, r.name) for r in recs]
    raise NotFound("no station registry: run `minwon weather load-stations` first", field="registry")


def read_board(*, db: Session, text: str, data_dir: Path | None = None) -> tuple[Board, list[BoardStation]]:
    """Parse and resolve a board against the registry. Raises ValidationError/NotFound."""
    board = parse_board(text)
    return board, resolve_board(board, board_registry(db=db, data_dir=data_dir))


def store_board(*, db: Session, stations: Sequence[BoardStation], observed_at: datetime) -> WriteResult:
    """Store a resolved board as hourly observations at ``observed_at`` (aware); commits.

    Raises ValidationError (field ``observed_at``) for a naive time or one outside
    1970-01-01T00:00Z .. now + 1 day (a board is a snapshot of the present weather: a far-future time
    would show as the desk's latest weather for ever, and year 1 overflows the database).
    """
    if observed_at.tzinfo is None:
        raise ValidationError(
            "observed_at must include a UTC offset, e.g. 2026-02-25T15:00+09:00", field="observed_at"
        )
    latest = utcnow() + BOARD_TIME_AHEAD
    if not BOARD_TIME_MIN <= observed_at <= latest:
        raise ValidationError(
            f"observed_at {observed_at.isoformat()} is outside 1970-01-01 .. "
            f"{latest.astimezone(local_zone()).isoformat(timespec='minutes')} (now + 1 day)",
            field="observed_at",
        )
    records = [
        ObservationRecord(
            stn_id=s.stn_id,
            observed_at=observed_at,
            period="hourly",
            source="board",
            temp_c=s.temp_c,
            weather_text=s.weather,
        )
        for s in stations
    ]
    return ingest_observations(db=db, records=records)


# --- warnings ------------------------------------------------------------------------------------


def parse_warnings_file(path: Path) -> list[WarningRecord]:
    """Warnings of a JSON file (``.json`` or content starting with ``[``/``{``) or API Hub text."""
    text = decode_bytes(read_input_file(path))
    if text.lstrip("\ufeff \r\n\t")[:1] in ("[", "{"):
        return parse_warnings_json(text)
    return parse_warnings_text(text)


def ingest_warnings(*, db: Session, records: Sequence[WarningRecord]) -> WriteResult:
    """Upsert warnings by (area, kind, level, issued_at); a lifting record sets ``lifted_at`` of the
    open warning of the same area/kind/level. One transaction; commits."""
    result = WriteResult()
    try:
        for rec in records:
            kind, level = WarningKind(rec.kind), WarningLevel(rec.level)
            same = select(WeatherWarning).where(
                WeatherWarning.area == rec.area, WeatherWarning.kind == kind, WeatherWarning.level == level
            )
            row = db.scalars(same.where(WeatherWarning.issued_at == rec.issued_at)).first()
            if row is None and rec.lifted_at is not None:
                row = db.scalars(
                    same.where(
                        WeatherWarning.lifted_at.is_(None), WeatherWarning.issued_at <= rec.lifted_at
                    ).order_by(WeatherWarning.issued_at.desc())
                ).first()
                if row is not None:
                    row.lifted_at = rec.lifted_at
                    result.updated += 1
                    continue
            if row is None:
                db.add(
                    WeatherWarning(
                        area=rec.area,
                        kind=kind,
                        level=level,
                        issued_at=rec.issued_at,
                        lifted_at=rec.lifted_at,
                    )
                )
                db.flush()
                result.created += 1
            else:
                row.lifted_at = rec.lifted_at
                result.updated += 1
        db.commit()
    except Exception:
        db.rollback()
        raise
    return result


def active_warnings(*, db: Session, at: datetime | None = None) -> list[WeatherWarning]:
    """Warnings issued at or before ``at`` (default now) and not lifted by then, by area."""
    at = at or utcnow()
    return list(
        db.scalars(
            select(WeatherWarning)
            .where(
                WeatherWarning.issued_at <= at,
                or_(WeatherWarning.lifted_at.is_(None), WeatherWarning.lifted_at > at),
            )
            .order_by(WeatherWarning.area, WeatherWarning.kind)
        )
    )


# --- the desk board ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskStation:
    stn_id: int
    name: str
    weather: str | None
    temp_c: float | None
    observed_at: datetime | None


@dataclass(frozen=True)
class DeskBoard:
    day: date
    stations: list[DeskStation]
    warnings: list[WeatherWarning]


def desk_board(*, db: Session, settings: Settings, at: datetime | None = None) -> DeskBoard:
    """The city's stations with their latest observation, and warnings in force at ``at`` (default now)."""
    at = at or utcnow()
    ids = city_station_ids(settings)
    names = {
        s.stn_id: s.name for s in db.scalars(select(WeatherStation).where(WeatherStation.stn_id.in_(ids)))
    }
    latest = latest_observations(db=db, stn_ids=ids)
    stations = [
        DeskStation(
            stn_id=i,
            name=names.get(i, str(i)),
            weather=latest[i].weather_text if i in latest else None,
            temp_c=latest[i].temp_c if i in latest else None,
            observed_at=latest[i].observed_at if i in latest else None,
        )
        for i in ids
    ]
    return DeskBoard(
        day=at.astimezone(local_zone()).date(), stations=stations, warnings=active_warnings(db=db, at=at)
    )
