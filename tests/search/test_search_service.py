"""Search over the database: demo standard answers, colloquial Korean, filters, hard input, refresh."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.orm import Session

from minwon.cases.models import Case, CaseSource, CaseStatus
from minwon.core.errors import ValidationError
from minwon.knowledge.service import upsert_article
from minwon.org.service import ensure_department, save_category
from minwon.search.service import (
    SearchIndexes,
    delete_synonym,
    list_synonyms,
    save_synonym,
    search_articles,
    seed_synonyms,
    similar_cases,
)

ARTICLES_YAML = Path(__file__).resolve().parents[2] / "src" / "minwon" / "knowledge" / "demo_articles.yaml"
ARTICLES: list[dict[str, Any]] = yaml.safe_load(ARTICLES_YAML.read_text(encoding="utf-8"))
# the demo answers a counselor should open, found by reading their titles
PARKING_FINE = "parking-fine-amounts"  # 주정차 위반 과태료 금액
TOWED = "towed-vehicle-retrieval"  # 견인된 차량 찾기와 견인보관소 안내
WATER_BILL_SLUGS = {
    "water-bill-cycle",
    "water-meter-reading",
    "water-leak-reduction",
    "water-bill-auto-debit",
}


def load_demo_articles(db: Session, *, synonyms: bool = True) -> dict[str, int]:
    """The 59 demo answers with their categories and departments; ``{slug: id}``."""
    cats: dict[str, int] = {}
    depts: dict[str, int] = {}
    ids = {}
    for a in ARTICLES:
        if a["category"] not in cats:
            code = f"c{len(cats)}"
            cats[a["category"]] = save_category(
                db=db, code=code, name_ko=a["category"], name_en=code, sort_order=len(cats)
            ).id
        if a["department"] not in depts:
            depts[a["department"]] = ensure_department(db=db, name=a["department"]).id
        ids[a["slug"]] = upsert_article(
            db=db,
            slug=a["slug"],
            title=a["title"],
            body=a["body"],
            keywords=a["keywords"],
            category_id=cats[a["category"]],
            department_id=depts[a["department"]],
            is_demo=True,
        ).article.id
    if synonyms:
        seed_synonyms(db=db)
    return ids


def top(db: Session, query: str, **kw: Any) -> list[int]:
    return [h.article_id for h in search_articles(db=db, query=query, **kw)]


def test_spacing_variants_find_the_same_article_first(db: Session) -> None:
    ids = load_demo_articles(db)
    for query in ("주정차위반과태료", "주정차 위반 과태료", "주정차위반 과태료", "주 정차 위반과태료"):
        assert top(db, query)[0] == ids[PARKING_FINE], query


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("딱지 끊겼는데 얼마예요", {PARKING_FINE}),
        ("주차딱지 금액", {PARKING_FINE}),
        ("수도세가 너무 많이 나왔어요", WATER_BILL_SLUGS),
        ("차가 끌려갔어요 어디로 가야 해요", {TOWED}),
        ("過怠料 金額", {PARKING_FINE}),
    ],
)
def test_colloquial_and_hanja_queries_find_the_right_answer(
    db: Session, query: str, expected: set[str]
) -> None:
    ids = load_demo_articles(db)
    assert top(db, query)[0] in {ids[s] for s in expected}


def test_the_synonym_dictionary_is_what_finds_rekka(db: Session) -> None:
    ids = load_demo_articles(db, synonyms=False)
    assert ids[TOWED] not in top(db, "렉카")  # no demo article says 렉카 (tow truck, colloquial)
    entry = save_synonym(db=db, term="렉카", expansions="견인")
    assert top(db, "렉카가 차를 가져갔어요")[0] == ids[TOWED]
    delete_synonym(db=db, synonym_id=entry.id)
    assert ids[TOWED] not in top(db, "렉카")


def test_typo_tolerance(db: Session) -> None:
    ids = load_demo_articles(db)
    assert top(db, "견인보곤소")[0] == ids[TOWED]  # 관 → 곤
    assert top(db, "자동차세 욘납")[:2].count(ids["vehicle-tax-annual-prepayment"]) == 1


def test_highlighted_snippet_is_escaped(db: Session) -> None:
    upsert_article(db=db, slug="x-markup", title="견인 안내", body="<script>alert(1)</script> 견인 & 보관")
    hit = search_articles(db=db, query="견인")[0]
    assert "<script>" not in hit.snippet
    assert hit.snippet == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>견인</mark> &amp; 보관"


def test_filters_by_category_and_department(db: Session) -> None:
    ids = load_demo_articles(db)
    parking = search_articles(db=db, query="주정차 과태료")[0]
    in_cat = search_articles(db=db, query="신청", category_id=parking.category_id, limit=100)
    expected = {ids[a["slug"]] for a in ARTICLES if a["category"] == "주정차"}
    assert in_cat and {h.article_id for h in in_cat} <= expected
    in_dept = search_articles(db=db, query="신청", department_id=parking.department_id, limit=100)
    assert {h.article_id for h in in_dept} <= {
        ids[a["slug"]]
        for a in ARTICLES
        if a["department"] == next(x for x in ARTICLES if x["slug"] == PARKING_FINE)["department"]
    }


def test_hard_inputs(db: Session) -> None:
    load_demo_articles(db)
    assert search_articles(db=db, query="") == []
    assert search_articles(db=db, query="   \n\t") == []
    assert search_articles(db=db, query="😀🚗💧") == []
    assert search_articles(db=db, query="<b></b>&nbsp;") == []
    markup = search_articles(db=db, query="<p>주정차 <b>과태료</b></p>")
    assert markup and "주정차" in markup[0].title
    assert len(search_articles(db=db, query="가" * 1000, limit=3)) <= 3
    with pytest.raises(ValidationError) as long:
        search_articles(db=db, query="가" * 10_000)
    assert long.value.field == "query"
    with pytest.raises(ValidationError) as limit:
        search_articles(db=db, query="과태료", limit=0)
    assert limit.value.field == "limit"


def _closed_case(db: Session, ref: str, title: str, question: str, dept: str, status: CaseStatus) -> Case:
    case = Case(
        number=f"S-{ref}",
        source=CaseSource.IMPORT,
        external_ref=ref,
        title=title,
        question=question,
        answer=f"답변 {ref}",
        department_id=ensure_department(db=db, name=dept).id,
        petition_type="inquiry_procedure",
        status=status,
        received_at=datetime(2020, 1, 2, tzinfo=UTC),
    )
    db.add(case)
    db.commit()
    return case


def test_similar_cases_closed_only_with_department(db: Session) -> None:
    seed_synonyms(db=db)
    towed = _closed_case(
        db,
        "incheon:1",
        "견인 차량 범퍼 파손",
        "차를 견인해 가면서 범퍼가 긁혔습니다",
        "교통운수과",
        CaseStatus.CLOSED,
    )
    _closed_case(
        db, "incheon:2", "견인 문의 (처리 중)", "견인 차량 보관소", "교통운수과", CaseStatus.TRANSFERRED
    )
    _closed_case(db, "incheon:3", "가로등 고장", "밤에 가로등이 꺼져 있어요", "건설과", CaseStatus.CLOSED)
    hits = similar_cases(db=db, query="차가 끌려갔는데 범퍼가 긁혔어요")
    assert [h.case_id for h in hits][:1] == [towed.id]
    assert hits[0].external_ref == "incheon:1" and hits[0].department == "교통운수과"
    assert "incheon:2" not in {h.external_ref for h in hits}
    assert "<mark>범퍼가</mark>" in hits[0].snippet  # the word as typed


def test_a_second_process_sees_a_publication_after_its_refresh_interval(fresh_database_url: str) -> None:
    """Two SearchIndexes stand for two server processes, each with its own connection."""
    from minwon.db.session import make_engine

    engine_a, engine_b = make_engine(fresh_database_url), make_engine(fresh_database_url)
    now = [100.0]
    process_b = SearchIndexes(clock=lambda: now[0], refresh_s=2.0)
    try:
        with Session(engine_a) as a:
            upsert_article(db=a, slug="first", title="여권 신청", body="여권 신청 안내")
        with Session(engine_b) as b:
            assert [h.title for h in search_articles(db=b, query="반려견", indexes=process_b)] == []
        with Session(engine_a) as a:
            new = upsert_article(
                db=a, slug="dog", title="반려견 동물등록", body="반려견 등록 방법"
            ).article.id
        now[0] += 1.0  # within the interval: process B still answers from its index
        with Session(engine_b) as b:
            assert search_articles(db=b, query="반려견", indexes=process_b) == []
        now[0] += 1.5  # past 2 s: it checks the fingerprint and indexes the new article
        with Session(engine_b) as b:
            assert [h.article_id for h in search_articles(db=b, query="반려견", indexes=process_b)] == [new]
        with Session(engine_a) as a:
            upsert_article(
                db=a, slug="dog", title="반려견 동물등록", body="반려견 등록 방법", is_published=False
            )
        now[0] += 2.5
        with Session(engine_b) as b:
            assert search_articles(db=b, query="반려견", indexes=process_b) == []
            assert [h.title for h in search_articles(db=b, query="여권", indexes=process_b)] == ["여권 신청"]
    finally:
        engine_a.dispose()
        engine_b.dispose()


def test_synonym_validation_and_seed_is_idempotent(db: Session) -> None:
    added = seed_synonyms(db=db)
    assert added > 20 and seed_synonyms(db=db) == 0
    assert len(list_synonyms(db=db)) == added
    with pytest.raises(ValidationError) as dup:
        save_synonym(db=db, term="딱지", expansions="과태료")
    assert dup.value.field == "term"
    with pytest.raises(ValidationError) as empty:
        save_synonym(db=db, term="새말", expansions=" , ")
    assert empty.value.field == "expansions"
