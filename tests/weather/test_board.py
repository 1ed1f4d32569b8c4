"""Board parsing and name recovery: the real seed page and crafted boards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest

from minwon.core.errors import ValidationError
from minwon.weather.board import parse_board, resolve_board
from minwon.weather.registry import normalise_name, parse_stations_csv
from tests.weather.support import SEED_PAGE, STATIONS_CSV, need

#: A small registry in station-number order (real numbers and names).
REGISTRY = [
    (90, "속초"),
    (93, "북춘천"),
    (95, "철원"),
    (98, "동두천"),
    (99, "파주"),
    (100, "대관령"),
    (101, "춘천"),
]


def _registry() -> list[tuple[int, str]]:
    return [(s.stn_id, s.name) for s in parse_stations_csv(need(STATIONS_CSV).read_text(encoding="utf-8"))]


def test_seed_page_parses_into_97_stations_with_four_recovered() -> None:
    text = need(SEED_PAGE).read_text(encoding="utf-8")
    board = parse_board(text)
    stations = resolve_board(board, _registry())
    assert board.day == date(2026, 2, 25)
    assert len(stations) == 97
    assert [s.stn_id for s in stations] == sorted(s.stn_id for s in stations)
    # Read off the page by hand: the nameless lines sit between 속초/철원, 홍성(예)/제주, 금산/부안 and
    # after 남해 — the registry has exactly one station in each gap.
    recovered = [(s.stn_id, s.name, s.weather, s.temp_c) for s in stations if s.recovered]
    assert recovered == [
        (93, "북춘천", "맑음", -5.6),
        (181, "서청주", "맑음", -3.7),
        (239, "세종", "맑음", -1.4),
        (296, "북부산", "흐림", 8.4),
    ]
    by_id = {s.stn_id: s for s in stations}
    assert (by_id[108].name, by_id[108].weather, by_id[108].temp_c) == ("서울", "맑음", -1.0)
    assert (by_id[131].weather, by_id[131].temp_c) == ("박무", -1.3)
    assert (by_id[177].name, by_id[177].temp_c) == ("홍성", -0.9)  # written 홍성(예) on the board
    assert (by_id[90].weather, by_id[90].temp_c) == ("구름많음", 2.0)


def test_cli_parse_board_json_on_seed_page(tmp_path: os.PathLike[str], fresh_database_url: str) -> None:
    need(SEED_PAGE)
    env = {**os.environ, "MINWON_DATABASE_URL": fresh_database_url}
    proc = subprocess.run(
        [sys.executable, "-m", "minwon.cli", "weather", "parse-board", str(SEED_PAGE), "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    # an empty database: the registry comes from the data dir's file
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert len(rows) == 97
    assert rows[1] == {"stn_id": 93, "name": "북춘천", "weather": "맑음", "temp_c": -5.6, "recovered": True}
    assert rows[0]["recovered"] is False
    assert sum(r["recovered"] for r in rows) == 4
    assert "recovered 4" in proc.stderr and "239 세종" in proc.stderr


def test_gap_filled_when_candidates_match() -> None:
    board = parse_board("2026.01.05 (월)\n• 맑음속초1.0℃\n• 흐림-2.0℃\n• 흐림-3.5℃\n• 맑음동두천0.0℃\n")
    stations = resolve_board(board, REGISTRY)
    assert [(s.stn_id, s.recovered) for s in stations] == [(90, False), (93, True), (95, True), (98, False)]


def test_two_missing_names_in_a_gap_of_three_is_ambiguous() -> None:
    # between 속초 (90) and 파주 (99) lie 북춘천, 철원, 동두천: three candidates for two entries
    board = parse_board("• 맑음속초1.0℃\n• 흐림-2.0℃\n• 흐림-3.5℃\n• 맑음파주0.0℃\n")
    with pytest.raises(ValidationError, match="ambiguous") as info:
        resolve_board(board, REGISTRY)
    assert info.value.field == "line 2"
    assert "북춘천 (93), 철원 (95), 동두천 (98)" in info.value.message


def test_more_missing_names_than_stations_contradicts_registry() -> None:
    board = parse_board("• 맑음속초1.0℃\n• 흐림-2.0℃\n• 흐림-3.5℃\n• 맑음철원0.0℃\n")
    with pytest.raises(ValidationError, match="contradicts the registry"):
        resolve_board(board, REGISTRY)


def test_unknown_station_name_is_refused() -> None:
    board = parse_board("• 맑음속초1.0℃\n• 맑음한빛시2.0℃\n")
    with pytest.raises(ValidationError, match="'한빛시' is not in the registry") as info:
        resolve_board(board, REGISTRY)
    assert info.value.field == "line 2"


def test_out_of_order_board_is_refused() -> None:
    board = parse_board("• 맑음속초1.0℃\n• 맑음춘천2.0℃\n• 맑음철원3.0℃\n")
    with pytest.raises(ValidationError, match="out of station-number order") as info:
        resolve_board(board, REGISTRY)
    assert info.value.field == "line 3"


def test_unknown_weather_word_and_empty_text_are_refused() -> None:
    with pytest.raises(ValidationError, match="no known weather word"):
        parse_board("• 화창함서울1.0℃\n")
    with pytest.raises(ValidationError, match="no weather board"):
        parse_board("기상청 제공\n")


def test_board_ends_at_the_credit_line() -> None:
    board = parse_board("2026.02.25 (수)\n• 맑음속초1.0℃\n기상청 제공\n• 맑음철원2.0℃\n")
    assert [e.name for e in board.entries] == ["속초"]


def test_normalise_name_drops_remarks_and_spaces() -> None:
    assert normalise_name("홍성(예)") == "홍성"
    assert normalise_name(" 정선 군 ") == "정선군"
