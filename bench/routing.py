"""Routing accuracy on the real Incheon Jung-gu Q&A, split by date (train older, test newer).

Prints one JSON object (and writes ``bench/results/routing.json``): accuracy@1/@3 of minwon's router
against the majority-class baseline on the newest 20 % of questions, the coverage / accuracy trade-off
of the "not sure" threshold, and training time. ``--with-logreg`` adds multinomial logistic regression
on the same features (the usual library default) for comparison; it is much slower to train.

Run: ``.venv/bin/python bench/routing.py [--with-logreg]`` (reads ``MINWON_DATA_DIR`` or
``../shared/data``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from minwon.cases.imports import UNKNOWN_DEPARTMENT, _read_incheon
from minwon.config import get_settings
from minwon.routing import model as rm

THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
OUT = Path(__file__).with_name("results") / "routing.json"


def load_examples(data_dir: Path) -> list[rm.Example]:
    path = data_dir / "korean_complaints" / "incheon_junggu_minwon_qa_2012_2020.csv"
    rows, _problems, _count = _read_incheon(path)
    return [
        rm.Example(f"{r.title}\n{r.question}".strip(), r.department, r.day)
        for r in rows
        if r.department != UNKNOWN_DEPARTMENT
    ]


def _logreg(train: list[rm.Example], test: list[rm.Example]) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    t0 = time.perf_counter()
    features = rm._new_features()
    matrix = features.fit_transform([e.text for e in train])
    clf = LogisticRegression(C=8.0, max_iter=1000).fit(matrix, [e.label for e in train])
    seconds = time.perf_counter() - t0
    probs = clf.predict_proba(features.transform([e.text for e in test]))
    classes = [str(c) for c in clf.classes_]
    ranked = [[classes[i] for i in sorted(range(len(row)), key=lambda i: -row[i])[:3]] for row in probs]
    expected = [e.label for e in test]
    return {
        "accuracy_at_1": rm.accuracy_at(ranked, expected, 1),
        "accuracy_at_3": rm.accuracy_at(ranked, expected, 3),
        "train_seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--with-logreg", action="store_true")
    args = parser.parse_args()
    examples = load_examples(Path(os.environ.get("MINWON_DATA_DIR", get_settings().data_dir)))
    train, test = rm.split_by_date(examples, 0.2)
    rm.train(train[:50])  # load the morphological analyser once, outside the timings
    t0 = time.perf_counter()
    model = rm.train(train)
    train_seconds = time.perf_counter() - t0
    ranked = model.rank_many([e.text for e in test], k=3)
    t1 = time.perf_counter()
    for e in test[:200]:
        model.rank(e.text)
    per_query_ms = (time.perf_counter() - t1) / min(200, len(test)) * 1000
    expected = [e.label for e in test]
    labels = [[r.label for r in row] for row in ranked]
    baseline = [lbl for lbl, _ in Counter(e.label for e in train).most_common(3)]
    trade_off = []
    for threshold in THRESHOLDS:
        sure = [(row, e) for row, e in zip(ranked, expected, strict=True) if row[0].probability >= threshold]
        trade_off.append(
            {
                "threshold": threshold,
                "coverage": round(len(sure) / len(expected), 4),
                "accuracy_when_sure": round(sum(row[0].label == e for row, e in sure) / len(sure), 4)
                if sure
                else None,
            }
        )
    result: dict[str, Any] = {
        "data": "Incheon Jung-gu 민원 Q&A 2012-10-12…2020-11-30 (title + question → answering division)",
        "n_train": len(train),
        "n_test": len(test),
        "split_day": test[0].day.isoformat(),
        "n_labels_train": len({e.label for e in train}),
        "test_labels_unseen_in_training": round(
            sum(e.label not in set(model.labels) for e in test) / len(test), 4
        ),
        "minwon": {
            "model": "TF-IDF (kiwipiepy morphemes + char 2-3-grams) + LinearSVC, softmax temperature-scaled",
            "accuracy_at_1": round(rm.accuracy_at(labels, expected, 1), 4),
            "accuracy_at_3": round(rm.accuracy_at(labels, expected, 3), 4),
            "train_seconds": round(train_seconds, 1),
            "query_ms": round(per_query_ms, 2),
            "temperature": model.temperature,
        },
        "majority_baseline": {
            "label": baseline[0],
            "accuracy_at_1": round(rm.accuracy_at([baseline] * len(expected), expected, 1), 4),
            "accuracy_at_3": round(rm.accuracy_at([baseline] * len(expected), expected, 3), 4),
        },
        "threshold_trade_off": trade_off,
        "default_threshold": get_settings().routing_min_confidence,
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
    }
    if args.with_logreg:
        result["logistic_regression"] = _logreg(train, test)
    text = json.dumps(result, ensure_ascii=False, indent=2)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
