"""The fetcher against a local fake KMA server (a real HTTP server on 127.0.0.1 in a thread)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy.orm import Session

from minwon.config import Settings
from minwon.core.errors import ValidationError
from minwon.weather.fetcher import FetchError
from minwon.weather.service import (
    active_warnings,
    count_observations,
    fetch_and_store_warnings,
    fetch_observations,
)
from tests.weather.support import SFCTM_HEADER, sfctm_line

API_KEY = "test-secret-key-0123456789"
#: How long the "slow" endpoint waits before answering; the client's timeout is far shorter.
SLOW_S = 3.0


MESSAGES = {"00": "NORMAL_SERVICE", "10": "INVALID_REQUEST_PARAMETER_ERROR"}


def _item(hour: int, ta: float) -> dict[str, str]:
    return {
        "stnId": "108",
        "stnNm": "서울",
        "tm": f"2024-01-02 {hour:02d}:00",
        "ta": str(ta),
        "rn": "",
        "hm": "50",
    }


def _page(items: list[dict[str, str]], total: int, page: int, code: str = "00") -> bytes:
    doc = {
        "response": {
            "header": {
                "resultCode": code,
                "resultMsg": "NORMAL_SERVICE" if code == "00" else "INVALID_REQUEST_PARAMETER_ERROR",
            },
            "body": {"items": {"item": items}, "pageNo": page, "numOfRows": 2, "totalCount": total},
        }
    }
    return json.dumps(doc, ensure_ascii=False).encode()


class FakeKma(BaseHTTPRequestHandler):
    """Routes by path; its first segment picks the behaviour: ok, error, slow, malformed, http500,
    broken-page-2."""

    requests: ClassVar[list[dict[str, list[str]]]] = []

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        return

    def _send(self, body: bytes, status: int = 200, ctype: str = "application/json;charset=UTF-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = parse_qs(url.query)
        FakeKma.requests.append(query)
        mode, _, endpoint = url.path.strip("/").partition("/")
        page = int(query.get("pageNo", ["1"])[0])
        if mode == "slow":
            time.sleep(SLOW_S)
        if endpoint.endswith("kma_sfctm3.php"):
            stn = int(query["stn"][0])
            if mode == "malformed":
                return self._send("#START7777\n202401020100 108 32\n".encode("euc-kr"), ctype="text/plain")
            text = (
                SFCTM_HEADER
                + sfctm_line("202401020100", stn, ta="-3.0")
                + sfctm_line("202401020200", stn, ta="-4.0")
            )
            return self._send(text.encode("euc-kr"), ctype="text/plain;charset=euc-kr")
        if endpoint.endswith("wrn_now_data.php"):
            text = (
                "# REG_UP, REG_UP_KO, REG_ID, REG_KO, TM_FC, TM_EF, WRN, LVL, CMD, ED_TM\n"
                "L1100000, 서울, L1100200, 서울동남권, 202602242100, 202602242100, 한파, 주의보, 발표, \n"
            )
            return self._send(text.encode("euc-kr"), ctype="text/plain")
        if endpoint.endswith("getWthrDataList"):
            if mode == "error":
                return self._send(_page([], 0, page, code="10"))
            if mode == "http500":
                return self._send(b"oops", status=500, ctype="text/plain")
            if mode == "broken-page-2" and page == 2:
                return self._send(b"<html>Service temporarily unavailable", ctype="text/html")
            items = [_item(1, -5.0), _item(2, -6.0)] if page == 1 else [_item(3, -6.5)]
            return self._send(_page(items, total=3, page=page))
        return self._send(b"not found", status=404, ctype="text/plain")


@pytest.fixture(scope="module")
def fake_kma() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeKma)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _settings(base: str, mode: str = "ok", timeout: float = 5.0) -> Settings:
    return Settings(
        kma_api_key=API_KEY,
        kma_api_hub_url=f"{base}/{mode}/api/typ01/url",
        kma_data_go_kr_url=f"{base}/{mode}/1360000/AsosHourlyInfoService/getWthrDataList",
        kma_timeout_s=timeout,
    )


def test_data_go_kr_pages_are_all_fetched_and_stored(db: Session, fake_kma: str) -> None:
    FakeKma.requests.clear()
    result = fetch_observations(
        db=db,
        settings=_settings(fake_kma),
        source="data-go-kr",
        stn_ids=[108],
        start=date(2024, 1, 2),
        end=date(2024, 1, 2),
    )
    assert result.created == 3
    assert [q["pageNo"] for q in FakeKma.requests] == [["1"], ["2"]]
    first = FakeKma.requests[0]
    assert (first["serviceKey"], first["dataType"], first["stnIds"], first["startDt"]) == (
        [API_KEY],
        ["JSON"],
        ["108"],
        ["20240102"],
    )


def test_apihub_text_in_euc_kr_is_fetched(db: Session, fake_kma: str) -> None:
    FakeKma.requests.clear()
    result = fetch_observations(
        db=db,
        settings=_settings(fake_kma),
        source="apihub",
        stn_ids=[108, 112],
        start=date(2024, 1, 2),
        end=date(2024, 1, 2),
    )
    assert result.created == 4
    assert FakeKma.requests[0]["authKey"] == [API_KEY]
    # the local day 2024-01-02 in KST, as KMA expects
    assert (FakeKma.requests[0]["tm1"], FakeKma.requests[0]["tm2"]) == (["202401020000"], ["202401030000"])


def test_error_result_code_is_a_clear_error_and_writes_nothing(db: Session, fake_kma: str) -> None:
    with pytest.raises(
        ValidationError, match=r"data\.go\.kr error 10: INVALID_REQUEST_PARAMETER_ERROR"
    ) as info:
        fetch_observations(
            db=db,
            settings=_settings(fake_kma, "error"),
            source="data-go-kr",
            stn_ids=[108],
            start=date(2024, 1, 2),
            end=date(2024, 1, 2),
        )
    assert info.value.field == "resultCode"
    assert count_observations(db=db) == 0


def test_malformed_second_page_leaves_nothing_half_written(db: Session, fake_kma: str) -> None:
    with pytest.raises(ValidationError, match="not JSON") as info:
        fetch_observations(
            db=db,
            settings=_settings(fake_kma, "broken-page-2"),
            source="data-go-kr",
            stn_ids=[108],
            start=date(2024, 1, 2),
            end=date(2024, 1, 2),
        )
    assert API_KEY not in info.value.message
    assert count_observations(db=db) == 0  # page 1 was fine but is not kept


def test_malformed_apihub_text_is_refused(db: Session, fake_kma: str) -> None:
    with pytest.raises(ValidationError, match="expected at least 22 columns"):
        fetch_observations(
            db=db,
            settings=_settings(fake_kma, "malformed"),
            source="apihub",
            stn_ids=[108],
            start=date(2024, 1, 2),
            end=date(2024, 1, 2),
        )
    assert count_observations(db=db) == 0


def test_timeout_is_a_clear_error_without_the_key(db: Session, fake_kma: str) -> None:
    with pytest.raises(FetchError, match="timeout") as info:
        fetch_observations(
            db=db,
            settings=_settings(fake_kma, "slow", timeout=0.2),
            source="data-go-kr",
            stn_ids=[108],
            start=date(2024, 1, 2),
            end=date(2024, 1, 2),
        )
    assert API_KEY not in str(info.value)
    assert count_observations(db=db) == 0


def test_http_error_and_missing_key(db: Session, fake_kma: str) -> None:
    with pytest.raises(FetchError, match="HTTP 500"):
        fetch_observations(
            db=db,
            settings=_settings(fake_kma, "http500"),
            source="data-go-kr",
            stn_ids=[108],
            start=date(2024, 1, 2),
            end=date(2024, 1, 2),
        )
    no_key = _settings(fake_kma).model_copy(update={"kma_api_key": ""})
    with pytest.raises(ValidationError) as info:
        fetch_observations(
            db=db,
            settings=no_key,
            source="apihub",
            stn_ids=[108],
            start=date(2024, 1, 2),
            end=date(2024, 1, 2),
        )
    assert info.value.field == "kma_api_key"


def test_warnings_are_fetched(db: Session, fake_kma: str) -> None:
    assert fetch_and_store_warnings(db=db, settings=_settings(fake_kma)).created == 1
    assert [(w.area, w.kind.value, w.level.value) for w in active_warnings(db=db)] == [
        ("서울동남권", "cold_wave", "advisory")
    ]
