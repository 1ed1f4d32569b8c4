"""Korean search: retrieval quality against two baselines, and indexing/query time at 1,000 and 50,000.

Quality — the Incheon Jung-gu Q&A (1,203 cases) and the query sets of ``bench/search_data.py``
(``title``: the citizen's title → the case's question and answer; ``rewritten``: a sentence of the
question typed badly spaced, some with a typo → the full cases). Three engines see the same documents
(fields title, question, answer) and the same queries:

* ``minwon`` — :mod:`minwon.search.engine` (BM25F over kiwipiepy morphemes + character n-grams, field
  weights title 2, question 1, answer 0.3) with the built-in synonym dictionary, as the desk runs it;
* ``bm25_whitespace`` — Okapi BM25 (k1 1.2, b 0.75) over whitespace tokens (lower case, punctuation
  stripped) of the same fields concatenated;
* ``fts5_trigram`` — SQLite FTS5 with the ``trigram`` tokenizer, the query's trigrams OR-ed, ranked by
  ``bm25(cases, 2.0, 1.0, 0.3)``.

Speed — ``n`` synthetic standard answers recombined from real sentences (``generate_articles``): time
to build the index (kiwipiepy analysis cached per sentence, as in production), then 300 search-as-you-
type queries (prefixes of 2–25 characters of real titles and rewritten questions), each timed through
synonym expansion, query analysis, ranking and highlighted snippets of the top 8 (the desk route minus
the database round trips: the fingerprint query runs at most every 2 s).

    MINWON_DATA_DIR=../shared/data .venv/bin/python bench/search.py   # ~10 min on 2 cores

Prints one JSON object and writes ``bench/results/search.json``.
"""

from __future__ import annotations

import json
import math
import platform
import random
import re
import sqlite3
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_data import Row, generate_articles, query_sets, read_incheon

from minwon.config import get_settings
from minwon.search.analyzer import _piece_morphemes, morphemes
from minwon.search.engine import Document, FieldSpec, Index
from minwon.search.highlight import highlight_terms, snippet
from minwon.search.metrics import retrieval_metrics
from minwon.search.service import ARTICLE_FIELDS, CASE_FIELDS, _expanded_terms
from minwon.search.synonyms import SEED, SynonymEntry, parse_expansions

RESULTS = Path(__file__).resolve().parent / "results" / "search.json"
SYNONYMS = [SynonymEntry(t, parse_expansions(e)) for t, e in SEED]
Ranker = Callable[[str], list[str]]


# ------------------------------------------------------------------ engines


def minwon_ranker(rows: Sequence[Row], with_title: bool) -> Ranker:
    index = Index(CASE_FIELDS)
    index.build(
        Document(
            key=int(r["complaint_no"]),
            stamp="",
            fields={
                "title": r["title"] if with_title else "",
                "question": r["question"],
                "answer": r["answer"],
            },
        )
        for r in rows
    )

    def rank(query: str) -> list[str]:
        terms, _extra = _expanded_terms(query, SYNONYMS)
        return [str(h.doc.key) for h in index.search(terms, limit=10)]

    return rank


_PUNCT = re.compile(r"[^\w\s]")


def _ws_tokens(text: str) -> list[str]:
    return _PUNCT.sub(" ", text.lower()).split()


def bm25_whitespace_ranker(rows: Sequence[Row], with_title: bool, k1: float = 1.2, b: float = 0.75) -> Ranker:
    docs = [
        Counter(_ws_tokens(" ".join([r["title"] if with_title else "", r["question"], r["answer"]])))
        for r in rows
    ]
    lengths = [sum(d.values()) for d in docs]
    avg = sum(lengths) / len(lengths)
    postings: dict[str, list[tuple[int, int]]] = {}
    for i, d in enumerate(docs):
        for term, tf in d.items():
            postings.setdefault(term, []).append((i, tf))
    n = len(docs)

    def rank(query: str) -> list[str]:
        scores: dict[int, float] = {}
        for term in set(_ws_tokens(query)):
            plist = postings.get(term, [])
            if not plist:
                continue
            idf = math.log(1 + (n - len(plist) + 0.5) / (len(plist) + 0.5))
            for i, tf in plist:
                norm = tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[i] / avg))
                scores[i] = scores.get(i, 0.0) + idf * norm
        best = sorted(scores, key=lambda i: (-scores[i], i))[:10]
        return [rows[i]["complaint_no"] for i in best]

    return rank


def fts5_trigram_ranker(rows: Sequence[Row], with_title: bool) -> Ranker:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE cases USING fts5(title, question, answer, ref UNINDEXED, tokenize='trigram')"
    )
    conn.executemany(
        "INSERT INTO cases (title, question, answer, ref) VALUES (?, ?, ?, ?)",
        [(r["title"] if with_title else "", r["question"], r["answer"], r["complaint_no"]) for r in rows],
    )

    def rank(query: str) -> list[str]:
        text = query.lower()
        grams = list(dict.fromkeys(text[i : i + 3] for i in range(len(text) - 2)))
        grams = [g for g in grams if '"' not in g and g.strip() == g and len(g.strip()) == 3][:64]
        if not grams:
            return []
        match = " OR ".join(f'"{g}"' for g in grams)
        sql = "SELECT ref FROM cases WHERE cases MATCH ? ORDER BY bm25(cases, 2.0, 1.0, 0.3) LIMIT 10"
        return [r[0] for r in conn.execute(sql, (match,))]

    return rank


def evaluate(rank: Ranker, queries: Sequence[dict[str, str]]) -> dict[str, float | int]:
    ranks: list[int | None] = []
    for q in queries:
        found = rank(q["query"])
        ranks.append(found.index(q["expected_ref"]) + 1 if q["expected_ref"] in found else None)
    return retrieval_metrics(ranks)


def quality(rows: list[Row]) -> dict[str, object]:
    sets = query_sets(rows)
    out: dict[str, object] = {"queries": {k: len(v) for k, v in sets.items()}}
    for name, queries in sets.items():
        with_title = name != "title"
        out[name] = {
            "minwon": evaluate(minwon_ranker(rows, with_title), queries),
            "bm25_whitespace": evaluate(bm25_whitespace_ranker(rows, with_title), queries),
            "fts5_trigram": evaluate(fts5_trigram_ranker(rows, with_title), queries),
        }
        print(name, json.dumps(out[name]), file=sys.stderr)
    return out


# ------------------------------------------------------------------ speed


def _typing_queries(rows: list[Row], count: int = 300, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    sources = [r["title"] for r in rows] + [q["query"] for q in query_sets(rows)["rewritten"]]
    return [(s := rng.choice(sources))[: rng.randint(2, min(25, max(2, len(s))))] for _ in range(count)]


def speed(rows: list[Row], n: int, specs: Sequence[FieldSpec] = ARTICLE_FIELDS) -> dict[str, object]:
    articles = generate_articles(rows, n)
    docs = [Document(key=i + 1, stamp="1", fields=a, category_id=1 + i % 7) for i, a in enumerate(articles)]
    index = Index(tuple(specs))
    started = time.perf_counter()
    index.build(docs)
    build_s = time.perf_counter() - started
    queries = _typing_queries(rows)
    _piece_morphemes.cache_clear()  # each keystroke's query is new: analyse it cold, as on the desk
    morphemes("준비")
    timings = []
    for q in queries:
        t0 = time.perf_counter()
        terms, extra = _expanded_terms(q, SYNONYMS)
        hits = index.search(terms, limit=8)
        marks = highlight_terms(q, extra)
        for h in hits:
            snippet(h.doc.fields["body"], marks)
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    return {
        "articles": n,
        "index_build_s": round(build_s, 1),
        "terms": len(index.vocab),
        "postings": int(index.matrix.nnz),
        "postings_mb": round((index.matrix.data.nbytes + index.matrix.indices.nbytes) / 2**20, 1),
        "queries": len(timings),
        "query_p50_ms": round(statistics.median(timings), 2),
        "query_p95_ms": round(timings[int(0.95 * len(timings)) - 1], 2),
        "query_max_ms": round(timings[-1], 2),
    }


def main() -> None:
    rows = read_incheon(Path(get_settings().data_dir))
    result: dict[str, object] = {
        "machine": f"{platform.machine()} {platform.python_version()}",
        "quality": quality(rows),
        "speed": [speed(rows, n) for n in (1_000, 50_000)],
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
