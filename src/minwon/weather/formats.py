"""Pure parsers for the KMA formats minwon reads (no DB, no HTTP).

* :func:`parse_portal_csv` — 기상자료개방포털 (data.kma.go.kr) ASOS CSV exports, hourly or daily,
  Korean headers, UTF-8 (with or without BOM) or cp949/EUC-KR bytes.
* :func:`parse_sfctm` — KMA API Hub surface text (``kma_sfctm2.php`` / ``kma_sfctm3.php``):
  ``#`` header lines, whitespace-separated columns, -9/-99/-999 for missing values.
* :func:`parse_data_go_kr_json` — data.go.kr ``AsosHourlyInfoService``/``AsosDalyInfoService``
  ``getWthrDataList`` JSON.
* :func:`parse_warnings_json`, :func:`parse_warnings_text` — weather warnings (특보).

Every time in these sources is Korea Standard Time (UTC+9, no daylight saving); records carry aware
UTC instants. Bad input raises :class:`minwon.core.errors.ValidationError` naming the line or field.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from minwon.core.errors import ValidationError

#: Korea Standard Time; KMA publishes every time in KST.
KST = timezone(timedelta(hours=9), "KST")


@dataclass(frozen=True)
class ObservationRecord:
    """One parsed observation. ``period`` is ``hourly`` or ``daily``; units °C, mm, cm, m/s, %."""

    stn_id: int
    observed_at: datetime
    period: str
    source: str
    temp_c: float | None = None
    tmin_c: float | None = None
    tmax_c: float | None = None
    precip_mm: float | None = None
    precip_max_1h_mm: float | None = None
    snow_depth_cm: float | None = None
    new_snow_cm: float | None = None
    wind_ms: float | None = None
    humidity_pct: float | None = None
    weather_text: str | None = None


@dataclass(frozen=True)
class WarningRecord:
    """One warning: ``kind`` and ``level`` are :class:`~minwon.weather.models.WarningKind` /
    ``WarningLevel`` values; times aware UTC; ``lifted_at`` None = still in force."""

    area: str
    kind: str
    level: str
    issued_at: datetime
    lifted_at: datetime | None


def decode_bytes(data: bytes, *, field: str = "file") -> str:
    """Text of a KMA download: UTF-8 (a BOM is dropped), else cp949 (the portal's native encoding)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp949")
    except UnicodeDecodeError as exc:
        raise ValidationError("the file is neither UTF-8 nor cp949/EUC-KR text", field=field) from exc


def kst_day_start(day: date) -> datetime:
    """Local (KST) midnight at the start of ``day``, as an aware UTC instant."""
    return datetime.combine(day, time(0), tzinfo=KST).astimezone(UTC)


# --- data portal CSV -------------------------------------------------------------------------


def _header_key(name: str) -> str:
    """``"일 최심신적설(cm)"`` → ``"일최심신적설"``: drop the unit and spaces."""
    return re.sub(r"\(.*?\)|\s", "", name)


#: Portal header key → record field, hourly exports (OBS_ASOS_TIM).
_PORTAL_HOURLY = {
    "기온": "temp_c",
    "강수량": "precip_mm",
    "풍속": "wind_ms",
    "습도": "humidity_pct",
    "적설": "snow_depth_cm",
    "3시간신적설": "new_snow_cm",
}
#: Portal header key → record field, daily exports (SURFACE_ASOS_<stn>_DAY).
_PORTAL_DAILY = {
    "평균기온": "temp_c",
    "최저기온": "tmin_c",
    "최고기온": "tmax_c",
    "일강수량": "precip_mm",
    "1시간최다강수량": "precip_max_1h_mm",
    "일최심적설": "snow_depth_cm",
    "일최심신적설": "new_snow_cm",
    "평균풍속": "wind_ms",
    "평균상대습도": "humidity_pct",
}


#: Plausible ranges per record field, inclusive, in the record's units. Values outside are refused
#: (never stored): beyond the extremes ever recorded (air −89.2..56.7 °C; 1-day rain 1,825 mm;
#: snow depth 1,182 cm on Mt Ibuki once — so 1,000 cm is a practical ceiling for Korea; 10-minute
#: mean wind well under 100 m/s) and the physical bounds of relative humidity.
PLAUSIBLE: dict[str, tuple[float, float, str]] = {
    "temp_c": (-80.0, 60.0, "°C"),
    "tmin_c": (-80.0, 60.0, "°C"),
    "tmax_c": (-80.0, 60.0, "°C"),
    "precip_mm": (0.0, 2000.0, "mm"),
    "precip_max_1h_mm": (0.0, 2000.0, "mm"),
    "snow_depth_cm": (0.0, 1000.0, "cm"),
    "new_snow_cm": (0.0, 1000.0, "cm"),
    "humidity_pct": (0.0, 100.0, "%"),
    "wind_ms": (0.0, 100.0, "m/s"),
}


def check_plausible(field_name: str, value: float | None, *, where: str, label: str | None = None) -> None:
    """Raise ValidationError (field ``where``) when ``value`` of record field ``field_name`` lies outside
    :data:`PLAUSIBLE`; ``label`` is the source's column name for the message. ``None`` passes."""
    if value is None or field_name not in PLAUSIBLE:
        return
    low, high, unit = PLAUSIBLE[field_name]
    if not (math.isfinite(value) and low <= value <= high):
        raise ValidationError(
            f"{where}: {label or field_name} {value:g} is outside the plausible range "
            f"{low:g}..{high:g} {unit}",
            field=where,
        )


def check_record(rec: ObservationRecord, *, where: str) -> None:
    """:func:`check_plausible` for every numeric field of ``rec``. Raises ValidationError."""
    for field_name in PLAUSIBLE:
        check_plausible(field_name, getattr(rec, field_name), where=where)


#: KMA station numbers (지점번호) are positive and at most five digits (ASOS/AWS use 90..999).
STATION_RANGE = (1, 99999)


def _station(raw: object, *, where: str, label: str) -> int:
    """A station number from ``raw``; raises ValidationError naming ``label`` and the value."""
    text = str(raw).strip() if raw is not None else ""
    try:
        value = int(text)
    except ValueError as exc:
        raise ValidationError(f"{where}: bad {label} (station number) {text!r}", field=where) from exc
    if not STATION_RANGE[0] <= value <= STATION_RANGE[1]:
        raise ValidationError(f"{where}: bad {label} (station number) {text!r}", field=where)
    return value


def _number(raw: str | None, *, where: str, label: str | None = None) -> float | None:
    """A finite number, or None for a blank cell. Raises ValidationError naming ``where``/``label``."""
    if raw is None:
        return None
    raw = raw.strip()
    if raw == "":
        return None
    name = f"{label} " if label else ""
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValidationError(f"{where}: {name}not a number: {raw!r}", field=where) from exc
    if not math.isfinite(value):
        raise ValidationError(f"{where}: {name}not a finite number: {raw!r}", field=where)
    return value


def parse_portal_csv(text: str) -> list[ObservationRecord]:
    """Rows of a data-portal ASOS CSV (hourly when ``일시`` has a time, daily when it is a date).

    Blank cells are ``None`` (the portal leaves "no precipitation" blank too). Hourly ``일시`` is the end
    of the hour in KST; daily rows get KST midnight of their date. Raises ValidationError for a missing
    ``지점``/``일시`` column, or naming the line and column for an unreadable value or one outside
    :data:`PLAUSIBLE` (the whole file is refused; nothing of it is stored).
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise ValidationError("the CSV file is empty", field="file") from exc
    keys = [_header_key(h) for h in header]
    if "지점" not in keys or "일시" not in keys:
        raise ValidationError("not a KMA portal CSV: columns 지점 and 일시 are required", field="header")
    i_stn, i_tm = keys.index("지점"), keys.index("일시")
    records: list[ObservationRecord] = []
    mapping: dict[str, str] | None = None
    for line_no, row in enumerate(reader, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        where = f"line {line_no}"
        stamp = row[i_tm].strip() if len(row) > i_tm else ""
        raw_stn = row[i_stn].strip() if len(row) > i_stn else ""
        stn_id = _station(raw_stn, where=where, label="지점")
        try:
            if len(stamp) > 10:
                observed_at = datetime.strptime(stamp, "%Y-%m-%d %H:%M").replace(tzinfo=KST).astimezone(UTC)
                period = "hourly"
            else:
                observed_at = kst_day_start(date.fromisoformat(stamp))
                period = "daily"
        except (ValueError, OverflowError) as exc:
            raise ValidationError(f"{where}: bad 일시 (time) {stamp!r}", field=where) from exc
        if mapping is None:
            mapping = _PORTAL_HOURLY if period == "hourly" else _PORTAL_DAILY
        values: dict[str, float | None] = {}
        for key, field_name in mapping.items():
            if key in keys:
                idx = keys.index(key)
                label = header[idx].strip()
                value = _number(row[idx] if idx < len(row) else None, where=where, label=label)
                check_plausible(field_name, value, where=where, label=label)
                values[field_name] = value
        records.append(
            ObservationRecord(
                stn_id=stn_id,
                observed_at=observed_at,
                period=period,
                source="portal_csv",
                **values,  # type: ignore[arg-type]  # numeric fields only
            )
        )
    return records


# --- API Hub surface text (kma_sfctm2/3) -----------------------------------------------------

#: Leading columns of ``kma_sfctm2.php``/``kma_sfctm3.php`` (the rest — clouds, visibility, soil
#: temperatures … — are ignored). Index → name, as in the API Hub ``help=1`` header.
SFCTM_COLUMNS = (
    "TM", "STN", "WD", "WS", "GST_WD", "GST_WS", "GST_TM", "PA", "PS", "PT", "PR", "TA", "TD", "HM",
    "PV", "RN", "RN_DAY", "RN_JUN", "RN_INT", "SD_HR3", "SD_DAY", "SD_TOT",
)  # fmt: skip
_TEMPERATURE_MISSING = {-99.0, -999.0}
#: (column, record field, signed) read from each row.
_SFCTM_FIELDS = (
    ("TA", "temp_c", True), ("RN", "precip_mm", False), ("WS", "wind_ms", False),
    ("HM", "humidity_pct", False), ("SD_HR3", "new_snow_cm", False), ("SD_TOT", "snow_depth_cm", False),
)  # fmt: skip


def _sfctm_value(raw: str, *, signed: bool, where: str, label: str) -> float | None:
    value = _number(raw, where=where, label=label)
    if value is None:
        return None
    if signed:
        return None if value in _TEMPERATURE_MISSING else value
    # Non-negative quantities: KMA writes -9, -9.0, -99.0 … for "missing".
    return None if value < 0 else value


def parse_sfctm(text: str) -> list[ObservationRecord]:
    """Rows of API Hub surface text: ``TM`` (KST ``YYYYMMDDHHMI``), ``STN``, ``WS`` → wind,
    ``TA`` → temperature (−99/−999 missing), ``HM`` → humidity, ``RN`` → precipitation,
    ``SD_HR3`` → 3-hour fresh snow, ``SD_TOT`` → snow depth; negative non-temperature values are missing.

    Lines starting with ``#`` and blank lines are skipped. Raises ValidationError naming the line for a
    row with fewer than 22 columns, an unreadable value or one outside :data:`PLAUSIBLE` (the whole
    response is refused), and when there is no data row at all (an error page, for example).
    """
    records: list[ObservationRecord] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"line {line_no}"
        cols = line.split()
        if len(cols) < len(SFCTM_COLUMNS):
            raise ValidationError(
                f"{where}: expected at least {len(SFCTM_COLUMNS)} columns, got {len(cols)}", field=where
            )
        row = dict(zip(SFCTM_COLUMNS, cols, strict=False))
        stn_id = _station(row["STN"], where=where, label="STN")
        try:
            observed_at = datetime.strptime(row["TM"], "%Y%m%d%H%M").replace(tzinfo=KST).astimezone(UTC)
        except (ValueError, OverflowError) as exc:
            raise ValidationError(f"{where}: bad TM (time) {row['TM']!r}", field=where) from exc
        values: dict[str, float | None] = {}
        for column, field_name, signed in _SFCTM_FIELDS:
            value = _sfctm_value(row[column], signed=signed, where=where, label=column)
            check_plausible(field_name, value, where=where, label=column)
            values[field_name] = value
        records.append(
            ObservationRecord(
                stn_id=stn_id,
                observed_at=observed_at,
                period="hourly",
                source="apihub_sfctm",
                **values,  # type: ignore[arg-type]  # numeric fields only
            )
        )
    if not records:
        raise ValidationError("no observation rows in the API Hub response", field="body")
    return records


# --- data.go.kr JSON -------------------------------------------------------------------------

#: data.go.kr item key → record field (hourly service; daily service keys below).
_DGK_HOURLY = {"ta": "temp_c", "rn": "precip_mm", "ws": "wind_ms", "hm": "humidity_pct",
               "dsnw": "snow_depth_cm", "hr3Fhsc": "new_snow_cm"}  # fmt: skip
_DGK_DAILY = {"avgTa": "temp_c", "minTa": "tmin_c", "maxTa": "tmax_c", "sumRn": "precip_mm",
              "hr1MaxRn": "precip_max_1h_mm", "ddMes": "snow_depth_cm", "ddMefs": "new_snow_cm",
              "avgWs": "wind_ms", "avgRhm": "humidity_pct"}  # fmt: skip


@dataclass(frozen=True)
class DataGoKrPage:
    """One page of a ``getWthrDataList`` answer."""

    records: list[ObservationRecord]
    total_count: int
    page_no: int
    num_of_rows: int


def parse_data_go_kr_json(text: str) -> DataGoKrPage:
    """Parse a ``getWthrDataList`` JSON page (``dataType=JSON``).

    Shape: ``{"response": {"header": {"resultCode": "00", "resultMsg": …}, "body": {"items": {"item":
    [{"stnId": "108", "tm": "2021-01-01 01:00", "ta": "-7.2", "rn": "", …}]}, "totalCount": …}}}``.
    Hourly items have ``tm`` with a time (``ta, rn, ws, hm, dsnw, hr3Fhsc``); daily items a date
    (``avgTa, minTa, maxTa, sumRn, hr1MaxRn, ddMes, ddMefs, avgWs, avgRhm``, ``iscs`` → weather text).
    Raises ValidationError when the body is not JSON of this shape (field ``body``), when
    ``resultCode`` is not ``00`` (field ``resultCode``, with KMA's ``resultMsg``), or naming the item
    for a bad station, time or value (unreadable or outside :data:`PLAUSIBLE`; the page is refused).
    """
    stripped = text.strip()
    if stripped.startswith("<"):
        # data.go.kr answers gateway errors (bad key, quota) as XML even when JSON was asked for.
        reason = re.search(r"<returnReasonCode>\s*([^<]*?)\s*</returnReasonCode>", stripped)
        msg = re.search(r"<returnAuthMsg>\s*([^<]*?)\s*</returnAuthMsg>", stripped)
        if reason or msg:
            raise ValidationError(
                f"data.go.kr error {reason[1] if reason else '?'}: {msg[1] if msg else ''}".strip(),
                field="resultCode",
            )
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        snippet = stripped[:80]
        raise ValidationError(f"data.go.kr answer is not JSON: {snippet!r}", field="body") from exc
    try:
        header = doc["response"]["header"]
        code = str(header["resultCode"])
    except (KeyError, TypeError) as exc:
        raise ValidationError("data.go.kr answer has no response.header.resultCode", field="body") from exc
    if code != "00":
        raise ValidationError(
            f"data.go.kr error {code}: {header.get('resultMsg', '')}".strip(), field="resultCode"
        )
    try:
        body = doc["response"]["body"]
        items_node = body.get("items") or {}
        items: Any = items_node.get("item", []) if isinstance(items_node, dict) else []
        if isinstance(items, dict):
            items = [items]
        total = int(body.get("totalCount", len(items)))
        page_no = int(body.get("pageNo", 1))
        rows = int(body.get("numOfRows", len(items)))
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ValidationError("data.go.kr answer has no response.body.items", field="body") from exc
    records = [_dgk_item(item, n) for n, item in enumerate(items, start=1)]
    return DataGoKrPage(records=records, total_count=total, page_no=page_no, num_of_rows=rows)


def _dgk_item(item: Any, n: int) -> ObservationRecord:
    where = f"item {n}"
    if not isinstance(item, dict):
        raise ValidationError(f"{where}: not an object", field=where)
    stamp = str(item.get("tm", "")).strip()
    stn_id = _station(item.get("stnId"), where=where, label="stnId")
    try:
        if len(stamp) > 10:
            observed_at = datetime.strptime(stamp, "%Y-%m-%d %H:%M").replace(tzinfo=KST).astimezone(UTC)
            period, mapping = "hourly", _DGK_HOURLY
        else:
            observed_at = kst_day_start(date.fromisoformat(stamp))
            period, mapping = "daily", _DGK_DAILY
    except (ValueError, OverflowError) as exc:
        raise ValidationError(f"{where}: bad tm (time) {stamp!r}", field=where) from exc
    values: dict[str, float | None] = {}
    for key, field_name in mapping.items():
        raw = item.get(key)
        value = _number(None if raw is None else str(raw), where=where, label=key)
        check_plausible(field_name, value, where=where, label=key)
        values[field_name] = value
    text_value = str(item.get("iscs") or "").strip() or None
    return ObservationRecord(
        stn_id=stn_id,
        observed_at=observed_at,
        period=period,
        source="data_go_kr",
        weather_text=text_value[:40] if text_value else None,
        **values,
    )


# --- warnings (특보) ---------------------------------------------------------------------------

#: Korean warning names → kind values.
WARNING_KINDS = {
    "한파": "cold_wave", "폭염": "heat", "대설": "heavy_snow", "호우": "heavy_rain",
    "강풍": "strong_wind", "건조": "dry", "풍랑": "high_seas", "태풍": "typhoon",
    "황사": "yellow_dust", "폭풍해일": "storm_surge",
}  # fmt: skip
WARNING_LEVELS = {"주의보": "advisory", "경보": "warning"}


def _kind(raw: str, where: str) -> str:
    raw = raw.strip()
    if raw in WARNING_KINDS.values():
        return raw
    if raw in WARNING_KINDS:
        return WARNING_KINDS[raw]
    raise ValidationError(f"{where}: unknown warning kind {raw!r}", field=f"{where}.kind")


def _level(raw: str, where: str) -> str:
    raw = raw.strip()
    if raw in WARNING_LEVELS.values():
        return raw
    if raw in WARNING_LEVELS:
        return WARNING_LEVELS[raw]
    raise ValidationError(f"{where}: unknown warning level {raw!r} (주의보 or 경보)", field=f"{where}.level")


def _instant(raw: Any, where: str, name: str) -> datetime | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip()
    try:
        if re.fullmatch(r"\d{12}", text):
            return datetime.strptime(text, "%Y%m%d%H%M").replace(tzinfo=KST).astimezone(UTC)
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError(f"{where}: bad {name} {text!r}", field=f"{where}.{name}") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=KST)  # KMA times are KST when no offset is given
    return value.astimezone(UTC)


def parse_warnings_json(text: str) -> list[WarningRecord]:
    """Warnings from JSON: a list (or ``{"warnings": [...]}``) of ``{"area": "서울",
    "kind": "한파"|"cold_wave", "level": "주의보"|"경보"|"advisory"|"warning",
    "issued_at": ISO 8601 or YYYYMMDDHHMI,
    "lifted_at": same or null}``; times without an offset are KST. Raises ValidationError naming the entry."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError("the warnings file is not JSON", field="file") from exc
    entries = doc.get("warnings") if isinstance(doc, dict) else doc
    if not isinstance(entries, list):
        raise ValidationError("expected a list of warnings", field="file")
    out: list[WarningRecord] = []
    for n, entry in enumerate(entries, start=1):
        where = f"warning {n}"
        if not isinstance(entry, dict) or not str(entry.get("area", "")).strip():
            raise ValidationError(f"{where}: an object with an area is required", field=f"{where}.area")
        issued = _instant(entry.get("issued_at"), where, "issued_at")
        if issued is None:
            raise ValidationError(f"{where}: issued_at is required", field=f"{where}.issued_at")
        out.append(
            WarningRecord(
                area=str(entry["area"]).strip(),
                kind=_kind(str(entry.get("kind", "")), where),
                level=_level(str(entry.get("level", "")), where),
                issued_at=issued,
                lifted_at=_instant(entry.get("lifted_at"), where, "lifted_at"),
            )
        )
    return out


def parse_warnings_text(text: str) -> list[WarningRecord]:
    """Warnings from the API Hub 특보 현황 text (``wrn_now_data.php``): comma-separated lines
    ``REG_UP, REG_UP_KO, REG_ID, REG_KO, TM_FC, TM_EF, WRN, LVL, CMD, ED_TM`` (``#`` lines skipped).

    Area = ``REG_KO``, kind = ``WRN`` (한파, 폭염 …), level = ``LVL`` (주의보/경보; ``예비`` preliminary
    notices are skipped), issued = ``TM_EF`` (KST ``YYYYMMDDHHMI``); ``CMD`` 해제 marks it lifted at
    ``TM_EF``. Raises ValidationError naming the line.
    """
    out: list[WarningRecord] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"line {line_no}"
        cols = [c.strip() for c in line.split(",")]
        if len(cols) < 9:
            raise ValidationError(f"{where}: expected at least 9 comma-separated fields", field=where)
        if cols[7] == "예비":
            continue
        effective = _instant(cols[5], where, "TM_EF")
        if effective is None:
            raise ValidationError(f"{where}: TM_EF is required", field=f"{where}.TM_EF")
        lifted = cols[8] == "해제"
        out.append(
            WarningRecord(
                area=cols[3],
                kind=_kind(cols[6], where),
                level=_level(cols[7], where),
                issued_at=effective,
                lifted_at=effective if lifted else None,
            )
        )
    return out
