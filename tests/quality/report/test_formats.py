"""The report in PDF (checked by rendering it to images), HTML and XLSX, with hand-made summaries."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from minwon.cli import app
from minwon.core.errors import ValidationError
from minwon.core.i18n import gettext
from minwon.quality.report.collect import collect
from minwon.quality.report.document import SECTIONS, TITLE, build_document
from minwon.quality.report.html import render_html
from minwon.quality.report.pdf import render_pdf
from minwon.quality.report.xlsx import render_xlsx, sheet_title
from tests.quality.report.samples import (
    CAPA,
    EMPTY_CAPA,
    EMPTY_EVALUATIONS,
    EMPTY_SURVEYS,
    EVALUATIONS,
    SURVEYS,
    seed_calls,
)

HEADINGS_KO = [gettext("ko", title) for _key, title in SECTIONS]


def _full(db: Session) -> bytes:
    seed_calls(db)
    data = collect(db=db, month="2026-11", surveys=SURVEYS, evaluations=EVALUATIONS, capa=CAPA)
    return render_pdf(build_document(data, locale="ko"))


def _dark_pixels(image: object, box: tuple[int, int, int, int]) -> int:
    crop = image.convert("L").crop(box)  # type: ignore[attr-defined]
    return int(sum(crop.histogram()[:128]))


def test_pdf_renders_to_pages_with_korean_text_and_charts(db: Session) -> None:
    content = _full(db)
    assert content.startswith(b"%PDF-")
    assert b"NanumGothic" in content  # the bundled font is embedded
    pdf = pdfium.PdfDocument(content)
    assert 5 <= len(pdf) <= 14
    text = ""
    for index in range(len(pdf)):
        page = pdf[index]
        width, height = page.get_size()
        assert round(width) == 595 and round(height) == 842  # A4 in points
        image = page.render(scale=1).to_pil()
        # not blank: a share of the page is ink
        ink = _dark_pixels(image, (0, 0, image.width, image.height))
        assert ink > 2000, f"page {index + 1} looks blank ({ink} dark pixels)"
        text += page.get_textpage().get_text_range() + "\n"
    flat = re.sub(r"\s+", " ", text)
    title = gettext("ko", TITLE)
    assert title == "경영검토 보고서" and title in flat
    for heading in HEADINGS_KO:
        assert heading in flat, heading
    for figure in ("NC-2026-007", "김상담", "상담사의 친절도", "33.3%", "25.0", "210.0"):
        assert figure in flat, figure

    # The Korean title is really drawn: dark pixels inside its text box on page 1, none just below
    # the page's top margin left of it.
    page = pdf[0]
    textpage = page.get_textpage()
    searcher = textpage.search(title)
    found = searcher.get_next()
    assert found is not None
    first_char, count = found
    boxes = [textpage.get_charbox(i) for i in range(first_char, first_char + count)]
    left = min(b[0] for b in boxes)
    right = max(b[2] for b in boxes)
    bottom = min(b[1] for b in boxes)
    top = max(b[3] for b in boxes)
    scale = 2
    image = page.render(scale=scale).to_pil()
    h = image.height
    box = (int(left * scale), int(h - top * scale), int(right * scale) + 1, int(h - bottom * scale) + 1)
    assert _dark_pixels(image, box) > 200
    assert _dark_pixels(image, (0, 0, int(left * scale) - 2, box[1])) == 0


def test_html_is_one_file_with_every_section(db: Session) -> None:
    seed_calls(db)
    data = collect(db=db, month="2026-11", surveys=SURVEYS, evaluations=EVALUATIONS, capa=CAPA)
    html = render_html(build_document(data, locale="ko")).decode("utf-8")
    assert html.startswith("<!doctype html>") and 'lang="ko"' in html
    for heading in HEADINGS_KO:
        assert heading in html, heading
    # charts inline, nothing fetched from elsewhere
    assert html.count('src="data:image/png;base64,') >= 6
    assert "http://" not in html and "https://" not in html
    # the Korean font comes along (subsetted), so the file is legible without Korean system fonts
    assert html.count("@font-face") == 2 and "data:font/ttf;base64," in html
    assert len(html) < 2_000_000
    assert "80.0%" in html  # CSAT 0.8
    assert "이상담" in html and "NC-2026-008" in html


def test_xlsx_has_a_sheet_per_section_with_numbers(db: Session) -> None:
    seed_calls(db)
    data = collect(db=db, month="2026-11", surveys=SURVEYS, evaluations=EVALUATIONS, capa=CAPA)
    book = load_workbook(io.BytesIO(render_xlsx(build_document(data, locale="ko"))))
    assert book.sheetnames == [sheet_title(i, t) for i, t in enumerate(HEADINGS_KO, start=1)]
    kpis = book[book.sheetnames[1]]
    rows = {r[0].value: r for r in kpis.iter_rows() if r[0].value}
    offered = rows[gettext("ko", "Offered")]
    assert offered[1].value == 3 and offered[1].number_format == "#,##0"
    sl = rows[gettext("ko", "Service level")]
    assert sl[1].value == pytest.approx(1 / 3) and sl[1].number_format == "0.0%"
    assert sl[1].fill.fgColor.rgb.endswith("FFCDD2")  # red
    aht = rows[gettext("ko", "Average handle time")]
    assert aht[1].value == 210.0
    trend = book[book.sheetnames[2]]
    months = [
        r[0].value
        for r in trend.iter_rows()
        if isinstance(r[0].value, str) and re.match(r"^\d{4}-\d{2}$", r[0].value)
    ]
    assert months[0] == "2025-12" and months[-1] == "2026-11" and len(months) == 12
    surveys = {r[0].value: r[1].value for r in book[book.sheetnames[3]].iter_rows() if r[0].value}
    assert surveys[gettext("ko", "Invitations sent")] == 40
    assert surveys[gettext("ko", "Response rate")] == 0.25


def test_summary_sections_say_not_available_none_or_show_values(db: Session) -> None:
    seed_calls(db)
    missing = build_document(collect(db=db, month="2026-11"), locale="ko")
    empty = build_document(
        collect(
            db=db, month="2026-11", surveys=EMPTY_SURVEYS, evaluations=EMPTY_EVALUATIONS, capa=EMPTY_CAPA
        ),
        locale="ko",
    )
    full = build_document(
        collect(db=db, month="2026-11", surveys=SURVEYS, evaluations=EVALUATIONS, capa=CAPA), locale="en"
    )

    def text(doc: object, key: str) -> str:
        section = next(s for s in doc.sections if s.key == key)  # type: ignore[attr-defined]
        parts = []
        for block in section.blocks:
            if isinstance(block, str):
                parts.append(block)
            elif hasattr(block, "rows"):
                parts.extend(c.text for row in block.rows for c in row)
            elif hasattr(block, "text"):
                parts.append(block.text)
        return " | ".join(parts)

    for key in ("surveys", "evaluations", "capa"):
        assert text(missing, key).startswith("데이터 없음:"), key
    assert "만족도 조사 발송, 응답, 서비스 불만이 없었습니다" in text(empty, "surveys")
    assert "완료된 상담 평가가 없습니다" in text(empty, "evaluations")
    assert "부적합이 없습니다" in text(empty, "capa")

    surveys = text(full, "surveys")
    assert "25.0%" in surveys and "80.0%" in surveys and "4.15" in surveys and "상담사의 친절도" in surveys
    evaluations = text(full, "evaluations")
    assert (
        "82.5" in evaluations and "83.3%" in evaluations and "김상담" in evaluations and "12.5" in evaluations
    )
    capa = text(full, "capa")
    assert "NC-2026-007" in capa and "KPI breach" in capa and "2026-11-20" in capa and "overdue" in capa
    inputs = text(full, "inputs")
    assert "Corrective actions: 4 open at the end of the month, 1 overdue" in inputs
    assert "Service level is off target (33.3%, target ≥ 80.0%; the 11 months before: 50.0%)" in inputs


def test_cli_writes_the_file_and_refuses_bad_input(tmp_path: Path, engine: object) -> None:
    """``minwon report monthly`` on the (empty, migrated: ``engine``) test database."""
    runner = CliRunner()
    out = tmp_path / "report.pdf"
    result = runner.invoke(
        app, ["report", "monthly", "--month", "2026-11", "--format", "pdf", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-") and len(pdfium.PdfDocument(out.read_bytes())) >= 3
    assert str(out) in result.stdout
    assert "report 2026-11: done" in result.stderr and "26/26" in result.stderr  # the progress display
    xlsx = tmp_path / "report.xlsx"
    result = runner.invoke(
        app, ["report", "monthly", "--month", "2026-11", "--format", "xlsx", "--out", str(xlsx), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert load_workbook(xlsx).sheetnames[0] == sheet_title(1, HEADINGS_KO[0])

    for args, field in (
        (["--month", "2026-13", "--format", "pdf", "--out", str(tmp_path / "a.pdf")], "month"),
        (["--month", "2026-11", "--format", "docx", "--out", str(tmp_path / "b.docx")], "format"),
        (["--month", "2026-11", "--format", "html", "--out", str(tmp_path / "missing" / "c.html")], "out"),
        (["--month", "2026-11", "--format", "html", "--out", str(tmp_path)], "out"),
    ):
        result = runner.invoke(app, ["report", "monthly", *args])
        assert isinstance(result.exception, ValidationError), (args, result.output)
        assert result.exception.field == field
    # nothing half-written: only the two good reports are there
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf", "report.xlsx"]


def test_an_existing_file_is_replaced_whole(tmp_path: Path) -> None:
    from minwon.quality.report.generate import write_atomically

    target = tmp_path / "r.html"
    target.write_text("old")
    write_atomically(target, b"new report")
    assert target.read_bytes() == b"new report"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
    readonly = tmp_path / "ro"
    readonly.mkdir()
    readonly.chmod(0o500)
    try:
        import os

        if os.geteuid() != 0:  # root writes anywhere
            with pytest.raises(ValidationError):
                write_atomically(readonly / "x.pdf", b"x")
            assert list(readonly.iterdir()) == []
    finally:
        readonly.chmod(0o700)
