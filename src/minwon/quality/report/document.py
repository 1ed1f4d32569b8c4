"""The report as a format-neutral document: sections of paragraphs, tables and charts, in one locale.

:func:`build_document` turns :class:`~minwon.quality.report.collect.ReportData` into a
:class:`Document`; the PDF, HTML and XLSX writers only lay it out. All wording lives here (English
msgids, translated with the catalogue of ``locale``); all numbers come from the collected data and are
formatted with :func:`minwon.quality.kpi.format_value`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from minwon.capa.models import SOURCE_LABELS as CAPA_SOURCE_LABELS
from minwon.capa.models import STATUS_LABELS as CAPA_STATUS_LABELS
from minwon.core.clock import to_local
from minwon.core.i18n import N_, gettext
from minwon.quality.kpi import BY_NAME, DEFINITIONS, RATIO, SCORE, SECONDS, format_value
from minwon.quality.report import charts
from minwon.quality.report.collect import Progress, ReportData

TITLE = N_("Management review report")

#: Section keys and their headings, in report order (the HTML/PDF headings, the XLSX sheet names).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", N_("Summary")),
    ("kpis", N_("KPIs against targets")),
    ("trends", N_("Trends over the last 12 months")),
    ("surveys", N_("Customer satisfaction surveys")),
    ("evaluations", N_("Contact evaluations")),
    ("capa", N_("Nonconformities and corrective actions")),
    ("kb", N_("Knowledge base document control")),
    ("access", N_("Personal-data access review")),
    ("inputs", N_("Management review inputs (ISO 9001 §9.3.2)")),
)

STATUS_TEXT = {
    "green": N_("on target"),
    "amber": N_("near target"),
    "red": N_("off target"),
    None: N_("no data"),
}
#: Indicators drawn on the KPI-vs-target chart (ratios with a target).
CHART_KPIS = (
    "service_level",
    "answer_rate",
    "abandonment_rate",
    "fcr",
    "deadline_compliance",
    "callback_kept_rate",
)
TREND_COLUMNS = (
    "offered",
    "answered",
    "abandoned",
    "service_level",
    "abandonment_rate",
    "asa_s",
    "aht_s",
    "fcr",
    "csat",
)

#: The reasons :data:`minwon.quality.kpi.UNSUPPORTED` gives, marked for translation (shown translated).
UNSUPPORTED_REASONS = (
    N_("not supported by the data: agents' staffed time (log-in / ready states) is not recorded"),
    N_("no survey data"),
)

NUMBER_FORMATS = {RATIO: "0.0%", SECONDS: "0.0", SCORE: "0.00"}


@dataclass(frozen=True)
class Cell:
    """``text`` as shown; ``value`` the raw number for spreadsheets (``None`` = text only) with its
    Excel ``number_format``; ``status`` a traffic light to colour the cell."""

    text: str
    value: Any = None
    number_format: str | None = None
    status: str | None = None


def is_number(value: Any) -> bool:
    """A number for display purposes (``bool`` is not)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Cell]]
    #: Relative column widths (PDF); ``None`` = equal.
    widths: list[float] | None = None

    def numeric_columns(self) -> set[int]:
        """Columns after the first whose cells are all numbers or "—" (shown right-aligned)."""
        return {
            i
            for i in range(1, len(self.columns))
            if self.rows
            and all(is_number(row[i].value) or row[i].text == "—" for row in self.rows if i < len(row))
        }


@dataclass(frozen=True)
class Chart:
    title: str
    png: bytes


@dataclass(frozen=True)
class Heading:
    """A sub-heading inside a section."""

    text: str


@dataclass(frozen=True)
class Link:
    """A link into the app (only in documents built for the page; the files have none)."""

    text: str
    href: str


Block = str | Table | Chart | Heading | Link


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    title: str
    subtitle: str
    month: str
    locale: str
    sections: list[Section]
    generated_at: datetime | None = None


def kpi_cell(name: str, value: Any, status: str | None = None) -> Cell:
    """A cell of indicator ``name`` (text by :func:`format_value`, number kept for spreadsheets)."""
    unit = BY_NAME[name].unit if name in BY_NAME else None
    fmt = NUMBER_FORMATS.get(unit or "", "#,##0")
    return Cell(format_value(name, value), value, fmt if value is not None else None, status)


def _count(value: int) -> Cell:
    return Cell(f"{value:,}", value, "#,##0")


def _fraction(value: float | None) -> Cell:
    return Cell("—" if value is None else f"{value * 100:.1f}%", value, "0.0%" if value is not None else None)


def _number(value: float | None, digits: int = 1) -> Cell:
    fmt = "0." + "0" * digits
    return Cell("—" if value is None else f"{value:.{digits}f}", value, fmt if value is not None else None)


def _text(value: Any) -> Cell:
    return Cell("—" if value is None or value == "" else str(value))


class _Builder:
    def __init__(self, data: ReportData, locale: str, progress: Progress | None, app_links: bool) -> None:
        self.app_links = app_links
        self.data = data
        self.locale = locale
        self.progress = progress
        self.sections: dict[str, Section] = {key: Section(key, self.t(title)) for key, title in SECTIONS}

    def t(self, msgid: str, **kw: Any) -> str:
        text = gettext(self.locale, msgid)
        return text.format(**kw) if kw else text

    def status_text(self, light: str | None) -> str:
        return self.t(STATUS_TEXT.get(light, STATUS_TEXT[None]))

    def label(self, name: str) -> str:
        return self.t(BY_NAME[name].label)

    def target_text(self, name: str) -> str:
        goal = self.data.goals.get(name)
        if goal is None:
            return ""
        sign = "≥" if goal.higher_is_better else "<"
        return f"{sign} {format_value(name, goal.green)}"

    def not_available(self, what: str) -> str:
        return self.t(N_("Data not available: {what} are not connected to this installation yet."), what=what)

    # ── sections ──────────────────────────────────────────────────────────────

    def summary(self) -> None:
        d = self.data
        lights = Counter(v for v in d.status.values())
        blocks = self.sections["summary"].blocks
        blocks.append(
            self.t(
                N_("Period: {first} to {last} (Asia/Seoul). Generated {when}."),
                first=d.first_day.isoformat(),
                last=d.last_day.isoformat(),
                when=f"{to_local(d.generated_at):%Y-%m-%d %H:%M}",
            )
        )
        blocks.append(
            self.t(
                N_(
                    "Indicators with a target: {green} on target, {amber} near target, {red} off target, {none} without data."  # noqa: E501
                ),
                green=lights.get("green", 0),
                amber=lights.get("amber", 0),
                red=lights.get("red", 0),
                none=lights.get(None, 0),
            )
        )
        rows = []
        for name in (
            "offered",
            "answered",
            "abandoned",
            "service_level",
            "asa_s",
            "aht_s",
            "abandonment_rate",
            "fcr",
        ):
            rows.append([_text(self.label(name)), kpi_cell(name, d.kpis.get(name), d.status.get(name))])
        blocks.append(Table([self.t(N_("Indicator")), self.t(N_("Value"))], rows, [3, 2]))

    def kpis(self) -> None:
        d = self.data
        blocks = self.sections["kpis"].blocks
        blocks.append(
            self.t(
                N_(
                    "Service level threshold: {seconds} s. Short abandons (within {short} s) are not offered."
                ),
                seconds=d.kpis.get("sl_threshold_s"),
                short=d.kpis.get("short_abandon_s"),
            )
        )
        rows = []
        for definition in DEFINITIONS:
            name = definition.name
            value = d.kpis.get(name)
            light = d.status.get(name)
            rows.append(
                [
                    _text(self.t(definition.label)),
                    kpi_cell(name, value, light),
                    _text(self.target_text(name)),
                    Cell(self.status_text(light) if name in d.status else "", status=light),
                ]
            )
        blocks.append(
            Table(
                [self.t(N_("Indicator")), self.t(N_("Value")), self.t(N_("Target")), self.t(N_("Status"))],
                rows,
                [4, 2, 2, 2],
            )
        )
        for name, reason in d.kpis.get("unsupported", {}).items():
            if d.kpis.get(name) is None:
                blocks.append(
                    self.t(
                        N_("{indicator}: not computed ({reason})."),
                        indicator=self.label(name),
                        reason=self.t(reason),
                    )
                )
        names = [n for n in CHART_KPIS if n in BY_NAME]
        if BY_NAME["csat"].unit == RATIO:
            names.append("csat")
        goals = [d.goals[n].green if n in d.goals else None for n in names]
        blocks.append(
            Chart(
                self.t(N_("KPIs against targets")),
                charts.kpi_vs_target(
                    [self.label(n) for n in names],
                    [d.kpis.get(n) for n in names],
                    goals,
                    [d.status.get(n) for n in names],
                    title=self.t(N_("KPIs against targets")) + f" ({d.month})",
                    target_label=self.t(N_("Target")),
                    no_data=self.t(N_("no data")),
                ),
            )
        )

    def trends(self) -> None:
        d = self.data
        blocks = self.sections["trends"].blocks
        months = [t["month"] for t in d.trend]
        rows = []
        for t, lights in zip(d.trend, d.trend_status, strict=True):
            rows.append([_text(t["month"]), *(kpi_cell(n, t.get(n), lights.get(n)) for n in TREND_COLUMNS)])
        blocks.append(
            Table(
                [self.t(N_("Month")), *(self.label(n) for n in TREND_COLUMNS)],
                rows,
                [1.6] + [1.0] * len(TREND_COLUMNS),
            )
        )
        has_calls = any(t.get("offered") for t in d.trend)
        if not has_calls:
            blocks.append(self.t(N_("No calls were recorded in these 12 months.")))
        else:
            blocks.append(
                Chart(
                    self.t(N_("Offered and answered calls")),
                    charts.volume_bars(
                        months,
                        [
                            (self.label("offered"), [t.get("offered") or 0 for t in d.trend]),
                            (self.label("answered"), [t.get("answered") or 0 for t in d.trend]),
                        ],
                        title=self.t(N_("Offered and answered calls")),
                        unit=self.t(N_("calls")),
                    ),
                )
            )
        ratio_series = [
            (self.label(n), [t.get(n) for t in d.trend])
            for n in ("service_level", "abandonment_rate", "fcr")
            if any(t.get(n) is not None for t in d.trend)
        ]
        if BY_NAME["csat"].unit == RATIO and any(t.get("csat") is not None for t in d.trend):
            ratio_series.append((self.label("csat"), [t.get("csat") for t in d.trend]))
        sl_goal = d.goals.get("service_level")
        if ratio_series:
            blocks.append(
                Chart(
                    self.t(N_("Rate indicators by month")),
                    charts.trend_lines(
                        months,
                        ratio_series,
                        title=self.t(N_("Rate indicators by month")),
                        percent=True,
                        target=(self.t(N_("Service level target")), sl_goal.green) if sl_goal else None,
                    ),
                )
            )
        if has_calls:
            blocks.append(
                Chart(
                    self.t(N_("Speed of answer and handle time")),
                    charts.trend_lines(
                        months,
                        [(self.label(n), [t.get(n) for t in d.trend]) for n in ("asa_s", "aht_s")],
                        title=self.t(N_("Speed of answer and handle time")),
                        percent=False,
                        unit=self.t(N_("seconds")),
                    ),
                )
            )
        if BY_NAME["csat"].unit != RATIO and any(t.get("csat") is not None for t in d.trend):
            blocks.append(
                Chart(
                    self.label("csat"),
                    charts.trend_lines(
                        months,
                        [(self.label("csat"), [t.get("csat") for t in d.trend])],
                        title=self.label("csat"),
                        percent=False,
                    ),
                )
            )

    def surveys(self) -> None:
        s = self.data.surveys
        blocks = self.sections["surveys"].blocks
        if s is None:
            blocks.append(self.not_available(self.t(N_("survey results"))))
            return
        if s.invited == 0 and s.responded == 0 and s.complaints_recorded == 0:
            blocks.append(
                self.t(N_("There were no survey invitations, responses or service complaints this month."))
            )
            return
        metric = self.t(N_("Measure"))
        rows = [
            [_text(self.t(N_("Invitations sent"))), _count(s.invited)],
            [_text(self.t(N_("Responses"))), _count(s.responded)],
            [_text(self.t(N_("Response rate"))), _fraction(s.response_rate)],
            [_text(self.t(N_("CSAT (share answering 4 or 5)"))), _fraction(s.csat)],
            [_text(self.t(N_("Mean rating (1–5)"))), _number(s.mean_rating, 2)],
            [_text(self.t(N_("Low-score follow-ups opened"))), _count(s.low_score_followups_opened)],
            [_text(self.t(N_("Low-score follow-ups still open"))), _count(s.low_score_followups_open)],
            [_text(self.t(N_("Service complaints recorded"))), _count(s.complaints_recorded)],
            [_text(self.t(N_("Service complaints still open"))), _count(s.complaints_open)],
        ]
        blocks.append(Table([metric, self.t(N_("Value"))], rows, [3, 2]))
        if s.questions:
            blocks.append(Heading(self.t(N_("Results per question"))))
            blocks.append(
                Table(
                    [self.t(N_("Survey question")), self.t(N_("Mean (1–5)")), self.t(N_("Answers"))],
                    [[_text(q.label), _number(q.mean, 2), _count(q.n)] for q in s.questions],
                    [5, 1.5, 1.5],
                )
            )
            blocks.append(
                Chart(
                    self.t(N_("Mean rating per question")),
                    charts.horizontal_bars(
                        [q.label for q in s.questions],
                        [q.mean for q in s.questions],
                        title=self.t(N_("Mean rating per question")),
                        xmax=5,
                        fmt="{:.2f}",
                    ),
                )
            )

    def evaluations(self) -> None:
        e = self.data.evaluations
        blocks = self.sections["evaluations"].blocks
        if e is None:
            blocks.append(self.not_available(self.t(N_("contact evaluations"))))
            return
        if e.completed == 0:
            blocks.append(self.t(N_("No contact evaluations were completed this month.")))
            return
        rows = [
            [_text(self.t(N_("Evaluations completed"))), _count(e.completed)],
            [_text(self.t(N_("Mean score (0–100)"))), _number(e.mean_score)],
            [_text(self.t(N_("Pass rate"))), _fraction(e.pass_rate)],
            [_text(self.t(N_("Critical failures"))), _count(e.critical_failures)],
            [_text(self.t(N_("Disputed"))), _count(e.disputed)],
            [_text(self.t(N_("Disputes resolved"))), _count(e.disputes_resolved)],
            [_text(self.t(N_("Calibration sessions"))), _count(e.calibration_sessions)],
            [_text(self.t(N_("Mean calibration spread (points)"))), _number(e.calibration_mean_spread)],
            [_text(self.t(N_("Coaching notes"))), _count(e.coaching_notes)],
        ]
        blocks.append(Table([self.t(N_("Measure")), self.t(N_("Value"))], rows, [3, 2]))
        if e.by_agent:
            blocks.append(Heading(self.t(N_("Scores per counselor"))))
            blocks.append(
                Table(
                    [
                        self.t(N_("Counselor")),
                        self.t(N_("Number of evaluations")),
                        self.t(N_("Mean score")),
                        self.t(N_("Critical failures")),
                    ],
                    [
                        [
                            _text(a.agent),
                            _count(a.evaluations),
                            _number(a.mean_score),
                            _count(a.critical_failures),
                        ]
                        for a in e.by_agent
                    ],
                    [3, 1.5, 1.5, 1.5],
                )
            )
            blocks.append(
                Chart(
                    self.t(N_("Mean evaluation score per counselor")),
                    charts.horizontal_bars(
                        [a.agent for a in e.by_agent],
                        [a.mean_score for a in e.by_agent],
                        title=self.t(N_("Mean evaluation score per counselor")),
                        xmax=100,
                        reference=(self.t(N_("Mean of all")), e.mean_score)
                        if e.mean_score is not None
                        else None,
                        colors=[
                            charts.STATUS_COLORS["red"] if a.critical_failures else charts.SERIES_COLORS[0]
                            for a in e.by_agent
                        ],
                    ),
                )
            )

    def capa(self) -> None:
        c = self.data.capa
        blocks = self.sections["capa"].blocks
        if c is None:
            blocks.append(self.not_available(self.t(N_("the nonconformity register's entries"))))
            return
        if c.opened == 0 and c.closed == 0 and c.open_at_end == 0 and not c.items:
            blocks.append(self.t(N_("No nonconformity was open, opened or closed this month.")))
            return
        rows = [
            [_text(self.t(N_("Opened this month"))), _count(c.opened)],
            [_text(self.t(N_("Closed this month"))), _count(c.closed)],
            [_text(self.t(N_("Open at the end of the month"))), _count(c.open_at_end)],
            [_text(self.t(N_("Overdue"))), _count(c.overdue)],
            [_text(self.t(N_("Effectiveness confirmed"))), _count(c.effectiveness_confirmed)],
        ]
        blocks.append(Table([self.t(N_("Measure")), self.t(N_("Value"))], rows, [3, 2]))
        if c.by_source:
            blocks.append(Heading(self.t(N_("Opened by source"))))
            blocks.append(
                Table(
                    [self.t(N_("Source")), self.t(N_("Entries"))],
                    [[_text(self.source(k)), _count(v)] for k, v in c.by_source.items()],
                    [3, 2],
                )
            )
        if c.items:
            blocks.append(Heading(self.t(N_("Entries open at the end of the month or closed during it"))))
            blocks.append(
                Table(
                    [
                        self.t(N_("Reference")),
                        self.t(N_("Title")),
                        self.t(N_("Source")),
                        self.t(N_("Owner")),
                        self.t(N_("Due")),
                        self.t(N_("Status")),
                    ],
                    [
                        [
                            _text(i.reference),
                            _text(i.title),
                            _text(self.source(i.source)),
                            _text(i.owner),
                            Cell(
                                i.due.isoformat() if i.due else "—",
                                i.due,
                                "yyyy-mm-dd" if i.due else None,
                                "red" if i.overdue else None,
                            ),
                            _text(
                                self.capa_status(i.status)
                                + (" · " + self.t(N_("overdue")) if i.overdue else "")
                            ),
                        ]
                        for i in c.items
                    ],
                    [1.6, 4, 1.4, 1.4, 1.5, 1.6],
                )
            )
        panels = []
        if c.items:
            panels.append(
                (
                    self.t(N_("By status")),
                    [(self.capa_status(k), v) for k, v in sorted(Counter(i.status for i in c.items).items())],
                )
            )
        if c.by_source:
            panels.append(
                (self.t(N_("Opened by source")), [(self.source(k), v) for k, v in c.by_source.items()])
            )
        if panels:
            blocks.append(
                Chart(
                    self.t(N_("Nonconformities by status and source")),
                    charts.count_panels(panels, title=self.t(N_("Nonconformities by status and source"))),
                )
            )

    def source(self, key: str) -> str:
        return self.t(CAPA_SOURCE_LABELS[key]) if key in CAPA_SOURCE_LABELS else key

    def capa_status(self, key: str) -> str:
        return self.t(CAPA_STATUS_LABELS[key]) if key in CAPA_STATUS_LABELS else key

    def kb(self) -> None:
        d = self.data
        blocks = self.sections["kb"].blocks
        blocks.append(
            self.t(
                N_(
                    "Approved standard answers in effect on {day} whose periodic review date has passed (ISO 9001 §7.5.3): {count}."  # noqa: E501
                ),
                day=d.kb_as_of.isoformat(),
                count=len(d.kb_overdue),
            )
        )
        if not d.kb_overdue:
            blocks.append(self.t(N_("No approved answer is past its periodic review.")))
            return
        blocks.append(
            Table(
                [
                    self.t(N_("Article")),
                    self.t(N_("Version")),
                    self.t(N_("Title")),
                    self.t(N_("Department")),
                    self.t(N_("Review due")),
                    self.t(N_("Days overdue")),
                ],
                [
                    [
                        _count(o.article_id),
                        _count(o.version),
                        _text(o.title),
                        _text(o.department_name),
                        Cell(o.review_due.isoformat(), o.review_due, "yyyy-mm-dd"),
                        _count(o.days_overdue),
                    ]
                    for o in d.kb_overdue
                ],
                [1, 1, 4, 2, 1.6, 1.2],
            )
        )

    def access(self) -> None:
        a = self.data.access
        chain = self.data.chain
        blocks = self.sections["access"].blocks
        blocks.append(
            self.t(
                N_(
                    "Monthly check of the personal-data access log (개인정보의 안전성 확보조치 기준 §8②), as in `minwon audit review`."  # noqa: E501
                )
            )
        )
        rows = [
            [_text(self.t(N_("Access records"))), _count(a.records)],
            [_text(self.t(N_("Accounts with access"))), _count(len(a.accounts))],
            [_text(self.t(N_("Median records per account"))), _number(a.median)],
            [_text(self.t(N_("Accounts with unusual volume"))), _count(len(a.high_volume))],
            [_text(self.t(N_("Accounts with after-hours access"))), _count(len(a.after_hours))],
            [_text(self.t(N_("Accounts with lookups without a contact"))), _count(len(a.without_contact))],
            [
                _text(self.t(N_("Hash chain of the access log"))),
                Cell(
                    self.t(N_("intact"))
                    if chain.ok
                    else self.t(N_("broken at #{seq}"), seq=chain.broken_seq),
                    status="green" if chain.ok else "red",
                ),
            ],
        ]
        blocks.append(Table([self.t(N_("Measure")), self.t(N_("Value"))], rows, [3, 2]))
        if a.records == 0:
            blocks.append(self.t(N_("No personal-data access was recorded this month.")))
        flagged = (
            [(self.t(N_("Unusual volume")), x) for x in a.high_volume]
            + [(self.t(N_("After-hours access")), x) for x in a.after_hours]
            + [(self.t(N_("Lookups without a contact")), x) for x in a.without_contact]
        )
        if flagged:
            blocks.append(Heading(self.t(N_("Accounts to look into"))))
            blocks.append(
                Table(
                    [self.t(N_("Sign")), self.t(N_("Account")), self.t(N_("Count")), self.t(N_("Detail"))],
                    [
                        [_text(sign), _text(x.username), _count(x.count), _text(", ".join(x.detail[:4]))]
                        for sign, x in flagged
                    ],
                    [2, 2, 1, 5],
                )
            )
        elif a.records:
            blocks.append(self.t(N_("No unusual access was found.")))

    def inputs(self) -> None:
        d = self.data
        blocks = self.sections["inputs"].blocks
        none = self.t(N_("minwon has no data on this; record it in the review meeting."))
        blocks.append(
            self.t(
                N_(
                    "The inputs ISO 9001:2015 §9.3.2 asks a management review to consider, with what minwon records about each."  # noqa: E501
                )
            )
        )
        # a) previous actions
        blocks.append(Heading(self.t(N_("a) Status of actions from previous management reviews"))))
        blocks.append(
            self.t(
                N_("minwon does not record the decisions of previous reviews; take them from the minutes.")
            )
        )
        if d.capa is not None:
            blocks.append(
                self.t(
                    N_(
                        "Corrective actions: {open} open at the end of the month, {overdue} overdue, {closed} closed this month, {effective} confirmed effective."  # noqa: E501
                    ),
                    open=d.capa.open_at_end,
                    overdue=d.capa.overdue,
                    closed=d.capa.closed,
                    effective=d.capa.effectiveness_confirmed,
                )
            )
        prev = d.previous_status
        for name, light in prev.items():
            if light in ("red", "amber"):
                blocks.append(
                    self.t(
                        N_("{indicator} was {before} last month and is {now} this month."),
                        indicator=self.label(name),
                        before=self.status_text(light),
                        now=self.status_text(d.status.get(name)),
                    )
                )
        # b) changes
        blocks.append(Heading(self.t(N_("b) Changes in external and internal issues"))))
        blocks.append(none)
        # c) performance
        blocks.append(
            Heading(self.t(N_("c) Performance and effectiveness of the quality management system")))
        )
        lights = Counter(d.status.values())
        blocks.append(
            self.t(
                N_(
                    'Quality objectives (KPI targets): {green} on target, {amber} near target, {red} off target (section "{section}").'  # noqa: E501
                ),
                green=lights.get("green", 0),
                amber=lights.get("amber", 0),
                red=lights.get("red", 0),
                section=self.sections["kpis"].title,
            )
        )
        for key, available in (("surveys", d.surveys), ("evaluations", d.evaluations), ("capa", d.capa)):
            title = self.sections[key].title
            if available is None:
                blocks.append(self.t(N_("{section}: data not available."), section=title))
            else:
                blocks.append(self.t(N_("{section}: see the section of that name."), section=title))
        blocks.append(self.t(N_("Audit results and performance of external providers: {none}"), none=none))
        # d) resources
        blocks.append(Heading(self.t(N_("d) Adequacy of resources"))))
        if d.staffing is None:
            blocks.append(
                self.t(
                    N_(
                        "No workforce plan starts in this month, so staffing cannot be compared with the forecast."  # noqa: E501
                    )
                )
            )
        else:
            st = d.staffing
            blocks.append(
                self.t(
                    N_(
                        "Workforce plans starting this month: {plans} ({infeasible} without a feasible schedule); under-coverage {under} agent-hours, over-coverage {over} agent-hours against the forecast."  # noqa: E501
                    ),
                    plans=st.plans,
                    infeasible=st.infeasible,
                    under="—" if st.under_agent_hours is None else f"{st.under_agent_hours:.1f}",
                    over="—" if st.over_agent_hours is None else f"{st.over_agent_hours:.1f}",
                )
            )
        # e) risks
        blocks.append(
            Heading(self.t(N_("e) Effectiveness of actions taken to address risks and opportunities")))
        )
        blocks.append(self.t(N_("minwon keeps no risk register. Signs of risk it records this month:")))
        red = [self.label(n) for n, light in d.status.items() if light == "red"]
        blocks.append(
            self.t(N_("Indicators off target: {names}."), names=", ".join(red) if red else self.t(N_("none")))
        )
        blocks.append(
            self.t(N_("Standard answers past their periodic review: {count}."), count=len(d.kb_overdue))
        )
        flagged = len(
            {x.account_id for x in (*d.access.high_volume, *d.access.after_hours, *d.access.without_contact)}
        )
        blocks.append(self.t(N_("Accounts flagged by the access review: {count}."), count=flagged))
        # f) improvement
        blocks.append(Heading(self.t(N_("f) Opportunities for improvement"))))
        weak = [n for n, light in d.status.items() if light in ("red", "amber")]
        if not any(light is not None for light in d.status.values()):
            blocks.append(self.t(N_("No indicator with a target has data this month.")))
        elif not weak:
            blocks.append(self.t(N_("Every indicator with data is on target.")))
        for name in weak:
            before = d.baseline.get(name)
            blocks.append(
                self.t(
                    N_(
                        "{indicator} is {status} ({value}, target {target}; the 11 months before: {before}): consider a corrective action."  # noqa: E501
                    ),
                    indicator=self.label(name),
                    status=self.status_text(d.status.get(name)),
                    value=format_value(name, d.kpis.get(name)),
                    target=self.target_text(name),
                    before=format_value(name, before),
                )
            )
            if self.app_links:
                # The CAPA register's "new entry" form takes these prefill parameters (issue #6 contract).
                title = self.t(
                    N_("{indicator} {status} in {month}"),
                    indicator=self.label(name),
                    status=self.status_text(d.status.get(name)),
                    month=d.month,
                )
                query = urlencode(
                    {"source": "kpi", "source_ref": f"kpi:{name}:{d.month}", "title": title[:200]}
                )
                blocks.append(
                    Link(
                        self.t(N_("Open a corrective action")) + f" — {self.label(name)}",
                        f"/quality/capa/new?{query}",
                    )
                )

    def build(self) -> Document:
        for done, (key, _title) in enumerate(SECTIONS, start=1):
            getattr(self, key)()
            if self.progress is not None:
                self.progress(f"section {key}", done, len(SECTIONS))
        return Document(
            title=self.t(TITLE),
            subtitle=self.data.month,
            month=self.data.month,
            locale=self.locale,
            sections=[self.sections[k] for k, _ in SECTIONS],
            generated_at=self.data.generated_at,
        )


def build_document(
    data: ReportData, *, locale: str = "ko", progress: Progress | None = None, app_links: bool = False
) -> Document:
    """The report of ``data`` in ``locale`` (``ko`` or ``en``), charts drawn. ``progress(step, done,
    total)`` is told after each section. ``app_links`` adds links into the app (for the page): a
    prefilled CAPA entry for each indicator off or near target."""
    return _Builder(data, locale, progress, app_links).build()
