"""August 1999: after replaying Anonymous Bank days, the report for 1999-08 shows the CSV's figures.

Replaying all 31 days takes about 10 minutes here, so (as ``tests/quality/test_kpi_against_csv.py``)
the first two days are replayed and the month 1999-08 then holds those two days; the expected figures
come from that module's independent CSV computation."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from minwon.core.i18n import gettext
from minwon.quality.kpi import format_value
from minwon.quality.report.collect import collect
from minwon.quality.report.document import build_document
from minwon.quality.report.html import render_html
from minwon.quality.report.xlsx import render_xlsx
from minwon.telephony.commands import in_process_sender, replay_day
from minwon.telephony.replay import DEFAULT_QUEUE_MAP, read_day
from tests.quality.test_kpi_against_csv import CSV, DAY, FIRST, from_csv

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CSV.is_file(), reason=f"real call data absent: {CSV}"),
]

FIGURES = ("offered", "answered", "abandoned", "service_level", "asa_s", "aht_s")


def test_report_for_august_1999_matches_the_csv(db: Session) -> None:
    send = in_process_sender(db=db, queue_map=DEFAULT_QUEUE_MAP)
    for day in (FIRST, DAY):
        totals = replay_day(read_day(CSV, day=date.fromisoformat(day)), send=send, speed=0)
        assert totals.rejected == 0, totals.rejections
    expected = from_csv(CSV, FIRST, DAY)

    data = collect(db=db, month="1999-08")
    for name in ("offered", "answered", "abandoned"):
        assert data.kpis[name] == expected[name], name
    for name in ("service_level", "asa_s", "aht_s", "abandonment_rate"):
        assert data.kpis[name] == pytest.approx(expected[name], rel=1e-9), name
    assert data.trend[-1] is data.kpis and all(t["offered"] == 0 for t in data.trend[:-1])

    doc = build_document(data, locale="ko")
    html = render_html(doc).decode("utf-8")
    for name in FIGURES:
        assert format_value(name, expected[name]) in html, name

    book = load_workbook(io.BytesIO(render_xlsx(doc)))
    sheet = book[book.sheetnames[1]]
    cells = {r[0].value: r[1].value for r in sheet.iter_rows() if r[0].value}
    labels = {
        "offered": "Offered",
        "answered": "Answered",
        "abandoned": "Abandoned",
        "service_level": "Service level",
        "asa_s": "Average speed of answer",
        "aht_s": "Average handle time",
    }
    for name, label in labels.items():
        assert cells[gettext("ko", label)] == pytest.approx(expected[name], rel=1e-9), name
