"""Importing the Incheon Jung-gu Q&A board as closed historical cases."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.cases.imports import import_incheon_qa
from minwon.cases.models import Case, CaseSource, CaseStatus
from minwon.config import get_settings
from minwon.core.errors import NotFound, ValidationError
from minwon.org.models import Department

INCHEON = get_settings().data_dir / "korean_complaints" / "incheon_junggu_minwon_qa_2012_2020.csv"
needs_data = pytest.mark.skipif(not INCHEON.is_file(), reason=f"shared data file {INCHEON} not present")
HEADER = "complaint_no,date,title,question,answer,department,division,status\n"


@needs_data
def test_imports_all_1203_rows_and_a_spot_checked_row_matches_the_csv(db: Session) -> None:
    with INCHEON.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1203  # SOURCE.md: 1,203 complaint/answer pairs
    numbers = [r["complaint_no"] for r in rows]
    # a row whose complaint number is used once in the file, from the middle of it
    spot = next(r for r in rows[600:] if numbers.count(r["complaint_no"]) == 1)

    calls: list[tuple[int, int]] = []
    result = import_incheon_qa(db=db, path=INCHEON, progress=lambda done, total: calls.append((done, total)))

    assert (result.rows, result.created, result.already_present, result.skipped) == (1203, 1203, 0, 0)
    assert calls[-1] == (1203, 1203)
    assert db.scalar(select(func.count()).where(Case.external_ref.like("incheon:%"))) == 1203
    case = db.scalar(select(Case).where(Case.external_ref == f"incheon:{spot['complaint_no']}"))
    assert case is not None
    assert case.number == f"H-{spot['complaint_no']}"
    assert case.source == CaseSource.IMPORT
    assert case.status == CaseStatus.CLOSED
    assert case.petition_type == "inquiry_procedure"
    assert (case.title, case.question, case.answer) == (
        spot["title"].strip(),
        spot["question"].strip(),
        spot["answer"].strip(),
    )
    y, m, d = (int(p) for p in spot["date"].split("-"))
    midnight_seoul = datetime(y, m, d, tzinfo=ZoneInfo("Asia/Seoul"))
    assert case.received_at == midnight_seoul
    assert case.closed_at == midnight_seoul
    dept = db.get(Department, case.department_id)
    assert dept is not None and dept.name == spot["division"] and dept.origin == "import"


@needs_data
def test_second_import_adds_nothing(db: Session) -> None:
    import_incheon_qa(db=db, path=INCHEON)
    again = import_incheon_qa(db=db, path=INCHEON)
    assert (again.created, again.already_present) == (0, 1203)
    assert db.scalar(select(func.count()).select_from(Case)) == 1203


def test_repeated_complaint_numbers_get_distinct_refs(db: Session, tmp_path: Path) -> None:
    path = tmp_path / "qa.csv"
    path.write_text(
        HEADER
        + "77,2014-07-21,주차 문제,첫 질문,첫 답변,국 교통과,교통과,답변완료\n"
        + "77,2014-07-21,주차 문제,둘째 질문,둘째 답변,국 교통과,교통과,답변완료\n",
        encoding="utf-8",
    )
    result = import_incheon_qa(db=db, path=path)
    assert result.created == 2
    refs = {c.external_ref: (c.number, c.question) for c in db.scalars(select(Case))}
    assert refs == {"incheon:77": ("H-77", "첫 질문"), "incheon:77-2": ("H-77-2", "둘째 질문")}


def test_malformed_rows_are_reported_with_line_numbers_and_skipped(db: Session, tmp_path: Path) -> None:
    path = tmp_path / "qa.csv"
    path.write_text(
        HEADER  # line 1
        # lines 2-3: a valid record whose question spans two lines
        + '101,2015-03-02,가로등 고장,"골목 가로등이\n꺼져 있어요",수리함,도시국 도로과,도로과,답변완료\n'
        + "102,2015-03-02,,제목 없는 질문,답변,도시국 도로과,도로과,답변완료\n"  # line 4: no title
        + "103,2015-02-30,날짜 오류,질문,답변,도시국 도로과,도로과,답변완료\n"  # line 5: no such date
        + "104,2015-03-04,답변 없음,답변이 아직 없는 질문,,도시국 도로과,도로과,답변완료\n"  # line 6: ok
        + "abc,2015-03-05,번호 오류,질문,답변,도시국 도로과,도로과,답변완료\n"  # line 7: bad number
        + "106,2015-03-06,부서 없음,질문,답변,,,답변완료\n",  # line 8: no division
        encoding="utf-8",
    )
    result = import_incheon_qa(db=db, path=path)
    assert (result.rows, result.created, result.skipped) == (6, 2, 4)
    assert [(p.line, p.field) for p in result.problems] == [
        (4, "title"),
        (5, "date"),
        (7, "complaint_no"),
        (8, "division"),
    ]
    assert all(p.message.startswith(f"line {p.line}:") for p in result.problems)
    assert set(db.scalars(select(Case.external_ref))) == {"incheon:101", "incheon:104"}


def test_rows_forwarded_to_another_agency_are_filed_under_a_forwarding_department(
    db: Session, tmp_path: Path
) -> None:
    path = tmp_path / "qa.csv"
    path.write_text(
        HEADER + '9,2013-09-13,기초생활수급,질문,"※ 연계처리내역 : 이송","※ 연계처리내역 : 이송 합니다.",'
        "합니다.,답변완료\n",
        encoding="utf-8",
    )
    import_incheon_qa(db=db, path=path)
    case = db.scalar(select(Case))
    assert case is not None and case.department_id is not None
    assert db.get(Department, case.department_id).name == "타 기관 이송"  # type: ignore[union-attr]


def test_missing_file_or_columns_name_the_path(db: Session, tmp_path: Path) -> None:
    with pytest.raises(NotFound) as missing:
        import_incheon_qa(db=db, path=tmp_path / "nope.csv")
    assert missing.value.field == "path"
    bad = tmp_path / "bad.csv"
    bad.write_text("complaint_no,date,title\n1,2020-01-01,x\n", encoding="utf-8")
    with pytest.raises(ValidationError) as columns:
        import_incheon_qa(db=db, path=bad)
    assert columns.value.field == "path" and "question" in columns.value.message
