"""The processing-standards table (민원처리기준표): statutory services and their processing periods.

Act §17 (법정민원의 처리기간 설정·공표) makes each office set and publish the period of every
statutory petition; Act §36 has the Minister publish the table. The period is counted by Act §19
(:func:`minwon.cases.deadlines.compute_deadline`). Administrators keep the table here; rows are
retired, never deleted, so cases keep their reference. Every change is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.cases.deadlines import DeadlineError, Period, PeriodUnit
from minwon.cases.models import ProcessingStandard
from minwon.core.audit import record_audit
from minwon.core.clock import utcnow
from minwon.core.errors import Conflict, NotFound, ValidationError
from minwon.core.i18n import N_

#: Units an administrator may choose ("hours" expresses "즉시" = 3 working hours, Decree §16 reading).
STANDARD_UNITS = (PeriodUnit.HOURS, PeriodUnit.DAYS, PeriodUnit.WEEKS, PeriodUnit.MONTHS)
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


@dataclass(frozen=True)
class DemoStandard:
    code: str
    name: str
    amount: int
    unit: PeriodUnit
    legal_basis: str


#: A handful of well-known rows whose period is certain: certificates issued "즉시" (3 working hours)
#: and information disclosure (10 days, 정보공개법 §11(1)). Services whose period depends on the case
#: or changed over time (자동차 이전등록, 건축허가 …) are left for the administrator to enter from the
#: current 민원처리기준표.
DEMO_STANDARDS: tuple[DemoStandard, ...] = (
    DemoStandard(
        "resident_copy", "주민등록표 등본·초본 교부", 3, PeriodUnit.HOURS, "주민등록법 제29조 (즉시)"
    ),
    DemoStandard(
        "family_cert",
        "가족관계등록부 등 증명서 교부",
        3,
        PeriodUnit.HOURS,
        "가족관계의 등록 등에 관한 법률 제15조 (즉시)",
    ),
    DemoStandard(
        "land_ledger",
        "토지(임야)대장 등본 교부",
        3,
        PeriodUnit.HOURS,
        "공간정보의 구축 및 관리 등에 관한 법률 제75조 (즉시)",
    ),
    DemoStandard("seal_cert", "인감증명서 발급", 3, PeriodUnit.HOURS, "인감증명법 제12조 (즉시)"),
    DemoStandard(
        "info_disclosure", "정보공개 청구", 10, PeriodUnit.DAYS, "공공기관의 정보공개에 관한 법률 제11조"
    ),
)


def list_standards(*, db: Session, active_only: bool = False) -> list[ProcessingStandard]:
    """Rows of the table, active first, then by name."""
    stmt = select(ProcessingStandard)
    if active_only:
        stmt = stmt.where(ProcessingStandard.is_active.is_(True))
    return list(db.scalars(stmt.order_by(ProcessingStandard.is_active.desc(), ProcessingStandard.name)))


def get_standard(*, db: Session, standard_id: int) -> ProcessingStandard:
    """Raises NotFound (``standard_id``)."""
    row = db.get(ProcessingStandard, standard_id)
    if row is None:
        raise NotFound(
            N_("The service does not exist in the processing-standards table."), field="standard_id"
        )
    return row


def save_standard(
    *,
    db: Session,
    actor: User,
    code: str,
    name: str,
    period_amount: int,
    period_unit: str,
    legal_basis: str = "",
    standard_id: int | None = None,
    is_active: bool = True,
    ip: str | None = None,
    now: datetime | None = None,
) -> ProcessingStandard:
    """Create (``standard_id`` None) or update a row; audited; commits.

    Raises:
        ValidationError: ``code`` not 1–40 letters/digits/-/_; ``name`` empty or over 200 characters;
            ``period_unit`` not hours/days/weeks/months; ``period_amount`` out of range for the unit
            (hours 1–40, days 1–3650, weeks 1–520, months 1–120, :class:`Period`); ``legal_basis``
            over 300 characters.
        Conflict: ``code`` used by another row.
        NotFound: unknown ``standard_id``.
    """
    code, name, legal_basis = code.strip(), name.strip(), legal_basis.strip()
    if not _CODE.match(code):
        raise ValidationError(N_("The code takes 1–40 letters, digits, - or _."), field="code")
    if not name or len(name) > 200:
        raise ValidationError(N_("Enter the service name (at most 200 characters)."), field="name")
    if len(legal_basis) > 300:
        raise ValidationError(
            N_("The legal basis is too long (at most 300 characters)."), field="legal_basis"
        )
    if period_unit not in {u.value for u in STANDARD_UNITS}:
        raise ValidationError(N_("Choose hours, days, weeks or months."), field="period_unit")
    try:
        Period(period_amount, PeriodUnit(period_unit))
    except DeadlineError:
        raise ValidationError(N_("The period is out of range for its unit."), field="period_amount") from None
    other = db.scalar(select(ProcessingStandard).where(ProcessingStandard.code == code))
    if other is not None and other.id != standard_id:
        raise Conflict(N_("Another service already uses this code."), field="code")
    row = ProcessingStandard() if standard_id is None else get_standard(db=db, standard_id=standard_id)
    before = None if standard_id is None else _snapshot(row)
    row.code, row.name, row.legal_basis = code, name, legal_basis
    row.period_amount, row.period_unit, row.is_active = period_amount, period_unit, is_active
    row.updated_at = now or utcnow()
    if standard_id is None:
        db.add(row)
    db.flush()
    record_audit(
        db=db,
        action="processing_standard_saved",
        actor_name=actor.username,
        actor_id=actor.id,
        ip=ip,
        detail={"standard_id": row.id, "before": before, "after": _snapshot(row)},
    )
    db.commit()
    return row


def retire_standard(
    *, db: Session, actor: User, standard_id: int, ip: str | None = None, now: datetime | None = None
) -> ProcessingStandard:
    """Retire a row (no longer offered for new cases; existing cases keep it); audited; commits.
    Raises NotFound."""
    row = get_standard(db=db, standard_id=standard_id)
    row.is_active = False
    row.updated_at = now or utcnow()
    record_audit(
        db=db,
        action="processing_standard_retired",
        actor_name=actor.username,
        actor_id=actor.id,
        ip=ip,
        detail={"standard_id": row.id, "code": row.code},
    )
    db.commit()
    return row


def _snapshot(row: ProcessingStandard) -> dict[str, object]:
    return {
        "code": row.code,
        "name": row.name,
        "period": f"{row.period_amount} {row.period_unit}",
        "legal_basis": row.legal_basis,
        "is_active": row.is_active,
    }


def seed_demo_standards(*, db: Session) -> int:
    """Add the :data:`DEMO_STANDARDS` rows that are missing (by code); flushes. Returns rows added."""
    existing = set(db.scalars(select(ProcessingStandard.code)))
    added = 0
    for s in DEMO_STANDARDS:
        if s.code in existing:
            continue
        db.add(
            ProcessingStandard(
                code=s.code,
                name=s.name,
                period_amount=s.amount,
                period_unit=s.unit.value,
                legal_basis=s.legal_basis,
            )
        )
        added += 1
    db.flush()
    return added
