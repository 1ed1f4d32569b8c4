"""Query-time synonym expansion (pure module) and the seed dictionary.

Citizens say 딱지 for 주정차 위반 과태료 and 수도세 for 상수도 요금. An entry maps a ``term`` (what people
say) to ``expansions`` (the words the standard answers use). An entry applies to a query when the term,
with spaces removed, occurs in the query with spaces removed (수도세가, 주차딱지 — terms of three or
more characters), or when a word of the query starts with it (딱지를), or when the term's
content morphemes occur in order among the query's (끌려가 matches 끌려갔어요, whose stem is 끌려가).
The expansions are then searched as well, with weight ``EXPANSION_WEIGHT``. Expansion is one step
(expansions are not expanded again) and one-directional; add the reverse entry for both directions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from minwon.search.analyzer import normalise, search_morphemes

#: Weight of expanded terms relative to the words the counselor typed.
EXPANSION_WEIGHT = 0.8
MAX_TERM_CHARS = 60
MAX_EXPANSION_CHARS = 200


@dataclass(frozen=True)
class SynonymEntry:
    """``term`` → ``expansions`` (comma-separated in storage)."""

    term: str
    expansions: tuple[str, ...]


#: A useful starting dictionary for a municipal call center: colloquial or older words → the terms of
#: the standard answers (demo articles) and of the Incheon Jung-gu answers.
SEED: tuple[tuple[str, str], ...] = (
    ("딱지", "주정차 위반 과태료"),
    ("주차딱지", "주정차 위반 과태료"),
    ("주차위반", "주정차 위반 과태료"),
    ("불법주차", "불법 주정차"),
    ("벌금", "과태료"),
    ("스티커", "주정차 위반 과태료"),
    ("끌려가", "견인"),
    ("끌고 가", "견인"),
    ("레커", "견인"),
    ("렉카", "견인"),
    ("견인차", "견인"),
    ("수도세", "수도요금, 상수도 요금"),
    ("물세", "수도요금, 상수도 요금"),
    ("물값", "수도요금"),
    ("하수도세", "하수도 요금"),
    ("차세", "자동차세"),
    ("차량세", "자동차세"),
    ("자동차 세금", "자동차세"),
    ("집세금", "재산세"),
    ("세금 미리", "연납"),
    ("녹물", "수질"),
    ("물이 안 나와", "단수"),
    ("계량기 얼어", "계량기 동파"),
    ("구멍 난 도로", "도로 파손 포트홀"),
    ("싱크홀", "도로 함몰"),
    ("가로등 꺼", "가로등 고장"),
    ("현수막", "불법 광고물"),
    ("전단지", "불법 광고물"),
    ("쓰레기봉투", "종량제 봉투"),
    ("쓰레기 봉지", "종량제 봉투"),
    ("냉장고 버리", "폐가전제품 무상 방문수거, 대형폐기물"),
    ("가구 버리", "대형폐기물"),
    ("소파 버리", "대형폐기물"),
    ("층간소음", "소음"),
    ("등본", "주민등록등본"),
    ("이사", "전입신고"),
    ("강아지", "반려견"),
    ("개 등록", "반려견 동물등록"),
    ("잃어버렸", "분실물"),
)


def parse_expansions(text: str) -> tuple[str, ...]:
    """``"a, b ,,c"`` → ``("a", "b", "c")`` (normalised, duplicates dropped, order kept)."""
    items = (normalise(x) for x in re.split(r"[,\n]", text))
    return tuple(dict.fromkeys(x for x in items if x))


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", normalise(text))


def applicable(query: str, entries: Iterable[SynonymEntry]) -> list[SynonymEntry]:
    """The entries whose term occurs in ``query`` (see module docstring), in the given order."""
    compact = _compact(query)
    if not compact:
        return []
    words = normalise(query).split()
    query_morphs = " " + " ".join(search_morphemes(query)) + " "
    found: list[SynonymEntry] = []
    for entry in entries:
        term = _compact(entry.term)
        if not term:
            continue
        if (len(term) >= 3 and term in compact) or any(w.startswith(term) for w in words):
            found.append(entry)
            continue
        term_morphs = search_morphemes(entry.term)
        if term_morphs and " " + " ".join(term_morphs) + " " in query_morphs:
            found.append(entry)
    return found


def expansions_for(query: str, entries: Sequence[SynonymEntry]) -> list[str]:
    """Expansion texts of the entries that apply to ``query`` (each once, in dictionary order)."""
    return list(dict.fromkeys(x for e in applicable(query, entries) for x in e.expansions))
