"""``minwon audit verify`` on a real database file: intact, then the first tampered record named (exit 1);
``minwon audit purge`` refuses records younger than two years; the review page for supervisors only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from minwon.config import get_settings
from minwon.core.audit import record_access
from minwon.db.session import get_engine, make_engine
from tests.factories import make_user
from tests.web.test_desk import sign_in


@pytest.fixture()
def cli_db(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("MINWON_DATABASE_URL", fresh_database_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield fresh_database_url
    get_engine.cache_clear()
    monkeypatch.undo()
    get_settings.cache_clear()


def test_audit_verify_names_the_first_broken_record(cli_db: str) -> None:
    from minwon.cli import app

    engine = make_engine(cli_db)
    with Session(engine) as db:
        uid = make_user(db).id
        ids = [
            record_access(
                db=db, account_id=uid, subject_ref="s", action="view", purpose=f"call:{i}", ip=None
            ).id
            for i in range(3)
        ]
        db.commit()
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--json"])
    assert ok.exit_code == 0 and '"ok": true' in ok.output and '"rows": 3' in ok.output
    with engine.begin() as conn:
        conn.execute(text("UPDATE access_records SET account_id = account_id WHERE id = :id"), {"id": ids[1]})
        conn.execute(text("UPDATE access_records SET subject_ref = 'other' WHERE id = :id"), {"id": ids[1]})
    engine.dispose()
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "BROKEN at record #2" in broken.output and f"(id {ids[1]})" in broken.output
    refused = runner.invoke(app, ["audit", "purge", "--before", "2030-01-01"])
    assert refused.exit_code != 0


def test_review_page_for_supervisors_only(client: TestClient, db: Session) -> None:
    make_user(db, "sup", role="supervisor")
    make_user(db, "counselor1")
    sign_in(client, "counselor1")
    assert client.get("/audit/review?month=2026-10").status_code == 403
    client.cookies.clear()
    sign_in(client, "sup")
    page = client.get("/audit/review?month=2026-10")
    assert page.status_code == 200 and 'data-ok="true"' in page.text and "2026-10" in page.text
    assert client.get("/audit/review?month=2026-13").status_code == 422
