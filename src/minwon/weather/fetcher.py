"""Downloads from KMA (API Hub and data.go.kr) with ``httpx``; parsing is left to :mod:`formats`.

The API key (``MINWON_KMA_API_KEY``) is sent as a query parameter as KMA requires, and is never put in
an error message or log line: errors name the service and the problem, not the URL.
Every function downloads all pages first and returns parsed records; callers write them in one
transaction, so a failure leaves nothing half-written.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx

from minwon.config import Settings
from minwon.core.errors import MinwonError, ValidationError
from minwon.weather.formats import (
    KST,
    ObservationRecord,
    WarningRecord,
    decode_bytes,
    parse_data_go_kr_json,
    parse_sfctm,
    parse_warnings_text,
)

#: Rows per data.go.kr page (the service allows up to 999).
PAGE_ROWS = 999
#: Safety stop for runaway paging.
MAX_PAGES = 200


class FetchError(MinwonError):
    """KMA could not be reached or answered with an error (HTTP 502 when surfaced through the API)."""

    status_code = 502


def _get(settings: Settings, service: str, url: str, params: dict[str, str | int]) -> bytes:
    if not settings.kma_api_key:
        raise ValidationError("set MINWON_KMA_API_KEY to download from KMA", field="kma_api_key")
    try:
        response = httpx.get(url, params=params, timeout=settings.kma_timeout_s)
    except httpx.TimeoutException:
        raise FetchError(f"{service}: no answer within {settings.kma_timeout_s:g} s (timeout)") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"{service}: request failed ({type(exc).__name__})") from None
    if response.status_code >= 400:
        raise FetchError(f"{service}: HTTP {response.status_code}")
    return response.content


def _kst_stamp(instant: datetime) -> str:
    return instant.astimezone(KST).strftime("%Y%m%d%H%M")


def fetch_sfctm(
    *, settings: Settings, start: datetime, end: datetime, stn_ids: list[int]
) -> list[ObservationRecord]:
    """Hourly surface observations from API Hub ``kma_sfctm3.php`` (``tm1``/``tm2`` KST, ``stn``).

    ``start``/``end`` are aware instants. Raises FetchError (timeout, HTTP error) or ValidationError
    (malformed text, field ``body``/``line N``).
    """
    url = f"{settings.kma_api_hub_url.rstrip('/')}/kma_sfctm3.php"
    records: list[ObservationRecord] = []
    for stn in stn_ids:
        params: dict[str, str | int] = {
            "tm1": _kst_stamp(start),
            "tm2": _kst_stamp(end),
            "stn": stn,
            "help": 0,
            "authKey": settings.kma_api_key,
        }
        body = _get(settings, "KMA API Hub", url, params)
        records.extend(parse_sfctm(decode_bytes(body, field="body")))
    return records


def fetch_data_go_kr(*, settings: Settings, stn_id: int, start: date, end: date) -> list[ObservationRecord]:
    """Hourly ASOS observations from data.go.kr ``getWthrDataList`` (all pages; hours 01–23 of
    ``start`` … ``end``). Raises FetchError, or ValidationError for ``resultCode`` ≠ ``00`` (with
    KMA's message) and malformed bodies."""
    records: list[ObservationRecord] = []
    page_no = 1
    while page_no <= MAX_PAGES:
        params: dict[str, str | int] = {
            "serviceKey": settings.kma_api_key,
            "pageNo": page_no,
            "numOfRows": PAGE_ROWS,
            "dataType": "JSON",
            "dataCd": "ASOS",
            "dateCd": "HR",
            "startDt": start.strftime("%Y%m%d"),
            "startHh": "01",
            "endDt": end.strftime("%Y%m%d"),
            "endHh": "23",
            "stnIds": stn_id,
        }
        body = _get(settings, "data.go.kr", settings.kma_data_go_kr_url, params)
        page = parse_data_go_kr_json(decode_bytes(body, field="body"))
        records.extend(page.records)
        if not page.records or len(records) >= page.total_count:
            return records
        page_no += 1
    raise FetchError(f"data.go.kr: more than {MAX_PAGES} pages; narrow the date range")


def fetch_warnings(*, settings: Settings, at: datetime | None = None) -> list[WarningRecord]:
    """Warnings in force from API Hub ``wrn_now_data.php`` (see :func:`formats.parse_warnings_text`)."""
    url = f"{settings.kma_api_hub_url.rstrip('/')}/wrn_now_data.php"
    params: dict[str, str | int] = {
        "fe": "f",
        "tm": _kst_stamp(at or datetime.now(UTC)),
        "disp": 0,
        "help": 0,
        "authKey": settings.kma_api_key,
    }
    return parse_warnings_text(decode_bytes(_get(settings, "KMA API Hub", url, params), field="body"))
