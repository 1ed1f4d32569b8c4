"""Reproducible inputs of ``bench/search.py``, built from the Incheon Jung-gu Q&A (never committed).

* :func:`read_incheon` — the 1,203 rows (``complaint_no``, ``title``, ``question``, ``answer``, ``division``).
* :func:`query_sets` — two query sets with the source complaint as the expected hit:

  - ``title``: the citizen's own title as the query, searched in an index of the questions and answers
    only (the title is left out of the documents, so a hit needs the same matter in other words).
    Titles that occur more than once are dropped (no single expected complaint).
  - ``rewritten``: one sentence of the question (the longest of its first three, cut to 40 characters)
    rewritten the way counselors type while the citizen talks: spaces removed from the whole query
    (one query in two) or between two random words, and one syllable mistyped in one query of three
    (its vowel replaced by a neighbouring vowel on the 2-set keyboard). Searched in the full cases.

* :func:`generate_articles` — ``n`` synthetic standard answers for the speed runs: title = a real
  Incheon title, keywords = three words of it, body = 3–6 real sentences of the questions, answers and
  the demo articles; same seed, same articles.

Everything is seeded (``random.Random(seed)``); the same data gives the same sets.
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path
from typing import TypedDict

import yaml

REPO = Path(__file__).resolve().parents[1]
DEMO_ARTICLES = REPO / "src" / "minwon" / "knowledge" / "demo_articles.yaml"
INCHEON = Path("korean_complaints") / "incheon_junggu_minwon_qa_2012_2020.csv"

# 2-set keyboard neighbours of the medial vowels (index into the 21 jungseong)
_VOWEL_NEIGHBOURS = {
    0: [4, 20],
    4: [0, 8],
    8: [4, 13],
    13: [8, 18],
    18: [13, 20],
    20: [0, 18],
    1: [5],
    5: [1],
}
_SENTENCE = re.compile(r"[^.!?\n]{8,}[.!?]?")


class Row(TypedDict):
    complaint_no: str
    title: str
    question: str
    answer: str
    division: str


def read_incheon(data_dir: Path) -> list[Row]:
    """The Q&A rows in file order."""
    with (data_dir / INCHEON).open(encoding="utf-8", newline="") as fh:
        return [
            Row(
                complaint_no=r["complaint_no"].strip(),
                title=r["title"].strip(),
                question=r["question"].strip(),
                answer=r["answer"].strip(),
                division=r["division"].strip(),
            )
            for r in csv.DictReader(fh)
        ]


def _typo(text: str, rng: random.Random) -> str:
    positions = [i for i, ch in enumerate(text) if "가" <= ch <= "힣"]
    rng.shuffle(positions)
    for i in positions:
        code = ord(text[i]) - 0xAC00
        initial, medial, final = code // 588, (code // 28) % 21, code % 28
        if medial in _VOWEL_NEIGHBOURS:
            medial = rng.choice(_VOWEL_NEIGHBOURS[medial])
            return text[:i] + chr(0xAC00 + initial * 588 + medial * 28 + final) + text[i + 1 :]
    return text


def _rewrite(sentence: str, rng: random.Random) -> str:
    words = sentence.split()
    if rng.random() < 0.5 or len(words) < 2:
        text = "".join(words)
    else:
        i = rng.randrange(len(words) - 1)
        text = " ".join([*words[:i], words[i] + words[i + 1], *words[i + 2 :]])
    if rng.random() < 1 / 3:
        text = _typo(text, rng)
    return text


def query_sets(rows: list[Row], seed: int = 20261130) -> dict[str, list[dict[str, str]]]:
    """``{"title": [...], "rewritten": [...]}``, each item ``{"query", "expected_ref"}`` where
    ``expected_ref`` is the complaint number."""
    rng = random.Random(seed)
    title_counts: dict[str, int] = {}
    for r in rows:
        title_counts[r["title"]] = title_counts.get(r["title"], 0) + 1
    titles = [
        {"query": r["title"], "expected_ref": r["complaint_no"]}
        for r in rows
        if title_counts[r["title"]] == 1 and len(r["title"]) >= 4
    ]
    rewritten = []
    for r in rows:
        sentences = [s.strip() for s in _SENTENCE.findall(r["question"])][:3]
        if not sentences:
            continue
        sentence = max(sentences, key=len)[:40]
        rewritten.append({"query": _rewrite(sentence, rng), "expected_ref": r["complaint_no"]})
    return {"title": titles, "rewritten": rewritten}


def sentence_pool(rows: list[Row]) -> list[str]:
    """Distinct sentences (12–160 characters) of the questions, answers and demo article bodies."""
    texts = [r["question"] for r in rows] + [r["answer"] for r in rows]
    texts += [a["body"] for a in yaml.safe_load(DEMO_ARTICLES.read_text(encoding="utf-8"))]
    pool = dict.fromkeys(
        s.strip() for t in texts for s in _SENTENCE.findall(t) if 12 <= len(s.strip()) <= 160
    )
    return list(pool)


def generate_articles(rows: list[Row], n: int, seed: int = 7) -> list[dict[str, str]]:
    """``n`` articles ``{"title", "keywords", "body"}`` recombined from real text (see module doc)."""
    rng = random.Random(seed)
    pool = sentence_pool(rows)
    titles = [r["title"] for r in rows]
    out = []
    for _ in range(n):
        title = rng.choice(titles)
        words = [w for w in title.split() if len(w) >= 2] or [title]
        keywords = ", ".join(rng.sample(words, min(3, len(words))))
        body = "\n".join(rng.choice(pool) for _ in range(rng.randint(3, 6)))
        out.append({"title": title, "keywords": keywords, "body": body})
    return out
