"""Monthly access-log review: volume against the median, after-hours access on the working calendar,
linkage lookups whose call never became a contact record."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from minwon.core import audit
from minwon.core.audit import record_access
from minwon.linkage.review import is_after_hours, monthly_review
from tests.factories import make_user


def _at(db: Session, monkeypatch: pytest.MonkeyPatch, when: datetime, account: int, **kw: str) -> None:
    monkeypatch.setattr(audit, "utcnow", lambda: when)
    record_access(db=db, account_id=account, subject_ref="s", action="view", ip="10.0.0.9", **kw)  # type: ignore[arg-type]


def test_after_hours_uses_the_working_calendar() -> None:
    # 2026-10-06 Tuesday 10:00 KST = 01:00 UTC; 19:30 KST = 10:30 UTC
    assert not is_after_hours(datetime(2026, 10, 6, 1, 0, tzinfo=UTC))
    assert is_after_hours(datetime(2026, 10, 6, 10, 30, tzinfo=UTC))
    # 개천절 falls on Saturday 2026-10-03, so Monday 2026-10-05 is its substitute holiday
    assert is_after_hours(datetime(2026, 10, 5, 1, 0, tzinfo=UTC))
    assert is_after_hours(datetime(2026, 10, 9, 1, 0, tzinfo=UTC))  # 한글날 (Friday), a public holiday


def test_monthly_review(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    heavy = make_user(db, "heavy")
    light1 = make_user(db, "light1")
    light2 = make_user(db, "light2")
    workday = datetime(2026, 10, 6, 2, 0, tzinfo=UTC)  # Tuesday 11:00 KST
    for _ in range(30):
        _at(db, monkeypatch, workday, heavy.id, purpose="call:1", resource="")
    for user in (light1, light2):
        for _ in range(3):
            _at(db, monkeypatch, workday, user.id, purpose="call:1", resource="")
    _at(
        db, monkeypatch, datetime(2026, 10, 6, 13, 0, tzinfo=UTC), light1.id, purpose="call:2", resource=""
    )  # 22:00
    _at(db, monkeypatch, workday, light2.id, purpose="linkage:999", resource="linkage:local_tax.bills")
    _at(
        db, monkeypatch, datetime(2026, 11, 2, 2, 0, tzinfo=UTC), heavy.id, purpose="call:1", resource=""
    )  # November
    db.commit()
    report = monthly_review(db=db, month=date(2026, 10, 1))
    assert report.records == 30 + 3 + 3 + 1 + 1
    counts = {a.username: a.count for a in report.accounts}
    assert counts == {"heavy": 30, "light1": 4, "light2": 4}
    assert report.median == 4.0
    assert [a.username for a in report.high_volume] == ["heavy"]  # 30 > 3 × 4
    assert [(a.username, a.count, a.detail) for a in report.after_hours] == [
        ("light1", 1, ["2026-10-06 22:00"])
    ]
    assert [(a.username, a.detail) for a in report.without_contact] == [("light2", ["linkage:999"])]


def test_review_command_prints_json(db: Session) -> None:
    from minwon.cli import app

    result = CliRunner().invoke(app, ["audit", "review", "--month", "2026-13"])
    assert result.exit_code != 0
