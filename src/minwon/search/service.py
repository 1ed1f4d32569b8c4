"""Search service: standard answers and similar past cases, the synonym dictionary, evaluation.

Storage decision: each server process keeps its own in-memory index (:mod:`minwon.search.engine`),
built from the database on first use. Before a search, a process compares the source's fingerprint
(one aggregate query) with the one it indexed — at most every ``MINWON_SEARCH_REFRESH_S`` seconds
(default 2) — and, when it differs, reads the documents, re-analyses only those whose stamp changed
and updates the index in place. So an article published through any process, on SQLite or PostgreSQL,
is found by every process within about two seconds, without a shared index file or a broker. The
synonym dictionary is refreshed the same way.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.config import get_settings
from minwon.core.clock import utcnow
from minwon.core.errors import NotFound, ValidationError
from minwon.core.i18n import N_
from minwon.knowledge.schemas import PublishedDoc
from minwon.search import sources
from minwon.search.engine import Document, FieldSpec, Index, QueryTerm, query_terms
from minwon.search.highlight import highlight_terms, snippet
from minwon.search.metrics import retrieval_metrics
from minwon.search.models import Synonym
from minwon.search.synonyms import (
    EXPANSION_WEIGHT,
    MAX_EXPANSION_CHARS,
    MAX_TERM_CHARS,
    SEED,
    SynonymEntry,
    expansions_for,
    parse_expansions,
)

#: Longest query accepted (characters, after trimming); the desk sends at most 500.
MAX_QUERY_CHARS = 1000
MAX_LIMIT = 100

ARTICLE_FIELDS = (
    FieldSpec("title", 3.0, 0.5),
    FieldSpec("keywords", 2.0, 0.3),
    FieldSpec("body", 1.0, 0.75, (2,)),
)
CASE_FIELDS = (
    FieldSpec("title", 2.0, 0.5),
    FieldSpec("question", 1.0, 0.75),
    FieldSpec("answer", 0.3, 0.75, (2,)),
)

Kind = Literal["articles", "cases"]


@dataclass(frozen=True)
class ArticleHit:
    """A standard answer found: ``snippet`` is escaped HTML with ``<mark>`` around matched terms;
    ``score`` is the BM25F score (higher is better, comparable only within one query)."""

    article_id: int
    version: int
    title: str
    score: float
    snippet: str
    category_id: int | None
    department_id: int | None


@dataclass(frozen=True)
class CaseHit:
    """A similar closed case: ``external_ref`` is the source complaint number for imported cases
    (``incheon:4949``); ``snippet`` is escaped HTML from the question; ``answer`` is plain text."""

    case_id: int
    external_ref: str | None
    department: str | None
    title: str
    score: float
    snippet: str
    answer: str


# ------------------------------------------------------------------ per-process indexes


@dataclass
class _Slot:
    index: Index
    fingerprint: str | None = None
    checked_at: float = float("-inf")
    lock: threading.Lock = field(default_factory=threading.Lock)


class SearchIndexes:
    """The indexes of one process (articles, cases) and the cached synonym dictionary.

    ``clock`` gives monotonic seconds (injectable for tests); ``refresh_s`` is the longest time a
    process trusts its index without looking at the fingerprint (``None`` → the setting).
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, refresh_s: float | None = None):
        self.clock = clock
        self.refresh_s = refresh_s
        self.slots: dict[Kind, _Slot] = {
            "articles": _Slot(Index(ARTICLE_FIELDS)),
            "cases": _Slot(Index(CASE_FIELDS)),
        }
        self.synonyms: list[SynonymEntry] = []
        self._synonym_fp: str | None = None
        self._synonym_checked = float("-inf")

    def _interval(self) -> float:
        return get_settings().search_refresh_s if self.refresh_s is None else self.refresh_s

    def index(self, *, db: Session, kind: Kind, force: bool = False) -> Index:
        """The index of ``kind``, brought up to date first when the interval has passed."""
        slot = self.slots[kind]
        now = self.clock()
        if not force and slot.fingerprint is not None and now - slot.checked_at < self._interval():
            return slot.index
        with slot.lock:
            fingerprint = _fingerprint(db, kind)
            slot.checked_at = self.clock()
            if fingerprint != slot.fingerprint:
                _sync(slot.index, _documents(db, kind))
                slot.fingerprint = fingerprint
        return slot.index

    def rebuild(self, *, db: Session, kind: Kind, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild ``kind`` from scratch (fresh field statistics); returns the number of documents."""
        slot = self.slots[kind]
        with slot.lock:
            fingerprint = _fingerprint(db, kind)
            docs = _documents(db, kind)
            slot.index.build(docs, progress)
            slot.fingerprint = fingerprint
            slot.checked_at = self.clock()
        return len(docs)

    def synonym_entries(self, *, db: Session) -> list[SynonymEntry]:
        """Active synonym entries, re-read when the table changed (checked like the indexes)."""
        now = self.clock()
        if self._synonym_fp is not None and now - self._synonym_checked < self._interval():
            return self.synonyms
        row = db.execute(select(func.count(Synonym.id), func.max(Synonym.updated_at))).one()
        fingerprint = f"{row[0]}|{row[1]}"
        self._synonym_checked = now
        if fingerprint != self._synonym_fp:
            rows = db.scalars(select(Synonym).where(Synonym.is_active.is_(True)).order_by(Synonym.term))
            self.synonyms = [SynonymEntry(s.term, parse_expansions(s.expansions)) for s in rows]
            self._synonym_fp = fingerprint
        return self.synonyms


def _fingerprint(db: Session, kind: Kind) -> str:
    if kind == "articles":
        return sources.articles_fingerprint(db=db)
    return sources.cases_fingerprint(db=db)


def _documents(db: Session, kind: Kind) -> list[Document]:
    if kind == "articles":
        return [
            Document(
                key=a.article_id,
                stamp=f"{a.version}|{a.updated_at.isoformat()}",
                fields={"title": a.title, "keywords": a.keywords, "body": a.body},
                category_id=a.category_id,
                department_id=a.department_id,
                payload=a,
            )
            for a in sources.iter_article_docs(db=db)
        ]
    return [
        Document(
            key=c.case_id,
            stamp=c.stamp,
            fields={"title": c.title, "question": c.question, "answer": c.answer},
            category_id=c.category_id,
            department_id=c.department_id,
            payload=c,
        )
        for c in sources.iter_case_docs(db=db)
    ]


def _sync(index: Index, docs: list[Document]) -> None:
    current = index.stamps()
    changed = [d for d in docs if current.get(d.key) != d.stamp]
    if not current or len(changed) > max(50, len(current) // 2):
        index.build(docs)  # fresh field statistics when most of the content is new
        return
    wanted = {d.key for d in docs}
    removed = [key for key in current if key not in wanted]
    if changed or removed:
        index.update(changed, removed)


_PROCESS = SearchIndexes()


def warm_up() -> None:
    """Load the Korean analyser's model (~100 MB, seconds) in a background thread at server start, so
    the first search-as-you-type request does not wait for it."""
    from minwon.search.analyzer import morphemes

    threading.Thread(target=morphemes, args=("준비",), name="search-warm-up", daemon=True).start()


def process_indexes() -> SearchIndexes:
    """This process's indexes (one per process; threads share it)."""
    return _PROCESS


# ------------------------------------------------------------------ queries


_MARKUP = re.compile(r"<[^>]{0,200}>|&[#\w]{1,10};")


def clean_query(query: str) -> str:
    """The query trimmed, with HTML tags and entities removed (text pasted from web pages); raises
    ValidationError (field ``query``) when over 1,000 characters."""
    query = query.strip()
    if len(query) > MAX_QUERY_CHARS:
        raise ValidationError(N_("The search text is too long (at most 1,000 characters)."), field="query")
    return _MARKUP.sub(" ", query).strip()


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be 1–{MAX_LIMIT}", field="limit")


def _expanded_terms(query: str, entries: Sequence[SynonymEntry]) -> tuple[list[QueryTerm], list[str]]:
    extra = expansions_for(query, entries)
    terms = query_terms(query)
    for text in extra:
        terms.extend(query_terms(text, weight=EXPANSION_WEIGHT))
    return terms, extra


def search_articles(
    *,
    db: Session,
    query: str,
    category_id: int | None = None,
    department_id: int | None = None,
    limit: int = 10,
    indexes: SearchIndexes | None = None,
) -> list[ArticleHit]:
    """Published standard answers for ``query`` (Korean as typed: spacing errors, endings, colloquial
    words via the synonym dictionary, Hanja, typos via n-grams), best first, at most ``limit`` (1–100),
    optionally only of one category and/or department. A query without letters or digits (empty,
    emoji only, markup only) gives ``[]``. Raises ValidationError (``query``) over 1,000 characters,
    (``limit``) outside 1–100."""
    query = clean_query(query)
    _check_limit(limit)
    idx = indexes or _PROCESS
    terms, extra = _expanded_terms(query, idx.synonym_entries(db=db))
    if not terms:
        return []
    hits = idx.index(db=db, kind="articles").search(
        terms, limit=limit, category_id=category_id, department_id=department_id
    )
    marks = highlight_terms(query, extra)
    out = []
    for h in hits:
        doc: PublishedDoc = h.doc.payload  # type: ignore[assignment]
        out.append(
            ArticleHit(
                article_id=doc.article_id,
                version=doc.version,
                title=doc.title,
                score=h.score,
                snippet=snippet(doc.body, marks),
                category_id=doc.category_id,
                department_id=doc.department_id,
            )
        )
    return out


def similar_cases(
    *,
    db: Session,
    query: str,
    department_id: int | None = None,
    limit: int = 5,
    indexes: SearchIndexes | None = None,
) -> list[CaseHit]:
    """Closed cases (imported Q&A and the center's own) similar to ``query``, best first, at most
    ``limit`` (1–100). Same analysis, synonyms and errors as :func:`search_articles`."""
    query = clean_query(query)
    _check_limit(limit)
    idx = indexes or _PROCESS
    terms, extra = _expanded_terms(query, idx.synonym_entries(db=db))
    if not terms:
        return []
    hits = idx.index(db=db, kind="cases").search(terms, limit=limit, department_id=department_id)
    marks = highlight_terms(query, extra)
    out = []
    for h in hits:
        doc: sources.CaseDoc = h.doc.payload  # type: ignore[assignment]
        out.append(
            CaseHit(
                case_id=doc.case_id,
                external_ref=doc.external_ref,
                department=doc.department,
                title=doc.title,
                score=h.score,
                snippet=snippet(doc.question, marks),
                answer=doc.answer,
            )
        )
    return out


def reindex(
    *, db: Session, kinds: Iterable[Kind] = ("articles", "cases"), progress: Any = None
) -> dict[str, int]:
    """Rebuild this process's indexes from the database; ``progress`` is a rich Progress (optional).
    Returns ``{kind: documents}``. Other processes rebuild themselves on their next fingerprint check."""
    counts: dict[str, int] = {}
    for kind in kinds:
        task = None
        if progress is not None:
            total = len(
                sources.iter_article_docs(db=db) if kind == "articles" else sources.iter_case_docs(db=db)
            )
            task = progress.add_task(kind, total=total)

        def advance(n: int, task: Any = task) -> None:
            if progress is not None:
                progress.advance(task, n)

        counts[kind] = _PROCESS.rebuild(db=db, kind=kind, progress=advance)
    return counts


# ------------------------------------------------------------------ evaluation


def read_query_file(path: Path, *, key: str = "expected_ref") -> list[tuple[str, str]]:
    """``[(query, expected)]`` from a JSON Lines file (``{"query": …, key: …}`` per line; blank lines
    skipped). Raises ValidationError naming the line for bad JSON or a missing field."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"cannot read {path}: {exc}", field="queries") from exc
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"line {number}: not JSON ({exc.msg})", field="queries") from exc
        if not isinstance(item, dict) or not isinstance(item.get("query"), str) or key not in item:
            raise ValidationError(f'line {number}: needs "query" (text) and "{key}"', field="queries")
        out.append((item["query"], str(item[key])))
    return out


def evaluate_articles(*, db: Session, queries: Sequence[tuple[str, str]]) -> dict[str, float | int]:
    """Metrics (:func:`minwon.search.metrics.retrieval_metrics`) of :func:`search_articles` on
    ``queries``; ``expected`` is an article id (``"12"``) or slug (``"vehicle-tax-annual-prepayment"``).
    Raises NotFound for a slug that no article has."""
    from minwon.knowledge.models import Article

    slugs = dict(db.execute(select(Article.slug, Article.id)).tuples().all())
    ranks: list[int | None] = []
    for query, expected in queries:
        if expected.isdigit():
            target = int(expected)
        elif expected in slugs:
            target = slugs[expected]
        else:
            raise NotFound(f"no article with id or slug {expected!r}", field="expected_ref")
        hits = search_articles(db=db, query=query, limit=10) if query.strip() else []
        ids = [h.article_id for h in hits]
        ranks.append(ids.index(target) + 1 if target in ids else None)
    return retrieval_metrics(ranks)


def evaluate_cases(*, db: Session, queries: Sequence[tuple[str, str]]) -> dict[str, float | int]:
    """Metrics of :func:`similar_cases` on ``queries``; ``expected`` is a case's ``external_ref``
    (``incheon:4949``), its number (``H-4949``) or its id."""
    ranks: list[int | None] = []
    for query, expected in queries:
        hits = similar_cases(db=db, query=query, limit=10) if query.strip() else []
        keys = [(h.external_ref, str(h.case_id)) for h in hits]
        rank = None
        for i, (ref, case_id) in enumerate(keys, start=1):
            if expected in (ref, case_id) or (ref and ref.endswith(":" + expected)):
                rank = i
                break
        ranks.append(rank)
    return retrieval_metrics(ranks)


# ------------------------------------------------------------------ synonym dictionary


def list_synonyms(*, db: Session) -> list[Synonym]:
    """All entries (active or not), by term."""
    return list(db.scalars(select(Synonym).order_by(Synonym.term)))


def save_synonym(
    *, db: Session, term: str, expansions: str, is_active: bool = True, synonym_id: int | None = None
) -> Synonym:
    """Create or change an entry; commits. Raises ValidationError (``term``: empty, over 60
    characters, or already used by another entry; ``expansions``: none or over 200 characters),
    NotFound for an unknown ``synonym_id``."""
    from minwon.search.analyzer import normalise

    term = normalise(term)
    parsed = parse_expansions(expansions)
    if not term or len(term) > MAX_TERM_CHARS:
        raise ValidationError(N_("The term must be 1–60 characters."), field="term")
    joined = ", ".join(parsed)
    if not parsed or len(joined) > MAX_EXPANSION_CHARS:
        raise ValidationError(
            N_("Give 1–200 characters of expansions, separated by commas."), field="expansions"
        )
    other = db.scalar(select(Synonym).where(Synonym.term == term))
    if synonym_id is None:
        entry = Synonym(term=term)
        db.add(entry)
    else:
        found = db.get(Synonym, synonym_id)
        if found is None:
            raise NotFound(f"synonym {synonym_id} does not exist", field="synonym_id")
        entry = found
    if other is not None and other is not entry:
        raise ValidationError(N_("This term is already in the dictionary."), field="term")
    entry.term, entry.expansions, entry.is_active, entry.updated_at = term, joined, is_active, utcnow()
    db.commit()
    return entry


def delete_synonym(*, db: Session, synonym_id: int) -> None:
    """Remove an entry; commits. Raises NotFound."""
    entry = db.get(Synonym, synonym_id)
    if entry is None:
        raise NotFound(f"synonym {synonym_id} does not exist", field="synonym_id")
    db.delete(entry)
    db.commit()


def seed_synonyms(*, db: Session) -> int:
    """Add the entries of :data:`minwon.search.synonyms.SEED` whose term is not yet present; commits.
    Returns how many were added (0 on a second run)."""
    from minwon.search.analyzer import normalise

    present = set(db.scalars(select(Synonym.term)))
    added = 0
    for term, expansions in SEED:
        if normalise(term) in present:
            continue
        db.add(
            Synonym(
                term=normalise(term), expansions=", ".join(parse_expansions(expansions)), updated_at=utcnow()
            )
        )
        added += 1
    db.commit()
    return added
