"""The routing classifier (pure: no database, no HTTP).

Text → TF-IDF over two views of Korean text (content morphemes from kiwipiepy and character 2–3-grams
without spaces, :mod:`minwon.search.analyzer`) → a linear SVM (scikit-learn ``LinearSVC``, one-vs-rest).
Confidences are a softmax over the SVM's decision values with a temperature fitted on the newest slice
of the training data (temperature scaling: Guo et al., "On Calibration of Modern Neural Networks",
ICML 2017). Below a threshold the suggestion is "not sure" rather than a guess.

On the Incheon Jung-gu data (105 divisions) a linear SVM matched multinomial logistic regression's
accuracy within 2 points at 1/50 of the training time (``bench/routing.py`` records the numbers).

Evaluation (:func:`evaluate`) reports accuracy@1/@3 against the majority-class baseline, on a split by
date (train on older cases, test on newer), because routing is always applied to future inquiries and
departments are reorganised over time.
"""

from __future__ import annotations

import math
import pickle
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from minwon.search.analyzer import char_ngrams, morphemes

#: Format of the pickled artifact; bump when the pipeline changes so old artifacts are retrained.
ARTIFACT_VERSION = 1


@lru_cache(maxsize=20_000)
def _terms(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # Morphological analysis dominates training time; training fits the features twice per text.
    return tuple("m:" + t for t in morphemes(text)), tuple("g:" + t for t in char_ngrams(text))


def _morph_terms(text: str) -> tuple[str, ...]:
    return _terms(text)[0]


def _gram_terms(text: str) -> tuple[str, ...]:
    return _terms(text)[1]


@dataclass(frozen=True)
class Example:
    """One training/evaluation example: inquiry ``text``, its ``label`` (department name) and ``day``."""

    text: str
    label: str
    day: date


@dataclass(frozen=True)
class Ranked:
    """A label with its probability (0–1)."""

    label: str
    probability: float


class RoutingModel:
    """A trained classifier. Build with :func:`train`; serialise with :meth:`dumps` / :func:`loads`."""

    def __init__(
        self, features: Any, classifier: Any, temperature: float, n_train: int, majority: str
    ) -> None:
        self.features = features
        self.classifier = classifier
        self.temperature = temperature
        self.labels = [str(x) for x in classifier.classes_]
        self.n_train = n_train
        self.majority = majority

    def probabilities(self, texts: Sequence[str]) -> Any:
        """Array (len(texts) × len(labels)) of calibrated probabilities; rows sum to 1."""
        return _softmax(
            self.classifier.decision_function(self.features.transform(list(texts))), self.temperature
        )

    def rank(self, text: str, k: int = 3) -> list[Ranked]:
        """The ``k`` most probable labels, best first. A text without any letters ranks nothing."""
        if not text.strip():
            return []
        return self.rank_many([text], k)[0]

    def rank_many(self, texts: Sequence[str], k: int = 3) -> list[list[Ranked]]:
        """:meth:`rank` for many texts at once (one matrix product)."""
        if not texts:
            return []
        out: list[list[Ranked]] = []
        for row in self.probabilities(texts):
            order = sorted(range(len(row)), key=lambda i: -row[i])[:k]
            out.append([Ranked(self.labels[i], float(row[i])) for i in order])
        return out

    def dumps(self) -> bytes:
        """Serialise (pickle; load only artifacts minwon wrote itself — they live in its database)."""
        return pickle.dumps({"version": ARTIFACT_VERSION, "model": self})


def loads(blob: bytes) -> RoutingModel:
    """Inverse of :meth:`RoutingModel.dumps`. Raises ValueError for an artifact of another version."""
    data = pickle.loads(blob)  # noqa: S301 - minwon's own artifact from its own database
    if not isinstance(data, dict) or data.get("version") != ARTIFACT_VERSION:
        raise ValueError("routing model artifact is from another minwon version; retrain it")
    model = data["model"]
    if not isinstance(model, RoutingModel):
        raise ValueError("not a routing model artifact")
    return model


def _softmax(scores: Any, temperature: float) -> Any:
    import numpy as np

    z = np.asarray(scores, dtype=float) * temperature
    if z.ndim == 1:  # two classes: LinearSVC gives one column for the second class
        z = np.column_stack([-z / 2, z / 2])
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


#: Candidate inverse temperatures for the softmax over SVM decision values.
_TEMPERATURES = (0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0)


def _fit_temperature(scores: Any, classes: Sequence[str], expected: Sequence[str]) -> float:
    """The inverse temperature minimising the negative log-likelihood of ``expected`` (labels the
    classifier does not know count with the smallest probability)."""
    import numpy as np

    index = {c: i for i, c in enumerate(classes)}
    best, best_nll = 1.0, math.inf
    for t in _TEMPERATURES:
        p = _softmax(scores, t)
        nll = 0.0
        for row, label in zip(p, expected, strict=True):
            nll -= math.log(max(float(row[index[label]]) if label in index else 0.0, 1e-6))
        if nll < best_nll:
            best, best_nll = t, nll
    return float(np.float64(best))


def _new_features() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            ("morph", TfidfVectorizer(analyzer=_morph_terms, sublinear_tf=True)),
            ("gram", TfidfVectorizer(analyzer=_gram_terms, sublinear_tf=True, min_df=2)),
        ]
    )


def train(examples: Sequence[Example], *, c: float = 0.3) -> RoutingModel:
    """Fit the classifier on ``examples`` (any order) and calibrate its confidences.

    The newest 15 % (by ``day``) first serve to fit the softmax temperature of a model trained on the
    rest; the final model is then trained on everything. Raises ValueError when the examples name fewer
    than two labels (a classifier needs a choice).
    """
    from sklearn.svm import LinearSVC

    labels = {e.label for e in examples}
    if len(labels) < 2:
        raise ValueError("routing needs past cases of at least two departments to learn from")
    ordered = sorted(examples, key=lambda e: e.day)
    temperature = 5.0
    cut = int(len(ordered) * 0.85)
    head, tail = ordered[:cut], ordered[cut:]
    if len({e.label for e in head}) >= 2 and len(tail) >= 20:
        feats = _new_features()
        clf = LinearSVC(C=c).fit(feats.fit_transform([e.text for e in head]), [e.label for e in head])
        scores = clf.decision_function(feats.transform([e.text for e in tail]))
        temperature = _fit_temperature(scores, [str(x) for x in clf.classes_], [e.label for e in tail])
    features = _new_features()
    matrix = features.fit_transform([e.text for e in ordered])
    classifier = LinearSVC(C=c).fit(matrix, [e.label for e in ordered])
    majority = Counter(e.label for e in ordered).most_common(1)[0][0]
    return RoutingModel(features, classifier, temperature, len(ordered), majority)


def split_by_date(
    examples: Sequence[Example], test_share: float = 0.2
) -> tuple[list[Example], list[Example]]:
    """Older ``1 - test_share`` of the examples for training, the newest ``test_share`` for testing.

    Examples of the cut-off day all go to the same side, so no day is split. Raises ValueError for a
    share outside (0, 1) or fewer than two distinct days.
    """
    if not 0 < test_share < 1:
        raise ValueError("test share must be between 0 and 1")
    ordered = sorted(examples, key=lambda e: e.day)
    if len({e.day for e in ordered}) < 2:
        raise ValueError("a split by date needs examples from at least two days")
    cut = ordered[min(len(ordered) - 1, max(1, math.floor(len(ordered) * (1 - test_share))))].day
    return [e for e in ordered if e.day < cut], [e for e in ordered if e.day >= cut]


@dataclass(frozen=True)
class Evaluation:
    """Held-out scores (fractions 0–1) and the majority-class baseline on the same test set."""

    n_train: int
    n_test: int
    accuracy_at_1: float
    accuracy_at_3: float
    majority_label: str
    majority_accuracy_at_1: float
    majority_accuracy_at_3: float
    #: Share of test inquiries answered (confidence ≥ threshold) and accuracy@1 among them.
    coverage: float
    accuracy_when_sure: float
    threshold: float


def accuracy_at(ranked: Sequence[Sequence[str]], expected: Sequence[str], k: int) -> float:
    """Share of rows whose expected label is among the first ``k`` ranked labels (0.0 for no rows)."""
    if not expected:
        return 0.0
    return sum(1 for r, e in zip(ranked, expected, strict=True) if e in r[:k]) / len(expected)


def evaluate(
    train_set: Sequence[Example], test_set: Sequence[Example], *, threshold: float, c: float = 0.3
) -> Evaluation:
    """Train on ``train_set`` and score on ``test_set``; the baseline ranks labels by training frequency."""
    model = train(train_set, c=c)
    ranked = model.rank_many([e.text for e in test_set], k=3)
    expected = [e.label for e in test_set]
    labels = [[r.label for r in row] for row in ranked]
    by_freq = [lbl for lbl, _ in Counter(e.label for e in train_set).most_common(3)]
    sure = [
        (row, e) for row, e in zip(ranked, expected, strict=True) if row and row[0].probability >= threshold
    ]
    return Evaluation(
        n_train=model.n_train,
        n_test=len(test_set),
        accuracy_at_1=accuracy_at(labels, expected, 1),
        accuracy_at_3=accuracy_at(labels, expected, 3),
        majority_label=by_freq[0],
        majority_accuracy_at_1=accuracy_at([by_freq] * len(expected), expected, 1),
        majority_accuracy_at_3=accuracy_at([by_freq] * len(expected), expected, 3),
        coverage=len(sure) / len(expected) if expected else 0.0,
        accuracy_when_sure=(sum(1 for row, e in sure if row[0].label == e) / len(sure)) if sure else 0.0,
        threshold=threshold,
    )
