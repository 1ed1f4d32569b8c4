"""Contact-center indicators: each defined once here, with its formula, unit, source and data needs.

Definitions follow ISO 18295-1:2017 (customer contact centres — requirements for service performance),
which asks a centre to measure accessibility and responsiveness, and the common industry practice
documented by COPC (service level x/y, average speed of answer, average handle time, abandonment,
first-contact resolution). Where a standard fixes no formula, the :class:`KpiDefinition` says
"common practice" and the formula chosen here. ``docs/kpis.md`` lists them all.

Vocabulary: a call is *offered* when it reached a queue or an agent and was either answered or
abandoned after the short-abandon threshold; calls that ended in the IVR, the source's PHANTOM records
and *short abandons* (the caller hung up within ``short_abandon_s`` seconds of queueing: a misdial or
an immediate change of mind the centre could not have answered) are not offered. Every ratio over zero
items is ``None`` (undefined), never 0. Indicators the data cannot support are ``None`` and the reason
is given in :data:`UNSUPPORTED`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from minwon.core.i18n import N_

RATIO = "ratio"
SECONDS = "seconds"
CALLS = "calls"
CONTACTS = "contacts"
SCORE = "score"

ISO_18295 = "ISO 18295-1:2017 (service performance measures)"
COPC = "COPC CX Standard (common practice)"
COMMON = "common practice (formula chosen here)"


@dataclass(frozen=True)
class KpiDefinition:
    """An indicator.

    ``name`` is its code (JSON key), ``label`` an English msgid (translated in the UI), ``label_ko``
    the Korean label for the CLI, ``formula`` the formula in words (English msgid), ``unit`` one of
    ``calls``, ``contacts`` (counts), ``ratio`` (0–1), ``seconds``, ``score`` (1–5), ``source`` the
    standard or practice it follows and ``needs`` the data it is computed from.
    """

    name: str
    label: str
    label_ko: str
    formula: str
    unit: str
    source: str = COMMON
    needs: str = "calls"


DEFINITIONS: tuple[KpiDefinition, ...] = (
    KpiDefinition(
        "offered",
        N_("Offered"),
        "인입",
        N_("answered + abandoned (IVR-only, phantom and short-abandoned calls excluded)"),
        CALLS,
        ISO_18295,
    ),
    KpiDefinition("answered", N_("Answered"), "응대", N_("calls with an answer time"), CALLS, ISO_18295),
    KpiDefinition(
        "abandoned",
        N_("Abandoned"),
        "포기",
        N_("callers who hung up while queued, after the short-abandon threshold"),
        CALLS,
        ISO_18295,
    ),
    KpiDefinition(
        "short_abandoned",
        N_("Short abandons"),
        "단시간 포기",
        N_("callers who hung up within the short-abandon threshold (not offered)"),
        CALLS,
        COPC,
    ),
    KpiDefinition("answer_rate", N_("Answer rate"), "응대율", N_("answered ÷ offered"), RATIO, ISO_18295),
    KpiDefinition(
        "service_level",
        N_("Service level"),
        "서비스 레벨",
        N_("answered with queue wait ≤ threshold ÷ offered"),
        RATIO,
        COPC,
    ),
    KpiDefinition(
        "asa_s",
        N_("Average speed of answer"),
        "평균 응답 시간",
        N_("mean queue wait of answered calls"),
        SECONDS,
        COPC,
    ),
    KpiDefinition(
        "aht_s",
        N_("Average handle time"),
        "평균 처리 시간",
        N_("mean of talk + hold + after-call work over answered calls that ended"),
        SECONDS,
        COPC,
        "calls (talk, hold), contacts (after-call work)",
    ),
    KpiDefinition(
        "abandonment_rate", N_("Abandonment rate"), "포기율", N_("abandoned ÷ offered"), RATIO, ISO_18295
    ),
    KpiDefinition(
        "occupancy",
        N_("Occupancy"),
        "점유율",
        N_("handle time ÷ staffed time"),
        RATIO,
        COPC,
        "calls and agent staffed time (log-in / ready states)",
    ),
    KpiDefinition(
        "fcr",
        N_("First-contact resolution"),
        "1차 해결률",
        N_("first contacts resolved and not repeated within N days ÷ first contacts"),
        RATIO,
        COPC,
        "contacts (outcome, caller pseudonym, category)",
    ),
    KpiDefinition(
        "transfer_rate",
        N_("Transfer rate"),
        "이관율",
        N_("contacts transferred to a department ÷ contacts"),
        RATIO,
        COMMON,
        "contacts (outcome)",
    ),
    KpiDefinition(
        "repeat_rate",
        N_("Repeat-contact rate"),
        "재문의율",
        N_("contacts by a caller who had a contact of the same category in the N days before ÷ contacts"),
        RATIO,
        COMMON,
        "contacts (caller pseudonym, category, time)",
    ),
    KpiDefinition(
        "callback_kept_rate",
        N_("Callback kept rate"),
        "콜백 이행률",
        N_("callbacks done by their due time ÷ callbacks due (cancelled and not yet due excluded)"),
        RATIO,
        COMMON,
        "callbacks (due time, status, completion time)",
    ),
    KpiDefinition(
        "deadline_compliance",
        N_("Deadline compliance"),
        "처리기한 준수율",
        N_("cases closed by their due time ÷ cases due in the period"),
        RATIO,
        COMMON,
        "cases (due time, closing time)",
    ),
    KpiDefinition(
        "csat",
        N_("Customer satisfaction"),
        "고객 만족도",
        N_("overall-question survey answers rated 4 or 5 ÷ overall-question answers (top-2 box)"),
        RATIO,
        "ISO 18295-1:2017 (customer satisfaction measurement); top-2 box (common practice)",
        "survey answers (overall question), by the day of the contact or case surveyed",
    ),
)
BY_NAME: dict[str, KpiDefinition] = {d.name: d for d in DEFINITIONS}

#: Indicators the current data model cannot support, and why (their value is always ``None``).
UNSUPPORTED: dict[str, str] = {
    "occupancy": "not supported by the data: agents' staffed time (log-in / ready states) is not recorded",
}
#: Reason given for ``csat`` when the period has no answered surveys.
NO_SURVEY_DATA = "no survey data"


class KpiSettings(BaseSettings):
    """Thresholds and targets of the indicators, read from ``MINWON_KPI_<FIELD>`` (e.g.
    ``MINWON_KPI_SHORT_ABANDON_S=3``).

    Targets are ratios 0–1 (CSAT too: the top-2-box share). ``*_target`` is the green limit and
    ``*_amber`` the limit of the amber band: for "higher is better" indicators green is ≥ target,
    amber ≥ amber, red below; for the abandonment rate green is < target, amber < amber, red otherwise.
    """

    model_config = SettingsConfigDict(env_prefix="MINWON_KPI_", extra="ignore")

    #: Abandons within this many seconds of queueing are not offered (COPC practice: 5 s; 0 counts all).
    short_abandon_s: int = Field(default=5, ge=0, le=60)
    #: Window (days) in which a new contact of the same caller and category is a repeat.
    repeat_window_days: int = Field(default=7, ge=1, le=90)
    service_level_target: float = Field(default=0.80, ge=0, le=1)
    service_level_amber: float = Field(default=0.70, ge=0, le=1)
    abandonment_rate_target: float = Field(default=0.05, ge=0, le=1)
    abandonment_rate_amber: float = Field(default=0.10, ge=0, le=1)
    answer_rate_target: float = Field(default=0.95, ge=0, le=1)
    answer_rate_amber: float = Field(default=0.90, ge=0, le=1)
    fcr_target: float = Field(default=0.80, ge=0, le=1)
    fcr_amber: float = Field(default=0.70, ge=0, le=1)
    csat_target: float = Field(default=0.85, ge=0, le=1)
    csat_amber: float = Field(default=0.75, ge=0, le=1)
    deadline_compliance_target: float = Field(default=0.95, ge=0, le=1)
    deadline_compliance_amber: float = Field(default=0.90, ge=0, le=1)
    callback_kept_rate_target: float = Field(default=0.95, ge=0, le=1)
    callback_kept_rate_amber: float = Field(default=0.85, ge=0, le=1)


def kpi_settings() -> KpiSettings:
    """The current :class:`KpiSettings` (read from the environment each call, so tests can set it)."""
    return KpiSettings()


class Status(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


@dataclass(frozen=True)
class Target:
    """``green`` limit, ``amber`` limit, and whether a higher value is better."""

    green: float
    amber: float
    higher_is_better: bool = True

    def status(self, value: float | None) -> Status | None:
        """Traffic light of ``value``; ``None`` when the value is undefined.

        Higher is better: green ≥ ``green``, amber ≥ ``amber``, else red. Lower is better: green
        < ``green``, amber < ``amber``, else red (so abandonment of exactly 5 % is amber).
        """
        if value is None:
            return None
        if self.higher_is_better:
            if value >= self.green:
                return Status.GREEN
            return Status.AMBER if value >= self.amber else Status.RED
        if value < self.green:
            return Status.GREEN
        return Status.AMBER if value < self.amber else Status.RED


#: Indicators that have a target, and whether higher is better.
TARGETED: dict[str, bool] = {
    "service_level": True,
    "abandonment_rate": False,
    "answer_rate": True,
    "fcr": True,
    "csat": True,
    "deadline_compliance": True,
    "callback_kept_rate": True,
}


def targets(settings: KpiSettings | None = None) -> dict[str, Target]:
    """The target of each indicator in :data:`TARGETED`, from ``settings`` (default: environment)."""
    s = settings or kpi_settings()
    return {
        name: Target(getattr(s, f"{name}_target"), getattr(s, f"{name}_amber"), higher)
        for name, higher in TARGETED.items()
    }


def statuses(values: dict[str, Any], goals: dict[str, Target] | None = None) -> dict[str, str | None]:
    """``{indicator: "green" | "amber" | "red" | None}`` for each targeted indicator in ``values``."""
    goals = goals or targets()
    out: dict[str, str | None] = {}
    for name, target in goals.items():
        if name in values:
            light = target.status(values[name])
            out[name] = light.value if light is not None else None
    return out


def targets_json(goals: dict[str, Target] | None = None) -> dict[str, dict[str, Any]]:
    """``{indicator: {"green": x, "amber": y, "direction": "higher"|"lower"}}`` for JSON output."""
    goals = goals or targets()
    return {
        name: {"green": t.green, "amber": t.amber, "direction": "higher" if t.higher_is_better else "lower"}
        for name, t in goals.items()
    }


@dataclass(frozen=True)
class KpiCounts:
    """What the database counts for a set of calls (durations in seconds)."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
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


@dataclass(frozen=True)
class ContactCounts:
    """What the database counts for a set of contact records, callbacks and cases."""

    contacts: int = 0
    resolved: int = 0
    transferred: int = 0
    callback: int = 0
    #: Contacts preceded by a contact of the same caller and category within the repeat window.
    repeats: int = 0
    #: Contacts that are not repeats, and those of them resolved and not followed by a repeat.
    first_contacts: int = 0
    first_contacts_resolved: int = 0
    callbacks_due: int = 0
    callbacks_kept: int = 0
    cases_due: int = 0
    cases_on_time: int = 0

    def __add__(self, other: ContactCounts) -> ContactCounts:
        return ContactCounts(
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


def occupancy(handle_s: int, staffed_s: int | None) -> float | None:
    """Handle time ÷ staffed time (0–1); ``None`` when staffed time is unknown or 0 (see UNSUPPORTED)."""
    return ratio(handle_s, staffed_s) if staffed_s is not None else None


def compute(counts: KpiCounts, *, sl_threshold_s: int, short_abandon_s: int | None = None) -> dict[str, Any]:
    """The call indicators from ``counts``, unrounded, plus the counts behind them.

    Keys: offered, answered, abandoned, short_abandoned, answered_within_threshold, ended_in_ivr
    (ints); service_level, abandonment_rate, answer_rate, occupancy (0–1 or None); asa_s, aht_s
    (seconds or None); sl_threshold_s, short_abandon_s (int seconds).
    """
    return {
        "offered": counts.offered,
        "answered": counts.answered,
        "abandoned": counts.abandoned,
        "short_abandoned": counts.short_abandoned,
        "answered_within_threshold": counts.answered_within_threshold,
        "ended_in_ivr": counts.ended_in_ivr,
        "service_level": service_level(counts.answered_within_threshold, counts.offered),
        "sl_threshold_s": sl_threshold_s,
        "short_abandon_s": kpi_settings().short_abandon_s if short_abandon_s is None else short_abandon_s,
        "asa_s": mean(counts.wait_total_s, counts.wait_count),
        "aht_s": mean(counts.handle_total_s, counts.handle_count),
        "abandonment_rate": abandonment_rate(counts.abandoned, counts.offered),
        "answer_rate": answer_rate(counts.answered, counts.offered),
        "occupancy": occupancy(counts.handle_total_s, None),
    }


def compute_contacts(counts: ContactCounts, *, repeat_window_days: int) -> dict[str, Any]:
    """The contact, callback and case indicators from ``counts``, unrounded, plus the counts.

    Keys: contacts, resolved, transferred, callback, repeats, first_contacts, first_contacts_resolved,
    callbacks_due, callbacks_kept, cases_due, cases_on_time (ints); fcr, transfer_rate, repeat_rate,
    callback_kept_rate, deadline_compliance (0–1 or None); csat (None here: :func:`with_csat` sets it);
    repeat_window_days (int).
    """
    return {
        "contacts": counts.contacts,
        "resolved": counts.resolved,
        "transferred": counts.transferred,
        "callback": counts.callback,
        "repeats": counts.repeats,
        "first_contacts": counts.first_contacts,
        "first_contacts_resolved": counts.first_contacts_resolved,
        "repeat_window_days": repeat_window_days,
        "fcr": ratio(counts.first_contacts_resolved, counts.first_contacts),
        "transfer_rate": ratio(counts.transferred, counts.contacts),
        "repeat_rate": ratio(counts.repeats, counts.contacts),
        "callbacks_due": counts.callbacks_due,
        "callbacks_kept": counts.callbacks_kept,
        "callback_kept_rate": ratio(counts.callbacks_kept, counts.callbacks_due),
        "cases_due": counts.cases_due,
        "cases_on_time": counts.cases_on_time,
        "deadline_compliance": ratio(counts.cases_on_time, counts.cases_due),
        "csat": None,
    }


def with_csat(values: dict[str, Any], satisfied: int, answers: int) -> dict[str, Any]:
    """``values`` with ``csat`` (top-2 box: ``satisfied`` ÷ ``answers``, None without answers),
    ``csat_answers`` and ``csat_satisfied`` set (in place; returned for chaining)."""
    values["csat"] = ratio(satisfied, answers)
    values["csat_answers"] = answers
    values["csat_satisfied"] = satisfied
    return values


def rounded(values: dict[str, Any], *, ratio_digits: int = 4, seconds_digits: int = 2) -> dict[str, Any]:
    """A copy of ``values`` with ratios rounded to ``ratio_digits`` and seconds to ``seconds_digits``.

    Keys that are not indicators of a ratio, seconds or score unit are copied unchanged.
    """
    out = dict(values)
    for name, value in values.items():
        definition = BY_NAME.get(name)
        if definition is None or not isinstance(value, float):
            continue
        if definition.unit == RATIO:
            out[name] = round(value, ratio_digits)
        elif definition.unit in (SECONDS, SCORE):
            out[name] = round(value, seconds_digits)
    return out


def format_value(name: str, value: Any) -> str:
    """Display text of an indicator: ``81.2%`` for ratios, ``23.4`` for seconds, ``4.2`` for scores,
    ``1,234`` for counts, ``—`` when undefined."""
    if value is None:
        return "—"
    unit = BY_NAME[name].unit if name in BY_NAME else CALLS
    if unit == RATIO:
        return f"{value * 100:.1f}%"
    if unit in (SECONDS, SCORE):
        return f"{value:.1f}"
    return f"{value:,}"
