"""Cases (민원 건): creation from a contact, numbering, look-ups and department work lists.

Department work (accept, answer, hand over, extend) lives in :mod:`minwon.cases.workflow`, the
calendar configuration in :mod:`minwon.cases.calendar`. Writes here either flush inside the caller's
transaction (:func:`create_case_from_contact`, used by ``contacts.service.record_contact``) or commit
themselves (:func:`view_case` writes the access record).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minwon.accounts.models import Role, User
from minwon.cases.calendar import load_calendar
from minwon.cases.deadlines import DeadlineError, PetitionType, WorkingCalendar, compute_deadline
from minwon.cases.models import Case, CaseEvent, CaseSource, CaseStatus
from minwon.cases.notify import issue_verification_code, notify_case, set_mobile_from_encrypted
from minwon.cases.status import status_url
from minwon.contacts.models import Contact
from minwon.core.audit import record_access
from minwon.core.clock import local_day_bounds, to_local, utcnow
from minwon.core.errors import NotFound, PermissionDenied, ValidationError
from minwon.core.i18n import N_
from minwon.core.textmatch import match_score, search_terms, snippet_around
from minwon.org.models import Category, Department

#: Petition types a counselor may pick when transferring from the desk. ``statutory`` needs the
#: period of the processing-standards table and is filed through the back office, not the desk.
DESK_PETITION_TYPES: tuple[PetitionType, ...] = (
    PetitionType.INQUIRY_PROCEDURE,
    PetitionType.INQUIRY_LAW,
    PetitionType.GRIEVANCE,
    PetitionType.PROPOSAL,
    PetitionType.OTHER,
)
DEFAULT_PETITION_TYPE = PetitionType.INQUIRY_PROCEDURE

#: Statuses in which the department still owes an answer (deadline running).
PENDING_STATUSES = (CaseStatus.RECEIVED, CaseStatus.TRANSFERRED, CaseStatus.IN_PROGRESS)

CaseView = Literal["open", "mine", "due_today", "overdue"]
CASE_VIEWS: tuple[CaseView, ...] = ("open", "mine", "due_today", "overdue")

_NUMBER_ATTEMPTS = 5
_TITLE_MAX = 300


def next_case_number(*, db: Session, year: int) -> str:
    """The next free case number of ``year``: ``"2026-000123"`` (year, dash, 6-digit sequence).

    The sequence restarts each (local) year. Two concurrent transactions may compute the same number;
    the unique index on ``cases.number`` catches that and :func:`create_case_from_contact` retries.
    """
    prefix = f"{year:04d}-"
    last = db.scalar(
        select(func.max(Case.number)).where(Case.number.like(f"{prefix}%"), func.length(Case.number) == 11)
    )
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:06d}"


def parse_petition_type(value: str | PetitionType | None) -> PetitionType:
    """A desk petition type (default ``inquiry_procedure``). Raises ValidationError (``petition_type``)."""
    if value is None or value == "":
        return DEFAULT_PETITION_TYPE
    try:
        ptype = PetitionType(value)
    except ValueError:
        ptype = None
    if ptype not in DESK_PETITION_TYPES:
        raise ValidationError(
            N_("Choose a petition type: inquiry, grievance, proposal or other."), field="petition_type"
        )
    assert ptype is not None
    return ptype


def create_case_from_contact(
    *,
    db: Session,
    contact: Contact,
    department_id: int,
    petition_type: PetitionType | str | None,
    actor: User,
    received_at: datetime,
    calendar: WorkingCalendar | None = None,
) -> Case:
    """Open a case for a transferred contact; flushes, does **not** commit (the contact's transaction does).

    The case gets the next number of the local year of ``received_at``, status ``transferred``, the
    statutory deadline from :func:`minwon.cases.deadlines.compute_deadline` (Act §19; default type
    ``inquiry_procedure``, 7 working days) counted on the configured calendar
    (:func:`minwon.cases.calendar.load_calendar`, unless ``calendar`` is given), and two history rows:
    ``received`` and ``transferred``. ``contact.case_id`` is set.

    The case also gets a random 6-digit status-lookup code (only its SHA-256 digest is stored; the
    clear code is in the receipt notice and :func:`minwon.cases.notify.pop_issued_verification_code`
    gives it once to the desk), the caller's number for notices when it is a mobile (encrypted), and
    a ``case_receipt`` SMS in the same transaction (dedupe ``case:<id>:receipt``; skipped without a
    mobile number).

    Raises:
        ValidationError: unknown/inactive department (``department_id``), petition type not allowed
            from the desk (``petition_type``), naive ``received_at`` (``received_at``).
    """
    ptype = parse_petition_type(petition_type)
    dept = db.get(Department, department_id)
    if dept is None or not dept.is_active:
        raise ValidationError(N_("Choose an existing department."), field="department_id")
    if calendar is None:
        calendar = load_calendar(db=db)
    try:
        deadline = compute_deadline(ptype, received_at, calendar=calendar)
    except DeadlineError as exc:
        raise ValidationError(exc.message, field=exc.field) from exc
    first_line = contact.inquiry.strip().splitlines()[0] if contact.inquiry.strip() else ""
    title = first_line[:_TITLE_MAX]
    year = to_local(received_at).year
    for _attempt in range(_NUMBER_ATTEMPTS):
        case = Case(
            number=next_case_number(db=db, year=year),
            source=CaseSource.CONTACT,
            title=title,
            question=contact.inquiry,
            department_id=dept.id,
            category_id=contact.category_id,
            petition_type=ptype.value,
            status=CaseStatus.TRANSFERRED,
            caller_ref=contact.caller_ref,
            received_at=received_at,
            due_at=deadline.due,
            deadline_basis=deadline.basis[:200],
            created_by_id=actor.id,
            period_amount=deadline.period.amount,
            period_unit=deadline.period.unit.value,
            period_start_at=received_at,
        )
        try:
            with db.begin_nested():
                db.add(case)
                db.flush()
        except IntegrityError:
            continue
        break
    else:  # pragma: no cover - needs five concurrent writers on the same number
        raise ValidationError("could not allocate a case number; try again", field="case_number")
    db.add_all(
        [
            CaseEvent(
                case_id=case.id,
                at=received_at,
                actor_id=actor.id,
                action="received",
                detail={"contact_id": contact.id, "petition_type": ptype.value},
            ),
            CaseEvent(
                case_id=case.id,
                at=received_at,
                actor_id=actor.id,
                action="transferred",
                detail={
                    "department_id": dept.id,
                    "department": dept.name,
                    "due_at": deadline.due.isoformat(),
                    "basis": deadline.basis,
                },
            ),
        ]
    )
    contact.case_id = case.id
    code = issue_verification_code(db=db, case=case)
    set_mobile_from_encrypted(case, contact.caller_enc)
    db.flush()
    notify_case(
        db=db,
        case=case,
        template_key="case_receipt",
        dedupe_key=f"case:{case.id}:receipt",
        extra={"verification_code": code, "department": dept.name, "status_url": status_url()},
    )
    return case


def get_case(*, db: Session, case_id: int) -> Case:
    """The case ``case_id``. Raises NotFound (``case_id``)."""
    case = db.get(Case, case_id)
    if case is None:
        raise NotFound(f"case {case_id} does not exist", field="case_id")
    return case


def list_department_cases(
    *,
    db: Session,
    department_id: int | None,
    view: CaseView = "open",
    now: datetime | None = None,
    limit: int = 200,
    officer_id: int | None = None,
    descending: bool = False,
) -> list[Case]:
    """Cases of one department (``None``: every department, for supervisors), oldest deadline first
    (``descending``: latest first; cases without a deadline last either way).

    Views: ``open`` — not closed; ``mine`` — not closed and accepted by ``officer_id``;
    ``due_today`` — still awaiting an answer (received, transferred,
    in progress) and due during the local calendar day of ``now``; ``overdue`` — awaiting an answer
    and due strictly before ``now`` (answering exactly at the due instant is on time, as in
    :func:`minwon.cases.deadlines.is_overdue`).

    Raises:
        ValidationError: unknown ``view`` (``view``).
    """
    if view not in CASE_VIEWS:
        raise ValidationError(f"unknown view {view!r}; one of {', '.join(CASE_VIEWS)}", field="view")
    now = now or utcnow()
    stmt = select(Case)
    if department_id is not None:
        stmt = stmt.where(Case.department_id == department_id)
    if view == "open":
        stmt = stmt.where(Case.status != CaseStatus.CLOSED)
    elif view == "mine":
        stmt = stmt.where(Case.status != CaseStatus.CLOSED, Case.assigned_officer_id == officer_id)
    elif view == "due_today":
        start, end = local_day_bounds(to_local(now).date())
        stmt = stmt.where(Case.status.in_(PENDING_STATUSES), Case.due_at >= start, Case.due_at < end)
    else:
        stmt = stmt.where(Case.status.in_(PENDING_STATUSES), Case.due_at < now)
    due_order = Case.due_at.desc() if descending else Case.due_at
    if view in ("due_today", "overdue"):
        # due_at is never NULL here: order by the indexed column alone so the index gives the order.
        stmt = stmt.order_by(due_order, Case.id).limit(limit)
    else:
        stmt = stmt.order_by(Case.due_at.is_(None), due_order, Case.id).limit(limit)
    return list(db.scalars(stmt))


@dataclass(frozen=True)
class CaseDetail:
    """A case as its detail page shows it: names resolved, history oldest first."""

    case: Case
    department: Department | None
    category: Category | None
    caller_masked: str | None
    events: list[CaseEvent]
    contact_ids: list[int]


def can_view_case(user: User, case: Case) -> bool:
    """Supervisors and administrators see every case; department officers their department's."""
    if user.role in (Role.SUPERVISOR, Role.ADMINISTRATOR):
        return True
    return user.role == Role.DEPARTMENT_OFFICER and user.department_id == case.department_id


def view_case(*, db: Session, case_id: int, viewer: User, ip: str | None) -> CaseDetail:
    """Load a case with its history for ``viewer``; commits.

    When the case has a caller, writes one personal-data access record (action ``view``, purpose
    ``case:<id>``; 개인정보의 안전성 확보조치 기준 §8).

    Raises:
        NotFound: no such case (``case_id``).
        PermissionDenied: the viewer's role or department may not see it (``case_id``).
    """
    case = get_case(db=db, case_id=case_id)
    if not can_view_case(viewer, case):
        raise PermissionDenied("this case belongs to another department", field="case_id")
    events = list(
        db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.at, CaseEvent.id))
    )
    contacts = list(db.scalars(select(Contact).where(Contact.case_id == case.id).order_by(Contact.id)))
    dept = db.get(Department, case.department_id) if case.department_id else None
    cat = db.get(Category, case.category_id) if case.category_id else None
    masked = next((c.caller_masked for c in contacts if c.caller_masked), None)
    if case.caller_ref:
        record_access(
            db=db,
            account_id=viewer.id,
            subject_ref=case.caller_ref,
            action="view",
            purpose=f"case:{case.id}",
            ip=ip,
        )
    db.commit()
    return CaseDetail(
        case=case,
        department=dept,
        category=cat,
        caller_masked=masked,
        events=events,
        contact_ids=[c.id for c in contacts],
    )


@dataclass(frozen=True)
class PastCaseHit:
    """A closed case that matched a search: how a similar question was answered before."""

    case_id: int
    external_ref: str | None
    title: str
    department: str | None
    snippet: str
    answer: str
    score: int


#: Longest accepted past-case query (characters).
MAX_PAST_QUERY = 500


def search_past_cases(*, db: Session, query: str, limit: int = 5) -> list[PastCaseHit]:
    """Closed cases (imported history and the center's own) whose title or question match ``query``.

    Simple spacing-insensitive matching (:mod:`minwon.core.textmatch`): each term found in the title
    adds 3, in the question 1; best first, then newest. An empty query gives ``[]``. Raises
    ValidationError (field ``query``) for a query over 500 characters, (``limit``) outside 1–50.
    The texts hold no caller data (closed cases are shown without their caller).
    """
    if len(query) > MAX_PAST_QUERY:
        raise ValidationError(N_("The search text is too long (at most 500 characters)."), field="query")
    if not 1 <= limit <= 50:
        raise ValidationError("limit must be 1–50", field="limit")
    terms = search_terms(query)
    if not terms:
        return []
    score = match_score(terms, [(Case.title, 3), (Case.question, 1)])
    rows = db.execute(
        select(Case, Department.name, score.label("score"))
        .outerjoin(Department, Department.id == Case.department_id)
        .where(Case.status == CaseStatus.CLOSED, score > 0)
        .order_by(score.desc(), Case.received_at.desc(), Case.id.desc())
        .limit(limit)
    ).all()
    return [
        PastCaseHit(
            case_id=c.id,
            external_ref=c.external_ref,
            title=c.title,
            department=dept,
            snippet=snippet_around(c.question, terms, 120),
            answer=c.answer,
            score=int(s),
        )
        for c, dept, s in rows
    ]
