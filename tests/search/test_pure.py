"""Pure parts of the search: Hanja readings, synonyms, highlighting, metrics, the BM25F index."""

from __future__ import annotations

import math

from minwon.search.analyzer import hanja_to_hangul
from minwon.search.engine import Document, FieldSpec, Index, query_terms
from minwon.search.highlight import highlight_terms, snippet
from minwon.search.metrics import retrieval_metrics
from minwon.search.synonyms import SynonymEntry, applicable, expansions_for, parse_expansions


def test_hanja_is_read_as_hangul_with_the_initial_sound_rule() -> None:
    # readings from the standard dictionary: 過 과, 怠 태, 料 료 (요 at the start of a word), 稅 세
    assert hanja_to_hangul("過怠料") == "과태료"
    assert hanja_to_hangul("料金") == "요금"
    assert hanja_to_hangul("自動車稅 納付") == "자동차세 납부"
    assert hanja_to_hangul("no hanja 한글") == "no hanja 한글"


def test_synonym_entries_apply_by_substring_word_start_or_stem() -> None:
    entries = [
        SynonymEntry("딱지", ("주정차 위반 과태료",)),
        SynonymEntry("수도세", ("수도요금", "상수도 요금")),
        SynonymEntry("끌려가", ("견인",)),
    ]
    assert expansions_for("딱지를 받았어요", entries) == ["주정차 위반 과태료"]
    assert expansions_for("이번 달 수도세가 많이 나왔어요", entries) == ["수도요금", "상수도 요금"]
    # 끌려갔어요: no substring 끌려가, but its stem (kiwipiepy) is 끌려가
    assert expansions_for("차가 끌려갔어요", entries) == ["견인"]
    assert applicable("자동차세 연납", entries) == []
    assert parse_expansions(" a , b,,a\nc ") == ("a", "b", "c")


def test_snippet_escapes_html_and_marks_terms() -> None:
    text = "**과태료**는 <b>20%</b> 감경 & 과태료 안내"
    out = snippet(text, ["과태료"])
    assert out == "<mark>과태료</mark>는 &lt;b&gt;20%&lt;/b&gt; 감경 &amp; <mark>과태료</mark> 안내"
    # a term that itself looks like markup is escaped inside the mark
    assert snippet("a <x> b", ["<x>"]) == "a <mark>&lt;x&gt;</mark> b"
    assert snippet("아무 관련 없는 글", ["과태료"]) == "아무 관련 없는 글"


def test_snippet_window_goes_to_the_matches_and_marks_cuts() -> None:
    text = "가" * 300 + " 견인 보관소 위치 " + "나" * 300
    out = snippet(text, ["견인", "보관소"], width=40)
    assert out.startswith("…") and out.endswith("…")
    assert "<mark>견인</mark> <mark>보관소</mark>" in out


def test_highlight_terms_from_words_morphemes_and_expansions() -> None:
    terms = highlight_terms("수도세가 過怠料", ["상수도 요금"])
    assert "과태료" in terms and "상수도" in terms and "요금" in terms
    assert all(len(t) >= 2 for t in terms)


def test_metrics_by_hand() -> None:
    # ranks 1, 3, absent, 12: r@1 = 1/4, r@5 = 2/4, MRR@10 = (1 + 1/3 + 0 + 0) / 4
    m = retrieval_metrics([1, 3, None, 12])
    assert m == {"n": 4, "recall_at_1": 0.25, "recall_at_5": 0.5, "mrr_at_10": round((1 + 1 / 3) / 4, 4)}
    assert retrieval_metrics([])["n"] == 0


def _index(texts: dict[int, str], **kw: object) -> Index:
    index = Index((FieldSpec("body", 1.0, 0.0),))
    index.build(Document(key=k, stamp="1", fields={"body": t}, **kw) for k, t in texts.items())  # type: ignore[arg-type]
    return index


def test_bm25_score_of_a_single_morpheme_by_hand() -> None:
    # one field, b = 0, weight 1: tf~ = tf; only the morpheme space matters for a query term "m:견인"
    index = _index({1: "견인", 2: "주차", 3: "과태료"})
    hits = index.search([query_terms("견인")[0]], limit=5)
    assert [h.doc.key for h in hits] == [1]
    n, df, tf, k1 = 3, 1, 1, 1.2
    expected = math.log(1 + (n - df + 0.5) / (df + 0.5)) * tf * (k1 + 1) / (k1 + tf)
    assert hits[0].score == round(expected, 4)


def test_typo_and_spacing_still_find_the_document_through_ngrams() -> None:
    index = _index(
        {1: "자동차세 연납 신청과 할인", 2: "수도요금 자동이체 신청", 3: "주정차 위반 과태료 금액"}
    )
    assert index.search(query_terms("자동차세 욘납"), limit=1)[0].doc.key == 1  # 연 → 욘
    assert index.search(query_terms("주정차위반과태료"), limit=1)[0].doc.key == 3
    assert index.search(query_terms("수도요굼"), limit=1)[0].doc.key == 2  # 금 → 굼


def test_updates_replace_and_remove_documents() -> None:
    index = _index({1: "여권 발급", 2: "전입 신고"})
    index.update([Document(key=1, stamp="2", fields={"body": "반려견 등록"})], removed=[2])
    assert index.size == 1
    assert index.search(query_terms("여권"), limit=5) == []
    assert index.search(query_terms("전입 신고"), limit=5) == []
    assert [h.doc.key for h in index.search(query_terms("반려견"), limit=5)] == [1]


def test_filters() -> None:
    index = Index((FieldSpec("body", 1.0),))
    index.build(
        [
            Document(key=1, stamp="1", fields={"body": "과태료 안내"}, category_id=10, department_id=100),
            Document(key=2, stamp="1", fields={"body": "과태료 납부"}, category_id=20, department_id=100),
        ]
    )
    terms = query_terms("과태료")
    assert [h.doc.key for h in index.search(terms, category_id=20)] == [2]
    assert {h.doc.key for h in index.search(terms, department_id=100)} == {1, 2}
    assert index.search(terms, category_id=20, department_id=999) == []
