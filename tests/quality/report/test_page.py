"""The page /quality/report: roles, body fragment, downloads, bad input."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from minwon.core.i18n import gettext
from minwon.quality.report.document import SECTIONS
from minwon.web.report_pages import previous_month
from tests.factories import make_user, sign_in
from tests.quality.report.samples import seed_calls

HTML = {"Accept": "text/html"}


def test_previous_month() -> None:
    from datetime import date

    assert previous_month(date(2026, 1, 15)) == "2025-12"
    assert previous_month(date(2026, 11, 30)) == "2026-10"


def test_quality_manager_sees_the_report_and_downloads_it(client: TestClient, db: Session) -> None:
    seed_calls(db)
    make_user(db, "qm1", role="quality_manager")
    db.commit()
    sign_in(client, "qm1")
    page = client.get("/quality/report?month=2026-11", headers=HTML)
    assert page.status_code == 200
    assert 'href="/quality/report"' in page.text  # nav link
    for fmt in ("pdf", "html", "xlsx"):
        assert f'href="/quality/report/download?month=2026-11&amp;format={fmt}"' in page.text
    assert 'hx-get="/quality/report/body?month=2026-11"' in page.text
    assert "보고서를 준비하고 있습니다" in page.text

    body = client.get("/quality/report/body?month=2026-11", headers=HTML)
    assert body.status_code == 200
    for _key, title in SECTIONS:
        assert gettext("ko", title) in body.text
    assert "33.3%" in body.text and 'src="data:image/png;base64,' in body.text
    # each indicator off target links to a prefilled CAPA entry (the CAPA register's form contract)
    assert (
        "/quality/capa/new?source=kpi&amp;source_ref=kpi%3Aservice_level%3A2026-11&amp;title=2026-11+"
        in body.text
    )
    assert "시정조치 등록 — 서비스 레벨" in body.text

    pdf = client.get("/quality/report/download?month=2026-11&format=pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert 'filename="management-review-2026-11.pdf"' in pdf.headers["content-disposition"]
    assert len(pdfium.PdfDocument(pdf.content)) >= 3
    xlsx = client.get("/quality/report/download?month=2026-11&format=xlsx")
    assert xlsx.status_code == 200 and len(load_workbook(io.BytesIO(xlsx.content)).sheetnames) == len(
        SECTIONS
    )
    html = client.get("/quality/report/download?month=2026-11&format=html")
    assert html.status_code == 200 and html.text.startswith("<!doctype html>")

    bad = client.get("/quality/report?month=2026-13", headers=HTML)
    assert bad.status_code == 422 and "YYYY-MM" in bad.text and "download?" not in bad.text
    bad_format = client.get("/quality/report/download?month=2026-11&format=docx", headers=HTML)
    assert bad_format.status_code == 422


def test_supervisor_may_and_counselor_may_not(client: TestClient, db: Session) -> None:
    make_user(db, "sv1", role="supervisor")
    make_user(db, "c1", role="counselor")
    db.commit()
    sign_in(client, "c1")
    assert client.get("/quality/report", headers=HTML).status_code == 403
    assert client.get("/quality/report/download?month=2026-11&format=pdf").status_code == 403
    assert 'href="/quality/report"' not in client.get("/desk", headers=HTML).text
    client.cookies.clear()
    sign_in(client, "sv1")
    page = client.get("/quality/report", headers=HTML)
    assert page.status_code == 200 and previous_month() in page.text
