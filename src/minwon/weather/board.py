"""Pure parsing of a KMA weather board (the "전국 날씨" box news sites copy from 기상청).

A board is a date line (``2026.02.25 (수)``) and one entry per ASOS station, in KMA station-number
order: present weather, station name, temperature — ``맑음서울-1.0℃``. Copies often lose the name
(``맑음-5.6℃``); :func:`resolve_board` recovers it from the registry by order: the names that are present
must appear in registry order, and each run of nameless entries must fill the registry stations between
its two named neighbours exactly. Anything else is refused (ValidationError), never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from minwon.core.errors import ValidationError
from minwon.weather.registry import normalise_name

#: Present-weather words used on KMA boards (longest match wins, so 구름많음 beats 구름).
WEATHER_WORDS = (
    "맑음", "구름조금", "구름많음", "흐림", "비", "눈", "비/눈", "눈/비", "비 또는 눈", "소나기", "진눈깨비",
    "박무", "연무", "안개", "황사", "뇌우", "천둥번개", "빗방울", "눈날림", "약한비", "강한비", "약한눈",
    "강한눈", "가끔 비", "가끔 눈", "한때 비", "한때 눈", "구름많고 비", "흐리고 비", "흐리고 눈",
    "구름많고 눈", "흐리고 비/눈", "구름많고 비/눈", "연기", "먼지", "얼음안개", "싸락눈", "우박",
)  # fmt: skip
_WEATHER_BY_LENGTH = sorted(WEATHER_WORDS, key=len, reverse=True)
_DATE = re.compile(r"(\d{4})\.\s*(\d{1,2})\.\s*(\d{1,2})")
_BULLET = re.compile(r"^[•·∙*\-]\s*")
_ENTRY = re.compile(r"^\s*(?:[•·∙*\-]\s*)?(?P<body>.*?)(?P<temp>[-−]?\d+(?:\.\d+)?)\s*(?:℃|°C)\s*$")
#: Plausible air temperature (°C) on a board; the same range as observations (formats.PLAUSIBLE).
TEMP_RANGE_C = (-80.0, 60.0)


def looks_like_entry(line: str) -> bool:
    """True when ``line`` (stripped) reads as a board entry: after an optional bullet it starts with a
    weather word, or it carries a temperature unit (``℃``/``°C``) — e.g. ``• 맑음서울abc℃``."""
    body = _BULLET.sub("", line.strip(), count=1)
    return any(body.startswith(w) for w in WEATHER_WORDS) or "℃" in body or "°C" in body


@dataclass(frozen=True)
class BoardEntry:
    """One entry as written: ``name`` is ``None`` when the copy lost it. ``line`` is 1-based."""

    line: int
    weather: str
    name: str | None
    temp_c: float


@dataclass(frozen=True)
class Board:
    day: date | None
    entries: list[BoardEntry]


@dataclass(frozen=True)
class BoardStation:
    """A resolved entry: the registry station, its weather and temperature (°C)."""

    stn_id: int
    name: str
    weather: str
    temp_c: float
    recovered: bool
    line: int


def parse_board(text: str) -> Board:
    """The date and entries of the first board in ``text``.

    Entries are lines ending in a temperature with ``℃``. Inside a board (after its first entry), a
    line that still looks like an entry (:func:`looks_like_entry`: bullet + weather word, or a ``℃``)
    but does not parse is an error, so one damaged line never silently cuts the board short; the board
    ends at the first non-blank line that is clearly not an entry (e.g. ``기상청 제공`` and the article
    text after it). Before the first entry, only a bulleted line starting with a weather word and
    carrying ``℃`` counts as a damaged entry (other text, such as a headline with ``℃``, is skipped).

    Raises ValidationError (field ``line N``) for such a damaged line, an entry that does not start with
    a known weather word, or a temperature outside −80..60 °C; (field ``board``) when there is no entry.
    """
    day: date | None = None
    entries: list[BoardEntry] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        where = f"line {line_no}"
        match = _ENTRY.match(stripped)
        if match is None:
            damaged = looks_like_entry(stripped) if entries else _bulleted_weather(stripped)
            if damaged:
                raise ValidationError(
                    f"{where}: not a board entry like 맑음서울-1.0℃ (no readable temperature): {stripped!r}",
                    field=where,
                )
            if entries:
                break
            found = _DATE.search(stripped)
            if found and day is None:
                try:
                    day = date(int(found[1]), int(found[2]), int(found[3]))
                except ValueError as exc:
                    raise ValidationError(f"{where}: bad date", field=where) from exc
            continue
        body = match["body"].strip()
        weather = next((w for w in _WEATHER_BY_LENGTH if body.startswith(w)), None)
        if weather is None:
            raise ValidationError(f"{where}: no known weather word at the start of {stripped!r}", field=where)
        name = body[len(weather) :].strip() or None
        temp = float(match["temp"].replace("−", "-"))
        low, high = TEMP_RANGE_C
        if not low <= temp <= high:
            raise ValidationError(
                f"{where}: temperature {match['temp']}℃ is outside the plausible range "
                f"{low:g}..{high:g} ℃: {stripped!r}",
                field=where,
            )
        entries.append(BoardEntry(line=line_no, weather=weather, name=name, temp_c=temp))
    if not entries:
        raise ValidationError("no weather board found (no lines like 맑음서울-1.0℃)", field="board")
    return Board(day=day, entries=entries)


def _bulleted_weather(line: str) -> bool:
    if not _BULLET.match(line) or not ("℃" in line or "°C" in line):
        return False
    body = _BULLET.sub("", line, count=1)
    return any(body.startswith(w) for w in WEATHER_WORDS)


def resolve_board(board: Board, registry: Sequence[tuple[int, str]]) -> list[BoardStation]:
    """Match each entry to a registry station; ``registry`` is ``(stn_id, name)`` in any order.

    Rules: a named entry matches the station of that name (ignoring spaces and a trailing ``(…)``
    remark); named entries must follow ascending station numbers; ``k`` nameless entries between two
    named ones (or the board's ends) are recovered only when exactly ``k`` registry stations lie between
    them. Raises ValidationError naming the line: unknown name, out of order, ambiguous gap (more
    candidates than nameless entries), contradicting gap (fewer).
    """
    ordered = sorted(registry)
    index_by_name: dict[str, int] = {}
    for i, (_stn, name) in enumerate(ordered):
        index_by_name.setdefault(normalise_name(name), i)
    positions: list[int | None] = []
    last_index, last_line = -1, 0
    for entry in board.entries:
        if entry.name is None:
            positions.append(None)
            continue
        idx = index_by_name.get(normalise_name(entry.name))
        if idx is None:
            raise ValidationError(
                f"line {entry.line}: station {entry.name!r} is not in the registry",
                field=f"line {entry.line}",
            )
        if idx <= last_index:
            raise ValidationError(
                f"line {entry.line}: {entry.name} ({ordered[idx][0]}) is out of station-number order "
                f"(after {ordered[last_index][1]} ({ordered[last_index][0]}) on line {last_line})",
                field=f"line {entry.line}",
            )
        positions.append(idx)
        last_index, last_line = idx, entry.line
    _fill_gaps(board.entries, positions, ordered)
    out: list[BoardStation] = []
    for entry, pos in zip(board.entries, positions, strict=True):
        assert pos is not None
        stn_id, name = ordered[pos]
        out.append(
            BoardStation(
                stn_id=stn_id,
                name=name,
                weather=entry.weather,
                temp_c=entry.temp_c,
                recovered=entry.name is None,
                line=entry.line,
            )
        )
    return out


def _fill_gaps(
    entries: Sequence[BoardEntry], positions: list[int | None], ordered: Sequence[tuple[int, str]]
) -> None:
    i = 0
    while i < len(positions):
        if positions[i] is not None:
            i += 1
            continue
        j = i
        while j < len(positions) and positions[j] is None:
            j += 1
        low = positions[i - 1] if i > 0 else -1
        high = positions[j] if j < len(positions) else len(ordered)
        assert low is not None and high is not None
        candidates = list(range(low + 1, high))
        missing = j - i
        first = entries[i]
        if len(candidates) != missing:
            names = ", ".join(f"{ordered[c][1]} ({ordered[c][0]})" for c in candidates) or "none"
            problem = "ambiguous" if len(candidates) > missing else "contradicts the registry"
            raise ValidationError(
                f"line {first.line}: {missing} entr{'y' if missing == 1 else 'ies'} without a station name "
                f"{problem}: registry stations in that gap: {names}",
                field=f"line {first.line}",
            )
        for k, c in enumerate(candidates):
            positions[i + k] = c
        i = j
