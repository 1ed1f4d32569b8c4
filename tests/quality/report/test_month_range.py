"""Months whose next month (or last day + 1) is not a date are refused with the usual error, not a crash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minwon.core.errors import ValidationError
from minwon.db.session import make_engine, session_scope
from minwon.linkage.review import parse_month
from minwon.quality.service import month_bounds
from tests.factories import make_user, sign_in

COMMANDS = [
    ["report", "monthly", "--out", "r.pdf"],
    ["kpi"],
    ["survey", "stats"],
    ["qa", "summary"],
    ["qa", "sample"],
]


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "2026-13", ""])
def test_parsers_refuse_months_out_of_range(month: str) -> None:
    for parse in (parse_month, month_bounds):
        with pytest.raises(ValidationError) as err:
            parse(month)
        assert err.value.field == "month"
    first, last = month_bounds("2999-12")  # the last month accepted: 2999-12-01 … 2999-12-31
    assert (first.isoformat(), last.isoformat()) == ("2999-12-01", "2999-12-31")


def test_commands_exit_2_naming_the_month(fresh_database_url: str, tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url)
    with session_scope(engine) as db:
        make_user(db, "qm", "quality_manager")
    engine.dispose()
    env = {**os.environ, "MINWON_DATABASE_URL": fresh_database_url, "MINWON_ENVIRONMENT": "test"}
    for args in COMMANDS:
        out = subprocess.run(
            [sys.executable, "-m", "minwon.cli", *args, "--month", "9999-12"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert out.returncode == 2, (args, out.stderr)
        assert "Traceback" not in out.stderr and "error (month)" in out.stdout + out.stderr, args
    assert not (tmp_path / "r.pdf").exists()


def test_error_pages_say_it_in_korean(client: TestClient, db: Session) -> None:
    make_user(db, "qm", "quality_manager")
    token = sign_in(client, "qm")
    html = {"Accept": "text/html"}
    bad = client.get("/quality/report/download?month=2026-13&format=pdf", headers=html)
    assert bad.status_code == 422 and "월은 YYYY-MM 형식으로 입력하세요" in bad.text
    far = client.get("/quality/report/download?month=9999-12&format=pdf", headers=html)
    assert far.status_code == 422 and "1900-01부터 2999-12 사이" in far.text
    blank = client.post("/quality/evaluations/sample", data={"csrf_token": token, "month": ""}, headers=html)
    assert blank.status_code == 422 and "월은 YYYY-MM 형식으로 입력하세요" in blank.text
    assert "month must be" not in bad.text + far.text + blank.text
