"""Month summaries that the management review report (ISO 9001 §9.3) reads from each quality domain.

Each domain returns one of these plain values for a month, so the report never queries another
domain's tables. A summary with zero counts means "no data this month"; the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class QuestionResult:
    """One survey question over the month: ``mean`` on the 1–5 scale, ``n`` answers."""

    label: str
    mean: float | None
    n: int


@dataclass(frozen=True)
class SurveySummary:
    """Satisfaction surveys of the month (ISO 9001 §9.1.2, CSAT = top-2 box share).

    ``csat`` and ``response_rate`` are fractions 0–1 (``None`` without responses/invitations);
    ``mean_rating`` is on the 1–5 scale.
    """

    invited: int
    responded: int
    response_rate: float | None
    csat: float | None
    mean_rating: float | None
    questions: list[QuestionResult] = field(default_factory=list)
    low_score_followups_opened: int = 0
    low_score_followups_open: int = 0
    complaints_recorded: int = 0
    complaints_open: int = 0


@dataclass(frozen=True)
class AgentScore:
    """Evaluations of one counselor in the month: ``mean_score`` in points 0–100."""

    agent: str
    evaluations: int
    mean_score: float | None
    critical_failures: int


@dataclass(frozen=True)
class EvaluationSummary:
    """Contact evaluations (QA, ISO 18295-1) completed in the month.

    ``mean_score`` in points 0–100; ``pass_rate`` a fraction 0–1; ``calibration_mean_spread`` is the
    mean over the month's calibration sessions of (max − min) total score, in points.
    """

    completed: int
    mean_score: float | None
    pass_rate: float | None
    critical_failures: int
    disputed: int
    disputes_resolved: int
    by_agent: list[AgentScore] = field(default_factory=list)
    calibration_sessions: int = 0
    calibration_mean_spread: float | None = None
    coaching_notes: int = 0


@dataclass(frozen=True)
class NonconformityItem:
    """One open or recently closed register entry, as listed in the report."""

    reference: str
    title: str
    source: str
    owner: str | None
    due: date | None
    status: str
    overdue: bool


@dataclass(frozen=True)
class CapaSummary:
    """Nonconformities and corrective actions (ISO 9001 §10.2) for the month.

    ``by_source`` counts entries opened in the month by source (kpi, survey, complaint, evaluation,
    audit, other); ``items`` lists entries open at the month's end or closed during it.
    """

    opened: int
    closed: int
    open_at_end: int
    overdue: int
    effectiveness_confirmed: int
    by_source: dict[str, int] = field(default_factory=dict)
    items: list[NonconformityItem] = field(default_factory=list)
