"""Scoring rules and sampling allocation, with values computed by hand (no database)."""

from __future__ import annotations

import pytest

from minwon.core.errors import ValidationError
from minwon.evaluations.defaults import DEFAULT_DEFINITION
from minwon.evaluations.sampling import allocate, select
from minwon.evaluations.scoring import compute, parse_definition, spread, validate_scores
from tests.evaluations.helpers import SCORES_77, SCORES_87, SCORES_100, SCORES_CRITICAL

CRITERIA = parse_definition(DEFAULT_DEFINITION)


def test_default_scorecard_weights_add_up_to_100_with_two_critical_items() -> None:
    assert sum(c.weight for c in CRITERIA) == 100
    assert [c.key for c in CRITERIA if c.critical] == ["c10", "c11"]


@pytest.mark.parametrize(
    ("scores", "total", "passed", "critical"),
    [(SCORES_100, 100.0, True, False), (SCORES_87, 87.0, True, False), (SCORES_77, 77.0, False, False),
     (SCORES_CRITICAL, 0.0, False, True)],
)  # fmt: skip
def test_total_pass_and_critical_failure(
    scores: dict[str, int], total: float, passed: bool, critical: bool
) -> None:
    result = compute(CRITERIA, validate_scores(CRITERIA, scores), pass_score=80)
    assert (result.total, result.passed, result.critical_failed) == (total, passed, critical)


def test_weights_are_normalised_when_they_do_not_add_up_to_100() -> None:
    criteria = parse_definition(
        {"sections": [{"title": "S", "criteria": [
            {"key": "a", "label": "A", "weight": 30, "max_score": 4},
            {"key": "b", "label": "B", "weight": 10, "kind": "yes_no"},
        ]}]}
    )  # fmt: skip
    # 100 · (30·3/4 + 10·0) / 40 = 100 · 22.5 / 40 = 56.25
    assert compute(criteria, {"a": 3, "b": 0}, pass_score=50).total == 56.25
    assert compute(criteria, {"a": 3, "b": 0}, pass_score=56.26).passed is False


@pytest.mark.parametrize(
    ("scores", "field"),
    [({**SCORES_87, "c1": 6}, "c1"), ({k: v for k, v in SCORES_87.items() if k != "c5"}, "c5"),
     ({**SCORES_87, "c9": 2}, "c9"), ({**SCORES_87, "c2": "x"}, "c2"), ({**SCORES_87, "zz": 1}, "zz"),
     ({**SCORES_87, "c3": -1}, "c3")],
)  # fmt: skip
def test_bad_scores_are_refused_naming_the_criterion(scores: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        validate_scores(CRITERIA, scores)
    assert err.value.field == field


@pytest.mark.parametrize(
    "criteria",
    [[], [{"key": "a", "label": "", "weight": 1, "max_score": 5}], [{"key": "a", "label": "A", "weight": 0,
      "max_score": 5}], [{"key": "a", "label": "A", "weight": 101, "max_score": 5}],
     [{"key": "a", "label": "A", "weight": 5, "max_score": 11}],
     [{"key": "a", "label": "A", "weight": 5, "max_score": 5}, {"key": "a", "label": "B", "weight": 5}]],
)  # fmt: skip
def test_bad_definitions_are_refused(criteria: list[dict[str, object]]) -> None:
    with pytest.raises(ValidationError):
        parse_definition({"sections": [{"title": "S", "criteria": criteria}]})


def test_spread_by_hand() -> None:
    # totals 100, 87, 77: range 23; mean 88; deviations 12, −1, −11 → √((144+1+121)/3) = √88.67 = 9.42
    s = spread([100, 87, 77])
    assert (s.n, s.mean, s.range, s.sd) == (3, 88.0, 23, 9.42)
    # 5, 4, 4: mean 13/3; √((4/9 + 1/9 + 1/9)/3) = √(2/9) = 0.47
    assert (spread([5, 4, 4]).range, spread([5, 4, 4]).sd) == (1, 0.47)
    assert spread([80]).range is None


def test_allocation_proportional_largest_remainder_and_minimum_one() -> None:
    # N = 16, n = 4: quotas 2.5, 1.25, 0.25 → 2, 1, 0 + the remainder to A (0.5) → 3, 1, 0;
    # C (has contacts) then takes one from A, the most above its quota → 2, 1, 1.
    assert allocate({"A": 10, "B": 5, "C": 1}, 4) == {"A": 2, "B": 1, "C": 1}
    # n = 2 < 3 strata: no minimum; quotas 1.25, 0.625, 0.125 → 1, 0, 0 + remainder to B → 1, 1, 0
    assert allocate({"A": 10, "B": 5, "C": 1}, 2) == {"A": 1, "B": 1, "C": 0}
    # N ≤ n: everything; empty strata left out
    assert allocate({"A": 2, "B": 1, "E": 0}, 5) == {"A": 2, "B": 1}
    # n = 10 of 20 + 10: quotas 6.67, 3.33 → 6, 3 + remainder to A → 7, 3
    assert allocate({"A": 20, "B": 10}, 10) == {"A": 7, "B": 3}


def test_selection_is_deterministic_per_seed_and_stratified() -> None:
    strata = {"tax/resolved": list(range(1, 21)), "water/transferred": list(range(100, 110))}
    one = select(strata, 6, seed="audit-1", month="2026-09", agent_id=7)
    assert one == select(strata, 6, seed="audit-1", month="2026-09", agent_id=7)
    # quotas 4 and 2 exactly
    assert [k for k, _ in one].count("tax/resolved") == 4
    assert [k for k, _ in one].count("water/transferred") == 2
    assert all(cid in strata[k] for k, cid in one)
    others = {tuple(select(strata, 6, seed=f"s{i}", month="2026-09", agent_id=7)) for i in range(5)}
    assert len(others) > 1
