"""Historical cases: the Incheon Jung-gu Q&A board import, and generated demo history.

Imported cases are closed history that counselors can search; they never get a deadline or a caller.
Both imports are idempotent by ``external_ref``: running them again adds nothing.

Source of the Q&A file: ``korean_complaints/incheon_junggu_minwon_qa_2012_2020.csv`` in the shared
data folder (see its SOURCE.md): 1,203 question/answer pairs of 인천광역시 중구청's online complaint
board, 2012-10-12 … 2020-11-30, columns ``complaint_no, date, title, question, answer, department,
division, status``.
"""

from __future__ import annotations

import csv
import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.cases.deadlines import PetitionType
from minwon.cases.models import Case, CaseEvent, CaseSource, CaseStatus
from minwon.core.clock import local_zone
from minwon.core.errors import NotFound, ValidationError
from minwon.org.models import Department
from minwon.org.service import ensure_department

#: ``progress(done, total)`` is called after each row.
Progress = Callable[[int, int], None]

INCHEON_COLUMNS = ("complaint_no", "date", "title", "question", "answer", "department", "division")
INCHEON_REF_PREFIX = "incheon:"
GENERATED_REF_PREFIX = "generated:"
#: Rows the board forwarded to another agency carry the forwarding note in ``department`` and a
#: meaningless last word ("합니다.") in ``division``; they are filed under this department instead.
FORWARDED_DEPARTMENT = "타 기관 이송"
_FORWARDED_MARK = "연계처리내역"
#: Where the board's division cell is damaged (question text or an attachment name spilled into it,
#: e.g. "수고하세요", "0612.pptx"), the answering division is unknown.
UNKNOWN_DEPARTMENT = "부서 미상 (원본 자료 손상)"
_DIVISION_RE = re.compile(r"^[0-9가-힣·()]{1,20}(과|소|실|단|팀|센터|동|관|원|국|청|부|처)$")
#: A few answers are empty on the board; ``department`` (bureau + division) is only informative.
_OPTIONAL = frozenset({"answer", "department"})


@dataclass(frozen=True)
class RowProblem:
    """A skipped input row: ``line`` is the 1-based line of the file where the record starts."""

    line: int
    field: str
    message: str


@dataclass
class ImportResult:
    """Counts of one import run. ``rows`` = data rows read (valid or not)."""

    rows: int = 0
    created: int = 0
    already_present: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.problems)


@dataclass(frozen=True)
class _QaRow:
    line: int
    complaint_no: str
    day: date
    title: str
    question: str
    answer: str
    department: str


def _parse_incheon_row(line: int, row: dict[str | None, str | None]) -> _QaRow | RowProblem:
    values: dict[str, str] = {}
    for name in INCHEON_COLUMNS:
        value = row.get(name)
        values[name] = (value or "").strip()
        if name not in _OPTIONAL and not values[name]:
            return RowProblem(line, name, f"line {line}: {name} is missing")
    if not values["complaint_no"].isdigit() or len(values["complaint_no"]) > 12:
        return RowProblem(
            line, "complaint_no", f"line {line}: complaint_no {values['complaint_no']!r} is not a number"
        )
    try:
        day = date.fromisoformat(values["date"])
    except ValueError:
        return RowProblem(line, "date", f"line {line}: date {values['date']!r} is not YYYY-MM-DD")
    department = values["division"]
    if _FORWARDED_MARK in values["department"]:
        department = FORWARDED_DEPARTMENT
    elif not _DIVISION_RE.match(department):
        department = UNKNOWN_DEPARTMENT
    if len(department) > 120:
        return RowProblem(line, "division", f"line {line}: division is longer than 120 characters")
    return _QaRow(
        line=line,
        complaint_no=values["complaint_no"],
        day=day,
        title=values["title"][:300],
        question=values["question"],
        answer=values["answer"],
        department=department,
    )


def _read_incheon(path: Path) -> tuple[list[_QaRow], list[RowProblem], int]:
    if not path.is_file():
        raise NotFound(f"{path} does not exist", field="path")
    rows: list[_QaRow] = []
    problems: list[RowProblem] = []
    count = 0
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in INCHEON_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationError(f"{path.name}: missing column(s) {', '.join(missing)}", field="path")
        start = reader.line_num + 1
        try:
            for record in reader:
                count += 1
                parsed = _parse_incheon_row(start, record)
                if isinstance(parsed, _QaRow):
                    rows.append(parsed)
                else:
                    problems.append(parsed)
                start = reader.line_num + 1
        except csv.Error as exc:
            problems.append(RowProblem(start, "file", f"line {start}: unreadable CSV ({exc}); rest skipped"))
    return rows, problems, count


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=local_zone())


def import_incheon_qa(*, db: Session, path: Path, progress: Progress | None = None) -> ImportResult:
    """Import the Incheon Jung-gu Q&A CSV at ``path`` as closed historical cases; commits.

    Each valid row becomes a Case: source ``import``, status ``closed``, petition type
    ``inquiry_procedure``, ``external_ref`` ``incheon:<complaint_no>`` and number ``H-<complaint_no>``,
    received and closed at local midnight of ``date``, department = the answering ``division``
    (created with origin ``import``). The board reused a few complaint numbers (16 numbers appear
    twice in the published file, with different text); the second and later rows with a number get
    ``-2``, ``-3`` … appended, in file order. Rows already imported (same ``external_ref``) are counted
    in ``already_present``; rows with a missing field or a bad date are skipped and listed in
    ``problems`` with their line number. Raises NotFound (field ``path``) for a missing file,
    ValidationError (field ``path``) when required columns are absent.
    """
    rows, problems, count = _read_incheon(path)
    result = ImportResult(rows=count, problems=problems)
    seen: Counter[str] = Counter()
    keyed: list[tuple[str, str, _QaRow]] = []
    for row in rows:
        seen[row.complaint_no] += 1
        suffix = "" if seen[row.complaint_no] == 1 else f"-{seen[row.complaint_no]}"
        keyed.append(
            (f"{INCHEON_REF_PREFIX}{row.complaint_no}{suffix}", f"H-{row.complaint_no}{suffix}", row)
        )
    existing = set(
        db.scalars(select(Case.external_ref).where(Case.external_ref.like(f"{INCHEON_REF_PREFIX}%")))
    )
    departments: dict[str, Department] = {}
    new_cases: list[tuple[Case, _QaRow]] = []
    for done, (ref, number, row) in enumerate(keyed, start=1):
        if ref in existing:
            result.already_present += 1
        else:
            if row.department not in departments:
                dept = ensure_department(db=db, name=row.department, origin="import")
                if dept.origin == "import":
                    # another city's divisions: kept for history, never offered for new transfers
                    dept.is_active = False
                departments[row.department] = dept
            at = _local_midnight(row.day)
            case = Case(
                number=number,
                source=CaseSource.IMPORT,
                external_ref=ref,
                title=row.title,
                question=row.question,
                answer=row.answer,
                department_id=departments[row.department].id,
                petition_type=PetitionType.INQUIRY_PROCEDURE.value,
                status=CaseStatus.CLOSED,
                received_at=at,
                closed_at=at,
            )
            db.add(case)
            new_cases.append((case, row))
            existing.add(ref)
        if progress is not None:
            progress(done, len(keyed))
    db.flush()
    for case, row in new_cases:
        db.add(
            CaseEvent(
                case_id=case.id,
                at=case.received_at,
                action="imported",
                detail={"source": path.name, "line": row.line, "complaint_no": row.complaint_no},
            )
        )
    db.commit()
    result.created = len(new_cases)
    return result


@dataclass(frozen=True)
class HistorySource:
    """A standard answer that generated history is built from."""

    title: str
    body: str
    department_id: int | None
    category_id: int | None


_QUESTION_TEMPLATES = (
    "{title} 관련해서 문의드립니다. 어떻게 하면 되는지 안내 부탁드립니다.",
    "{title} 건으로 전화드렸습니다. 절차와 필요한 서류를 알려 주세요.",
    "지난번에 안내받은 {title} 내용을 다시 확인하고 싶습니다.",
    "{title} 문의입니다. 담당 부서 연락처도 알려 주세요.",
)
GENERATED_NOTE = "(생성된 데모 이력 — 실제 민원이 아닙니다)"


def _first_paragraph(body: str) -> str:
    return body.strip().split("\n\n", 1)[0].strip()


def import_generated_history(
    *,
    db: Session,
    sources: Sequence[HistorySource],
    count: int = 200,
    year: int = 2025,
    progress: Progress | None = None,
) -> ImportResult:
    """Create ``count`` synthetic closed cases from ``sources`` (demo fallback when no real data); commits.

    Case ``i`` (1-based) has ``external_ref`` ``generated:NNNN``, number ``G-NNNN``, the title of
    source ``(i-1) mod len(sources)``, a templated question marked as generated, the first paragraph of
    the source body as the answer, and a receipt date drawn from working days (Mon–Fri) of ``year``
    with a fixed seed, so every run builds the same history. Existing refs are counted in
    ``already_present``. Raises ValidationError (field ``sources``) when ``sources`` is empty.
    """
    if not sources:
        raise ValidationError("at least one source article is needed", field="sources")
    rng = random.Random(year * 1000 + count)  # reproducible demo data, not security
    first, last = date(year, 1, 1), date(year, 12, 31)
    weekdays = [
        first + timedelta(days=d)
        for d in range((last - first).days + 1)
        if (first + timedelta(days=d)).weekday() < 5
    ]
    existing = set(
        db.scalars(select(Case.external_ref).where(Case.external_ref.like(f"{GENERATED_REF_PREFIX}%")))
    )
    result = ImportResult(rows=count)
    new_cases: list[Case] = []
    for i in range(1, count + 1):
        source = sources[(i - 1) % len(sources)]
        template = _QUESTION_TEMPLATES[rng.randrange(len(_QUESTION_TEMPLATES))]
        day = weekdays[rng.randrange(len(weekdays))]
        received = _local_midnight(day) + timedelta(hours=rng.randint(9, 17), minutes=rng.randint(0, 59))
        closed = received + timedelta(days=rng.randint(0, 6), hours=rng.randint(0, 5))
        ref = f"{GENERATED_REF_PREFIX}{i:04d}"
        if ref in existing:
            result.already_present += 1
        else:
            case = Case(
                number=f"G-{i:04d}",
                source=CaseSource.IMPORT,
                external_ref=ref,
                title=source.title[:300],
                question=f"{template.format(title=source.title)} {GENERATED_NOTE}",
                answer=_first_paragraph(source.body),
                department_id=source.department_id,
                category_id=source.category_id,
                petition_type=PetitionType.INQUIRY_PROCEDURE.value,
                status=CaseStatus.CLOSED,
                received_at=received,
                closed_at=closed,
            )
            db.add(case)
            new_cases.append(case)
        if progress is not None:
            progress(i, count)
    db.flush()
    for case in new_cases:
        db.add(CaseEvent(case_id=case.id, at=case.received_at, action="imported", detail={"generated": True}))
    db.commit()
    result.created = len(new_cases)
    return result
