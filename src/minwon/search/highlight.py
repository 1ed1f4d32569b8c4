"""Snippets with the matched terms highlighted: escaped HTML with ``<mark>`` (pure module).

The text is reduced to plain text (Markdown marks removed), the window of ``width`` characters holding
the most distinct matched terms is chosen (the earliest among equals), every character is HTML-escaped
and the matches are wrapped in ``<mark>…</mark>``. The result is safe to insert into a page as is.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

from minwon.search.analyzer import hanja_to_hangul, search_morphemes

SNIPPET_CHARS = 160

_MARKDOWN = (
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),  # [text](url) → text
    (re.compile(r"^\s*\|?\s*:?-{3,}.*$", re.MULTILINE), ""),  # table separator rows
    (re.compile(r"\*\*|__|`"), ""),  # emphasis and code marks
    (re.compile(r"^\s*(?:>|[-*]\s|#+\s)", re.MULTILINE), ""),  # quote, bullet and heading marks
    (re.compile(r"\s*\|\s*"), " "),  # table cell borders
    (re.compile(r"\s+"), " "),
)


def plain_text(markdown: str) -> str:
    """Markdown reduced to one line of plain text."""
    text = unicodedata.normalize("NFKC", markdown)
    for pattern, replacement in _MARKDOWN:
        text = pattern.sub(replacement, text)
    return text.strip()


def highlight_terms(query: str, extra: Iterable[str] = ()) -> list[str]:
    """Strings worth marking for ``query``: its words and content morphemes of two or more characters
    (Hanja read as Hangul), plus ``extra`` (e.g. synonym expansions); longest first, lower case."""
    text = hanja_to_hangul(unicodedata.normalize("NFKC", query)).lower()
    words = [w.strip(".,!?()[]{}<>\"'") for w in text.split()]
    found = {w for w in words if len(w) >= 2}
    found.update(m for m in search_morphemes(text) if len(m) >= 2)
    for e in extra:
        found.update(m for m in search_morphemes(e) if len(m) >= 2)
    return sorted(found, key=lambda t: (-len(t), t))


def _spans(lower: str, terms: list[str]) -> list[tuple[int, int, str]]:
    taken = [False] * len(lower)
    spans: list[tuple[int, int, str]] = []
    for term in terms:
        start = lower.find(term)
        while start != -1:
            end = start + len(term)
            if not any(taken[start:end]):
                spans.append((start, end, term))
                for i in range(start, end):
                    taken[i] = True
            start = lower.find(term, end)
    spans.sort()
    return spans


def snippet(text: str, terms: list[str], width: int = SNIPPET_CHARS) -> str:
    """About ``width`` characters of ``text`` (Markdown allowed) around its best matches, escaped, with
    the matches of ``terms`` in ``<mark>``; the start of the text when nothing matches. ``…`` marks a cut."""
    plain = plain_text(text)
    lower = plain.lower()
    spans = _spans(lower, terms)
    start = 0
    if spans:
        best = (-1, 0)
        for i, (s, _e, _t) in enumerate(spans):
            distinct = {t for (s2, _e2, t) in spans[i:] if s2 < s + width}
            if len(distinct) > best[0]:
                best = (len(distinct), s)
        start = max(0, best[1] - width // 5)
    end = min(len(plain), start + width)
    out: list[str] = ["…"] if start > 0 else []
    cursor = start
    for s, e, _t in spans:
        if s < start or e > end:
            continue
        out.append(html.escape(plain[cursor:s]))
        out.append("<mark>" + html.escape(plain[s:e]) + "</mark>")
        cursor = e
    out.append(html.escape(plain[cursor:end]))
    if end < len(plain):
        out.append("…")
    return "".join(out)
