"""Knowledge base service: standard answers under document control (ISO 9001 §7.5), and a simple search.

Document control (ISO 9001 §7.5.2–7.5.3):

* Every change is a new :class:`ArticleVersion` (``number`` 1, 2, …); a written version's content is
  never changed. Only its workflow state moves: ``draft`` → ``in_review`` → ``approved`` → ``retired``
  (``in_review`` → ``draft`` when a reviewer returns it; an unapproved version replaced by a newer edit
  becomes ``withdrawn``). Every move is an :class:`ArticleTransition` (who, when, comment).
* The approver must not have written the version, nor any draft of it since the last approval
  (four-eyes principle).
* Reviewers: quality managers and administrators for every article; department officers for articles
  their department owns (the version's department, and the department of the version it replaces).
  Everyone signed in may propose drafts and flag articles.
* The version *in effect* on a day D is, per article, the highest-numbered version that was ever
  approved and whose ``effective_from`` ≤ D; it is shown only if it is still ``approved`` and its
  ``effective_to`` (inclusive) is empty or ≥ D. So a newer approved version with a future start takes
  over on its day, and an expired or retired version never lets an older, superseded one come back.
* Each approved version has a periodic review date (``review_due``, approval day + ``kb_review_months``);
  a review either confirms the version (new date) or leads to a new version.

The search (:func:`search_articles`) is the foundation's ``LIKE`` search over the versions in effect
today; the Korean search in ``minwon.search`` replaces it and reads articles through
:func:`published_documents` and :func:`published_fingerprint` only.
"""

from __future__ import annotations

import calendar
import hashlib
import mimetypes
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from minwon.accounts.models import Role, User
from minwon.config import get_settings
from minwon.core.audit import record_audit
from minwon.core.clock import local_today, to_local, utcnow
from minwon.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from minwon.core.i18n import N_
from minwon.core.textmatch import match_score, search_terms, snippet_around
from minwon.knowledge.models import (
    Article,
    ArticleFlag,
    ArticleTransition,
    ArticleVersion,
    Attachment,
    FlagReason,
    FlagStatus,
    VersionAttachment,
    VersionStatus,
)
from minwon.knowledge.schemas import ArticleHit, ArticleOut, AttachmentOut, OverdueReview, PublishedDoc
from minwon.org.models import Category, Department

MAX_QUERY_CHARS = 500
MAX_LIMIT = 100
#: Weight of a term found in the title, the keywords and the body.
WEIGHT_TITLE, WEIGHT_KEYWORDS, WEIGHT_BODY = 3, 2, 1
SNIPPET_CHARS = 120
MAX_TITLE, MAX_BODY, MAX_KEYWORDS, MAX_NOTE, MAX_COMMENT = 300, 100_000, 2_000, 500, 1_000
#: Attachment types accepted: extension → (content type, leading bytes that must match, or ``None``
#: for text files, which must decode as UTF-8).
ATTACHMENT_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".hwp": ("application/x-hwp", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    ".hwpx": ("application/hwp+zip", (b"PK\x03\x04",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".txt": ("text/plain; charset=utf-8", None),
    ".csv": ("text/csv; charset=utf-8", None),
}
REVIEWER_ROLES = (Role.QUALITY_MANAGER, Role.ADMINISTRATOR)
OPEN_STATUSES = (VersionStatus.DRAFT, VersionStatus.IN_REVIEW)
EVER_APPROVED = (VersionStatus.APPROVED, VersionStatus.RETIRED)


# ─────────────────────────── helpers ───────────────────────────


def keywords_text(keywords: str | Sequence[str]) -> str:
    """Keywords as stored: a comma-separated string (``["자동차세", "연납"]`` → ``"자동차세, 연납"``)."""
    items = keywords.split(",") if isinstance(keywords, str) else [str(k) for k in keywords]
    return ", ".join(k.strip() for k in items if k.strip())


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day (2026-01-31 + 1 →
    2026-02-28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _actor_name(user: User | None) -> str:
    return user.username if user is not None else "system"


def _transition(
    db: Session,
    version: ArticleVersion,
    *,
    action: str,
    to_status: VersionStatus,
    actor: User | None,
    comment: str = "",
    from_status: VersionStatus | None = None,
) -> ArticleTransition:
    event = ArticleTransition(
        article_id=version.article_id,
        version_id=version.id,
        action=action,
        from_status=from_status.value if from_status else None,
        to_status=to_status.value,
        actor_id=actor.id if actor else None,
        actor_name=_actor_name(actor),
        at=utcnow(),
        comment=comment,
    )
    db.add(event)
    return event


def _audit(
    db: Session, actor: User, action: str, version: ArticleVersion, ip: str | None, **extra: object
) -> None:
    record_audit(
        db=db,
        action=action,
        actor_name=actor.username,
        actor_id=actor.id,
        ip=ip,
        detail={"article_id": version.article_id, "version": version.number, **extra},
    )


def _clean_comment(comment: str | None, *, required: bool = False, field: str = "comment") -> str:
    text = (comment or "").strip()
    if required and not text:
        raise ValidationError(N_("Write a comment."), field=field)
    if len(text) > MAX_COMMENT:
        raise ValidationError(N_("The comment is too long (at most 1,000 characters)."), field=field)
    return text


@dataclass(frozen=True)
class Content:
    """Validated content of a new version."""

    title: str
    body: str
    keywords: str
    category_id: int | None
    department_id: int | None
    effective_from: date | None
    effective_to: date | None
    change_note: str


def _content(
    db: Session,
    *,
    title: str,
    body: str,
    keywords: str | Sequence[str],
    category_id: int | None,
    department_id: int | None,
    effective_from: date | None,
    effective_to: date | None,
    change_note: str,
) -> Content:
    title = " ".join(title.split())
    body = body.replace("\r\n", "\n").strip("\n")
    kw = keywords_text(keywords)
    note = " ".join(change_note.split())
    if not title or len(title) > MAX_TITLE:
        raise ValidationError(N_("The title must be 1–300 characters."), field="title")
    if not body.strip():
        raise ValidationError(N_("The body is required."), field="body")
    if len(body) > MAX_BODY:
        raise ValidationError(N_("The body is too long (at most 100,000 characters)."), field="body")
    if len(kw) > MAX_KEYWORDS:
        raise ValidationError(N_("The keywords are too long (at most 2,000 characters)."), field="keywords")
    if len(note) > MAX_NOTE:
        raise ValidationError(
            N_("The change note is too long (at most 500 characters)."), field="change_note"
        )
    if category_id is not None and db.get(Category, category_id) is None:
        raise ValidationError(N_("Choose an existing category."), field="category_id")
    if department_id is not None and db.get(Department, department_id) is None:
        raise ValidationError(N_("Choose an existing department."), field="department_id")
    if effective_from and effective_to and effective_to < effective_from:
        raise ValidationError(N_("The end date must not be before the start date."), field="effective_to")
    return Content(title, body, kw, category_id, department_id, effective_from, effective_to, note)


# ─────────────────────────── reading ───────────────────────────


def get_article(*, db: Session, article_id: int) -> Article:
    """The article ``article_id`` (whatever its versions' states). Raises NotFound."""
    article = db.get(Article, article_id)
    if article is None:
        raise NotFound(N_("The standard answer does not exist."), field="article_id")
    return article


def get_version(*, db: Session, article_id: int, number: int) -> ArticleVersion:
    """Version ``number`` of article ``article_id``. Raises NotFound."""
    version = db.scalar(
        select(ArticleVersion).where(ArticleVersion.article_id == article_id, ArticleVersion.number == number)
    )
    if version is None:
        raise NotFound(N_("This version does not exist."), field="version")
    return version


def get_version_by_id(*, db: Session, version_id: int) -> ArticleVersion:
    version = db.get(ArticleVersion, version_id)
    if version is None:
        raise NotFound(N_("This version does not exist."), field="version")
    return version


def list_versions(*, db: Session, article_id: int) -> list[ArticleVersion]:
    """All versions of an article, newest first."""
    return list(
        db.scalars(
            select(ArticleVersion)
            .where(ArticleVersion.article_id == article_id)
            .order_by(ArticleVersion.number.desc())
        )
    )


def latest_version(*, db: Session, article_id: int) -> ArticleVersion:
    """The highest-numbered version (whatever its state). Raises NotFound."""
    version = db.scalar(
        select(ArticleVersion)
        .where(ArticleVersion.article_id == article_id)
        .order_by(ArticleVersion.number.desc())
        .limit(1)
    )
    if version is None:
        raise NotFound(N_("The standard answer does not exist."), field="article_id")
    return version


def list_transitions(*, db: Session, article_id: int) -> list[tuple[ArticleTransition, int]]:
    """The article's workflow history, newest first, each with its version number."""
    rows = db.execute(
        select(ArticleTransition, ArticleVersion.number)
        .join(ArticleVersion, ArticleVersion.id == ArticleTransition.version_id)
        .where(ArticleTransition.article_id == article_id)
        .order_by(ArticleTransition.id.desc())
    ).all()
    return [(t, int(n)) for t, n in rows]


def _effective_where(on: date) -> tuple[ColumnElement[bool], ...]:
    """Conditions on ``ArticleVersion`` selecting the versions in effect on ``on`` (module docstring):
    approved, started, not ended, and no later ever-approved version of the article has started. The
    ``NOT EXISTS`` probes the (article_id, number) unique index, so the cost grows as n log n."""
    newer = aliased(ArticleVersion)
    superseded = (
        select(newer.id)
        .where(
            newer.article_id == ArticleVersion.article_id,
            newer.number > ArticleVersion.number,
            newer.status.in_(EVER_APPROVED),
            newer.effective_from <= on,
        )
        .exists()
    )
    return (
        ArticleVersion.status == VersionStatus.APPROVED,
        ArticleVersion.effective_from <= on,
        or_(ArticleVersion.effective_to.is_(None), ArticleVersion.effective_to >= on),
        ~superseded,
    )


def _effective_select(on: date) -> Select[ArticleVersion]:
    """Versions in effect on ``on``: see the module docstring for the rule."""
    return select(ArticleVersion).where(*_effective_where(on))


def effective_version(*, db: Session, article_id: int, on: date | None = None) -> ArticleVersion | None:
    """The approved version of ``article_id`` in effect on ``on`` (default today, local), or ``None``."""
    day = on or local_today()
    return db.scalar(_effective_select(day).where(ArticleVersion.article_id == article_id))


def published_documents(*, db: Session, on: date | None = None) -> list[PublishedDoc]:
    """Per article, the approved version in effect on ``on`` (default: today in the center's zone),
    ordered by article id. Drafts, versions in review, retired, expired and not-yet-effective versions
    are never returned; articles with nothing in effect are left out."""
    day = on or local_today()
    v = ArticleVersion
    rows = db.execute(
        select(
            v.article_id, v.number, v.title, v.body, v.keywords, v.category_id, v.department_id, v.approved_at
        )
        .where(*_effective_where(day))
        .order_by(v.article_id)
    )
    return [
        PublishedDoc(
            article_id=r.article_id,
            version=r.number,
            title=r.title,
            body=r.body,
            keywords=r.keywords,
            category_id=r.category_id,
            department_id=r.department_id,
            updated_at=r.approved_at,
        )
        for r in rows
    ]


def published_fingerprint(*, db: Session) -> str:
    """A short hex string that changes whenever :func:`published_documents` (for today) may change.

    Five index look-ups on ``article_versions`` (no scan, so it stays cheap at any size): the latest
    approval and retirement instants (every approval or retirement moves one of them), the highest
    version id, and the latest ``effective_from`` that has arrived and ``effective_to`` that has passed
    by today — so a future-effective version taking over, or one expiring, changes it on that day with no
    write. It may change when the published set does not (a draft's dates count too); it does not stay
    the same when the set changes, provided the servers' clocks agree (an approval stamped earlier than
    the previous latest one would go unnoticed until the next change).
    """
    today = local_today()
    v = ArticleVersion
    row = db.execute(
        select(
            select(func.max(v.approved_at)).scalar_subquery(),
            select(func.max(v.retired_at)).scalar_subquery(),
            select(func.max(v.id)).scalar_subquery(),
            select(func.max(v.effective_from)).where(v.effective_from <= today).scalar_subquery(),
            select(func.max(v.effective_to)).where(v.effective_to < today).scalar_subquery(),
        )
    ).one()
    text = "|".join("" if x is None else str(x) for x in row)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _attachments_of(db: Session, version_id: int) -> list[Attachment]:
    return list(
        db.scalars(
            select(Attachment)
            .join(VersionAttachment, VersionAttachment.attachment_id == Attachment.id)
            .where(VersionAttachment.version_id == version_id)
            .order_by(Attachment.filename, Attachment.id)
        )
    )


def version_attachments(*, db: Session, version_id: int) -> list[Attachment]:
    """The attachments a version carries, by file name."""
    return _attachments_of(db, version_id)


def get_published_article(*, db: Session, article_id: int, on: date | None = None) -> ArticleOut:
    """The version of ``article_id`` in effect today (or ``on``) with category, department and
    attachments. Raises NotFound when the article is missing or nothing is in effect."""
    article = get_article(db=db, article_id=article_id)
    version = effective_version(db=db, article_id=article_id, on=on)
    if version is None:
        raise NotFound(N_("The standard answer does not exist."), field="article_id")
    category = db.get(Category, version.category_id) if version.category_id else None
    department = db.get(Department, version.department_id) if version.department_id else None
    return ArticleOut(
        id=article.id,
        slug=article.slug,
        title=version.title,
        body=version.body,
        keywords=version.keywords,
        category_id=version.category_id,
        category_name=category.name_ko if category else None,
        department_id=version.department_id,
        department_name=department.name if department else None,
        version=version.number,
        is_published=True,
        is_demo=article.is_demo,
        updated_at=version.approved_at or version.created_at,
        effective_from=version.effective_from,
        effective_to=version.effective_to,
        review_due=version.review_due,
        attachments=[
            AttachmentOut(id=a.id, filename=a.filename, content_type=a.content_type, size=a.size)
            for a in _attachments_of(db, version.id)
        ],
    )


# ─────────────────────────── permissions ───────────────────────────


def _previous_approved(db: Session, version: ArticleVersion) -> ArticleVersion | None:
    return db.scalar(
        select(ArticleVersion)
        .where(
            ArticleVersion.article_id == version.article_id,
            ArticleVersion.number < version.number,
            ArticleVersion.status.in_(EVER_APPROVED),
        )
        .order_by(ArticleVersion.number.desc())
        .limit(1)
    )


def owning_departments(*, db: Session, version: ArticleVersion) -> set[int | None]:
    """The departments a reviewer must belong to for ``version``: its own, and that of the approved
    version before it (a change of owner needs the old owner too)."""
    owners = {version.department_id}
    previous = _previous_approved(db, version)
    if previous is not None:
        owners.add(previous.department_id)
    return owners


def can_review(*, db: Session, user: User, version: ArticleVersion) -> bool:
    """Whether ``user`` may return, approve, retire or confirm the review of ``version``: quality managers
    and administrators always; department officers when their department owns it (see
    :func:`owning_departments`)."""
    if not user.is_active:
        return False
    if user.role in REVIEWER_ROLES:
        return True
    if user.role == Role.DEPARTMENT_OFFICER and user.department_id is not None:
        return owning_departments(db=db, version=version) == {user.department_id}
    return False


def _require_reviewer(db: Session, user: User, version: ArticleVersion) -> None:
    if not can_review(db=db, user=user, version=version):
        raise PermissionDenied(
            N_("Only a quality manager, an administrator or an officer of the owning department may do this.")
        )


def authors_since_approval(*, db: Session, version: ArticleVersion) -> set[int]:
    """Ids of everyone who wrote ``version`` or a version of the same article after the last approved
    one and up to it (withdrawn drafts included): none of them may approve it."""
    previous = _previous_approved(db, version)
    floor = previous.number if previous is not None else 0
    ids = db.scalars(
        select(ArticleVersion.created_by_id).where(
            ArticleVersion.article_id == version.article_id,
            ArticleVersion.number > floor,
            ArticleVersion.number <= version.number,
            ArticleVersion.created_by_id.is_not(None),
        )
    )
    return {int(i) for i in ids if i is not None}


# ─────────────────────────── writing versions ───────────────────────────


def _new_slug(db: Session) -> str:
    while True:
        slug = f"kb-{secrets.token_hex(4)}"
        if db.scalar(select(Article.id).where(Article.slug == slug)) is None:
            return slug


def _check_slug(slug: str) -> str:
    slug = slug.strip()
    if not slug or len(slug) > 120 or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", slug):
        raise ValidationError(N_("The slug must be 1–120 lowercase letters, digits, - or _."), field="slug")
    return slug


def create_article(
    *,
    db: Session,
    author: User,
    title: str,
    body: str,
    keywords: str | Sequence[str] = "",
    category_id: int | None = None,
    department_id: int | None = None,
    effective_from: date | None = None,
    effective_to: date | None = None,
    change_note: str = "",
    slug: str | None = None,
    attachments: Iterable[tuple[str, bytes]] = (),
) -> ArticleVersion:
    """A new article with its version 1 as a draft by ``author``; commits. ``slug`` defaults to
    ``kb-<random hex>``. ``attachments`` are ``(file name, bytes)`` pairs (see :func:`store_attachment`).

    Raises ValidationError naming the field (title, body, slug, dates, unknown category/department,
    attachment), Conflict when the slug is taken.
    """
    content = _content(
        db,
        title=title,
        body=body,
        keywords=keywords,
        category_id=category_id,
        department_id=department_id,
        effective_from=effective_from,
        effective_to=effective_to,
        change_note=change_note,
    )
    chosen = _check_slug(slug) if slug and slug.strip() else _new_slug(db)
    if db.scalar(select(Article.id).where(Article.slug == chosen)) is not None:
        raise Conflict(N_("This slug is already used by another standard answer."), field="slug")
    stored = [store_attachment(db=db, uploader=author, filename=n, data=d) for n, d in attachments]
    article = Article(slug=chosen, is_demo=False, created_at=utcnow())
    db.add(article)
    db.flush()
    version = _add_version(db, article.id, 1, content, author, based_on=None)
    for att in stored:
        db.add(VersionAttachment(version_id=version.id, attachment_id=att.id))
    db.commit()
    return version


def _add_version(
    db: Session, article_id: int, number: int, content: Content, author: User | None, *, based_on: int | None
) -> ArticleVersion:
    version = ArticleVersion(
        article_id=article_id,
        number=number,
        title=content.title,
        body=content.body,
        keywords=content.keywords,
        category_id=content.category_id,
        department_id=content.department_id,
        effective_from=content.effective_from,
        effective_to=content.effective_to,
        status=VersionStatus.DRAFT,
        change_note=content.change_note,
        based_on=based_on,
        created_by_id=author.id if author else None,
        created_at=utcnow(),
    )
    db.add(version)
    db.flush()
    _transition(
        db,
        version,
        action="created",
        to_status=VersionStatus.DRAFT,
        actor=author,
        comment=content.change_note,
    )
    return version


def save_draft(
    *,
    db: Session,
    author: User,
    article_id: int,
    base_number: int,
    title: str,
    body: str,
    keywords: str | Sequence[str] = "",
    category_id: int | None = None,
    department_id: int | None = None,
    effective_from: date | None = None,
    effective_to: date | None = None,
    change_note: str = "",
    remove_attachment_ids: Iterable[int] = (),
    attachments: Iterable[tuple[str, bytes]] = (),
) -> ArticleVersion:
    """A new draft version (latest number + 1) edited from version ``base_number``; commits.

    Nothing is overwritten: the base keeps its content; the new version inherits the base's attachments
    except ``remove_attachment_ids``, plus the new ``attachments``. Other open versions (draft, in review)
    of the article become ``withdrawn``. Raises Conflict when ``base_number`` is not the latest version
    (someone saved meanwhile — reload), ValidationError as :func:`create_article`, NotFound.
    """
    get_article(db=db, article_id=article_id)
    latest = latest_version(db=db, article_id=article_id)
    if base_number != latest.number:
        raise Conflict(
            N_("Someone saved a newer version meanwhile. Reload the page and edit the latest version."),
            field="base_number",
        )
    content = _content(
        db,
        title=title,
        body=body,
        keywords=keywords,
        category_id=category_id,
        department_id=department_id,
        effective_from=effective_from,
        effective_to=effective_to,
        change_note=change_note,
    )
    stored = [store_attachment(db=db, uploader=author, filename=n, data=d) for n, d in attachments]
    for open_version in db.scalars(
        select(ArticleVersion).where(
            ArticleVersion.article_id == article_id, ArticleVersion.status.in_(OPEN_STATUSES)
        )
    ):
        previous = open_version.status
        open_version.status = VersionStatus.WITHDRAWN
        _transition(
            db,
            open_version,
            action="withdrawn",
            from_status=previous,
            to_status=VersionStatus.WITHDRAWN,
            actor=author,
            comment=f"v{latest.number + 1}",
        )
    version = _add_version(db, article_id, latest.number + 1, content, author, based_on=latest.number)
    removed = set(remove_attachment_ids)
    keep = [a.id for a in _attachments_of(db, latest.id) if a.id not in removed]
    for att_id in dict.fromkeys([*keep, *(a.id for a in stored)]):
        db.add(VersionAttachment(version_id=version.id, attachment_id=att_id))
    db.commit()
    return version


def submit_for_review(
    *, db: Session, actor: User, article_id: int, number: int, comment: str = ""
) -> ArticleVersion:
    """``draft`` → ``in_review``; by its author or a reviewer. Commits. Raises Conflict for another
    state, PermissionDenied for someone else's draft."""
    version = get_version(db=db, article_id=article_id, number=number)
    text = _clean_comment(comment)
    if version.status != VersionStatus.DRAFT:
        raise Conflict(N_("Only a draft can be submitted for review."), field="status")
    if version.created_by_id != actor.id and not can_review(db=db, user=actor, version=version):
        raise PermissionDenied(N_("Only the author or a reviewer may submit this draft."))
    version.status = VersionStatus.IN_REVIEW
    _transition(
        db, version, action="submitted", from_status=VersionStatus.DRAFT, to_status=VersionStatus.IN_REVIEW,
        actor=actor, comment=text,
    )  # fmt: skip
    db.commit()
    return version


def return_to_draft(
    *, db: Session, actor: User, article_id: int, number: int, comment: str, ip: str | None = None
) -> ArticleVersion:
    """``in_review`` → ``draft`` by a reviewer, with a required comment saying what to change. Commits.
    Raises Conflict, PermissionDenied, ValidationError (field ``comment``)."""
    version = get_version(db=db, article_id=article_id, number=number)
    text = _clean_comment(comment, required=True)
    if version.status != VersionStatus.IN_REVIEW:
        raise Conflict(N_("Only a version in review can be returned."), field="status")
    _require_reviewer(db, actor, version)
    version.status = VersionStatus.DRAFT
    _transition(
        db, version, action="returned", from_status=VersionStatus.IN_REVIEW, to_status=VersionStatus.DRAFT,
        actor=actor, comment=text,
    )  # fmt: skip
    _audit(db, actor, "kb_returned", version, ip)
    db.commit()
    return version


def approve_version(
    *,
    db: Session,
    actor: User,
    article_id: int,
    number: int,
    comment: str = "",
    review_due: date | None = None,
    ip: str | None = None,
) -> ArticleVersion:
    """``in_review`` → ``approved`` (published from its ``effective_from``); commits.

    An empty ``effective_from`` becomes today (local). ``review_due`` defaults to today +
    ``MINWON_KB_REVIEW_MONTHS`` (12) months and must be after today. The approver must not be one of
    :func:`authors_since_approval` (ISO 9001 §7.5.2 c, review and approval; four-eyes principle).
    Raises Conflict (wrong state), PermissionDenied (not a reviewer, or an author), ValidationError.
    """
    version = get_version(db=db, article_id=article_id, number=number)
    text = _clean_comment(comment)
    if version.status != VersionStatus.IN_REVIEW:
        raise Conflict(N_("Only a version in review can be approved."), field="status")
    _require_reviewer(db, actor, version)
    if actor.id in authors_since_approval(db=db, version=version):
        raise PermissionDenied(
            N_("You wrote this version (or a draft of it), so you cannot approve it. Ask another reviewer.")
        )
    today = local_today()
    due = review_due or add_months(today, get_settings().kb_review_months)
    if due <= today:
        raise ValidationError(N_("The review date must be in the future."), field="review_due")
    if version.effective_to is not None and version.effective_to < today:
        raise ValidationError(
            N_("The end date has passed: the version would never be in effect. Edit it first."),
            field="effective_to",
        )
    if version.effective_from is None:
        version.effective_from = today
    now = utcnow()
    version.status = VersionStatus.APPROVED
    version.approved_by_id = actor.id
    version.approved_at = now
    version.review_due = due
    _transition(
        db, version, action="approved", from_status=VersionStatus.IN_REVIEW, to_status=VersionStatus.APPROVED,
        actor=actor, comment=text,
    )  # fmt: skip
    _audit(db, actor, "kb_approved", version, ip, effective_from=version.effective_from.isoformat())
    db.commit()
    return version


def retire_version(
    *, db: Session, actor: User, article_id: int, number: int, comment: str, ip: str | None = None
) -> ArticleVersion:
    """``approved`` → ``retired`` (withdrawn from use at once) by a reviewer, with a required comment.
    Commits. Older, superseded versions do not come back (see the module docstring)."""
    version = get_version(db=db, article_id=article_id, number=number)
    text = _clean_comment(comment, required=True)
    if version.status != VersionStatus.APPROVED:
        raise Conflict(N_("Only an approved version can be retired."), field="status")
    _require_reviewer(db, actor, version)
    version.status = VersionStatus.RETIRED
    version.retired_at = utcnow()
    _transition(
        db, version, action="retired", from_status=VersionStatus.APPROVED, to_status=VersionStatus.RETIRED,
        actor=actor, comment=text,
    )  # fmt: skip
    _audit(db, actor, "kb_retired", version, ip)
    db.commit()
    return version


def confirm_review(
    *,
    db: Session,
    actor: User,
    article_id: int,
    number: int,
    comment: str = "",
    next_review: date | None = None,
    ip: str | None = None,
) -> ArticleVersion:
    """Record a periodic review that found the approved version still valid: its ``review_due`` moves
    to ``next_review`` (default today + ``kb_review_months``); the content is unchanged (a change needs a
    new version). Commits. Raises Conflict (not approved), PermissionDenied, ValidationError."""
    version = get_version(db=db, article_id=article_id, number=number)
    text = _clean_comment(comment)
    if version.status != VersionStatus.APPROVED:
        raise Conflict(N_("Only an approved version can be reviewed."), field="status")
    _require_reviewer(db, actor, version)
    today = local_today()
    due = next_review or add_months(today, get_settings().kb_review_months)
    if due <= today:
        raise ValidationError(N_("The review date must be in the future."), field="review_due")
    old = version.review_due
    version.review_due = due
    note = f"{old.isoformat() if old else '-'} → {due.isoformat()}" + (f": {text}" if text else "")
    _transition(
        db, version, action="review_confirmed", from_status=VersionStatus.APPROVED,
        to_status=VersionStatus.APPROVED, actor=actor, comment=note,
    )  # fmt: skip
    _audit(db, actor, "kb_review_confirmed", version, ip, review_due=due.isoformat())
    db.commit()
    return version


# ─────────────────────────── lists ───────────────────────────

ArticleState = Literal["published", "scheduled", "in_review", "draft", "retired", "expired", "none"]
ARTICLE_STATES: tuple[ArticleState, ...] = (
    "published", "scheduled", "in_review", "draft", "retired", "expired", "none",
)  # fmt: skip


@dataclass(frozen=True)
class ArticleRow:
    """One line of the KB list. ``state``: what the desk sees today (``published``; ``scheduled`` = only a
    future version approved; ``retired``/``expired``; ``none`` = never approved) — ``open_status`` is the
    open draft or review, if any."""

    article: Article
    latest: ArticleVersion
    current: ArticleVersion | None
    state: ArticleState
    open_status: VersionStatus | None


def _state(versions: Sequence[ArticleVersion], current: ArticleVersion | None, today: date) -> ArticleState:
    if current is not None:
        return "published"
    ever = [v for v in versions if v.status in EVER_APPROVED]
    started = [v for v in ever if v.effective_from is not None and v.effective_from <= today]
    if started:
        top = max(started, key=lambda v: v.number)
        return "retired" if top.status == VersionStatus.RETIRED else "expired"
    if any(v.status == VersionStatus.APPROVED for v in ever):
        return "scheduled"
    return "none"


def list_articles(
    *,
    db: Session,
    state: str | None = None,
    category_id: int | None = None,
    department_id: int | None = None,
    on: date | None = None,
) -> list[ArticleRow]:
    """Every article with its latest version, the version in effect and its state, by title. Filters:
    ``state`` (one of :data:`ARTICLE_STATES`, or ``draft``/``in_review`` for an open version), category
    and department of the latest version. Raises ValidationError for an unknown state."""
    if state and state not in ARTICLE_STATES:
        raise ValidationError(N_("Unknown status filter."), field="status")
    day = on or local_today()
    by_article: dict[int, list[ArticleVersion]] = {}
    for v in db.scalars(select(ArticleVersion).order_by(ArticleVersion.article_id, ArticleVersion.number)):
        by_article.setdefault(v.article_id, []).append(v)
    current = {v.article_id: v for v in db.scalars(_effective_select(day))}
    articles = {a.id: a for a in db.scalars(select(Article))}
    rows: list[ArticleRow] = []
    for article_id, versions in by_article.items():
        latest = versions[-1]
        open_status = next((v.status for v in reversed(versions) if v.status in OPEN_STATUSES), None)
        cur = current.get(article_id)
        row_state = _state(versions, cur, day)
        shown = cur or latest
        if category_id is not None and shown.category_id != category_id:
            continue
        if department_id is not None and shown.department_id != department_id:
            continue
        if state in ("draft", "in_review"):
            if open_status is None or open_status.value != state:
                continue
        elif state and row_state != state:
            continue
        rows.append(ArticleRow(articles[article_id], latest, cur, row_state, open_status))
    rows.sort(key=lambda r: ((r.current or r.latest).title, r.article.id))
    return rows


@dataclass(frozen=True)
class ReviewItem:
    version: ArticleVersion
    submitted_by: str
    may_approve: bool


def review_queue(*, db: Session, user: User) -> list[ReviewItem]:
    """Versions in review that ``user`` may review, oldest first; ``may_approve`` is false where the user
    is one of the authors (they may still return it)."""
    items: list[ReviewItem] = []
    for version in db.scalars(
        select(ArticleVersion)
        .where(ArticleVersion.status == VersionStatus.IN_REVIEW)
        .order_by(ArticleVersion.id)
    ):
        if not can_review(db=db, user=user, version=version):
            continue
        submitted = db.scalar(
            select(ArticleTransition.actor_name)
            .where(ArticleTransition.version_id == version.id, ArticleTransition.action == "submitted")
            .order_by(ArticleTransition.id.desc())
            .limit(1)
        )
        items.append(
            ReviewItem(
                version, submitted or "", user.id not in authors_since_approval(db=db, version=version)
            )
        )
    return items


def overdue_reviews(
    *, db: Session, on: date | None = None, department_id: int | None = None
) -> list[OverdueReview]:
    """Versions in effect on ``on`` (default today) whose ``review_due`` is before that day, most overdue
    first (ISO 9001 §7.5.3: documented information kept suitable). ``department_id`` narrows to one owner."""
    day = on or local_today()
    stmt = (
        _effective_select(day)
        .where(ArticleVersion.review_due < day)
        .order_by(ArticleVersion.review_due, ArticleVersion.article_id)
    )
    if department_id is not None:
        stmt = stmt.where(ArticleVersion.department_id == department_id)
    names = {d.id: d.name for d in db.scalars(select(Department))}
    out: list[OverdueReview] = []
    for v in db.scalars(stmt):
        assert v.review_due is not None
        out.append(
            OverdueReview(
                article_id=v.article_id,
                version=v.number,
                title=v.title,
                department_id=v.department_id,
                department_name=names.get(v.department_id) if v.department_id else None,
                review_due=v.review_due,
                days_overdue=(day - v.review_due).days,
            )
        )
    return out


# ─────────────────────────── flags ───────────────────────────


def flag_article(*, db: Session, user: User, article_id: int, reason: str, comment: str) -> ArticleFlag:
    """A report that the article in effect today is wrong, outdated or unclear; it goes to the owning
    department of that version (and to the quality managers). Commits. Raises NotFound (nothing in
    effect), ValidationError (``reason``, ``comment`` required)."""
    try:
        why = FlagReason(reason)
    except ValueError:
        raise ValidationError(N_("Choose a reason."), field="reason") from None
    text = _clean_comment(comment, required=True)
    version = effective_version(db=db, article_id=article_id)
    if version is None:
        raise NotFound(N_("The standard answer does not exist."), field="article_id")
    flag = ArticleFlag(
        article_id=article_id,
        version_id=version.id,
        department_id=version.department_id,
        reason=why,
        comment=text,
        status=FlagStatus.OPEN,
        raised_by_id=user.id,
        raised_at=utcnow(),
    )
    db.add(flag)
    db.commit()
    return flag


@dataclass(frozen=True)
class FlagRow:
    flag: ArticleFlag
    version_number: int
    title: str
    raised_by: str
    resolved_by: str | None
    may_resolve: bool


def _may_resolve(user: User, flag: ArticleFlag) -> bool:
    if user.role in REVIEWER_ROLES:
        return True
    return (
        user.role == Role.DEPARTMENT_OFFICER
        and user.department_id is not None
        and flag.department_id == user.department_id
    )


def list_flags(
    *, db: Session, user: User, status: str = "open", article_id: int | None = None
) -> list[FlagRow]:
    """Flags for ``user``: quality managers and administrators see all; department officers their
    department's; others the flags they raised. ``status``: ``open``, ``resolved`` or ``all``. Newest
    first."""
    if status not in ("open", "resolved", "all"):
        raise ValidationError(N_("Unknown status filter."), field="status")
    stmt = (
        select(ArticleFlag, ArticleVersion.number, ArticleVersion.title)
        .join(ArticleVersion, ArticleVersion.id == ArticleFlag.version_id)
        .order_by(ArticleFlag.id.desc())
    )
    if status != "all":
        stmt = stmt.where(ArticleFlag.status == FlagStatus(status))
    if article_id is not None:
        stmt = stmt.where(ArticleFlag.article_id == article_id)
    if user.role == Role.DEPARTMENT_OFFICER:
        stmt = stmt.where(ArticleFlag.department_id == user.department_id)
    elif user.role not in REVIEWER_ROLES:
        stmt = stmt.where(ArticleFlag.raised_by_id == user.id)
    names = {u.id: u.display_name for u in db.scalars(select(User))}
    return [
        FlagRow(
            flag=f,
            version_number=int(n),
            title=t,
            raised_by=names.get(f.raised_by_id or 0, ""),
            resolved_by=names.get(f.resolved_by_id) if f.resolved_by_id else None,
            may_resolve=_may_resolve(user, f),
        )
        for f, n, t in db.execute(stmt).all()
    ]


def resolve_flag(*, db: Session, user: User, flag_id: int, note: str, ip: str | None = None) -> ArticleFlag:
    """Close an open flag with a note saying what was done (e.g. "v3 approved"). Commits.
    Raises NotFound, Conflict (already resolved), PermissionDenied (not the owner), ValidationError."""
    flag = db.get(ArticleFlag, flag_id)
    if flag is None:
        raise NotFound(N_("This flag does not exist."), field="flag_id")
    if not _may_resolve(user, flag):
        raise PermissionDenied(N_("Only the owning department or a quality manager may resolve this flag."))
    if flag.status != FlagStatus.OPEN:
        raise Conflict(N_("This flag is already resolved."), field="status")
    flag.resolution_note = _clean_comment(note, required=True, field="note")
    flag.status = FlagStatus.RESOLVED
    flag.resolved_by_id = user.id
    flag.resolved_at = utcnow()
    record_audit(
        db=db,
        action="kb_flag_resolved",
        actor_name=user.username,
        actor_id=user.id,
        ip=ip,
        detail={"flag_id": flag.id, "article_id": flag.article_id},
    )
    db.commit()
    return flag


# ─────────────────────────── attachments ───────────────────────────


def attachment_path(sha256: str) -> Path:
    """Where the file with this digest lives under ``MINWON_KB_FILES_DIR``."""
    return get_settings().kb_files_dir / sha256[:2] / sha256


def _safe_filename(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[\x00-\x1f\x7f\"<>:|?*]", "", base).strip().strip(".")
    return base[:200]


def store_attachment(*, db: Session, uploader: User | None, filename: str, data: bytes) -> Attachment:
    """Check and store an uploaded file; the row is added (the caller commits). The same bytes are
    stored once on disk.

    Accepted: the extensions in :data:`ATTACHMENT_TYPES` whose leading bytes match (text files must be
    UTF-8), at most ``MINWON_KB_ATTACHMENT_MAX_BYTES`` (10 MiB), not empty.
    Raises ValidationError (field ``attachments``).
    """
    name = _safe_filename(filename)
    ext = Path(name).suffix.lower()
    if not name or ext not in ATTACHMENT_TYPES:
        raise ValidationError(
            N_("Attach PDF, HWP, HWPX, DOCX, XLSX, PNG, JPEG, TXT or CSV files only."), field="attachments"
        )
    limit = get_settings().kb_attachment_max_bytes
    if not data:
        raise ValidationError(N_("The attached file is empty."), field="attachments")
    if len(data) > limit:
        raise ValidationError(N_("The attached file is too large."), field="attachments")
    content_type, magic = ATTACHMENT_TYPES[ext]
    if magic is None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(
                N_("The file's content does not match its type."), field="attachments"
            ) from None
    elif not any(data.startswith(m) for m in magic):
        raise ValidationError(N_("The file's content does not match its type."), field="attachments")
    digest = hashlib.sha256(data).hexdigest()
    path = attachment_path(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{secrets.token_hex(4)}.part")
        tmp.write_bytes(data)
        tmp.replace(path)
    att = Attachment(
        sha256=digest,
        filename=name,
        content_type=content_type or (mimetypes.guess_type(name)[0] or "application/octet-stream"),
        size=len(data),
        uploaded_by_id=uploader.id if uploader else None,
        uploaded_at=utcnow(),
    )
    db.add(att)
    db.flush()
    return att


def get_attachment(*, db: Session, attachment_id: int) -> tuple[Attachment, Path]:
    """The attachment and its file. Raises NotFound (also when the file is missing on disk)."""
    att = db.get(Attachment, attachment_id)
    if att is None:
        raise NotFound(N_("This file does not exist."), field="attachment_id")
    path = attachment_path(att.sha256)
    if not path.is_file():
        raise NotFound(N_("This file does not exist."), field="attachment_id")
    return att, path


# ─────────────────────────── system import ───────────────────────────


@dataclass(frozen=True)
class UpsertResult:
    """``status``: ``created``, ``updated`` (content changed → a new approved version) or ``unchanged``.
    ``version`` is the article's newest version after the call."""

    article: Article
    version: ArticleVersion
    status: Literal["created", "updated", "unchanged"]


def upsert_article(
    *,
    db: Session,
    slug: str,
    title: str,
    body: str,
    keywords: str | Sequence[str] = "",
    category_id: int | None = None,
    department_id: int | None = None,
    is_published: bool = True,
    is_demo: bool = False,
) -> UpsertResult:
    """System import (demo content, migrations from another system): create the article ``slug`` or add
    a version when its content changed; commits. Idempotent: the same content again changes nothing.
    ``is_published=False`` retires the approved versions (the article leaves the desk). "Unchanged" is
    judged against the version in effect, so people's open drafts do not make a re-import add versions.

    The version is written by ``system`` and, when ``is_published``, approved by ``system`` at once,
    effective today — a trusted load path, not the four-eyes workflow (which applies to people).
    Raises ValidationError naming the field.
    """
    slug = _check_slug(slug)
    content = _content(
        db,
        title=title,
        body=body,
        keywords=keywords,
        category_id=category_id,
        department_id=department_id,
        effective_from=None,
        effective_to=None,
        change_note="",
    )
    article = db.scalar(select(Article).where(Article.slug == slug))
    status: Literal["created", "updated", "unchanged"]
    latest: ArticleVersion | None = None
    if article is None:
        article = Article(slug=slug, is_demo=is_demo, created_at=utcnow())
        db.add(article)
        db.flush()
        status = "created"
    else:
        latest = latest_version(db=db, article_id=article.id)
        current = effective_version(db=db, article_id=article.id)
        if is_published and current is not None and _same_content(current, content):
            return UpsertResult(article, current, "unchanged")
        if not is_published and current is None and _same_content(latest, content):
            return UpsertResult(article, latest, "unchanged")
        status = "updated"
    version = latest
    if latest is None or is_published or not _same_content(latest, content):
        number = 1 if latest is None else latest.number + 1
        note = "imported" if number == 1 else "re-imported"
        version = _add_version(
            db, article.id, number, Content(**{**content.__dict__, "change_note": note}), None, based_on=None
        )
    assert version is not None
    if is_published:
        _system_approve(db, version)
    else:
        for approved in db.scalars(
            select(ArticleVersion).where(
                ArticleVersion.article_id == article.id, ArticleVersion.status == VersionStatus.APPROVED
            )
        ):
            approved.status = VersionStatus.RETIRED
            approved.retired_at = utcnow()
            _transition(
                db, approved, action="retired", from_status=VersionStatus.APPROVED,
                to_status=VersionStatus.RETIRED, actor=None, comment="unpublished by import",
            )  # fmt: skip
    db.commit()
    return UpsertResult(article, version, status)


def _same_content(version: ArticleVersion, content: Content) -> bool:
    return (version.title, version.body, version.keywords, version.category_id, version.department_id) == (
        content.title, content.body, content.keywords, content.category_id, content.department_id,
    )  # fmt: skip


def _system_approve(db: Session, version: ArticleVersion) -> None:
    today = local_today()
    for older in db.scalars(
        select(ArticleVersion).where(
            ArticleVersion.article_id == version.article_id,
            ArticleVersion.id != version.id,
            ArticleVersion.status.in_(OPEN_STATUSES),
        )
    ):
        previous = older.status
        older.status = VersionStatus.WITHDRAWN
        _transition(
            db, older, action="withdrawn", from_status=previous, to_status=VersionStatus.WITHDRAWN, actor=None
        )
    version.status = VersionStatus.APPROVED
    version.effective_from = version.effective_from or today
    version.approved_at = utcnow()
    version.review_due = add_months(today, get_settings().kb_review_months)
    _transition(
        db, version, action="approved", from_status=VersionStatus.DRAFT, to_status=VersionStatus.APPROVED,
        actor=None, comment="system import",
    )  # fmt: skip


# ─────────────────────────── simple search (replaced by minwon.search) ───────────────────────────


def search_articles(
    *, db: Session, query: str, category_id: int | None = None, limit: int = 10
) -> list[ArticleHit]:
    """Versions in effect today matching ``query``, best first (at most ``limit``, 1–100).

    Each term (see :func:`search_terms`) found in the title adds 3, in the keywords 2, in the body 1
    (case-insensitive ``LIKE``, spaces in the text ignored). Ties are ordered by title, then id.
    An empty query gives ``[]``. Raises ValidationError (field ``query``)
    for a query over 500 characters, (field ``limit``) for a limit outside 1–100.
    """
    if len(query) > MAX_QUERY_CHARS:
        raise ValidationError(f"query must be at most {MAX_QUERY_CHARS} characters", field="query")
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationError(f"limit must be 1–{MAX_LIMIT}", field="limit")
    terms = search_terms(query)
    if not terms:
        return []
    v = ArticleVersion
    score = match_score(
        terms, [(v.title, WEIGHT_TITLE), (v.keywords, WEIGHT_KEYWORDS), (v.body, WEIGHT_BODY)]
    )
    stmt = (
        select(v, Category.name_ko, score.label("score"))
        .outerjoin(Category, Category.id == v.category_id)
        .where(*_effective_where(local_today()), score > 0)
        .order_by(score.desc(), v.title, v.article_id)
        .limit(limit)
    )
    if category_id is not None:
        stmt = stmt.where(v.category_id == category_id)
    return [
        ArticleHit(
            article_id=version.article_id,
            version=version.number,
            title=version.title,
            snippet=make_snippet(version.body, terms),
            category_name=category_name,
            score=int(row_score),
        )
        for version, category_name, row_score in db.execute(stmt).all()
    ]


_MARKDOWN = (
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # [text](url) → text
    (re.compile(r"^\s*\|?\s*:?-{3,}.*$", re.MULTILINE), ""),  # table separator rows
    (re.compile(r"\*\*|__|`"), ""),  # emphasis and code marks
    (re.compile(r"^\s*(?:>|[-*]\s|#+\s)", re.MULTILINE), ""),  # quote, bullet and heading marks
    (re.compile(r"\s*\|\s*"), " "),  # table cell borders
)


def _plain(markdown: str) -> str:
    """Article Markdown reduced to plain text for snippets."""
    for pattern, replacement in _MARKDOWN:
        markdown = pattern.sub(replacement, markdown)
    return markdown


def make_snippet(body: str, terms: Sequence[str], width: int = SNIPPET_CHARS) -> str:
    """About ``width`` characters of the article's plain text around the earliest match of any term
    (see :func:`minwon.core.textmatch.snippet_around`)."""
    return snippet_around(_plain(body), terms, width)


def local_day_of(instant: datetime | None) -> date | None:
    """The local calendar day of an instant (for display), or ``None``."""
    return to_local(instant).date() if instant else None


def days_until(day: date, today: date | None = None) -> int:
    """Days from ``today`` (default local today) to ``day`` (negative when past)."""
    return (day - (today or local_today())).days
