"""Scorecard definitions and evaluation scores: pure rules, no database.

Rules (center policy, after ISO 18295-1 §4.6 "monitoring of customer contacts"):

* A criterion has a ``weight`` in points (integer ≥ 0) and a scale ``0…max_score`` (``kind="scale"``)
  or yes/no (``kind="yes_no"``: 1 = yes, 0 = no, so ``max_score`` is 1).
* The total in points 0–100 is ``100 · Σ weightᵢ·(scoreᵢ/maxᵢ) / Σ weightᵢ`` (weights are normalised,
  so they need not add up to 100), rounded to 2 decimals.
* A **critical** criterion fails when its score is 0. Any critical failure fails the whole evaluation:
  the total is 0 and the result is "fail", whatever the other scores.
* The evaluation passes when no critical item failed and ``total ≥ pass_score``
  (``MINWON_QA_PASS_SCORE``, default 80).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from minwon.core.errors import ValidationError
from minwon.core.i18n import N_

KINDS = ("scale", "yes_no")
#: Highest scale a criterion may use (0…10).
MAX_SCALE = 10
MAX_WEIGHT = 100
MAX_LABEL = 200
MAX_TEXT = 2000


@dataclass(frozen=True)
class Criterion:
    """One item of a scorecard: ``weight`` in points, scores ``0…max_score``."""

    key: str
    section: str
    label: str
    guidance: str
    weight: int
    max_score: int
    kind: str
    critical: bool


@dataclass(frozen=True)
class Result:
    """An evaluation's outcome: ``total`` in points 0–100, ``passed`` against the threshold."""

    total: float
    critical_failed: bool
    passed: bool
    failed_critical_keys: tuple[str, ...] = ()


def _int(value: Any, message: str, field: str) -> int:
    if isinstance(value, bool):
        raise ValidationError(message, field=field)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(message, field=field) from None
    return number


def parse_definition(definition: Mapping[str, Any]) -> list[Criterion]:
    """The criteria of a definition ``{"sections": [{"title", "criteria": [...]}]}``, in order.

    Raises ValidationError when a section has no title, a criterion no label, a weight is not an
    integer 0–100, a scale is not 1–10, a key repeats, there is no criterion, or all weights are 0.
    """
    criteria: list[Criterion] = []
    seen: set[str] = set()
    for section in definition.get("sections") or []:
        title = str(section.get("title") or "").strip()
        if not title:
            raise ValidationError(N_("Every section needs a title."), field="sections")
        for raw in section.get("criteria") or []:
            key = str(raw.get("key") or "").strip()
            label = str(raw.get("label") or "").strip()
            if not label:
                raise ValidationError(N_("Every criterion needs a label."), field="criteria")
            if not key or key in seen or len(key) > 20:
                raise ValidationError(N_("Criterion keys must be unique."), field="criteria")
            if len(label) > MAX_LABEL or len(str(raw.get("guidance") or "")) > MAX_TEXT:
                raise ValidationError(N_("A criterion's label or guidance is too long."), field="criteria")
            seen.add(key)
            kind = str(raw.get("kind") or "scale")
            if kind not in KINDS:
                raise ValidationError(N_("A criterion's scale must be 0–N or yes/no."), field="criteria")
            weight = _int(raw.get("weight"), N_("Weights must be whole points from 0 to 100."), "criteria")
            if not 0 <= weight <= MAX_WEIGHT:
                raise ValidationError(N_("Weights must be whole points from 0 to 100."), field="criteria")
            if kind == "yes_no":
                max_score = 1
            else:
                max_score = _int(raw.get("max_score"), N_("A scale must go from 0 to 1–10."), "criteria")
                if not 1 <= max_score <= MAX_SCALE:
                    raise ValidationError(N_("A scale must go from 0 to 1–10."), field="criteria")
            criteria.append(
                Criterion(
                    key=key,
                    section=title,
                    label=label,
                    guidance=str(raw.get("guidance") or "").strip(),
                    weight=weight,
                    max_score=max_score,
                    kind=kind,
                    critical=bool(raw.get("critical")),
                )
            )
    if not criteria:
        raise ValidationError(N_("A scorecard needs at least one criterion."), field="criteria")
    if sum(c.weight for c in criteria) == 0:
        raise ValidationError(N_("At least one criterion must carry points."), field="criteria")
    return criteria


def validate_scores(criteria: Sequence[Criterion], scores: Mapping[str, Any]) -> dict[str, int]:
    """``scores`` (criterion key → number or text) checked against ``criteria``: every criterion scored,
    each an integer in ``0…max_score``, no unknown key. Raises ValidationError (``field`` = the key)."""
    known = {c.key for c in criteria}
    for key in scores:
        if key not in known:
            raise ValidationError(N_("The score names a criterion that is not on the scorecard."), field=key)
    out: dict[str, int] = {}
    for c in criteria:
        raw = scores.get(c.key)
        if raw is None or str(raw).strip() == "":
            raise ValidationError(N_("Score every criterion."), field=c.key)
        value = _int(raw, N_("A score must be a whole number."), c.key)
        if not 0 <= value <= c.max_score:
            raise ValidationError(N_("A score is outside the criterion's scale."), field=c.key)
        out[c.key] = value
    return out


def compute(criteria: Sequence[Criterion], scores: Mapping[str, int], *, pass_score: float) -> Result:
    """Total, critical failure and pass/fail of validated ``scores`` (see the module rules)."""
    failed = tuple(c.key for c in criteria if c.critical and scores[c.key] == 0)
    if failed:
        return Result(total=0.0, critical_failed=True, passed=False, failed_critical_keys=failed)
    weight_sum = sum(c.weight for c in criteria)
    earned = sum(c.weight * scores[c.key] / c.max_score for c in criteria)
    total = round(100 * earned / weight_sum, 2)
    return Result(total=total, critical_failed=False, passed=total >= pass_score)


@dataclass(frozen=True)
class Spread:
    """Spread of several evaluators' values: ``range`` = max − min, ``sd`` the population standard
    deviation (√(Σ(x−mean)²/n)); ``None`` with fewer than two values."""

    n: int
    mean: float | None
    range: float | None
    sd: float | None


def spread(values: Sequence[float]) -> Spread:
    """:class:`Spread` of ``values`` (calibration report, in the values' unit)."""
    n = len(values)
    if n == 0:
        return Spread(0, None, None, None)
    mean = sum(values) / n
    if n < 2:
        return Spread(n, mean, None, None)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / n)
    return Spread(n, round(mean, 2), round(max(values) - min(values), 2), round(sd, 2))
