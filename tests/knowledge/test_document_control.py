"""Document control of standard answers (ISO 9001 §7.5): versions, workflow, four-eyes approval,
effective dates, periodic review, flags, permissions and what search may index."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.core.clock import local_today
from minwon.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from minwon.core.models import AuditEvent
from minwon.knowledge import service as kb
from minwon.knowledge.models import ArticleTransition, ArticleVersion, VersionStatus
from minwon.knowledge.schemas import PublishedDoc
from tests.factories import make_org
from tests.knowledge.conftest import staff

BODY_V1 = "자동차세 연납은 1월, 3월, 6월, 9월에 신청합니다.\n\n| 신청월 | 공제율 |\n|---|---|\n| 1월 | 5% |"
BODY_V2 = "자동차세 연납은 1월, 3월, 6월, 9월에 신청합니다.\n\n| 신청월 | 공제율 |\n|---|---|\n| 1월 | 3% |"


@dataclass
class World:
    author: User
    counselor2: User
    qm: User
    qm2: User
    officer_tax: User
    officer_water: User
    tax_id: int
    water_id: int
    cat_id: int


@pytest.fixture()
def w(db: Session) -> World:
    cats, (tax, water), _q = make_org(db)
    return World(
        author=staff(db, "author1"),
        counselor2=staff(db, "counselor2"),
        qm=staff(db, "qm1", role="quality_manager"),
        qm2=staff(db, "qm2", role="quality_manager"),
        officer_tax=staff(db, "officer_tax", role="department_officer", department_id=tax.id),
        officer_water=staff(db, "officer_water", role="department_officer", department_id=water.id),
        tax_id=tax.id,
        water_id=water.id,
        cat_id=cats[0].id,
    )


def _draft(db: Session, w: World, **kw: object) -> ArticleVersion:
    fields: dict[str, object] = {
        "title": "자동차세 연납",
        "body": BODY_V1,
        "keywords": "자동차세, 연납",
        "category_id": w.cat_id,
        "department_id": w.tax_id,
        "change_note": "첫 작성",
    }
    fields.update(kw)
    return kb.create_article(db=db, author=w.author, **fields)  # type: ignore[arg-type]


def _publish(db: Session, w: World, v: ArticleVersion, approver: User | None = None) -> ArticleVersion:
    kb.submit_for_review(db=db, actor=w.author, article_id=v.article_id, number=v.number)
    return kb.approve_version(db=db, actor=approver or w.qm, article_id=v.article_id, number=v.number)


def test_every_edit_is_a_new_version_and_nothing_is_overwritten(db: Session, w: World) -> None:
    v1 = _publish(db, w, _draft(db, w))
    v2 = kb.save_draft(
        db=db, author=w.author, article_id=v1.article_id, base_number=1, title="자동차세 연납 (개정)",
        body=BODY_V2, keywords="자동차세", category_id=w.cat_id, department_id=w.tax_id,
        change_note="공제율 변경",
    )  # fmt: skip
    v3 = kb.save_draft(
        db=db, author=w.counselor2, article_id=v1.article_id, base_number=2, title="자동차세 연납 (개정2)",
        body=BODY_V2 + "\n추가", category_id=w.cat_id, department_id=w.tax_id,
    )  # fmt: skip
    assert [v.number for v in kb.list_versions(db=db, article_id=v1.article_id)] == [3, 2, 1]
    db.expire_all()
    first = kb.get_version(db=db, article_id=v1.article_id, number=1)
    assert (first.title, first.body, first.status) == ("자동차세 연납", BODY_V1, VersionStatus.APPROVED)
    second = kb.get_version(db=db, article_id=v1.article_id, number=2)
    assert (second.body, second.status, second.change_note) == (
        BODY_V2,
        VersionStatus.WITHDRAWN,
        "공제율 변경",
    )
    assert v3.status == VersionStatus.DRAFT and v3.based_on == 2 and v2.based_on == 1
    # the approved v1 stays in effect while v3 is a draft
    current = kb.effective_version(db=db, article_id=v1.article_id)
    assert current is not None and current.number == 1
    # an edit from a stale base is refused, and nothing is written
    with pytest.raises(Conflict):
        kb.save_draft(
            db=db, author=w.author, article_id=v1.article_id, base_number=2, title="x", body="y",
        )  # fmt: skip
    db.rollback()
    assert db.scalar(select(func.count()).where(ArticleVersion.article_id == v1.article_id)) == 3


def test_workflow_transitions_are_recorded_with_who_and_comment(db: Session, w: World) -> None:
    v = _draft(db, w)
    kb.submit_for_review(db=db, actor=w.author, article_id=v.article_id, number=1, comment="검토 부탁")
    kb.return_to_draft(
        db=db, actor=w.qm, article_id=v.article_id, number=1, comment="표를 고쳐 주세요", ip="10.0.0.1"
    )
    kb.submit_for_review(db=db, actor=w.author, article_id=v.article_id, number=1)
    kb.approve_version(db=db, actor=w.qm2, article_id=v.article_id, number=1, comment="승인")
    kb.retire_version(db=db, actor=w.qm, article_id=v.article_id, number=1, comment="제도 폐지")
    history = [
        (t.action, t.from_status, t.to_status, t.actor_name, t.comment)
        for t, _n in reversed(kb.list_transitions(db=db, article_id=v.article_id))
    ]
    assert history == [
        ("created", None, "draft", "author1", "첫 작성"),
        ("submitted", "draft", "in_review", "author1", "검토 부탁"),
        ("returned", "in_review", "draft", "qm1", "표를 고쳐 주세요"),
        ("submitted", "draft", "in_review", "author1", ""),
        ("approved", "in_review", "approved", "qm2", "승인"),
        ("retired", "approved", "retired", "qm1", "제도 폐지"),
    ]
    audits = list(
        db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("kb_%")).order_by(AuditEvent.id))
    )
    assert audits == ["kb_returned", "kb_approved", "kb_retired"]
    assert kb.effective_version(db=db, article_id=v.article_id) is None


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ("draft", "approve"),  # must be submitted first
        ("draft", "retire"),
        ("draft", "return"),
        ("in_review", "submit"),
        ("in_review", "retire"),
        ("approved", "submit"),
        ("approved", "approve"),
        ("approved", "return"),
        ("retired", "approve"),
        ("retired", "retire"),
    ],
)
def test_forbidden_transitions(db: Session, w: World, setup: str, action: str) -> None:
    v = _draft(db, w)
    a, n = v.article_id, 1
    if setup in ("in_review", "approved", "retired"):
        kb.submit_for_review(db=db, actor=w.author, article_id=a, number=n)
    if setup in ("approved", "retired"):
        kb.approve_version(db=db, actor=w.qm, article_id=a, number=n)
    if setup == "retired":
        kb.retire_version(db=db, actor=w.qm, article_id=a, number=n, comment="끝")
    before = db.scalar(select(func.count()).select_from(ArticleTransition))
    calls = {
        "submit": lambda: kb.submit_for_review(db=db, actor=w.author, article_id=a, number=n),
        "approve": lambda: kb.approve_version(db=db, actor=w.qm2, article_id=a, number=n),
        "return": lambda: kb.return_to_draft(db=db, actor=w.qm2, article_id=a, number=n, comment="x"),
        "retire": lambda: kb.retire_version(db=db, actor=w.qm2, article_id=a, number=n, comment="x"),
    }
    with pytest.raises(Conflict):
        calls[action]()
    db.rollback()
    assert db.scalar(select(func.count()).select_from(ArticleTransition)) == before


def test_the_author_cannot_approve_their_own_version(db: Session, w: World) -> None:
    v = kb.create_article(db=db, author=w.qm, title="주정차 과태료", body="본문", department_id=w.tax_id)
    kb.submit_for_review(db=db, actor=w.qm, article_id=v.article_id, number=1)
    with pytest.raises(PermissionDenied) as refused:
        kb.approve_version(db=db, actor=w.qm, article_id=v.article_id, number=1)
    assert "cannot approve" in refused.value.message
    db.rollback()
    assert kb.get_version(db=db, article_id=v.article_id, number=1).status == VersionStatus.IN_REVIEW
    approved = kb.approve_version(db=db, actor=w.qm2, article_id=v.article_id, number=1)
    assert approved.approved_by_id == w.qm2.id


def test_a_contributor_to_an_earlier_draft_cannot_approve_the_next_one(db: Session, w: World) -> None:
    v1 = _publish(db, w, _draft(db, w))
    kb.save_draft(db=db, author=w.qm, article_id=v1.article_id, base_number=1, title="t", body="qm의 초안")
    v3 = kb.save_draft(
        db=db, author=w.author, article_id=v1.article_id, base_number=2, title="t", body="수정"
    )
    kb.submit_for_review(db=db, actor=w.author, article_id=v1.article_id, number=v3.number)
    assert kb.authors_since_approval(db=db, version=v3) == {w.qm.id, w.author.id}
    with pytest.raises(PermissionDenied):
        kb.approve_version(db=db, actor=w.qm, article_id=v1.article_id, number=3)
    db.rollback()
    kb.approve_version(db=db, actor=w.qm2, article_id=v1.article_id, number=3)


def test_permissions_by_role_and_department(db: Session, w: World) -> None:
    v = _draft(db, w)  # owned by 세무과
    # a counselor may not submit someone else's draft, nor review
    with pytest.raises(PermissionDenied):
        kb.submit_for_review(db=db, actor=w.counselor2, article_id=v.article_id, number=1)
    db.rollback()
    kb.submit_for_review(db=db, actor=w.author, article_id=v.article_id, number=1)
    for outsider in (w.counselor2, w.officer_water):
        with pytest.raises(PermissionDenied):
            kb.approve_version(db=db, actor=outsider, article_id=v.article_id, number=1)
        db.rollback()
    assert [i.version.id for i in kb.review_queue(db=db, user=w.officer_water)] == []
    assert [i.version.id for i in kb.review_queue(db=db, user=w.officer_tax)] == [v.id]
    kb.approve_version(db=db, actor=w.officer_tax, article_id=v.article_id, number=1)
    # a move to another department needs the old owner too: the water officer alone may not approve it
    v2 = kb.save_draft(
        db=db,
        author=w.author,
        article_id=v.article_id,
        base_number=1,
        title="t",
        body="b",
        department_id=w.water_id,
    )
    kb.submit_for_review(db=db, actor=w.author, article_id=v.article_id, number=2)
    assert kb.owning_departments(db=db, version=v2) == {w.tax_id, w.water_id}
    with pytest.raises(PermissionDenied):
        kb.approve_version(db=db, actor=w.officer_water, article_id=v.article_id, number=2)
    db.rollback()
    kb.approve_version(db=db, actor=w.qm, article_id=v.article_id, number=2)


def test_future_effective_version_takes_over_on_its_day_and_expired_is_not_shown(
    db: Session, w: World
) -> None:
    today = local_today()
    v1 = _publish(db, w, _draft(db, w))
    start = today + timedelta(days=10)
    v2 = kb.save_draft(
        db=db, author=w.author, article_id=v1.article_id, base_number=1, title="자동차세 연납 (새 공제율)",
        body=BODY_V2, effective_from=start, department_id=w.tax_id,
    )  # fmt: skip
    _publish(db, w, v2)
    a = v1.article_id
    assert kb.effective_version(db=db, article_id=a, on=today).number == 1  # type: ignore[union-attr]
    assert kb.effective_version(db=db, article_id=a, on=start - timedelta(days=1)).number == 1  # type: ignore[union-attr]
    assert kb.effective_version(db=db, article_id=a, on=start).number == 2  # type: ignore[union-attr]
    assert kb.get_published_article(db=db, article_id=a).version == 1

    # an article that ends: shown through its last day, not after; the old version never comes back
    e1 = _publish(db, w, _draft(db, w, title="한시 안내", effective_to=today + timedelta(days=3)))
    assert kb.effective_version(db=db, article_id=e1.article_id, on=today + timedelta(days=3)) is not None
    assert kb.effective_version(db=db, article_id=e1.article_id, on=today + timedelta(days=4)) is None
    with pytest.raises(NotFound):
        kb.get_published_article(db=db, article_id=e1.article_id, on=today + timedelta(days=4))
    # a version whose end date is before its start is refused
    with pytest.raises(ValidationError) as bad:
        _draft(db, w, effective_from=today, effective_to=today - timedelta(days=1))
    assert bad.value.field == "effective_to"


def test_published_documents_returns_exactly_the_versions_in_effect(db: Session, w: World) -> None:
    today = local_today()
    published = _publish(db, w, _draft(db, w, title="A 게시"))
    _draft(db, w, title="B 초안만")
    in_review = _draft(db, w, title="C 검토중")
    kb.submit_for_review(db=db, actor=w.author, article_id=in_review.article_id, number=1)
    future = _publish(db, w, _draft(db, w, title="D 미래", effective_from=today + timedelta(days=5)))
    retired = _publish(db, w, _draft(db, w, title="E 폐지"))
    kb.retire_version(db=db, actor=w.qm, article_id=retired.article_id, number=1, comment="폐지")
    expired = _publish(db, w, _draft(db, w, title="F 만료", effective_from=today - timedelta(days=30),
                                      effective_to=today + timedelta(days=2)))  # fmt: skip
    # G: v1 approved, v2 draft → v1; H: v1 approved, v2 approved → v2
    g1 = _publish(db, w, _draft(db, w, title="G v1"))
    kb.save_draft(
        db=db, author=w.author, article_id=g1.article_id, base_number=1, title="G v2 초안", body="b"
    )
    h1 = _publish(db, w, _draft(db, w, title="H v1"))
    h2 = kb.save_draft(
        db=db, author=w.author, article_id=h1.article_id, base_number=1, title="H v2", body="새 본문",
        keywords="새", department_id=w.water_id,
    )  # fmt: skip
    _publish(db, w, h2)

    docs = kb.published_documents(db=db)
    # ordered by article id: A, F, G, H were created in that order among the shown ones
    assert [(d.title, d.version) for d in docs] == [("A 게시", 1), ("F 만료", 1), ("G v1", 1), ("H v2", 2)]
    assert published.article_id < g1.article_id < h1.article_id
    h = next(d for d in docs if d.article_id == h1.article_id)
    assert h == PublishedDoc(
        article_id=h1.article_id, version=2, title="H v2", body="새 본문", keywords="새", category_id=None,
        department_id=w.water_id, updated_at=h2.approved_at,  # type: ignore[arg-type]
    )  # fmt: skip
    later = {d.title for d in kb.published_documents(db=db, on=today + timedelta(days=5))}
    assert later == {"A 게시", "D 미래", "G v1", "H v2"}  # F ended on today + 2
    last_day = {d.title for d in kb.published_documents(db=db, on=today + timedelta(days=2))}
    assert "F 만료" in last_day
    earlier = {d.title for d in kb.published_documents(db=db, on=today - timedelta(days=1))}
    assert "F 만료" in earlier and future.article_id and expired.article_id


def test_fingerprint_changes_with_the_published_set_only(db: Session, w: World) -> None:
    empty = kb.published_fingerprint(db=db)
    v = _draft(db, w)
    kb.submit_for_review(db=db, actor=w.author, article_id=v.article_id, number=1)
    after_draft = kb.published_fingerprint(db=db)
    kb.approve_version(db=db, actor=w.qm, article_id=v.article_id, number=1)
    after_approval = kb.published_fingerprint(db=db)
    assert after_approval != after_draft
    assert kb.published_fingerprint(db=db) == after_approval  # stable when nothing changes
    kb.retire_version(db=db, actor=w.qm, article_id=v.article_id, number=1, comment="폐지")
    after_retire = kb.published_fingerprint(db=db)
    assert len({empty, after_approval, after_retire}) == 3


def test_periodic_review_default_overdue_list_and_confirmation(db: Session, w: World) -> None:
    today = local_today()
    v = _publish(db, w, _draft(db, w))
    assert v.review_due == kb.add_months(today, 12)
    assert kb.overdue_reviews(db=db) == []
    later = v.review_due + timedelta(days=3)  # type: ignore[operator]
    overdue = kb.overdue_reviews(db=db, on=later)
    assert [(o.article_id, o.version, o.days_overdue, o.department_name) for o in overdue] == [
        (v.article_id, 1, 3, "세무과")
    ]
    assert kb.overdue_reviews(db=db, on=later, department_id=w.water_id) == []
    # a custom review date at approval, and a confirmation that moves it
    other = _draft(db, w, title="상수도 요금")
    kb.submit_for_review(db=db, actor=w.author, article_id=other.article_id, number=1)
    kb.approve_version(
        db=db, actor=w.qm, article_id=other.article_id, number=1, review_due=today + timedelta(days=1)
    )
    assert [o.article_id for o in kb.overdue_reviews(db=db, on=today + timedelta(days=2))] == [
        other.article_id
    ]
    kb.confirm_review(
        db=db, actor=w.qm2, article_id=other.article_id, number=1, next_review=today + timedelta(days=100)
    )
    assert kb.overdue_reviews(db=db, on=today + timedelta(days=2)) == []
    t, _n = kb.list_transitions(db=db, article_id=other.article_id)[0]
    assert t.action == "review_confirmed" and (today + timedelta(days=100)).isoformat() in t.comment
    with pytest.raises(ValidationError):
        kb.confirm_review(db=db, actor=w.qm, article_id=other.article_id, number=1, next_review=today)
    db.rollback()
    with pytest.raises(PermissionDenied):
        kb.confirm_review(db=db, actor=w.author, article_id=other.article_id, number=1)


def test_add_months_clamps_to_month_end() -> None:
    assert kb.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert kb.add_months(date(2027, 12, 15), 12) == date(2028, 12, 15)
    assert kb.add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)


def test_flag_goes_to_the_owner_and_is_resolved_with_a_note(db: Session, w: World) -> None:
    v = _publish(db, w, _draft(db, w))
    flag = kb.flag_article(
        db=db, user=w.counselor2, article_id=v.article_id, reason="outdated", comment="공제율 바뀜"
    )
    assert (flag.department_id, flag.version_id, flag.status.value) == (w.tax_id, v.id, "open")
    assert [r.flag.id for r in kb.list_flags(db=db, user=w.officer_tax)] == [flag.id]
    assert kb.list_flags(db=db, user=w.officer_water) == []
    assert [r.flag.id for r in kb.list_flags(db=db, user=w.qm)] == [flag.id]
    assert [r.flag.id for r in kb.list_flags(db=db, user=w.counselor2)] == [flag.id]  # their own
    assert kb.list_flags(db=db, user=w.author) == []
    with pytest.raises(PermissionDenied):
        kb.resolve_flag(db=db, user=w.officer_water, flag_id=flag.id, note="x")
    db.rollback()
    with pytest.raises(ValidationError):
        kb.resolve_flag(db=db, user=w.officer_tax, flag_id=flag.id, note=" ")
    db.rollback()
    kb.resolve_flag(db=db, user=w.officer_tax, flag_id=flag.id, note="v2 작성 중")
    assert kb.list_flags(db=db, user=w.officer_tax) == []
    done = kb.list_flags(db=db, user=w.officer_tax, status="resolved")
    assert done[0].flag.resolution_note == "v2 작성 중" and done[0].resolved_by == "officer_tax"
    with pytest.raises(Conflict):
        kb.resolve_flag(db=db, user=w.qm, flag_id=flag.id, note="again")
    db.rollback()
    with pytest.raises(ValidationError) as bad:
        kb.flag_article(db=db, user=w.counselor2, article_id=v.article_id, reason="boring", comment="x")
    assert bad.value.field == "reason"
    draft_only = _draft(db, w, title="초안")
    with pytest.raises(NotFound):
        kb.flag_article(
            db=db, user=w.counselor2, article_id=draft_only.article_id, reason="wrong", comment="x"
        )


def test_attachments_checked_stored_once_and_inherited(db: Session, w: World, kb_files: Path) -> None:
    pdf = b"%PDF-1.4\n" + "한글".encode() * 10
    v1 = _draft(db, w, attachments=[("../../안내문.pdf", pdf), ("표.csv", "구분,금액\n1,2\n".encode())])
    files = kb.version_attachments(db=db, version_id=v1.id)
    assert [(f.filename, f.size) for f in files] == [("안내문.pdf", len(pdf)), ("표.csv", 18)]
    _att, path = kb.get_attachment(db=db, attachment_id=files[0].id)
    assert path.read_bytes() == pdf and path.is_relative_to(kb_files)
    v2 = kb.save_draft(
        db=db, author=w.author, article_id=v1.article_id, base_number=1, title="t", body="b",
        remove_attachment_ids=[files[1].id],
    )  # fmt: skip
    assert [f.filename for f in kb.version_attachments(db=db, version_id=v2.id)] == ["안내문.pdf"]
    assert len(kb.version_attachments(db=db, version_id=v1.id)) == 2  # v1 untouched
    for name, data in [
        ("virus.exe", b"MZ"),
        ("fake.pdf", b"<html>"),
        ("empty.txt", b""),
        ("latin1.txt", "café".encode("latin-1")),
    ]:
        with pytest.raises(ValidationError) as bad:
            _draft(db, w, attachments=[(name, data)])
        assert bad.value.field == "attachments"
        db.rollback()


def test_attachment_size_limit(
    db: Session, w: World, kb_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from minwon.config import get_settings

    monkeypatch.setenv("MINWON_KB_ATTACHMENT_MAX_BYTES", "100")
    get_settings.cache_clear()
    try:
        with pytest.raises(ValidationError):
            _draft(db, w, attachments=[("big.txt", b"a" * 101)])
        db.rollback()
        ok = _draft(db, w, attachments=[("ok.txt", b"a" * 100)])
        assert kb.version_attachments(db=db, version_id=ok.id)[0].size == 100
    finally:
        monkeypatch.delenv("MINWON_KB_ATTACHMENT_MAX_BYTES")
        get_settings.cache_clear()


def test_system_import_is_idempotent_and_versions_changes(db: Session) -> None:
    first = kb.upsert_article(db=db, slug="x-1", title="제목", body="본문", keywords=["가", " 나 "])
    assert (first.status, first.version.number, first.version.keywords) == ("created", 1, "가, 나")
    assert first.version.status == VersionStatus.APPROVED and first.version.effective_from == local_today()
    same = kb.upsert_article(db=db, slug="x-1", title="제목", body="본문", keywords="가, 나")
    assert (same.status, same.version.number) == ("unchanged", 1)
    changed = kb.upsert_article(db=db, slug="x-1", title="제목", body="새 본문", keywords="가, 나")
    assert (changed.status, changed.version.number) == ("updated", 2)
    assert kb.get_published_article(db=db, article_id=first.article.id).body == "새 본문"
    assert kb.get_version(db=db, article_id=first.article.id, number=1).body == "본문"
    with pytest.raises(ValidationError) as bad:
        kb.upsert_article(db=db, slug="Bad Slug", title="t", body="b")
    assert bad.value.field == "slug"


def test_a_version_whose_end_date_has_passed_cannot_be_approved(db: Session, w: World) -> None:
    today = local_today()
    v = _draft(db, w, effective_from=today - timedelta(days=10), effective_to=today - timedelta(days=1))
    kb.submit_for_review(db=db, actor=w.author, article_id=v.article_id, number=1)
    with pytest.raises(ValidationError) as bad:
        kb.approve_version(db=db, actor=w.qm, article_id=v.article_id, number=1)
    assert bad.value.field == "effective_to"
