"""``minwon forecast --bank-demo``: output shape and sums, checked against the CSV read separately."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from minwon.cli import app
from minwon.config import get_settings
from minwon.core.errors import ValidationError
from minwon.workforce.history import BANK_SERIES

BANK = get_settings().data_dir / BANK_SERIES
needs_data = pytest.mark.skipif(not BANK.is_file(), reason="shared data folder not present")


@needs_data
def test_bank_demo_json_and_csv(tmp_path: Path) -> None:
    out_csv = tmp_path / "f.csv"
    result = CliRunner().invoke(
        app, ["forecast", "--bank-demo", "--days", "6", "--interval", "30", "--json", "--csv", str(out_csv)]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    # the series ends on Friday 2003-10-24 and has weekdays only: the next 6 open days skip the weekend
    assert [d["day"] for d in out["daily"]] == [
        "2003-10-27", "2003-10-28", "2003-10-29", "2003-10-30", "2003-10-31", "2003-11-03",
    ]  # fmt: skip
    # 07:00–21:05 in 30-minute slots: 07:00 … 20:30 and the lone 21:00–21:05 slot → 29 per day
    per_day: dict[str, float] = defaultdict(float)
    for row in out["intervals"]:
        per_day[row["day"]] += row["calls"]
    assert len(out["intervals"]) == 6 * 29
    assert out["intervals"][0]["start"] == "07:00" and out["intervals"][28]["start"] == "21:00"
    for d in out["daily"]:
        assert per_day[d["day"]] == pytest.approx(d["calls"], abs=0.2)
    assert out["regressors"] == ["tue", "wed", "thu", "fri"]
    # Mondays are the busiest days of the series (mean by weekday from the CSV)
    with BANK.open(newline="") as fh:
        totals: dict[date, int] = defaultdict(int)
        for row in csv.DictReader(fh):
            totals[date.fromisoformat(row["DateTime"][:10])] += int(row["Calls"])
    mondays = [v for d, v in totals.items() if d.weekday() == 0]
    assert out["daily"][0]["calls"] == pytest.approx(sum(mondays) / len(mondays), rel=0.15)
    assert out["coefficients"]["tue"] < 0
    with out_csv.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 6 * 29 and rows[0]["day"] == "2003-10-27" and rows[0]["start"] == "07:00"


def test_forecast_needs_exactly_one_source() -> None:
    result = CliRunner().invoke(app, ["forecast", "--days", "3"])
    assert isinstance(result.exception, ValidationError) and result.exception.field == "queue"
    result = CliRunner().invoke(app, ["forecast", "--bank-demo", "--interval", "20"])
    assert isinstance(result.exception, ValidationError) and result.exception.field == "interval"
