"""An in-memory BM25F index over two term spaces: content morphemes and character n-grams.

Pure module (numpy/scipy, no database). One :class:`Index` holds the documents of one kind (articles or
past cases). Each document has named text fields; each (field, term space) pair is weighted and
length-normalised separately and the normalised frequencies are summed before saturation, as in BM25F
(Robertson, Zaragoza & Taylor, "Simple BM25 extension to multiple weighted fields", CIKM 2004):

    tf~(t, d) = Σ_f  w_f · tf_f(t, d) / (1 − b + b · len_f(d) / avglen_f)
    score(q, d) = Σ_{t ∈ q}  qw(t) · idf(t) · tf~(t, d) · (k1 + 1) / (k1 + tf~(t, d))
    idf(t) = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))

Morpheme terms are prefixed ``m:`` and n-gram terms ``g:`` so the two spaces share one postings matrix
(terms × documents, CSR, float32 holding the saturated part); the query weight of an n-gram term is
``NGRAM_WEIGHT`` divided by the number of n-grams per query morpheme, so a long query does not turn into a
pure n-gram query.

Updates are incremental: a changed or removed document is marked dead and a new column is appended; idf
uses the live document frequencies, while the average field lengths stay those of the last full build
(as Lucene keeps segment statistics until a merge). Dead columns are dropped when they pass a quarter
of the index.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from minwon.search.analyzer import char_ngrams, search_morphemes

K1 = 1.2
#: Query weight of the whole n-gram space relative to one morpheme (see module docstring).
NGRAM_WEIGHT = 1.0
#: At most this many distinct terms of each space are looked up per query (the rarest first).
MAX_QUERY_TERMS = 48


@dataclass(frozen=True)
class FieldSpec:
    """One text field: BM25F weight and length normalisation ``b`` (0 = none, 1 = full), and the
    n-gram sizes indexed for it (short fields get 2- and 3-grams, long bodies 2-grams only)."""

    name: str
    weight: float
    b: float = 0.75
    ngram_sizes: tuple[int, ...] = (2, 3)


@dataclass(frozen=True)
class Document:
    """A document to index: ``key`` (e.g. article id), ``stamp`` (changes when the content changes),
    ``fields`` (name → text), filter attributes and an opaque ``payload`` returned with hits."""

    key: int
    stamp: str
    fields: dict[str, str]
    category_id: int | None = None
    department_id: int | None = None
    payload: object = None


@dataclass(frozen=True)
class Analysis:
    """Terms of one document per field: ``{field: Counter(term → count)}`` and lengths per
    (field, space)."""

    counts: dict[str, Counter[str]]
    lengths: dict[tuple[str, str], int]


def analyse_fields(fields: dict[str, str], specs: Sequence[FieldSpec]) -> Analysis:
    """Morpheme (``m:``) and n-gram (``g:``) terms of each field in ``specs``."""
    counts: dict[str, Counter[str]] = {}
    lengths: dict[tuple[str, str], int] = {}
    for spec in specs:
        text = fields.get(spec.name, "") or ""
        morphs = ["m:" + m for m in search_morphemes(text)]
        grams = ["g:" + g for g in char_ngrams(_hanja_read(text), spec.ngram_sizes)] if text.strip() else []
        counts[spec.name] = Counter(morphs) + Counter(grams)
        lengths[(spec.name, "m")] = len(morphs)
        lengths[(spec.name, "g")] = len(grams)
    return Analysis(counts, lengths)


def _hanja_read(text: str) -> str:
    from minwon.search.analyzer import hanja_to_hangul

    return hanja_to_hangul(text)


@dataclass(frozen=True)
class QueryTerm:
    """A query term (``m:…`` or ``g:…``) and its weight before idf."""

    term: str
    weight: float


def query_terms(text: str, *, weight: float = 1.0) -> list[QueryTerm]:
    """Weighted terms of a query text: each distinct morpheme ``weight``; the n-grams (2 and 3) share
    ``NGRAM_WEIGHT · weight · (#morphemes or 1)`` equally."""
    morphs = list(dict.fromkeys(search_morphemes(text)))
    grams = list(dict.fromkeys(char_ngrams(_hanja_read(text), (2, 3)))) if text.strip() else []
    out = [QueryTerm("m:" + m, weight) for m in morphs]
    if grams:
        each = NGRAM_WEIGHT * weight * max(1, len(morphs)) / len(grams)
        out.extend(QueryTerm("g:" + g, each) for g in grams)
    return out


@dataclass(frozen=True)
class Hit:
    """One result: the document and its score (higher is better)."""

    doc: Document
    score: float


ProgressFn = Callable[[int], None]


@dataclass
class Index:
    """BM25F postings for one kind of document (see module docstring)."""

    specs: tuple[FieldSpec, ...]
    vocab: dict[str, int] = field(default_factory=dict)
    docs: list[Document] = field(default_factory=list)
    position: dict[int, int] = field(default_factory=dict)  # key → column of the live version
    alive: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    df: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    avglen: dict[tuple[str, str], float] = field(default_factory=dict)
    matrix: sp.csr_matrix = field(default_factory=lambda: sp.csr_matrix((0, 0), dtype=np.float32))
    category: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    department: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _term_space: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Live documents."""
        return len(self.position)

    def stamps(self) -> dict[int, str]:
        """``{key: stamp}`` of the live documents."""
        return {key: self.docs[pos].stamp for key, pos in self.position.items()}

    # ----------------------------------------------------------------- building

    def build(self, docs: Iterable[Document], progress: ProgressFn | None = None) -> None:
        """Replace the whole index with ``docs``; ``progress(n)`` after each document analysed.

        Two passes: the first measures the field lengths (their averages normalise every document),
        the second builds the postings in chunks (morphemes come from the per-sentence cache then)."""
        docs = list(docs)
        totals: Counter[tuple[str, str]] = Counter()
        for doc in docs:
            totals.update(analyse_fields(doc.fields, self.specs).lengths)
            if progress:
                progress(1)
        n = max(1, len(docs))
        self.avglen = {
            (s.name, space): max(1.0, totals[(s.name, space)] / n) for s in self.specs for space in "mg"
        }
        self.vocab = {}
        self.docs = []
        self.position = {}
        self.alive = np.zeros(0, dtype=bool)
        self.df = np.zeros(0, dtype=np.int64)
        self.category = np.zeros(0, dtype=np.int64)
        self.department = np.zeros(0, dtype=np.int64)
        self.matrix = sp.csr_matrix((0, 0), dtype=np.float32)
        self._append(docs)

    def update(self, changed: Sequence[Document], removed: Iterable[int]) -> None:
        """Add or replace ``changed`` documents and drop the keys in ``removed``."""
        for key in [*removed, *(d.key for d in changed)]:
            pos = self.position.pop(key, None)
            if pos is not None and self.alive[pos]:
                self.alive[pos] = False
                terms = self.matrix.getcol(pos).nonzero()[0]
                self.df[terms] -= 1
        if changed:
            self._append(list(changed))
        dead = len(self.docs) - self.size
        if dead and dead * 4 > len(self.docs):
            self._compact()

    def _columns(
        self, docs: list[Document], start: int
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        vocab = self.vocab
        for offset, doc in enumerate(docs):
            a = analyse_fields(doc.fields, self.specs)
            col = start + offset
            combined: dict[int, float] = {}
            for spec in self.specs:
                counts = a.counts.get(spec.name)
                if not counts:
                    continue
                norm = {
                    space: spec.weight
                    / (1 - spec.b + spec.b * a.lengths[(spec.name, space)] / self.avglen[(spec.name, space)])
                    for space in "mg"
                }
                for term, tf in counts.items():
                    tid = vocab.setdefault(term, len(vocab))
                    combined[tid] = combined.get(tid, 0.0) + tf * norm[term[0]]
            for tid, tf_tilde in combined.items():
                rows.append(tid)
                cols.append(col)
                vals.append(tf_tilde * (K1 + 1) / (K1 + tf_tilde))
        return (
            np.asarray(rows, dtype=np.int32),
            np.asarray(cols, dtype=np.int32),
            np.asarray(vals, dtype=np.float32),
        )

    def _append(self, docs: list[Document], chunk: int = 2000) -> None:
        start = len(self.docs)
        parts = [self._columns(docs[i : i + chunk], start + i) for i in range(0, len(docs), chunk)]
        rows = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int32)
        cols = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=np.int32)
        vals = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, dtype=np.float32)
        del parts
        n_terms, n_docs = len(self.vocab), start + len(docs)
        fresh = sp.csr_matrix((vals, (rows, cols)), shape=(n_terms, n_docs), dtype=np.float32)
        del vals, cols
        old = self.matrix
        old.resize((n_terms, n_docs))
        self.matrix = (old + fresh).tocsr() if old.nnz else fresh
        self.matrix.sort_indices()
        df = np.zeros(n_terms, dtype=np.int64)
        df[: len(self.df)] = self.df
        df += np.bincount(rows, minlength=n_terms)
        self.df = df
        self.docs.extend(docs)
        for offset, doc in enumerate(docs):
            self.position[doc.key] = start + offset
        self.alive = np.concatenate([self.alive, np.ones(len(docs), dtype=bool)])
        self.category = np.concatenate(
            [self.category, np.asarray([d.category_id or 0 for d in docs], dtype=np.int64)]
        )
        self.department = np.concatenate(
            [self.department, np.asarray([d.department_id or 0 for d in docs], dtype=np.int64)]
        )

    def _compact(self) -> None:
        keep = np.flatnonzero(self.alive)
        self.matrix = self.matrix[:, keep].tocsr()
        self.docs = [self.docs[i] for i in keep]
        self.category = self.category[keep]
        self.department = self.department[keep]
        self.alive = np.ones(len(keep), dtype=bool)
        self.position = {doc.key: i for i, doc in enumerate(self.docs)}

    # ----------------------------------------------------------------- searching

    def search(
        self,
        terms: Sequence[QueryTerm],
        *,
        limit: int = 10,
        category_id: int | None = None,
        department_id: int | None = None,
    ) -> list[Hit]:
        """The ``limit`` best live documents for ``terms`` (weights summed per distinct term), best
        first; ties by key. Documents scoring 0 are not returned."""
        n = self.size
        if not n or not terms:
            return []
        weights: dict[int, float] = {}
        for qt in terms:
            tid = self.vocab.get(qt.term)
            if tid is not None and self.df[tid] > 0:
                weights[tid] = weights.get(tid, 0.0) + qt.weight
        if not weights:
            return []
        chosen: list[tuple[int, float]] = []
        for space in "mg":
            ids = [t for t in weights if self._space(t) == space]
            ids.sort(key=lambda t: self.df[t])
            chosen.extend((t, weights[t]) for t in ids[:MAX_QUERY_TERMS])
        scores = np.zeros(len(self.docs), dtype=np.float32)
        indptr, indices, data = self.matrix.indptr, self.matrix.indices, self.matrix.data
        for tid, w in chosen:
            df = float(self.df[tid])
            idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
            s, e = indptr[tid], indptr[tid + 1]
            scores[indices[s:e]] += np.float32(w * idf) * data[s:e]
        mask = self.alive
        if category_id is not None:
            mask = mask & (self.category == category_id)
        if department_id is not None:
            mask = mask & (self.department == department_id)
        scores[~mask] = 0.0
        candidates = np.flatnonzero(scores > 0)
        if not len(candidates):
            return []
        if len(candidates) > limit:
            top = np.argpartition(-scores[candidates], limit - 1)[:limit]
            candidates = candidates[top]
        ranked = sorted(candidates.tolist(), key=lambda i: (-float(scores[i]), self.docs[i].key))
        return [Hit(self.docs[i], round(float(scores[i]), 4)) for i in ranked[:limit]]

    def _space(self, tid: int) -> str:
        return self._term_space[tid] if tid < len(self._term_space) else self._refresh_space(tid)

    def _refresh_space(self, tid: int) -> str:
        by_id = [""] * len(self.vocab)
        for term, i in self.vocab.items():
            by_id[i] = term[0]
        self._term_space = by_id
        return by_id[tid]
