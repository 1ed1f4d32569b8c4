"""Train, store and serve routing suggestions.

Training reads past cases that have a department and a question (the imported Incheon Jung-gu Q&A and
the center's own answered or closed cases), so retraining as the center's cases accumulate is one call
(:func:`train_model`, ``minwon routing train``). The active model is cached per process and reloaded
when another process activates a newer one (checked at most every ``RELOAD_CHECK_S`` seconds).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.cases.imports import UNKNOWN_DEPARTMENT
from minwon.cases.models import Case, CaseStatus
from minwon.config import get_settings
from minwon.core.audit import record_audit
from minwon.core.clock import to_local
from minwon.core.errors import NotFound, ValidationError
from minwon.core.i18n import N_
from minwon.org.models import Category, Department
from minwon.routing import model as rm
from minwon.routing.models import DepartmentMapping, RoutingModelRecord

#: Longest inquiry text accepted for a suggestion (characters); the desk's field allows 4,000.
MAX_TEXT = 5000
RELOAD_CHECK_S = 30.0
#: Statuses of the center's own cases whose department is known to be right.
_LEARNED_STATUSES = (CaseStatus.ANSWERED, CaseStatus.CLOSED)


def training_examples(*, db: Session, until: date | None = None) -> list[rm.Example]:
    """Past cases as examples: text = title + question, label = department name, day = local receipt day.

    Cases of the damaged-source placeholder department are left out; ``until`` (inclusive) limits by day.
    """
    rows = db.execute(
        select(Case.title, Case.question, Case.received_at, Department.name)
        .join(Department, Department.id == Case.department_id)
        .where(Case.status.in_(_LEARNED_STATUSES), Department.name != UNKNOWN_DEPARTMENT)
        .order_by(Case.received_at, Case.id)
    ).all()
    out: list[rm.Example] = []
    for title, question, received, dept in rows:
        day = to_local(received).date()
        if until is not None and day > until:
            continue
        text = f"{title}\n{question}".strip()
        if text:
            out.append(rm.Example(text=text, label=dept, day=day))
    return out


def train_model(
    *, db: Session, actor: User | None = None, until: date | None = None, test_share: float = 0.2
) -> RoutingModelRecord:
    """Evaluate on a split by date, train on all examples, store and activate the model; commits.

    Raises ValidationError when the cases name fewer than two departments.
    """
    examples = training_examples(db=db, until=until)
    try:
        model = rm.train(examples)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    metrics: dict[str, object] = {}
    try:
        older, newer = rm.split_by_date(examples, test_share)
        if len({e.label for e in older}) >= 2 and newer:
            threshold = get_settings().routing_min_confidence
            metrics = asdict(rm.evaluate(older, newer, threshold=threshold))
            metrics["split_day"] = newer[0].day.isoformat()
    except ValueError:
        metrics = {}
    db.execute(update(RoutingModelRecord).values(is_active=False))
    record = RoutingModelRecord(
        trained_by_id=actor.id if actor else None,
        n_train=model.n_train,
        n_labels=len(model.labels),
        temperature=model.temperature,
        metrics=metrics,
        artifact=model.dumps(),
        is_active=True,
    )
    db.add(record)
    db.flush()
    record_audit(
        db=db,
        action="routing.train",
        actor_name=actor.username if actor else "cli",
        actor_id=actor.id if actor else None,
        detail={"model_id": record.id, "n_train": model.n_train, "n_labels": len(model.labels)},
    )
    db.commit()
    return record


class _ModelCache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.record_id: int | None = None
        self.model: rm.RoutingModel | None = None
        self.checked = -RELOAD_CHECK_S

    def get(self, db: Session) -> rm.RoutingModel | None:
        now = time.monotonic()
        with self.lock:
            if self.model is not None and now - self.checked < RELOAD_CHECK_S:
                return self.model
            active = db.scalar(select(RoutingModelRecord.id).where(RoutingModelRecord.is_active))
            self.checked = now
            if active is None:
                self.record_id, self.model = None, None
            elif active != self.record_id:
                blob = db.scalar(select(RoutingModelRecord.artifact).where(RoutingModelRecord.id == active))
                self.model = rm.loads(blob) if blob is not None else None
                self.record_id = active
            return self.model

    def clear(self) -> None:
        with self.lock:
            self.record_id, self.model, self.checked = None, None, -RELOAD_CHECK_S


_cache = _ModelCache()


def forget_cached_model() -> None:
    """Drop this process's cached model (tests; after training in the same process)."""
    _cache.clear()


@dataclass(frozen=True)
class Target:
    """Where a suggestion sends the case today: an active department and its usual category."""

    department_id: int
    department: str
    category_id: int | None
    category: str | None


@dataclass(frozen=True)
class Alternative:
    department: str
    confidence: float
    target: Target | None


@dataclass(frozen=True)
class Suggestion:
    """The routing answer for one inquiry.

    ``department`` is the learned department name (None when ``not_sure``); ``confidence`` is the
    calibrated probability (0–1) of the top label; ``alternatives`` lists the top three, best first.
    """

    department: str | None
    category: str | None
    confidence: float
    not_sure: bool
    target: Target | None
    alternatives: list[Alternative]
    model_id: int | None

    def as_json(self) -> dict[str, object]:
        return {
            "department": self.department,
            "category": self.category,
            "confidence": round(self.confidence, 4),
            "not_sure": self.not_sure,
            "transfer_to": asdict(self.target) if self.target else None,
            "alternatives": [
                {
                    "department": a.department,
                    "confidence": round(a.confidence, 4),
                    "transfer_to": asdict(a.target) if a.target else None,
                }
                for a in self.alternatives
            ],
        }


def _targets(db: Session, labels: Iterable[str]) -> dict[str, Target]:
    wanted = set(labels)
    if not wanted:
        return {}
    by_label: dict[str, Department] = {}
    for dept in db.scalars(select(Department).where(Department.name.in_(wanted), Department.is_active)):
        by_label[dept.name] = dept
    for label, dept in db.execute(
        select(DepartmentMapping.label, Department)
        .join(Department, Department.id == DepartmentMapping.department_id)
        .where(DepartmentMapping.label.in_(wanted), Department.is_active)
    ).all():
        by_label.setdefault(label, dept)
    out: dict[str, Target] = {}
    for label, dept in by_label.items():
        cat = db.scalar(
            select(Category)
            .where(Category.default_department_id == dept.id, Category.is_active)
            .order_by(Category.sort_order, Category.id)
            .limit(1)
        )
        out[label] = Target(dept.id, dept.name, cat.id if cat else None, cat.name_ko if cat else None)
    return out


def _merge_by_target(ranked: Sequence[rm.Ranked], targets: dict[str, Target]) -> list[Alternative]:
    """One alternative per department a counselor can transfer to: learned names that map to the same
    active department add their probabilities (e.g. 교통운수과 and 교통행정과 → 교통행정과); names with no
    active department stay as they are. Best first."""
    merged: dict[object, Alternative] = {}
    for r in ranked:
        target = targets.get(r.label)
        key: object = ("department", target.department_id) if target else ("label", r.label)
        name = target.department if target else r.label
        seen = merged.get(key)
        prob = r.probability + (seen.confidence if seen else 0.0)
        merged[key] = Alternative(name, prob, target)
    return sorted(merged.values(), key=lambda a: -a.confidence)


def check_text(text: str) -> str:
    """The inquiry text stripped; raises ValidationError when empty or longer than ``MAX_TEXT``."""
    text = text.strip()
    if not text:
        raise ValidationError(N_("the inquiry text is empty"), field="text")
    if len(text) > MAX_TEXT:
        raise ValidationError(f"the inquiry text is longer than {MAX_TEXT} characters", field="text")
    return text


def suggest(*, db: Session, text: str, threshold: float | None = None) -> Suggestion:
    """Suggest the department (and category) for ``text``.

    Raises ValidationError for an empty or too long text and NotFound when no model has been trained.
    """
    text = check_text(text)
    model = _cache.get(db)
    if model is None:
        raise NotFound(N_("no routing model has been trained yet (minwon routing train)"))
    limit = get_settings().routing_min_confidence if threshold is None else threshold
    ranked = model.rank(text, k=len(model.labels))
    targets = _targets(db, (r.label for r in ranked))
    alternatives = _merge_by_target(ranked, targets)[:3]
    top = alternatives[0] if alternatives else None
    sure = top is not None and top.confidence >= limit
    return Suggestion(
        department=top.department if top and sure else None,
        category=top.target.category if top and sure and top.target else None,
        confidence=top.confidence if top else 0.0,
        not_sure=not sure,
        target=top.target if top and sure else None,
        alternatives=alternatives,
        model_id=_cache.record_id,
    )


def evaluate_queries(*, db: Session, queries: Sequence[tuple[str, str]]) -> dict[str, float | int]:
    """Accuracy@1/@3 of the active model on ``(query, expected_department)`` pairs.

    A pair counts as a hit when the expected name equals a ranked label or the active department it
    maps to. Raises NotFound without a model and ValidationError for an empty query.
    """
    model = _cache.get(db)
    if model is None:
        raise NotFound(N_("no routing model has been trained yet (minwon routing train)"))
    texts = [check_text(q) for q, _ in queries]
    ranked = model.rank_many(texts, k=3)
    targets = _targets(db, {r.label for row in ranked for r in row})

    def names(row: list[rm.Ranked]) -> list[set[str]]:
        return [{r.label} | ({targets[r.label].department} if r.label in targets else set()) for r in row]

    hits1 = hits3 = 0
    for row, (_, expected) in zip(ranked, queries, strict=True):
        sets = names(row)
        hits1 += bool(sets and expected in sets[0])
        hits3 += any(expected in s for s in sets[:3])
    n = len(queries)
    return {"n": n, "accuracy_at_1": hits1 / n if n else 0.0, "accuracy_at_3": hits3 / n if n else 0.0}


def set_mapping(
    *, db: Session, label: str, department_id: int, actor: User | None = None
) -> DepartmentMapping:
    """Map a learned department name to an active department (insert or replace); commits."""
    label = label.strip()
    if not label:
        raise ValidationError("the department name to map is empty", field="label")
    dept = db.get(Department, department_id)
    if dept is None or not dept.is_active:
        raise ValidationError(
            f"department {department_id} does not exist or is inactive", field="department_id"
        )
    row = db.scalar(select(DepartmentMapping).where(DepartmentMapping.label == label))
    if row is None:
        row = DepartmentMapping(label=label, department_id=dept.id)
        db.add(row)
    else:
        row.department_id = dept.id
    db.flush()
    record_audit(
        db=db,
        action="routing.map",
        actor_name=actor.username if actor else "cli",
        actor_id=actor.id if actor else None,
        detail={"label": label, "department": dept.name},
    )
    db.commit()
    return row


def active_record(*, db: Session) -> RoutingModelRecord | None:
    """The active model's row (metrics, size, training time), or None."""
    return db.scalar(select(RoutingModelRecord).where(RoutingModelRecord.is_active))
