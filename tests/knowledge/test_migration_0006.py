"""Migration 0006 on a database that already holds articles: each becomes version 1 of itself (same id,
so past contacts keep their reference), approved when it was published; downgrading restores the
old columns."""

from __future__ import annotations

from datetime import date

from alembic import command
from sqlalchemy import text

from minwon.db.migrate import alembic_config
from minwon.db.session import make_engine


def test_existing_articles_become_version_one(fresh_database_url: str) -> None:
    cfg = alembic_config(fresh_database_url)
    command.downgrade(cfg, "0002")
    engine = make_engine(fresh_database_url)
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO articles (slug, title, body, keywords, version, is_published, is_demo,"
                " updated_at) "
                "VALUES ('a', '자동차세', '본문', '연납', 3, :t, :t, '2026-01-05 16:00:00+00:00'), "
                "('b', '초안', '본문2', '', 1, :f, :f, '2026-01-05 10:00:00+00:00')"
            ),
            {"t": True, "f": False},
        )
        c.execute(
            text(
                "INSERT INTO users (username, display_name, password_hash, role, locale, is_active,"
                " failed_logins, created_at, is_department_head)"
                " VALUES ('u', 'u', 'x', 'COUNSELOR', 'ko', :t, 0,"
                " '2026-01-01 00:00:00+00:00', :f)"
            ),
            {"t": True, "f": False},
        )
        c.execute(
            text(
                "INSERT INTO categories (code, name_ko, name_en, sort_order, is_active)"
                " VALUES ('c', 'c', 'c', 1, :t)"
            ),
            {"t": True},
        )
        c.execute(
            text(
                "INSERT INTO contacts (channel, agent_id, category_id, inquiry, answer, outcome, article_id,"
                " wrapup_started_at, created_at, acw_s)"
                " SELECT 'CALL', u.id, k.id, 'q', 'a', 'RESOLVED', a.id,"
                " '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', 0"
                " FROM users u, categories k, articles a WHERE a.slug = 'a'"
            )
        )
    engine.dispose()
    command.upgrade(cfg, "head")
    engine = make_engine(fresh_database_url)
    with engine.connect() as c:
        ids = dict(c.execute(text("SELECT slug, id FROM articles")).all())
        rows = c.execute(
            text(
                "SELECT a.slug, v.number, v.title, v.status, v.effective_from, v.review_due, v.created_by_id"
                " FROM article_versions v JOIN articles a ON a.id = v.article_id ORDER BY a.slug"
            )
        ).all()
        contact_article = c.execute(text("SELECT article_id FROM contacts")).scalar_one()
        actions = c.execute(text("SELECT action FROM article_transitions ORDER BY id")).scalars().all()
    # 2026-01-05 16:00 UTC is 2026-01-06 01:00 in Seoul: effective from the 6th, reviewed a year later
    as_dates = [(s, n, t, st, _d(f), _d(r), by) for s, n, t, st, f, r, by in rows]
    assert as_dates == [
        ("a", 1, "자동차세", "APPROVED", date(2026, 1, 6), date(2027, 1, 6), None),
        ("b", 1, "초안", "DRAFT", None, None, None),
    ]
    assert contact_article == ids["a"]
    assert actions == ["created", "approved", "created"]
    engine.dispose()

    command.downgrade(cfg, "0002")
    engine = make_engine(fresh_database_url)
    with engine.connect() as c:
        back = c.execute(text("SELECT slug, title, version, is_published FROM articles ORDER BY slug")).all()
    assert [(s, t, v, bool(p)) for s, t, v, p in back] == [
        ("a", "자동차세", 1, True),
        ("b", "초안", 1, False),
    ]
    engine.dispose()
    command.upgrade(cfg, "head")


def _d(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
