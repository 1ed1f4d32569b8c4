"""``minwon kb search`` and ``minwon cases similar``: JSON shapes and --queries metrics by hand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from minwon.cases.models import Case, CaseSource, CaseStatus
from minwon.db.session import make_engine
from minwon.knowledge.service import upsert_article


def _run(url: str, cwd: Path, *args: str) -> object:
    env = {**os.environ, "MINWON_DATABASE_URL": url}
    out = subprocess.run(
        [sys.executable, "-m", "minwon.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_kb_search_json_and_query_file_metrics(fresh_database_url: str, tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url)
    with Session(engine) as db:
        a = upsert_article(
            db=db, slug="car-tax", title="자동차세 연납 신청", body="자동차세 연납 안내"
        ).article.id
        upsert_article(db=db, slug="water", title="수도요금 고지", body="수도요금 고지서 안내")
        upsert_article(db=db, slug="parking", title="주정차 위반 과태료", body="주정차 과태료 금액")
        # two identical passport answers: equal scores, ties go to the lower id, so "passport-2" is 2nd
        upsert_article(db=db, slug="passport-1", title="여권 신청과 수령", body="여권 신청 안내")
        upsert_article(db=db, slug="passport-2", title="여권 신청과 수령", body="여권 신청 안내")
    engine.dispose()
    rows = _run(fresh_database_url, tmp_path, "kb", "search", "자동차세연납", "--json", "--limit", "2")
    assert isinstance(rows, list) and rows[0]["article_id"] == a
    assert set(rows[0]) == {"article_id", "version", "title", "score", "snippet"}
    queries = tmp_path / "q.jsonl"
    lines = [
        {"query": "자동차세 연납", "expected_ref": str(a)},  # rank 1 (by id)
        {"query": "수도요금", "expected_ref": "water"},  # rank 1 (by slug)
        {"query": "견인 보관소", "expected_ref": "parking"},  # not found
        {"query": "여권", "expected_ref": "passport-2"},  # rank 2
    ]
    queries.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    metrics = _run(fresh_database_url, tmp_path, "kb", "search", "--queries", str(queries))
    # ranks 1, 1, none, 2: r@1 = 2/4, r@5 = 3/4, MRR@10 = (1 + 1 + 0 + 1/2) / 4
    assert metrics == {"n": 4, "recall_at_1": 0.5, "recall_at_5": 0.75, "mrr_at_10": 0.625}


def test_cases_similar_json_and_query_file_metrics(fresh_database_url: str, tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url)
    with Session(engine) as db:
        for ref, title, question in [
            ("incheon:101", "견인 차량 범퍼 파손", "견인차가 범퍼를 긁었습니다"),
            ("incheon:102", "가로등 고장", "가로등이 꺼져 있습니다"),
        ]:
            db.add(
                Case(
                    number=f"H-{ref[-3:]}",
                    source=CaseSource.IMPORT,
                    external_ref=ref,
                    title=title,
                    question=question,
                    answer="답변",
                    petition_type="inquiry_procedure",
                    status=CaseStatus.CLOSED,
                    received_at=datetime(2020, 1, 2, tzinfo=UTC),
                )
            )
        db.commit()
    engine.dispose()
    rows = _run(fresh_database_url, tmp_path, "cases", "similar", "견인 범퍼", "--json", "--limit", "3")
    assert isinstance(rows, list) and rows[0]["external_ref"] == "incheon:101"
    assert set(rows[0]) == {"case_id", "external_ref", "department", "score", "snippet"}
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"query": "견인 범퍼", "expected_ref": "incheon:101"}\n'
        '{"query": "수도 요금", "expected_ref": "incheon:102"}\n',
        encoding="utf-8",
    )
    metrics = _run(fresh_database_url, tmp_path, "cases", "similar", "--queries", str(queries))
    assert metrics == {"n": 2, "recall_at_1": 0.5, "recall_at_5": 0.5, "mrr_at_10": 0.5}
