"""Plain substring matching shared by the simple searches (standard answers, past cases).

Spacing-insensitive ``LIKE`` on lower-cased text: Korean callers and counselors space words
inconsistently (주정차위반과태료 / 주정차 위반 과태료), so both the query terms and the column have their
spaces removed before comparing. The Korean-search issue replaces this with morphological analysis.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Integer, case, func, literal
from sqlalchemy.orm import InstrumentedAttribute

#: Words after this many are ignored (each term adds ``LIKE`` tests to the query).
MAX_TERMS = 20


def search_terms(query: str) -> list[str]:
    """The terms a query is matched with: its words, plus the whole query without spaces.

    ``"자동차세 연납"`` → ``["자동차세", "연납", "자동차세연납"]``. Lower-cased, duplicates dropped.
    """
    words = query.lower().split()[:MAX_TERMS]
    terms = list(dict.fromkeys(words))
    joined = "".join(words)
    if len(words) > 1 and joined not in terms:
        terms.append(joined)
    return terms


def like_pattern(term: str) -> str:
    """``%term%`` with ``\\``, ``%`` and ``_`` escaped (use with ``escape="\\\\"``)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def squashed(column: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[str]:
    """``column`` lower-cased with spaces removed, so spacing differences do not matter."""
    return func.replace(func.lower(column), " ", "")


def match_score(
    terms: Sequence[str], weighted: Sequence[tuple[ColumnElement[str] | InstrumentedAttribute[str], int]]
) -> ColumnElement[int]:
    """SQL score: for every term, ``weight`` for each column whose squashed text contains it (``LIKE``)."""
    parts = [
        case((squashed(column).like(like_pattern(term), escape="\\"), weight), else_=0)
        for term in terms
        for column, weight in weighted
    ]
    return sum(parts, literal(0, Integer))


def snippet_around(text: str, terms: Sequence[str], width: int) -> str:
    """About ``width`` characters of ``text`` around the earliest match of any term (spaces between
    letters allowed), whitespace collapsed; the start of the text without a match; cut ends marked ``…``."""
    flat = " ".join(text.split())
    first: int | None = None
    for term in terms:
        found = re.search("[ ]*".join(re.escape(ch) for ch in term), flat, flags=re.IGNORECASE)
        if found and (first is None or found.start() < first):
            first = found.start()
    start = 0 if first is None else max(0, first - width // 3)
    end = min(len(flat), start + width)
    return ("…" if start > 0 else "") + flat[start:end].strip() + ("…" if end < len(flat) else "")
