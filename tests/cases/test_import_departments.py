"""Imported divisions are history only: never offered for new transfers; damaged cells are not departments."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.cases.imports import UNKNOWN_DEPARTMENT, import_incheon_qa
from minwon.cases.models import Case
from minwon.org.models import Department
from minwon.org.service import ensure_department, list_departments

HEADER = "complaint_no,date,title,question,answer,department,division,status\n"


def test_imported_divisions_are_inactive_and_damaged_cells_are_unknown(db: Session, tmp_path: Path) -> None:
    demo = ensure_department(db=db, name="건축과", origin="demo")
    db.commit()
    csv_path = tmp_path / "qa.csv"
    csv_path.write_text(
        HEADER
        + "1,2020-01-02,제목1,질문1,답변1,인천광역시 중구 친환경조성과,친환경조성과,답변완료\n"
        + "2,2020-01-03,제목2,질문2,답변2,인천광역시 중구 건축과,건축과,답변완료\n"
        + '3,2020-01-04,제목3,질문3,답변3,"사진 첨부 0612.pptx",0612.pptx,답변완료\n'
        + "4,2020-01-05,제목4,질문4,답변4,잘 부탁 수고하세요,수고하세요,답변완료\n",
        encoding="utf-8",
    )
    import_incheon_qa(db=db, path=csv_path)
    names = {d.name: d for d in db.scalars(select(Department))}
    assert "0612.pptx" not in names and "수고하세요" not in names
    assert names[UNKNOWN_DEPARTMENT].is_active is False
    assert names["친환경조성과"].is_active is False
    assert names["건축과"].id == demo.id and names["건축과"].is_active is True  # the demo city's own stays
    offered = {d.name for d in list_departments(db=db)}
    assert offered == {"건축과"}
    by_ref = {c.external_ref: c.department_id for c in db.scalars(select(Case))}
    assert by_ref["incheon:3"] == by_ref["incheon:4"] == names[UNKNOWN_DEPARTMENT].id
