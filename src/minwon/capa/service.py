"""The nonconformity register (부적합·시정조치, ISO 9001:2015 §10.2): creating entries, moving them
through the corrective-action workflow, the history, overdue entries, KPI-breach suggestions and the
month summary for the management review (§9.3).

Workflow (§10.2.1 a–f): an entry is *open* when recorded (with the immediate correction if one was
made); a corrective action is *planned* once the root cause is known (b), with an owner and a due date;
the owner records it *implemented* (c); a quality manager or supervisor checks its effectiveness (d):
*verified* when effective, back to *open* with a new round when not; only a verified entry is *closed*.
A move from the wrong state raises :class:`~minwon.core.errors.Conflict` (409); a missing or bad field
raises :class:`~minwon.core.errors.ValidationError` (422); a user who may not act raises
:class:`~minwon.core.errors.PermissionDenied` (403). Every write appends to the history and commits.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minwon.accounts.models import Role, User
from minwon.capa import breaches
from minwon.capa.models import (
    CheckResult,
    NcCounter,
    NcEvent,
    NcSource,
    NcStatus,
    Nonconformity,
    SuggestionDismissal,
)
from minwon.core.clock import local_day_bounds, local_today, to_local, utcnow
from minwon.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from minwon.core.i18n import N_, gettext
from minwon.core.redact import mask_personal_numbers
from minwon.quality.summaries import CapaSummary, NonconformityItem

TITLE_MAX = 200
SOURCE_REF_MAX = 100
TEXT_MAX = 4000
#: Roles that keep the register (administrators too); owners may record progress on their own entries.
EDITOR_ROLES = (Role.QUALITY_MANAGER, Role.SUPERVISOR, Role.ADMINISTRATOR)


class CapaSettings(BaseSettings):
    """KPI-breach suggestions, read from ``MINWON_CAPA_<FIELD>``.

    ``breach_periods``: consecutive breached periods that suggest an entry (default 3);
    ``breach_granularity``: ``month`` (default) or ``week``; ``breach_include_amber``: count amber as a
    breach too ("not green") instead of red only; ``lookback_periods``: how many complete periods the
    register page examines (default 12).
    """

    model_config = SettingsConfigDict(env_prefix="MINWON_CAPA_", extra="ignore")

    breach_periods: int = Field(default=3, ge=1, le=24)
    breach_granularity: Literal["month", "week"] = "month"
    breach_include_amber: bool = False
    lookback_periods: int = Field(default=12, ge=1, le=60)


def capa_settings() -> CapaSettings:
    """The current :class:`CapaSettings` (read from the environment each call)."""
    return CapaSettings()


# ─────────────────────────── input checks ───────────────────────────


#: One-line fields: no control character at all (NUL, line breaks, tabs …).
_ONE_LINE = ("title", "source_ref")
#: Control characters kept in multi-line texts.
_TEXT_CONTROLS = frozenset("\n\r\t")


def _text(value: str | None, *, field: str, max_len: int, required: bool, message: str) -> str:
    """Trimmed ``value``; raises ValidationError (``field``) when required and empty, longer than
    ``max_len``, or holding a control character (Unicode category Cc: NUL and the like; line breaks and
    tabs are allowed except in the title and the source reference)."""
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(message, field=field)
    if len(text) > max_len:
        raise ValidationError(_TOO_LONG[max_len], field=field)
    allowed = frozenset() if field in _ONE_LINE else _TEXT_CONTROLS
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text):
        raise ValidationError(
            N_("The title may not contain control characters (line breaks, tabs, NUL).")
            if field == "title"
            else N_("The text may not contain control characters (such as NUL)."),
            field=field,
        )
    return text


_TOO_LONG = {
    TITLE_MAX: N_("The title may have at most 200 characters."),
    SOURCE_REF_MAX: N_("The source reference may have at most 100 characters."),
    TEXT_MAX: N_("The text may have at most 4000 characters."),
}


def parse_source(value: str | NcSource | None) -> NcSource:
    """``kpi``, ``survey``, ``complaint``, ``evaluation``, ``audit`` or ``other``. Raises
    ValidationError (field ``source``)."""
    try:
        return NcSource((value or "").strip())
    except ValueError:
        raise ValidationError(
            N_("Choose a source: KPI, survey, complaint, evaluation, audit or other."), field="source"
        ) from None


def _owner(db: Session, owner_id: int | None, *, required: bool) -> User | None:
    if owner_id is None:
        if required:
            raise ValidationError(N_("Choose the owner of the corrective action."), field="owner_id")
        return None
    user = db.get(User, owner_id)
    if user is None or not user.is_active:
        raise ValidationError(N_("The owner must be an existing, active user."), field="owner_id")
    return user


#: Due dates and planned checks lie at most this many years after today (a typo such as 9999-12-31
#: would otherwise keep an entry "not overdue" for ever).
HORIZON_YEARS = 5


def horizon(today: date) -> date:
    """The last day allowed for a due date or a planned check: ``today`` + :data:`HORIZON_YEARS` years
    (29 February → 28 February)."""
    try:
        return today.replace(year=today.year + HORIZON_YEARS)
    except ValueError:
        return today.replace(year=today.year + HORIZON_YEARS, day=28)


def _due(value: date | None, *, today: date, required: bool) -> date | None:
    if value is None:
        if required:
            raise ValidationError(N_("Enter the due date of the corrective action."), field="due_date")
        return None
    if value < today:
        raise ValidationError(N_("The due date may not be in the past."), field="due_date")
    if value > horizon(today):
        raise ValidationError(N_("The due date must be within 5 years from today."), field="due_date")
    return value


def _check_planned(value: date | None, *, today: date) -> date | None:
    if value is not None and value > horizon(today):
        raise ValidationError(
            N_("The effectiveness check must be planned within 5 years from today."), field="check_planned"
        )
    return value


def can_edit(user: User) -> bool:
    """Quality managers, supervisors and administrators keep the register."""
    return user.role in EDITOR_ROLES


def can_view(user: User, nc: Nonconformity) -> bool:
    """Editors see every entry; anyone sees the entries they own."""
    return can_edit(user) or nc.owner_id == user.id


def _require_editor(user: User) -> None:
    if not can_edit(user):
        raise PermissionDenied(N_("Only quality managers, supervisors and administrators may do this."))


def is_overdue(nc: Nonconformity, today: date) -> bool:
    """Due date passed (before ``today``, a local day) and not closed."""
    return nc.due_date is not None and nc.due_date < today and nc.status != NcStatus.CLOSED


# ─────────────────────────── numbering and history ───────────────────────────


def _next_seq(db: Session, year: int) -> int:
    """Take the next number of ``year`` from the locked counter row (created on first use).

    PostgreSQL: ``SELECT … FOR UPDATE`` makes concurrent creators wait for each other; two first
    creators of a year race on the primary key, the loser takes the row the winner committed. SQLite:
    write transactions start with ``BEGIN IMMEDIATE`` and never overlap. The counter changes in the
    entry's transaction, so a rolled-back creation leaves no gap.
    """
    stmt = select(NcCounter).where(NcCounter.year == year).with_for_update()
    counter = db.scalars(stmt.execution_options(populate_existing=True)).one_or_none()
    if counter is None:
        try:
            with db.begin_nested():
                db.add(NcCounter(year=year, last=0))
                db.flush()
        except IntegrityError:
            pass
        counter = db.scalars(stmt.execution_options(populate_existing=True)).one()
    counter.last += 1
    db.flush()
    return counter.last


def _event(
    db: Session,
    nc: Nonconformity,
    actor: User | None,
    action: str,
    from_status: str | None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    at: datetime | None = None,
) -> NcEvent:
    row = NcEvent(
        nonconformity_id=nc.id,
        at=at or utcnow(),
        actor_id=actor.id if actor is not None else None,
        action=action,
        from_status=from_status,
        to_status=nc.status,
        changes=changes or {},
        note=note,
    )
    db.add(row)
    return row


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _apply(nc: Nonconformity, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set ``values`` on ``nc``; returns ``{field: [old, new]}`` of what actually changed."""
    changes: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(nc, name)
        if old != new:
            changes[name] = [_json(old), _json(new)]
            setattr(nc, name, new)
    return changes


# ─────────────────────────── create ───────────────────────────


def create_nonconformity(
    *,
    db: Session,
    actor: User,
    title: str,
    source: str | NcSource,
    description: str,
    source_ref: str = "",
    correction: str = "",
    owner_id: int | None = None,
    due_date: date | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> Nonconformity:
    """Record a nonconformity (status ``open``) with the next reference ``NC-<year>-<nnnn>`` of the
    local year; commits.

    ``title`` 1–200 characters, ``source`` one of :class:`NcSource`, ``source_ref`` ≤ 100 characters
    (e.g. ``complaint:12``, ``kpi:service_level:2026-09..2026-11``), ``description`` 1–4000, the
    immediate ``correction`` ≤ 4000 (§10.2.1 a), an optional active ``owner_id`` and a ``due_date`` not
    before ``today`` (default: the local today). ``now`` (here and in the workflow steps) is the instant
    recorded in the entry and its history, default the current time (the demo loader dates its entries in
    the past).

    Raises PermissionDenied (``actor`` is not quality manager, supervisor or administrator),
    ValidationError (the field at fault; nothing is stored).
    """
    _require_editor(actor)
    today = today or local_today()
    values = {
        "title": _text(title, field="title", max_len=TITLE_MAX, required=True, message=N_("Enter a title.")),
        "source": parse_source(source).value,
        "source_ref": _text(
            source_ref, field="source_ref", max_len=SOURCE_REF_MAX, required=False, message=""
        ),
        "description": _text(
            description,
            field="description",
            max_len=TEXT_MAX,
            required=True,
            message=N_("Describe the nonconformity."),
        ),
        "correction": _text(correction, field="correction", max_len=TEXT_MAX, required=False, message=""),
    }
    owner = _owner(db, owner_id, required=False)
    due = _due(due_date, today=today, required=False)
    now = now or utcnow()
    year = to_local(now).year
    seq = _next_seq(db, year)
    nc = Nonconformity(
        reference=f"NC-{year:04d}-{seq:04d}",
        year=year,
        seq=seq,
        owner_id=owner.id if owner else None,
        due_date=due,
        status=NcStatus.OPEN.value,
        round=1,
        opened_at=now,
        updated_at=now,
        created_by_id=actor.id,
        **values,
    )
    db.add(nc)
    db.flush()
    snapshot: dict[str, list[Any]] = {k: [None, v] for k, v in values.items() if v}
    if owner:
        snapshot["owner_id"] = [None, owner.id]
    if due:
        snapshot["due_date"] = [None, due.isoformat()]
    _event(db, nc, actor, "created", None, snapshot, at=now)
    db.commit()
    return nc


def open_nonconformity(
    *, db: Session, source: str, source_ref: str, title: str, description: str, actor: User
) -> Nonconformity:
    """Open a register entry from another part of the system (a complaint, a survey follow-up, an
    evaluation, a KPI breach): :func:`create_nonconformity` without owner or due date; commits.

    Raises PermissionDenied / ValidationError as :func:`create_nonconformity` does.
    """
    return create_nonconformity(
        db=db, actor=actor, title=title, source=source, description=description, source_ref=source_ref
    )


# ─────────────────────────── read ───────────────────────────


def get_nonconformity(*, db: Session, nc_id: int, viewer: User | None = None) -> Nonconformity:
    """The entry ``nc_id``. Raises NotFound, PermissionDenied (``viewer`` given and may not see it)."""
    nc = db.get(Nonconformity, nc_id)
    if nc is None:
        raise NotFound(N_("The register entry does not exist."), field="nc_id")
    if viewer is not None and not can_view(viewer, nc):
        raise PermissionDenied(N_("Your role may not open this page."))
    return nc


def history(*, db: Session, nc_id: int) -> list[NcEvent]:
    """The entry's history, oldest first."""
    return list(
        db.scalars(select(NcEvent).where(NcEvent.nonconformity_id == nc_id).order_by(NcEvent.at, NcEvent.id))
    )


def list_nonconformities(
    *,
    db: Session,
    status: str | None = None,
    source: str | None = None,
    owner_id: int | None = None,
    overdue: bool = False,
    viewer: User | None = None,
    today: date | None = None,
) -> list[Nonconformity]:
    """Entries, newest reference first, filtered by ``status`` (a :class:`NcStatus` value, or
    ``not_closed``), ``source``, ``owner_id`` and ``overdue`` (due before ``today`` and not closed).
    A ``viewer`` who is not an editor sees only their own entries. Raises ValidationError (unknown
    status or source)."""
    stmt = select(Nonconformity)
    if status:
        if status == "not_closed":
            stmt = stmt.where(Nonconformity.status != NcStatus.CLOSED.value)
        elif status in {s.value for s in NcStatus}:
            stmt = stmt.where(Nonconformity.status == status)
        else:
            raise ValidationError(N_("Unknown status."), field="status")
    if source:
        stmt = stmt.where(Nonconformity.source == parse_source(source).value)
    if owner_id is not None:
        stmt = stmt.where(Nonconformity.owner_id == owner_id)
    if viewer is not None and not can_edit(viewer):
        stmt = stmt.where(Nonconformity.owner_id == viewer.id)
    if overdue:
        stmt = stmt.where(
            Nonconformity.status != NcStatus.CLOSED.value,
            Nonconformity.due_date < (today or local_today()),
        )
    return list(db.scalars(stmt.order_by(Nonconformity.year.desc(), Nonconformity.seq.desc())))


def user_names(db: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """``{user id: display name}`` for the given ids."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u.display_name for u in db.scalars(select(User).where(User.id.in_(wanted)))}


# ─────────────────────────── edit and workflow ───────────────────────────

#: Fields an editor may change with :func:`update_nonconformity`, and those an owner may change.
EDITABLE = (
    "title", "source_ref", "description", "correction", "root_cause", "corrective_action",
    "implementation_note", "owner_id", "due_date", "check_planned",
)  # fmt: skip
OWNER_EDITABLE = ("correction", "implementation_note")


def _load_for_write(db: Session, nc_id: int) -> Nonconformity:
    nc = get_nonconformity(db=db, nc_id=nc_id)
    if nc.status == NcStatus.CLOSED:
        raise Conflict(N_("The entry is closed and can no longer be changed."), field="status")
    return nc


def update_nonconformity(
    *, db: Session, actor: User, nc_id: int, values: dict[str, Any], today: date | None = None
) -> Nonconformity:
    """Change fields of an entry that is not closed; commits and records ``edited`` with the changes.

    ``values`` keys from :data:`EDITABLE` (texts as str, ``owner_id`` int or None, ``due_date`` and
    ``check_planned`` date or None). Editors may change all of them; the owner only
    :data:`OWNER_EDITABLE` (progress on their own entry). The title and description stay required; a
    planned entry keeps its root cause, action, owner and due date; a changed due date may not be in the
    past. Raises NotFound, PermissionDenied, Conflict (closed), ValidationError.
    """
    nc = _load_for_write(db, nc_id)
    allowed = EDITABLE if can_edit(actor) else OWNER_EDITABLE if nc.owner_id == actor.id else ()
    if not allowed:
        raise PermissionDenied(N_("Only quality managers, supervisors and administrators may do this."))
    unknown = set(values) - set(allowed)
    if unknown:
        raise PermissionDenied(N_("You may not change these fields."), field=sorted(unknown)[0])
    today = today or local_today()
    planned = nc.status != NcStatus.OPEN
    clean: dict[str, Any] = {}
    for name, raw in values.items():
        if name == "owner_id":
            owner = _owner(db, raw, required=planned)
            clean[name] = owner.id if owner else None
        elif name == "due_date":
            clean[name] = raw if raw == nc.due_date else _due(raw, today=today, required=planned)
        elif name == "check_planned":
            clean[name] = raw if raw == nc.check_planned else _check_planned(raw, today=today)
        else:
            limit = TITLE_MAX if name == "title" else SOURCE_REF_MAX if name == "source_ref" else TEXT_MAX
            required = name in ("title", "description") or (
                planned and name in ("root_cause", "corrective_action")
            )
            clean[name] = _text(raw, field=name, max_len=limit, required=required, message=_REQUIRED[name])
    changes = _apply(nc, clean)
    if changes:
        nc.updated_at = utcnow()
        _event(db, nc, actor, "edited", nc.status, changes)
        db.commit()
    return nc


_REQUIRED = {
    "title": N_("Enter a title."),
    "description": N_("Describe the nonconformity."),
    "root_cause": N_("Enter the root cause before planning the corrective action."),
    "corrective_action": N_("Describe the corrective action that removes the cause."),
    "implementation_note": N_("Describe what was done to implement the action."),
    "check_note": N_("Explain why the action was not effective."),
    "source_ref": "",
    "correction": "",
}


def plan_action(
    *,
    db: Session,
    actor: User,
    nc_id: int,
    root_cause: str,
    corrective_action: str,
    owner_id: int | None,
    due_date: date | None,
    check_planned: date | None = None,
    note: str = "",
    today: date | None = None,
    now: datetime | None = None,
) -> Nonconformity:
    """open → action_planned (§10.2.1 b–c): the root cause, the corrective action that removes it, its
    owner (an active user) and due date (not in the past), optionally the planned effectiveness-check
    day (not before the due date); commits.

    Raises NotFound, PermissionDenied (not an editor), Conflict (not open), ValidationError.
    """
    _require_editor(actor)
    nc = _load_for_write(db, nc_id)
    if nc.status != NcStatus.OPEN:
        raise Conflict(N_("Only an open entry can get a planned corrective action."), field="status")
    today = today or local_today()
    values: dict[str, Any] = {
        "root_cause": _text(
            root_cause, field="root_cause", max_len=TEXT_MAX, required=True, message=_REQUIRED["root_cause"]
        ),
        "corrective_action": _text(
            corrective_action,
            field="corrective_action",
            max_len=TEXT_MAX,
            required=True,
            message=_REQUIRED["corrective_action"],
        ),
    }
    owner = _owner(db, owner_id, required=True)
    assert owner is not None
    values["owner_id"] = owner.id
    values["due_date"] = _due(due_date, today=today, required=True)
    if check_planned is not None and check_planned < values["due_date"]:
        raise ValidationError(
            N_("Plan the effectiveness check on or after the due date."), field="check_planned"
        )
    values["check_planned"] = _check_planned(check_planned, today=today)
    note = _text(note, field="note", max_len=TEXT_MAX, required=False, message="")
    return _transition(db, nc, actor, "planned", NcStatus.ACTION_PLANNED, values, note, now=now)


def record_implementation(
    *,
    db: Session,
    actor: User,
    nc_id: int,
    implementation_note: str,
    correction: str | None = None,
    now: datetime | None = None,
) -> Nonconformity:
    """action_planned → implemented (§10.2.1 c): the owner (or an editor) records what was done;
    commits. Raises NotFound, PermissionDenied (neither owner nor editor), Conflict (no planned action),
    ValidationError (no description of what was done)."""
    nc = get_nonconformity(db=db, nc_id=nc_id)
    if not can_edit(actor) and nc.owner_id != actor.id:
        raise PermissionDenied(N_("Only the owner or a quality manager may record the implementation."))
    nc = _load_for_write(db, nc_id)
    if nc.status != NcStatus.ACTION_PLANNED:
        raise Conflict(N_("Only a planned corrective action can be recorded as implemented."), field="status")
    values: dict[str, Any] = {
        "implementation_note": _text(
            implementation_note,
            field="implementation_note",
            max_len=TEXT_MAX,
            required=True,
            message=_REQUIRED["implementation_note"],
        )
    }
    if correction is not None:
        values["correction"] = _text(
            correction, field="correction", max_len=TEXT_MAX, required=False, message=""
        )
    return _transition(db, nc, actor, "implemented", NcStatus.IMPLEMENTED, values, "", now=now)


def record_check(
    *, db: Session, actor: User, nc_id: int, result: str, note: str = "", now: datetime | None = None
) -> Nonconformity:
    """implemented → verified (effective) or → open (not effective) (§10.2.1 d); commits.

    ``result`` is ``effective`` or ``not_effective``; a not-effective result needs a ``note`` and starts
    a new round: the entry is open again, its corrective action, implementation note and check are
    cleared (the history keeps them) so a new action must be planned. Raises NotFound,
    PermissionDenied (not an editor), Conflict (not implemented), ValidationError (result, note).
    """
    _require_editor(actor)
    nc = _load_for_write(db, nc_id)
    if nc.status != NcStatus.IMPLEMENTED:
        raise Conflict(
            N_("The effectiveness can be checked only after the action was implemented."), field="status"
        )
    try:
        outcome = CheckResult((result or "").strip())
    except ValueError:
        raise ValidationError(N_("Choose the result: effective or not effective."), field="result") from None
    required = outcome == CheckResult.NOT_EFFECTIVE
    note = _text(
        note, field="check_note", max_len=TEXT_MAX, required=required, message=_REQUIRED["check_note"]
    )
    now = now or utcnow()
    if outcome == CheckResult.EFFECTIVE:
        values: dict[str, Any] = {
            "check_result": outcome.value,
            "check_note": note,
            "checked_by_id": actor.id,
            "checked_at": now,
        }
        return _transition(db, nc, actor, "checked", NcStatus.VERIFIED, values, note, now=now)
    values = {
        "check_result": None,
        "check_note": "",
        "checked_by_id": None,
        "checked_at": None,
        "corrective_action": "",
        "implementation_note": "",
        "check_planned": None,
        "round": nc.round + 1,
    }
    changes = {"check_result": [None, outcome.value], "checked_by_id": [None, actor.id]}
    return _transition(db, nc, actor, "checked", NcStatus.OPEN, values, note, extra=changes, now=now)


def close_nonconformity(
    *, db: Session, actor: User, nc_id: int, note: str = "", now: datetime | None = None
) -> Nonconformity:
    """verified → closed (§10.2.2: retain evidence of the results); commits. Only an entry whose
    effectiveness check confirmed the action effective can be closed. Raises NotFound,
    PermissionDenied, Conflict (not verified effective), ValidationError (note too long)."""
    _require_editor(actor)
    nc = _load_for_write(db, nc_id)
    if nc.status != NcStatus.VERIFIED or nc.check_result != CheckResult.EFFECTIVE:
        raise Conflict(
            N_("An entry can be closed only after its effectiveness check confirmed the action effective."),
            field="status",
        )
    note = _text(note, field="closure_note", max_len=TEXT_MAX, required=False, message="")
    values = {"closure_note": note, "closed_by_id": actor.id, "closed_at": now or utcnow()}
    return _transition(db, nc, actor, "closed", NcStatus.CLOSED, values, note, now=now)


def _transition(
    db: Session,
    nc: Nonconformity,
    actor: User,
    action: str,
    to: NcStatus,
    values: dict[str, Any],
    note: str,
    extra: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Nonconformity:
    before = nc.status
    changes = _apply(nc, values)
    changes.update(extra or {})
    nc.status = to.value
    nc.updated_at = now or utcnow()
    _event(db, nc, actor, action, before, changes, note, at=nc.updated_at)
    db.commit()
    return nc


# ─────────────────────────── KPI-breach suggestions ───────────────────────────


@dataclass(frozen=True)
class Suggestion:
    """A run of ``len(periods)`` consecutive breached periods of indicator ``kpi`` (oldest first, with
    their traffic lights in ``statuses``) not yet registered or dismissed. ``source_ref`` is what the
    entry registered for it carries."""

    kpi: str
    granularity: str
    periods: list[breaches.Period]
    statuses: list[str]
    source_ref: str

    @property
    def first(self) -> breaches.Period:
        return self.periods[0]

    @property
    def last(self) -> breaches.Period:
        return self.periods[-1]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kpi": self.kpi,
            "granularity": self.granularity,
            "first": self.first.label,
            "last": self.last.label,
            "periods": len(self.periods),
            "statuses": self.statuses,
            "source_ref": self.source_ref,
        }


def suggestion_text(locale: str, s: Suggestion) -> str:
    """The suggestion as text in ``locale``: "서비스 레벨 3개월 연속 목표 미달 (2026-09 ~ 2026-11)"."""
    from minwon.quality.kpi import BY_NAME

    label = gettext(locale, BY_NAME[s.kpi].label) if s.kpi in BY_NAME else s.kpi
    template = (
        N_("%(kpi)s below target for %(n)d consecutive months (%(first)s – %(last)s)")
        if s.granularity == "month"
        else N_("%(kpi)s below target for %(n)d consecutive weeks (%(first)s – %(last)s)")
    )
    return gettext(locale, template) % {
        "kpi": label,
        "n": len(s.periods),
        "first": s.first.label,
        "last": s.last.label,
    }


def kpi_status_series(*, db: Session, periods: list[breaches.Period]) -> dict[str, list[str | None]]:
    """``{indicator: [traffic light per period]}`` for every indicator with a target, from
    :func:`minwon.quality.service.period_kpis` and :func:`minwon.quality.kpi.statuses` (the formulas and
    targets are defined there, not here)."""
    from minwon.quality.kpi import statuses, targets
    from minwon.quality.service import period_kpis

    goals = targets()
    series: dict[str, list[str | None]] = {name: [] for name in goals}
    for period in periods:
        lights = statuses(period_kpis(db=db, first_day=period.first_day, last_day=period.last_day), goals)
        for name in goals:
            series[name].append(lights.get(name))
    return series


def _covered(db: Session) -> list[tuple[str, date, date]]:
    """(indicator, first day, last day) of KPI entries already registered and of dismissed runs."""
    out: list[tuple[str, date, date]] = []
    for ref in db.scalars(select(Nonconformity.source_ref).where(Nonconformity.source == NcSource.KPI.value)):
        parsed = breaches.parse_breach_ref(ref)
        if parsed is not None:
            out.append(parsed)
    for d in db.scalars(select(SuggestionDismissal)):
        out.append((d.kpi, d.first_day, d.last_day))
    return out


def breach_suggestions(
    *, db: Session, today: date | None = None, settings: CapaSettings | None = None
) -> list[Suggestion]:
    """Indicators whose traffic light was red (or not green, with ``breach_include_amber``) for at
    least ``breach_periods`` consecutive complete periods among the last ``lookback_periods`` before
    ``today`` (default: the local today), as suggestions for a new entry (ISO 9001 §10.2.1).

    A run that overlaps (same indicator, a common day) an entry with source ``kpi`` and a
    ``kpi:<indicator>:<first>..<last>`` reference, or a dismissed suggestion, is left out. Ordered by
    indicator, then run start.
    """
    s = settings or capa_settings()
    periods = breaches.complete_periods(today or local_today(), s.lookback_periods, s.breach_granularity)
    covered = _covered(db)
    out: list[Suggestion] = []
    for kpi, lights in kpi_status_series(db=db, periods=periods).items():
        for start, end in breaches.find_runs(
            lights, min_length=s.breach_periods, include_amber=s.breach_include_amber
        ):
            first, last = periods[start], periods[end]
            if any(
                name == kpi and breaches.overlaps(first.first_day, last.last_day, a, b)
                for name, a, b in covered
            ):
                continue
            out.append(
                Suggestion(
                    kpi=kpi,
                    granularity=s.breach_granularity,
                    periods=periods[start : end + 1],
                    statuses=[str(x) for x in lights[start : end + 1]],
                    source_ref=breaches.breach_ref(kpi, first, last),
                )
            )
    return out


def dismiss_suggestion(*, db: Session, actor: User, source_ref: str, note: str = "") -> SuggestionDismissal:
    """Record that ``actor`` dismissed the suggestion ``kpi:<indicator>:<first>..<last>``; commits.
    Overlapping runs of that indicator are no longer suggested. Raises PermissionDenied (not an
    editor), ValidationError (not a KPI-breach reference, unknown indicator, note too long)."""
    from minwon.quality.kpi import TARGETED

    _require_editor(actor)
    parsed = breaches.parse_breach_ref(source_ref or "")
    if parsed is None or parsed[0] not in TARGETED:
        raise ValidationError(N_("This is not a KPI-breach suggestion."), field="source_ref")
    note = _text(note, field="note", max_len=TEXT_MAX, required=False, message="")
    kpi, first, last = parsed
    row = SuggestionDismissal(
        kpi=kpi,
        source_ref=source_ref.strip(),
        first_day=first,
        last_day=last,
        dismissed_by_id=actor.id,
        dismissed_at=utcnow(),
        note=note,
    )
    db.add(row)
    db.commit()
    return row


# ─────────────────────────── overdue ───────────────────────────


def notify_overdue(*, db: Session, now: datetime | None = None) -> int:
    """Entries not closed whose due date passed (before the local day of ``now``, default now) and that
    were not yet reported for that due date: append an ``overdue`` line to the history (no actor, the
    due date as note) and e-mail the owner through the notice outbox (template ``capa_overdue``, dedupe
    ``capa:<id>:overdue:<due>``) when the owner has an e-mail address; commits. Returns how many
    entries became overdue. A new due date that passes is reported again (ISO 9001 §10.2.1 c: the
    action must be carried out)."""
    from minwon.config import get_settings
    from minwon.notices.models import NoticeChannel
    from minwon.notices.service import enqueue

    today = to_local(now or utcnow()).date()
    late = db.scalars(
        select(Nonconformity).where(
            Nonconformity.status != NcStatus.CLOSED.value, Nonconformity.due_date < today
        )
    )
    count = 0
    for nc in list(late):
        assert nc.due_date is not None
        due = nc.due_date.isoformat()
        seen = db.scalar(
            select(NcEvent.id).where(
                NcEvent.nonconformity_id == nc.id, NcEvent.action == "overdue", NcEvent.note == due
            )
        )
        if seen is not None:
            continue
        _event(db, nc, None, "overdue", nc.status, {}, note=due, at=now)
        owner = db.get(User, nc.owner_id) if nc.owner_id else None
        if owner is not None and owner.is_active and owner.email:
            enqueue(
                db,
                channel=NoticeChannel.EMAIL,
                recipient=owner.email,
                template_key="capa_overdue",
                context={
                    "center": get_settings().center_name,
                    "reference": nc.reference,
                    "title": nc.title,
                    "due": due,
                },
                dedupe_key=f"capa:{nc.id}:overdue:{due}",
            )
        count += 1
    db.commit()
    return count


# ─────────────────────────── month summary ───────────────────────────


def capa_summary(*, db: Session, first_day: date, last_day: date) -> CapaSummary:
    """The register over the local days ``first_day``…``last_day`` (inclusive, Asia/Seoul) for the
    management review (ISO 9001 §9.3.2 c 2, §10.2.2).

    * ``opened``: entries created in the period; ``by_source``: the same by source (every source, 0
      included); ``closed``: entries closed in the period; ``effectiveness_confirmed``: effectiveness
      checks with the result *effective* recorded in the period.
    * ``open_at_end``: entries created by the period's end and not closed at that moment (status
      reconstructed from the history); ``overdue``: those of them whose due date is before the earlier of
      the day after ``last_day`` and today.
    * ``items``: entries open at the end or closed during the period, by reference, with the status
      they had at the end; titles with personal numbers masked (개인정보 보호법 §29).

    Raises ValidationError (``last_day`` before ``first_day``).
    """
    if last_day < first_day:
        raise ValidationError("the period ends before it starts", field="last_day")
    start, _ = local_day_bounds(first_day)
    _, end = local_day_bounds(last_day)
    reference_day = min(last_day + timedelta(days=1), local_today())
    events = list(db.scalars(select(NcEvent).where(NcEvent.at < end).order_by(NcEvent.at, NcEvent.id)))
    status_at_end: dict[int, str] = {}
    opened_ids: set[int] = set()
    closed_ids: set[int] = set()
    confirmed = 0
    for ev in events:
        status_at_end[ev.nonconformity_id] = ev.to_status
        if ev.at >= start:
            if ev.action == "created":
                opened_ids.add(ev.nonconformity_id)
            elif ev.action == "closed":
                closed_ids.add(ev.nonconformity_id)
            elif ev.action == "checked" and ev.to_status == NcStatus.VERIFIED:
                confirmed += 1
    open_ids = {i for i, s in status_at_end.items() if s != NcStatus.CLOSED}
    listed = open_ids | closed_ids
    entries = (
        {nc.id: nc for nc in db.scalars(select(Nonconformity).where(Nonconformity.id.in_(listed)))}
        if listed
        else {}
    )
    by_source = {s.value: 0 for s in NcSource}
    if opened_ids:
        rows = db.execute(
            select(Nonconformity.source, func.count())
            .where(Nonconformity.id.in_(opened_ids))
            .group_by(Nonconformity.source)
        )
        for source, count in rows:
            by_source[source] = int(count)
    names = user_names(db, (nc.owner_id for nc in entries.values()))
    items: list[NonconformityItem] = []
    overdue = 0
    for nc in sorted(entries.values(), key=lambda n: (n.year, n.seq)):
        is_open = nc.id in open_ids
        late = is_open and nc.due_date is not None and nc.due_date < reference_day
        overdue += late
        items.append(
            NonconformityItem(
                reference=nc.reference,
                title=mask_personal_numbers(nc.title),
                source=nc.source,
                owner=names.get(nc.owner_id) if nc.owner_id else None,
                due=nc.due_date,
                status=status_at_end[nc.id],
                overdue=late,
            )
        )
    return CapaSummary(
        opened=len(opened_ids),
        closed=len(closed_ids),
        open_at_end=len(open_ids),
        overdue=overdue,
        effectiveness_confirmed=confirmed,
        by_source=by_source,
        items=items,
    )
