"""``minwon forecast`` option errors (--csv, --until with --bank-demo) and an 80-column table."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from minwon.cli import app
from minwon.config import get_settings
from minwon.core.errors import ValidationError
from minwon.workforce.history import BANK_SERIES

BANK = get_settings().data_dir / BANK_SERIES
needs_data = pytest.mark.skipif(not BANK.is_file(), reason="shared data folder not present")


@pytest.mark.parametrize(
    ("target", "words"),
    [("/nonexistent/dir/x.csv", "does not exist"), (None, "is a folder")],
)
def test_csv_to_a_missing_folder_or_a_folder_is_refused(
    tmp_path: Path, target: str | None, words: str
) -> None:
    # checked before the data is read or the model fitted
    result = CliRunner().invoke(app, ["forecast", "--bank-demo", "--csv", target or str(tmp_path)])
    assert isinstance(result.exception, ValidationError), result.output
    assert result.exception.field == "csv"
    assert "--csv" in result.exception.message and words in result.exception.message


def test_csv_error_exits_2_without_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from minwon.cli import main; main()", "forecast", "--bank-demo", "--csv",
         str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    assert "--csv" in done.stdout + done.stderr


def _bank_days() -> list[date]:
    with BANK.open(newline="") as fh:
        return sorted({date.fromisoformat(r["DateTime"][:10]) for r in csv.DictReader(fh)})


@needs_data
def test_bank_demo_honours_until() -> None:
    days = _bank_days()
    until = date(2003, 5, 1)  # a Thursday inside the series
    assert days[0] < until < days[-1]
    result = CliRunner().invoke(
        app, ["forecast", "--bank-demo", "--until", until.isoformat(), "--days", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    # the next open days (weekdays with calls in the series) after the Thursday: Friday, then Monday
    following = [d for d in days if d > until][:2]
    assert [d["day"] for d in out["daily"]] == [d.isoformat() for d in following]
    assert following[0] == until + timedelta(days=1)


@needs_data
@pytest.mark.parametrize("until", ["2004-05-01", "1999-01-01"])
def test_bank_demo_until_outside_the_series_is_refused(until: str) -> None:
    result = CliRunner().invoke(app, ["forecast", "--bank-demo", "--until", until])
    assert isinstance(result.exception, ValidationError), result.output
    assert result.exception.field == "until" and "--until" in result.exception.message


def test_bank_demo_refuses_weather() -> None:
    result = CliRunner().invoke(app, ["forecast", "--bank-demo", "--weather-station", "108"])
    assert isinstance(result.exception, ValidationError)
    assert result.exception.field == "weather_station"


@needs_data
def test_titles_stay_on_one_line_in_80_columns() -> None:
    result = CliRunner().invoke(
        app, ["forecast", "--bank-demo", "--days", "1", "--interval", "60"], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    first_day = [d for d in _bank_days() if d.weekday() < 5][-1]
    lines = result.output.splitlines()
    title = [line for line in lines if " calls" in line and "·" in line and "forecast" not in line]
    assert len(title) == 1 and title[0].strip().endswith("calls")
    assert first_day.isoformat() < title[0].strip()[:10]
    assert all(len(line) <= 80 for line in lines)
