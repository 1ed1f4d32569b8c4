"""Contact-center indicators: one definition each, and the arithmetic from counts (pure).

Definitions follow common contact-center practice as used with KS/ISO 18295-1 (service level x/y,
average speed of answer, average handle time, abandonment rate): a call is *offered* when it reached a
queue or an agent and was either answered or abandoned; calls that ended in the IVR and the source's
PHANTOM records are not offered. Every ratio of zero calls is ``None`` (undefined), never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from minwon.core.i18n import N_

RATIO = "ratio"
SECONDS = "seconds"
CALLS = "calls"


@dataclass(frozen=True)
class KpiDefinition:
    """An indicator: code ``name``, its label (English msgid, translated in the UI) and Korean label,
    the formula in words (English msgid) and the unit (``calls``, ``ratio`` 0–1, ``seconds``)."""

    name: str
    label: str
    label_ko: str
    formula: str
    unit: str


DEFINITIONS: tuple[KpiDefinition, ...] = (
    KpiDefinition(
        "offered",
        N_("Offered"),
        "인입",
        N_("answered + abandoned (IVR-only and phantom calls excluded)"),
        CALLS,
    ),
    KpiDefinition("answered", N_("Answered"), "응대", N_("calls with an answer time"), CALLS),
    KpiDefinition("abandoned", N_("Abandoned"), "포기", N_("callers who hung up while queued"), CALLS),
    KpiDefinition(
        "service_level",
        N_("Service level"),
        "서비스 레벨",
        N_("answered with queue wait ≤ threshold ÷ offered"),
        RATIO,
    ),
    KpiDefinition(
        "asa_s",
        N_("Average speed of answer"),
        "평균 응답 시간",
        N_("mean queue wait of answered calls"),
        SECONDS,
    ),
    KpiDefinition(
        "aht_s",
        N_("Average handle time"),
        "평균 처리 시간",
        N_("mean of talk + hold + after-call work over answered calls that ended"),
        SECONDS,
    ),
    KpiDefinition("abandonment_rate", N_("Abandonment rate"), "포기율", N_("abandoned ÷ offered"), RATIO),
    KpiDefinition("answer_rate", N_("Answer rate"), "응대율", N_("answered ÷ offered"), RATIO),
)
BY_NAME: dict[str, KpiDefinition] = {d.name: d for d in DEFINITIONS}


@dataclass(frozen=True)
class KpiCounts:
    """What the database counts for a set of calls (durations in seconds)."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    #: Answered with queue wait ≤ the service-level threshold.
    answered_within_threshold: int = 0
    #: Sum and number of queue waits of answered calls.
    wait_total_s: int = 0
    wait_count: int = 0
    #: Sum and number of handle times (talk + hold + ACW) of answered calls that ended.
    handle_total_s: int = 0
    handle_count: int = 0
    ended_in_ivr: int = 0

    def __add__(self, other: KpiCounts) -> KpiCounts:
        return KpiCounts(
            **{name: getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__}
        )


def ratio(numerator: int, denominator: int) -> float | None:
    """``numerator / denominator``, or ``None`` when the denominator is 0."""
    return numerator / denominator if denominator else None


def mean(total: float, count: int) -> float | None:
    """``total / count`` (seconds), or ``None`` for no observations."""
    return total / count if count else None


def service_level(answered_within: int, offered: int) -> float | None:
    """Share of offered calls answered within the threshold (0–1)."""
    return ratio(answered_within, offered)


def abandonment_rate(abandoned: int, offered: int) -> float | None:
    return ratio(abandoned, offered)


def answer_rate(answered: int, offered: int) -> float | None:
    return ratio(answered, offered)


def compute(counts: KpiCounts, *, sl_threshold_s: int) -> dict[str, Any]:
    """All indicators of :data:`DEFINITIONS` from ``counts``, unrounded, plus the counts behind them.

    Keys: offered, answered, abandoned, answered_within_threshold, ended_in_ivr (ints);
    service_level, abandonment_rate, answer_rate (0–1 or None); asa_s, aht_s (seconds or None);
    sl_threshold_s (int).
    """
    return {
        "offered": counts.offered,
        "answered": counts.answered,
        "abandoned": counts.abandoned,
        "answered_within_threshold": counts.answered_within_threshold,
        "ended_in_ivr": counts.ended_in_ivr,
        "service_level": service_level(counts.answered_within_threshold, counts.offered),
        "sl_threshold_s": sl_threshold_s,
        "asa_s": mean(counts.wait_total_s, counts.wait_count),
        "aht_s": mean(counts.handle_total_s, counts.handle_count),
        "abandonment_rate": abandonment_rate(counts.abandoned, counts.offered),
        "answer_rate": answer_rate(counts.answered, counts.offered),
    }


def rounded(values: dict[str, Any], *, ratio_digits: int = 4, seconds_digits: int = 2) -> dict[str, Any]:
    """A copy of ``values`` with ratios rounded to ``ratio_digits`` and seconds to ``seconds_digits``.

    Keys that are not indicators of a ratio or seconds unit are copied unchanged.
    """
    out = dict(values)
    for name, value in values.items():
        definition = BY_NAME.get(name)
        if definition is None or not isinstance(value, float):
            continue
        if definition.unit == RATIO:
            out[name] = round(value, ratio_digits)
        elif definition.unit == SECONDS:
            out[name] = round(value, seconds_digits)
    return out


def format_value(name: str, value: Any) -> str:
    """Display text of an indicator: ``81.2%`` for ratios, ``23.4`` for seconds, ``1,234`` for counts,
    ``—`` when undefined."""
    if value is None:
        return "—"
    unit = BY_NAME[name].unit if name in BY_NAME else CALLS
    if unit == RATIO:
        return f"{value * 100:.1f}%"
    if unit == SECONDS:
        return f"{value:.1f}"
    return f"{value:,}"
