"""Contact evaluations: scorecards, monthly sampling, the evaluation workflow, calibration, coaching.

The only module that writes the ``qa_*`` tables. Rules:

* Scorecard versions: a published version is never changed (Conflict); editing means a new draft.
  Publishing a draft retires the scorecard's earlier published version; evaluations keep the version
  they were created with. A default scorecard (:mod:`.defaults`) is created on first use.
* Sampling (:mod:`.sampling`): per counselor, ``per_agent`` contacts of the month (Asia/Seoul days) in
  total — contacts sampled by an earlier run of the same month count, so a repeated run only tops up;
  contacts that already have a sampled evaluation are never drawn again. Samples are assigned to the
  evaluators round-robin (counselors by id, contacts in sample order).
* Workflow (ISO 18295-1 §4.6): ``assigned`` → (evaluator scores) ``submitted`` → (counselor)
  ``acknowledged`` | ``disputed`` → (supervisor, not the evaluator) ``resolved``. A wrong role gets
  PermissionDenied (403), a wrong state Conflict (409). Every step adds an :class:`EvaluationEvent`.
* Counselors see only their own submitted evaluations and coaching notes; department officers see
  nothing of QA.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.accounts.models import Role, User
from minwon.config import get_settings
from minwon.contacts.models import Contact
from minwon.core.audit import record_access, record_audit
from minwon.core.clock import local_day_bounds, to_local, utcnow
from minwon.core.crypto import random_token
from minwon.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from minwon.core.i18n import N_
from minwon.evaluations import sampling, scoring
from minwon.evaluations.defaults import DEFAULT_CODE, DEFAULT_DEFINITION, DEFAULT_NAME
from minwon.evaluations.models import (
    CalibrationSession,
    CoachingNote,
    Evaluation,
    EvaluationEvent,
    EvaluationKind,
    EvaluationScore,
    EvaluationStatus,
    SampleRun,
    Scorecard,
    ScorecardVersion,
    VersionStatus,
)
from minwon.org.models import Category
from minwon.quality.summaries import AgentScore, EvaluationSummary

#: Roles that evaluate contacts and see every evaluation.
EVALUATOR_ROLES = (Role.QUALITY_MANAGER, Role.SUPERVISOR, Role.ADMINISTRATOR)
#: Roles that edit scorecards.
SCORECARD_ROLES = (Role.QUALITY_MANAGER, Role.ADMINISTRATOR)
#: Roles that resolve disputes.
RESOLVER_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)
MAX_COMMENT = 2000
CLOSED = (EvaluationStatus.ACKNOWLEDGED, EvaluationStatus.RESOLVED)
VISIBLE_TO_COUNSELOR = (
    EvaluationStatus.SUBMITTED,
    EvaluationStatus.ACKNOWLEDGED,
    EvaluationStatus.DISPUTED,
    EvaluationStatus.RESOLVED,
)


def _require(user: User, roles: Sequence[Role], message: str) -> None:
    if user.role not in roles:
        raise PermissionDenied(message)


def _text(value: str | None, *, field: str, required: str | None = None) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(required, field=field)
    if len(text) > MAX_COMMENT:
        raise ValidationError(N_("The text is too long (at most 2,000 characters)."), field=field)
    return text


def _event(
    db: Session, ev: Evaluation, actor: User | None, action: str, note: str = "", **detail: Any
) -> None:
    db.add(
        EvaluationEvent(
            evaluation_id=ev.id,
            at=utcnow(),
            actor_id=actor.id if actor else None,
            action=action,
            note=note,
            detail=detail,
        )
    )


# --- scorecards -----------------------------------------------------------------------------------


def ensure_default_scorecard(*, db: Session) -> ScorecardVersion | None:
    """Create the default scorecard (published version 1) when no scorecard exists; commits then.
    Returns the new version, or ``None`` when scorecards already existed."""
    if db.scalar(select(func.count(Scorecard.id))):
        return None
    card = Scorecard(code=DEFAULT_CODE, name=DEFAULT_NAME)
    db.add(card)
    db.flush()
    now = utcnow()
    version = ScorecardVersion(
        scorecard_id=card.id,
        number=1,
        status=VersionStatus.PUBLISHED,
        definition=DEFAULT_DEFINITION,
        created_at=now,
        published_at=now,
    )
    db.add(version)
    db.commit()
    return version


def list_scorecards(*, db: Session) -> list[Scorecard]:
    """Every scorecard with its versions (the default one is created first if none exists)."""
    ensure_default_scorecard(db=db)
    return list(db.scalars(select(Scorecard).order_by(Scorecard.id)))


def get_version(*, db: Session, version_id: int) -> ScorecardVersion:
    """Raises NotFound."""
    version = db.get(ScorecardVersion, version_id)
    if version is None:
        raise NotFound(N_("This scorecard version does not exist."))
    return version


def criteria_of(version: ScorecardVersion) -> list[scoring.Criterion]:
    return scoring.parse_definition(version.definition)


def current_version(*, db: Session) -> ScorecardVersion:
    """The most recently published version in use (the default scorecard is created if needed).
    Raises ValidationError when every version is retired."""
    ensure_default_scorecard(db=db)
    version = db.scalar(
        select(ScorecardVersion)
        .where(ScorecardVersion.status == VersionStatus.PUBLISHED)
        .order_by(ScorecardVersion.published_at.desc(), ScorecardVersion.id.desc())
        .limit(1)
    )
    if version is None:
        raise ValidationError(N_("No scorecard is published; publish one first."), field="scorecard")
    return version


def new_draft(*, db: Session, version_id: int, actor: User) -> ScorecardVersion:
    """A draft copy of ``version_id`` (the scorecard's existing draft when it has one); commits."""
    _require(actor, SCORECARD_ROLES, N_("Only quality managers edit scorecards."))
    base = get_version(db=db, version_id=version_id)
    existing = db.scalar(
        select(ScorecardVersion).where(
            ScorecardVersion.scorecard_id == base.scorecard_id, ScorecardVersion.status == VersionStatus.DRAFT
        )
    )
    if existing is not None:
        return existing
    number = db.scalar(
        select(func.max(ScorecardVersion.number)).where(ScorecardVersion.scorecard_id == base.scorecard_id)
    )
    draft = ScorecardVersion(
        scorecard_id=base.scorecard_id,
        number=(number or 0) + 1,
        status=VersionStatus.DRAFT,
        definition=base.definition,
        created_by_id=actor.id,
        created_at=utcnow(),
    )
    db.add(draft)
    db.commit()
    return draft


def save_draft(
    *, db: Session, version_id: int, definition: Mapping[str, Any], actor: User
) -> ScorecardVersion:
    """Replace a draft's definition (validated with :func:`scoring.parse_definition`); commits.

    Raises PermissionDenied (not a quality manager), Conflict (the version is published or retired:
    it can never change), ValidationError (bad definition; nothing is stored).
    """
    _require(actor, SCORECARD_ROLES, N_("Only quality managers edit scorecards."))
    version = get_version(db=db, version_id=version_id)
    if version.status != VersionStatus.DRAFT:
        raise Conflict(N_("A published scorecard version cannot be changed; create a new draft instead."))
    scoring.parse_definition(definition)
    version.definition = {"sections": list(definition.get("sections") or [])}
    db.commit()
    return version


def publish_version(*, db: Session, version_id: int, actor: User) -> ScorecardVersion:
    """Publish a draft and retire the scorecard's earlier published version; commits.
    Raises PermissionDenied, Conflict (not a draft), ValidationError (bad definition)."""
    _require(actor, SCORECARD_ROLES, N_("Only quality managers edit scorecards."))
    version = get_version(db=db, version_id=version_id)
    if version.status != VersionStatus.DRAFT:
        raise Conflict(N_("Only a draft can be published."))
    scoring.parse_definition(version.definition)
    now = utcnow()
    for old in db.scalars(
        select(ScorecardVersion).where(
            ScorecardVersion.scorecard_id == version.scorecard_id,
            ScorecardVersion.status == VersionStatus.PUBLISHED,
        )
    ):
        old.status, old.retired_at = VersionStatus.RETIRED, now
    version.status, version.published_at = VersionStatus.PUBLISHED, now
    record_audit(
        db=db,
        action="qa_scorecard_publish",
        actor_name=actor.username,
        actor_id=actor.id,
        detail={"version_id": version.id},
    )
    db.commit()
    return version


def retire_version(*, db: Session, version_id: int, actor: User) -> ScorecardVersion:
    """Retire a published version (no new evaluations use it); commits. Raises PermissionDenied,
    Conflict (not published)."""
    _require(actor, SCORECARD_ROLES, N_("Only quality managers edit scorecards."))
    version = get_version(db=db, version_id=version_id)
    if version.status != VersionStatus.PUBLISHED:
        raise Conflict(N_("Only a published version can be retired."))
    version.status, version.retired_at = VersionStatus.RETIRED, utcnow()
    db.commit()
    return version


# --- sampling -------------------------------------------------------------------------------------


@dataclass
class AgentSample:
    """One counselor's part of a run: contacts in the month, already sampled before, drawn now."""

    agent_id: int
    agent: str
    contacts: int
    already_sampled: int
    sampled: int
    strata: dict[str, int] = field(default_factory=dict)


@dataclass
class SampleReport:
    run_id: int
    month: str
    seed: str
    per_agent: int
    scorecard_version_id: int
    agents: list[AgentSample]
    evaluation_ids: list[int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "month": self.month,
            "seed": self.seed,
            "per_agent": self.per_agent,
            "scorecard_version_id": self.scorecard_version_id,
            "sampled": len(self.evaluation_ids),
            "evaluation_ids": self.evaluation_ids,
            "agents": [a.__dict__ for a in self.agents],
        }


def month_range(month: str) -> tuple[datetime, datetime]:
    """``YYYY-MM`` → ``[start, end)`` UTC instants of the local month. Raises ValidationError."""
    from minwon.quality.service import month_bounds

    first, last = month_bounds(month)
    return local_day_bounds(first)[0], local_day_bounds(last)[1]


def _evaluators(db: Session, evaluator_ids: Sequence[int] | None) -> list[User]:
    if evaluator_ids:
        users = [db.get(User, i) for i in evaluator_ids]
        if any(u is None or not u.is_active or u.role not in EVALUATOR_ROLES for u in users):
            raise ValidationError(
                N_("Evaluators must be active quality managers or supervisors."), field="evaluators"
            )
        return sorted({u.id: u for u in users if u is not None}.values(), key=lambda u: u.id)
    for role in (Role.QUALITY_MANAGER, Role.SUPERVISOR):
        found = list(
            db.scalars(select(User).where(User.role == role, User.is_active.is_(True)).order_by(User.id))
        )
        if found:
            return found
    raise ValidationError(N_("There is no evaluator (quality manager or supervisor)."), field="evaluators")


def sample_month(
    *,
    db: Session,
    month: str,
    actor: User,
    per_agent: int | None = None,
    seed: str | None = None,
    evaluator_ids: Sequence[int] | None = None,
) -> SampleReport:
    """Draw the month's evaluation sample per counselor and assign it to evaluators; commits once.

    ``month`` is ``YYYY-MM`` (local days); ``per_agent`` defaults to ``MINWON_QA_PER_AGENT``; ``seed``
    (≤ 64 characters) defaults to a random one, recorded on the :class:`SampleRun` so the draw can be
    reproduced. Allocation and draw: :mod:`.sampling`. Raises PermissionDenied (not an evaluator role),
    ValidationError (``month``, ``per_agent`` outside 1–100, ``seed``, ``evaluators``).
    """
    _require(actor, EVALUATOR_ROLES, N_("Only quality managers and supervisors sample contacts."))
    start, end = month_range(month)
    month = to_local(start).strftime("%Y-%m")  # "2026-9" and "2026-09" draw the same sample
    n = per_agent if per_agent is not None else get_settings().qa_per_agent
    if not 1 <= n <= 100:
        raise ValidationError(N_("Contacts per counselor must be between 1 and 100."), field="per_agent")
    seed = (seed or "").strip() or random_token(6)
    if len(seed) > 64:
        raise ValidationError(N_("The seed is too long (at most 64 characters)."), field="seed")
    evaluators = _evaluators(db, evaluator_ids)
    version = current_version(db=db)

    rows = db.execute(
        select(Contact.id, Contact.agent_id, Category.code, Contact.outcome, User.display_name)
        .join(Category, Category.id == Contact.category_id)
        .join(User, User.id == Contact.agent_id)
        .where(Contact.created_at >= start, Contact.created_at < end, User.role == Role.COUNSELOR)
        .order_by(Contact.id)
    ).all()
    sampled_ids = set(
        db.scalars(select(Evaluation.contact_id).where(Evaluation.kind == EvaluationKind.SAMPLE))
    )
    by_agent: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    names: dict[int, str] = {}
    counts: dict[int, int] = defaultdict(int)
    already: dict[int, int] = defaultdict(int)
    for cid, agent_id, code, outcome, name in rows:
        names[agent_id] = name
        counts[agent_id] += 1
        if cid in sampled_ids:
            already[agent_id] += 1
            continue
        by_agent[agent_id][f"{code}/{outcome.value if hasattr(outcome, 'value') else outcome}"].append(cid)

    run = SampleRun(month=month, seed=seed, per_agent=n, created_by_id=actor.id, created_at=utcnow())
    db.add(run)
    db.flush()
    report = SampleReport(run.id, month, seed, n, version.id, [], [])
    turn = 0
    now = utcnow()
    for agent_id in sorted(names):
        want = max(0, n - already[agent_id])
        picked = sampling.select(by_agent[agent_id], want, seed=seed, month=month, agent_id=agent_id)
        strata: dict[str, int] = defaultdict(int)
        for stratum, cid in picked:
            strata[stratum] += 1
            ev = Evaluation(
                kind=EvaluationKind.SAMPLE,
                status=EvaluationStatus.ASSIGNED,
                contact_id=cid,
                agent_id=agent_id,
                evaluator_id=evaluators[turn % len(evaluators)].id,
                scorecard_version_id=version.id,
                sample_run_id=run.id,
                stratum=stratum,
                created_at=now,
            )
            turn += 1
            db.add(ev)
            db.flush()
            _event(db, ev, actor, "sampled", run=run.id, seed=seed, evaluator_id=ev.evaluator_id)
            report.evaluation_ids.append(ev.id)
        report.agents.append(
            AgentSample(
                agent_id, names[agent_id], counts[agent_id], already[agent_id], len(picked), dict(strata)
            )
        )
    run.sampled = len(report.evaluation_ids)
    record_audit(
        db=db,
        action="qa_sample",
        actor_name=actor.username,
        actor_id=actor.id,
        detail={"run_id": run.id, "month": month, "seed": seed, "sampled": run.sampled},
    )
    db.commit()
    return report


# --- evaluations ----------------------------------------------------------------------------------


def list_evaluations(
    *, db: Session, viewer: User, month: str | None = None, status: str | None = None
) -> list[Evaluation]:
    """Sampled evaluations the viewer may see (counselors: their own, once submitted), newest first;
    ``month`` filters by the contact's local month. Raises PermissionDenied (other roles)."""
    query = select(Evaluation).where(Evaluation.kind == EvaluationKind.SAMPLE)
    if viewer.role == Role.COUNSELOR:
        query = query.where(Evaluation.agent_id == viewer.id, Evaluation.status.in_(VISIBLE_TO_COUNSELOR))
    elif viewer.role not in EVALUATOR_ROLES:
        raise PermissionDenied(N_("Your role may not open this page."))
    if month:
        start, end = month_range(month)
        query = query.join(Contact, Contact.id == Evaluation.contact_id).where(
            Contact.created_at >= start, Contact.created_at < end
        )
    if status:
        try:
            query = query.where(Evaluation.status == EvaluationStatus(status))
        except ValueError:
            raise ValidationError(N_("Unknown status."), field="status") from None
    return list(db.scalars(query.order_by(Evaluation.id.desc()).limit(500)))


def get_evaluation(*, db: Session, evaluation_id: int, viewer: User) -> Evaluation:
    """An evaluation the viewer may see. Counselors: their own submitted sampled evaluations; a
    calibration evaluation of another evaluator only after the viewer submitted their own in the
    session (or when the viewer is not in it). Raises NotFound, PermissionDenied."""
    ev = db.get(Evaluation, evaluation_id)
    if ev is None:
        raise NotFound(N_("This evaluation does not exist."))
    if viewer.role == Role.COUNSELOR:
        if (
            ev.kind != EvaluationKind.SAMPLE
            or ev.agent_id != viewer.id
            or ev.status not in VISIBLE_TO_COUNSELOR
        ):
            raise PermissionDenied(N_("Counselors see only their own evaluations."))
        return ev
    if viewer.role not in EVALUATOR_ROLES:
        raise PermissionDenied(N_("Your role may not open this page."))
    if ev.kind == EvaluationKind.CALIBRATION and ev.evaluator_id != viewer.id and ev.calibration_session_id:
        own = _own_calibration(db, ev.calibration_session_id, viewer)
        if own is not None and own.status == EvaluationStatus.ASSIGNED:
            raise PermissionDenied(N_("Submit your own scores before you look at the others'."))
    return ev


def record_contact_view(*, db: Session, evaluation: Evaluation, viewer: User, ip: str | None) -> None:
    """Log that ``viewer`` saw the evaluated contact's record (개인정보의 안전성 확보조치 기준 §8) when
    it belongs to an identified caller; commits."""
    contact = db.get(Contact, evaluation.contact_id)
    if contact is not None and contact.caller_ref:
        record_access(
            db=db,
            account_id=viewer.id,
            subject_ref=contact.caller_ref,
            action="view",
            purpose=f"evaluation:{evaluation.id}",
            ip=ip,
            resource="contacts.record",
        )
        db.commit()


def _scores_in(
    criteria: Sequence[scoring.Criterion], scores: Mapping[str, Any], comments: Mapping[str, str] | None
) -> tuple[dict[str, int], dict[str, str]]:
    values = scoring.validate_scores(criteria, scores)
    notes = {c.key: _text((comments or {}).get(c.key), field=c.key) for c in criteria}
    return values, notes


def _apply(
    db: Session,
    ev: Evaluation,
    criteria: Sequence[scoring.Criterion],
    values: Mapping[str, int],
    notes: Mapping[str, str],
) -> scoring.Result:
    result = scoring.compute(criteria, values, pass_score=get_settings().qa_pass_score)
    existing = {s.criterion_key: s for s in ev.scores}
    for c in criteria:
        row = existing.get(c.key)
        if row is None:
            ev.scores.append(EvaluationScore(criterion_key=c.key, score=values[c.key], comment=notes[c.key]))
        else:
            row.score, row.comment = values[c.key], notes[c.key]
    ev.total_score, ev.critical_failed, ev.passed = result.total, result.critical_failed, result.passed
    return result


def submit_scores(
    *,
    db: Session,
    evaluation_id: int,
    actor: User,
    scores: Mapping[str, Any],
    comments: Mapping[str, str] | None = None,
    overall_comment: str = "",
) -> Evaluation:
    """The assigned evaluator scores every criterion (``scores`` key → 0…max) → ``submitted``; commits.

    Raises NotFound; PermissionDenied (not the assigned evaluator); Conflict (already submitted);
    ValidationError (missing criterion, score outside the scale, text too long — nothing stored).
    """
    ev = db.get(Evaluation, evaluation_id)
    if ev is None:
        raise NotFound(N_("This evaluation does not exist."))
    if ev.evaluator_id != actor.id:
        raise PermissionDenied(N_("This evaluation is assigned to another evaluator."))
    if ev.status != EvaluationStatus.ASSIGNED:
        raise Conflict(N_("This evaluation was already submitted."))
    criteria = criteria_of(db.get(ScorecardVersion, ev.scorecard_version_id))  # type: ignore[arg-type]
    values, notes = _scores_in(criteria, scores, comments)
    overall = _text(overall_comment, field="overall_comment")
    result = _apply(db, ev, criteria, values, notes)
    ev.overall_comment = overall
    ev.status, ev.submitted_at = EvaluationStatus.SUBMITTED, utcnow()
    db.flush()
    _event(
        db,
        ev,
        actor,
        "submitted",
        overall,
        scores=values,
        total=result.total,
        critical_failed=result.critical_failed,
        passed=result.passed,
    )
    db.commit()
    return ev


def reassign(*, db: Session, evaluation_id: int, actor: User, evaluator_id: int) -> Evaluation:
    """Give a sampled evaluation not yet scored to another evaluator; commits.
    Raises NotFound; PermissionDenied (not a quality manager or supervisor); Conflict (already scored or
    a calibration scoring); ValidationError (the new evaluator is not an active evaluator)."""
    _require(actor, EVALUATOR_ROLES, N_("Only quality managers and supervisors assign evaluations."))
    ev = db.get(Evaluation, evaluation_id)
    if ev is None:
        raise NotFound(N_("This evaluation does not exist."))
    if ev.kind != EvaluationKind.SAMPLE or ev.status != EvaluationStatus.ASSIGNED:
        raise Conflict(N_("Only a sampled evaluation not yet scored can be reassigned."))
    (new,) = _evaluators(db, [evaluator_id])
    before = ev.evaluator_id
    ev.evaluator_id = new.id
    _event(db, ev, actor, "reassigned", evaluator_id=new.id, before=before)
    db.commit()
    return ev


def _counselor_step(db: Session, evaluation_id: int, actor: User) -> Evaluation:
    ev = db.get(Evaluation, evaluation_id)
    if ev is None:
        raise NotFound(N_("This evaluation does not exist."))
    if ev.kind != EvaluationKind.SAMPLE or ev.agent_id != actor.id:
        raise PermissionDenied(N_("Only the evaluated counselor may acknowledge or dispute."))
    if ev.status != EvaluationStatus.SUBMITTED:
        raise Conflict(N_("Only a submitted evaluation can be acknowledged or disputed."))
    return ev


def acknowledge(*, db: Session, evaluation_id: int, actor: User, note: str = "") -> Evaluation:
    """The counselor accepts the evaluation → ``acknowledged`` (closed); commits.
    Raises NotFound, PermissionDenied (not the counselor), Conflict (not submitted)."""
    ev = _counselor_step(db, evaluation_id, actor)
    text = _text(note, field="note")
    ev.status, ev.acknowledged_at = EvaluationStatus.ACKNOWLEDGED, utcnow()
    _event(db, ev, actor, "acknowledged", text)
    db.commit()
    return ev


def dispute(*, db: Session, evaluation_id: int, actor: User, reason: str) -> Evaluation:
    """The counselor disputes the evaluation with a reason → ``disputed``; commits.
    Raises NotFound, PermissionDenied, Conflict, ValidationError (no reason)."""
    ev = _counselor_step(db, evaluation_id, actor)
    text = _text(reason, field="reason", required=N_("Give the reason for the dispute."))
    ev.status, ev.disputed_at, ev.dispute_reason = EvaluationStatus.DISPUTED, utcnow(), text
    _event(db, ev, actor, "disputed", text)
    db.commit()
    return ev


def resolve(
    *,
    db: Session,
    evaluation_id: int,
    actor: User,
    decision: str,
    note: str,
    scores: Mapping[str, Any] | None = None,
    comments: Mapping[str, str] | None = None,
) -> Evaluation:
    """A supervisor resolves a dispute: ``decision`` ``uphold`` (scores stay) or ``adjust`` (``scores``
    replace them and the total is recomputed) → ``resolved`` (closed); commits. The old and new scores
    go to the history.

    Raises NotFound; PermissionDenied (not a supervisor, or the resolver is the evaluator);
    Conflict (not disputed); ValidationError (no note, unknown decision, bad scores).
    """
    _require(actor, RESOLVER_ROLES, N_("Only a supervisor resolves disputes."))
    ev = db.get(Evaluation, evaluation_id)
    if ev is None:
        raise NotFound(N_("This evaluation does not exist."))
    if ev.evaluator_id == actor.id:
        raise PermissionDenied(N_("The evaluator may not resolve a dispute about their own evaluation."))
    if ev.status != EvaluationStatus.DISPUTED:
        raise Conflict(N_("Only a disputed evaluation can be resolved."))
    if decision not in ("uphold", "adjust"):
        raise ValidationError(N_("Choose to uphold or adjust the scores."), field="decision")
    text = _text(note, field="note", required=N_("Write a note on the decision."))
    before = {s.criterion_key: s.score for s in ev.scores}
    before_total = ev.total_score
    detail: dict[str, Any] = {"decision": decision}
    if decision == "adjust":
        criteria = criteria_of(db.get(ScorecardVersion, ev.scorecard_version_id))  # type: ignore[arg-type]
        old_notes = {s.criterion_key: s.comment for s in ev.scores}
        values, notes = _scores_in(criteria, scores or {}, comments or old_notes)
        result = _apply(db, ev, criteria, values, notes)
        detail.update(
            before=before,
            before_total=before_total,
            after=values,
            total=result.total,
            critical_failed=result.critical_failed,
            passed=result.passed,
        )
    ev.status, ev.resolved_at, ev.resolved_by_id, ev.resolution_note = (
        EvaluationStatus.RESOLVED,
        utcnow(),
        actor.id,
        text,
    )
    _event(db, ev, actor, "resolved", text, **detail)
    db.commit()
    return ev


def history(*, db: Session, evaluation_id: int) -> list[EvaluationEvent]:
    return list(
        db.scalars(
            select(EvaluationEvent)
            .where(EvaluationEvent.evaluation_id == evaluation_id)
            .order_by(EvaluationEvent.id)
        )
    )


# --- coaching -------------------------------------------------------------------------------------


def add_coaching_note(
    *,
    db: Session,
    actor: User,
    evaluation_id: int,
    discussed: str,
    actions: str = "",
    follow_up_on: date | None = None,
) -> CoachingNote:
    """Record a coaching conversation about a submitted sampled evaluation's counselor; commits.
    Raises NotFound, PermissionDenied (not an evaluator role), Conflict (not yet submitted),
    ValidationError (empty ``discussed``, text too long, follow-up date in the past)."""
    _require(actor, EVALUATOR_ROLES, N_("Only quality managers and supervisors write coaching notes."))
    ev = db.get(Evaluation, evaluation_id)
    if ev is None or ev.kind != EvaluationKind.SAMPLE:
        raise NotFound(N_("This evaluation does not exist."))
    if ev.status == EvaluationStatus.ASSIGNED:
        raise Conflict(N_("Coach on an evaluation once it is submitted."))
    text = _text(discussed, field="discussed", required=N_("Write what was discussed."))
    agreed = _text(actions, field="actions")
    note = CoachingNote(
        evaluation_id=ev.id,
        agent_id=ev.agent_id,
        author_id=actor.id,
        discussed=text,
        actions=agreed,
        follow_up_on=follow_up_on,
        created_at=utcnow(),
    )
    db.add(note)
    db.flush()
    _event(db, ev, actor, "coaching", text, coaching_note_id=note.id)
    db.commit()
    return note


def coaching_notes(*, db: Session, viewer: User, evaluation_id: int | None = None) -> list[CoachingNote]:
    """Coaching notes the viewer may see (counselors: about themselves), newest first."""
    query = select(CoachingNote)
    if viewer.role == Role.COUNSELOR:
        query = query.where(CoachingNote.agent_id == viewer.id)
    elif viewer.role not in EVALUATOR_ROLES:
        raise PermissionDenied(N_("Your role may not open this page."))
    if evaluation_id is not None:
        query = query.where(CoachingNote.evaluation_id == evaluation_id)
    return list(db.scalars(query.order_by(CoachingNote.id.desc()).limit(200)))


# --- calibration ----------------------------------------------------------------------------------


def _own_calibration(db: Session, session_id: int, viewer: User) -> Evaluation | None:
    return db.scalar(
        select(Evaluation).where(
            Evaluation.calibration_session_id == session_id, Evaluation.evaluator_id == viewer.id
        )
    )


def create_calibration(
    *, db: Session, actor: User, contact_id: int, evaluator_ids: Sequence[int], title: str = ""
) -> CalibrationSession:
    """A calibration session on one contact with one evaluation per evaluator (at least two); commits.
    Raises PermissionDenied, ValidationError (unknown contact, fewer than two evaluators, a
    non-evaluator)."""
    _require(actor, EVALUATOR_ROLES, N_("Only quality managers and supervisors run calibration."))
    contact = db.get(Contact, contact_id)
    if contact is None:
        raise ValidationError(N_("The contact does not exist."), field="contact_id")
    ids = sorted(set(evaluator_ids))
    if len(ids) < 2:
        raise ValidationError(N_("Choose at least two evaluators."), field="evaluators")
    evaluators = _evaluators(db, ids)
    version = current_version(db=db)
    label = _text(title, field="title")[:200] or f"calibration contact {contact.id}"
    session = CalibrationSession(
        title=label,
        contact_id=contact.id,
        scorecard_version_id=version.id,
        created_by_id=actor.id,
        created_at=utcnow(),
    )
    db.add(session)
    db.flush()
    for user in evaluators:
        ev = Evaluation(
            kind=EvaluationKind.CALIBRATION,
            status=EvaluationStatus.ASSIGNED,
            contact_id=contact.id,
            agent_id=contact.agent_id,
            evaluator_id=user.id,
            scorecard_version_id=version.id,
            calibration_session_id=session.id,
            created_at=utcnow(),
        )
        db.add(ev)
        db.flush()
        _event(db, ev, actor, "calibration", session=session.id)
    db.commit()
    return session


def list_calibrations(*, db: Session, viewer: User) -> list[CalibrationSession]:
    _require(viewer, EVALUATOR_ROLES, N_("Your role may not open this page."))
    return list(db.scalars(select(CalibrationSession).order_by(CalibrationSession.id.desc()).limit(200)))


@dataclass
class CriterionSpread:
    criterion: scoring.Criterion
    values: dict[int, int]
    spread: scoring.Spread


@dataclass
class CalibrationReport:
    """A session's evaluations and spreads; ``visible`` is False while the viewer has not submitted
    their own scores (then only the viewer's own evaluation and the submission count are shown)."""

    session: CalibrationSession
    evaluations: list[Evaluation]
    visible: bool
    own: Evaluation | None
    criteria: list[CriterionSpread]
    total: scoring.Spread


def calibration_report(*, db: Session, session_id: int, viewer: User) -> CalibrationReport:
    """Spread per criterion (raw points on its scale) and of the total (points 0–100) over the
    submitted evaluations: max − min and population standard deviation (:func:`scoring.spread`).
    Raises NotFound, PermissionDenied."""
    _require(viewer, EVALUATOR_ROLES, N_("Your role may not open this page."))
    session = db.get(CalibrationSession, session_id)
    if session is None:
        raise NotFound(N_("This calibration session does not exist."))
    evaluations = list(
        db.scalars(
            select(Evaluation).where(Evaluation.calibration_session_id == session.id).order_by(Evaluation.id)
        )
    )
    own = next((e for e in evaluations if e.evaluator_id == viewer.id), None)
    visible = own is None or own.status != EvaluationStatus.ASSIGNED
    done = [e for e in evaluations if e.status != EvaluationStatus.ASSIGNED]
    criteria = criteria_of(db.get(ScorecardVersion, session.scorecard_version_id))  # type: ignore[arg-type]
    spreads: list[CriterionSpread] = []
    for c in criteria:
        values = {e.evaluator_id: s.score for e in done for s in e.scores if s.criterion_key == c.key}
        spreads.append(CriterionSpread(c, values, scoring.spread(list(values.values()))))
    total = scoring.spread([e.total_score for e in done if e.total_score is not None])
    if not visible:
        spreads, total = [], scoring.spread([])
    return CalibrationReport(session, evaluations, visible, own, spreads, total)


# --- month summary (management review, ISO 9001 §9.3) ---------------------------------------------


def evaluation_summary(*, db: Session, first_day: date, last_day: date) -> EvaluationSummary:
    """Sampled evaluations submitted between ``first_day`` and ``last_day`` (inclusive, local days).

    ``completed`` counts evaluations submitted in the period; ``mean_score`` their mean current total
    (after any adjustment, points 0–100); ``pass_rate`` the share passed; ``critical_failures`` those
    with a failed critical item; ``disputed``/``disputes_resolved`` disputes raised/resolved in the
    period; ``by_agent`` per counselor (by display name); calibration sessions created in the period
    and the mean of their total-score range (sessions with at least two submitted scorings);
    ``coaching_notes`` written in the period.
    """
    start, end = local_day_bounds(first_day)[0], local_day_bounds(last_day)[1]
    sample = Evaluation.kind == EvaluationKind.SAMPLE
    done = list(
        db.execute(
            select(
                Evaluation.agent_id,
                User.display_name,
                Evaluation.total_score,
                Evaluation.passed,
                Evaluation.critical_failed,
            )
            .join(User, User.id == Evaluation.agent_id)
            .where(sample, Evaluation.submitted_at >= start, Evaluation.submitted_at < end)
        )
    )
    totals = [float(r.total_score) for r in done if r.total_score is not None]
    by_agent_rows: dict[str, list[Any]] = defaultdict(list)
    for r in done:
        by_agent_rows[r.display_name].append(r)
    by_agent = [
        AgentScore(
            agent=name,
            evaluations=len(rows),
            mean_score=round(sum(r.total_score for r in rows) / len(rows), 2) if rows else None,
            critical_failures=sum(1 for r in rows if r.critical_failed),
        )
        for name, rows in sorted(by_agent_rows.items())
    ]
    disputed = db.scalar(
        select(func.count(Evaluation.id)).where(
            sample, Evaluation.disputed_at >= start, Evaluation.disputed_at < end
        )
    )
    resolved = db.scalar(
        select(func.count(Evaluation.id)).where(
            sample, Evaluation.resolved_at >= start, Evaluation.resolved_at < end
        )
    )
    sessions = list(
        db.scalars(
            select(CalibrationSession.id).where(
                CalibrationSession.created_at >= start, CalibrationSession.created_at < end
            )
        )
    )
    ranges: list[float] = []
    for sid in sessions:
        values = [
            float(v)
            for v in db.scalars(
                select(Evaluation.total_score).where(
                    Evaluation.calibration_session_id == sid, Evaluation.total_score.is_not(None)
                )
            )
            if v is not None
        ]
        if len(values) >= 2:
            ranges.append(max(values) - min(values))
    notes = db.scalar(
        select(func.count(CoachingNote.id)).where(
            CoachingNote.created_at >= start, CoachingNote.created_at < end
        )
    )
    return EvaluationSummary(
        completed=len(done),
        mean_score=round(sum(totals) / len(totals), 2) if totals else None,
        pass_rate=round(sum(1 for r in done if r.passed) / len(done), 4) if done else None,
        critical_failures=sum(1 for r in done if r.critical_failed),
        disputed=int(disputed or 0),
        disputes_resolved=int(resolved or 0),
        by_agent=by_agent,
        calibration_sessions=len(sessions),
        calibration_mean_spread=round(sum(ranges) / len(ranges), 2) if ranges else None,
        coaching_notes=int(notes or 0),
    )
