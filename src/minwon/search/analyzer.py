"""Korean text analysis shared by search and routing.

* :func:`morphemes` — content morphemes from kiwipiepy (nouns, verb/adjective stems, roots, foreign
  words, numbers, Hanja), so 끌려갔어요 → 끌려가, 수도세가 → 수도, 세.
* :func:`char_ngrams` — character n-grams over the text with spaces removed, so spacing errors
  (주정차위반과태료 / 주정차 위반 과태료) and typos still share most terms.

kiwipiepy loads its model (~100 MB) once per process on first use.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

#: Kiwi part-of-speech tags kept as index terms (Sejong tag set as used by kiwipiepy).
CONTENT_TAGS = frozenset(
    {
        "NNG",
        "NNP",
        "NNB",
        "NR",
        "NP",
        "VV",
        "VA",
        "XR",
        "SL",
        "SH",
        "SN",
        "MAG",
        "VV-I",
        "VA-I",
        "VV-R",
        "VA-R",
    }
)
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _kiwi() -> Any:
    from kiwipiepy import Kiwi

    return Kiwi()


def normalise(text: str) -> str:
    """NFKC, lower case, collapsed whitespace."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


def morphemes(text: str) -> list[str]:
    """Content morphemes of ``text`` in order (may repeat)."""
    text = normalise(text)
    if not text:
        return []
    return [tok.form for tok in _kiwi().tokenize(text) if tok.tag in CONTENT_TAGS]


def char_ngrams(text: str, sizes: tuple[int, ...] = (2, 3)) -> list[str]:
    """Character n-grams of ``text`` without spaces (a one-character text yields itself)."""
    compact = _SPACE.sub("", normalise(text))
    if len(compact) < min(sizes):
        return [compact] if compact else []
    return [compact[i : i + n] for n in sizes for i in range(len(compact) - n + 1)]


#: Sentence-ish pieces analysed (and cached) one at a time: line breaks and sentence ends.
_PIECES = re.compile(r"[^\n.!?。]+[.!?。]*")


@lru_cache(maxsize=200_000)
def _piece_morphemes(piece: str) -> tuple[str, ...]:
    return tuple(morphemes(piece))


def search_morphemes(text: str) -> list[str]:
    """Content morphemes of ``text`` for indexing: Hanja read as Hangul first, then :func:`morphemes`
    over each sentence (cached per sentence, so repeated boilerplate and recombined sentences are
    analysed once per process). Empty for text without letters or digits."""
    text = hanja_to_hangul(normalise(text))
    out: list[str] = []
    for piece in _PIECES.findall(text):
        piece = piece.strip()
        if piece:
            out.extend(_piece_morphemes(piece))
    return out


def hanja_to_hangul(text: str) -> str:
    """Hanja (CJK ideographs) replaced by their Hangul reading from :mod:`minwon.search.hanja`
    (過怠料 → 과태료, 自動車稅 → 자동차세); the initial-sound rule (두음법칙) is applied at the start of a
    word (料金 → 요금). Characters outside the table stay as they are."""
    from minwon.search.hanja import READINGS, initial_form

    if not any("\u4e00" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text):
        return text
    out: list[str] = []
    previous_is_hangul_or_hanja = False
    for ch in text:
        reading = READINGS.get(ch)
        if reading is None:
            out.append(ch)
            previous_is_hangul_or_hanja = "\uac00" <= ch <= "\ud7a3"
            continue
        out.append(reading if previous_is_hangul_or_hanja else initial_form(reading))
        previous_is_hangul_or_hanja = True
    return "".join(out)
