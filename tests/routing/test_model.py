"""The pure routing model: date split, metrics, calibration and ranking (no database)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from minwon.routing import model as rm
from tests.routing.support import TEXTS, examples


def test_split_by_date_keeps_days_whole_and_newest_for_testing() -> None:
    days = [date(2020, 1, d) for d in (1, 1, 2, 3, 3, 3, 4, 5, 6, 7)]
    exs = [rm.Example(f"t{i}", "a" if i % 2 else "b", d) for i, d in enumerate(days)]
    train, test = rm.split_by_date(exs, 0.2)
    # floor(10 * 0.8) = 8 → the 9th example (index 8, day 6) is the first test day.
    assert [e.day.day for e in test] == [6, 7]
    assert len(train) == 8 and max(e.day for e in train) < min(e.day for e in test)
    with pytest.raises(ValueError, match="between 0 and 1"):
        rm.split_by_date(exs, 1.0)
    with pytest.raises(ValueError, match="two days"):
        rm.split_by_date([rm.Example("x", "a", date(2020, 1, 1))] * 3, 0.2)


def test_accuracy_at_k_counts_by_hand() -> None:
    ranked = [["a", "b", "c"], ["b", "a", "c"], ["c", "b", "a"], ["b", "c", "d"]]
    expected = ["a", "a", "a", "a"]
    assert rm.accuracy_at(ranked, expected, 1) == 0.25  # only row 1
    assert rm.accuracy_at(ranked, expected, 2) == 0.5  # rows 1, 2
    assert rm.accuracy_at(ranked, expected, 3) == 0.75  # rows 1, 2, 3
    assert rm.accuracy_at([], [], 1) == 0.0


def test_softmax_rows_sum_to_one_and_sharpen_with_temperature() -> None:
    scores = np.array([[1.0, 0.0, -1.0]])
    p1 = rm._softmax(scores, 1.0)[0]
    e = [math.exp(1), 1.0, math.exp(-1)]
    assert p1 == pytest.approx([x / sum(e) for x in e])
    p5 = rm._softmax(scores, 5.0)[0]
    assert p5[0] > p1[0] and sum(p5) == pytest.approx(1.0)


def test_fit_temperature_prefers_confidence_when_scores_are_right() -> None:
    # The top score is always the right label: sharper softmax → lower negative log-likelihood.
    scores = np.array([[2.0, 0.0], [0.0, 2.0]] * 5)
    assert rm._fit_temperature(scores, ["a", "b"], ["a", "b"] * 5) == max(rm._TEMPERATURES)
    # Always wrong: the flattest candidate wins.
    assert rm._fit_temperature(scores, ["a", "b"], ["b", "a"] * 5) == min(rm._TEMPERATURES)


def test_trained_model_routes_clear_inquiries_and_round_trips() -> None:
    model = rm.train(examples())
    assert sorted(model.labels) == sorted(TEXTS)
    assert model.rank("자동차세를 아직 안 냈어요")[0].label == "세무과"
    assert model.rank("수도 계량기가 얼었어요")[0].label == "상하수도사업소"
    assert model.rank("차가 견인됐어요")[0].label == "주차관리과"
    ranked = model.rank("재산세 고지서", k=3)
    assert [r.probability for r in ranked] == sorted((r.probability for r in ranked), reverse=True)
    assert sum(r.probability for r in ranked) == pytest.approx(1.0)  # three labels → all the mass
    assert model.rank("   ") == []
    again = rm.loads(model.dumps())
    assert again.rank("견인 보관소")[0].label == "주차관리과"


def test_training_needs_two_labels_and_artifacts_are_checked() -> None:
    with pytest.raises(ValueError, match="at least two departments"):
        rm.train([rm.Example("수도", "상하수도사업소", date(2020, 1, 1))] * 5)
    with pytest.raises(ValueError, match="another minwon version"):
        rm.loads(__import__("pickle").dumps({"version": 0}))


def test_evaluate_reports_model_and_majority_baseline() -> None:
    exs = examples()
    train, test = rm.split_by_date(exs, 0.25)
    ev = rm.evaluate(train, test, threshold=0.0)
    assert ev.n_test == len(test) and ev.n_train == len(train)
    # Baseline by hand: the most frequent training label, counted over the test set.
    counts = {lbl: sum(e.label == lbl for e in train) for lbl in TEXTS}
    top = max(counts.values())
    assert counts[ev.majority_label] == top
    assert ev.majority_accuracy_at_1 == sum(e.label == ev.majority_label for e in test) / len(test)
    # Three labels: the baseline's top three contain every label.
    assert ev.majority_accuracy_at_3 == 1.0
    assert ev.accuracy_at_3 == 1.0
    assert ev.accuracy_at_1 > ev.majority_accuracy_at_1
    assert ev.coverage == 1.0  # threshold 0 answers everything
