"""The report as an A4 PDF, laid out with fpdf2 (``fpdf2`` is pinned).

Why fpdf2 rather than matplotlib's PdfPages: tables of text flow over pages with repeated headings,
text is real text (searchable, extractable, with a ToUnicode map) in the embedded, subsetted
NanumGothic TTF — the same bundled font as the charts — and the PDF gets bookmarks per section.
Charts are embedded as 150 dpi PNGs drawn by :mod:`minwon.quality.report.charts`.
"""

from __future__ import annotations

import io
import logging
import struct

from fpdf import FPDF
from fpdf.fonts import FontFace

from minwon.core.clock import to_local
from minwon.quality.report.charts import font_path
from minwon.quality.report.document import Chart, Document, Heading, Link, Table

FONT = "NanumGothic"
# fontTools reports every TrueType table it cannot subset (hinting tables of NanumGothic); harmless.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
WIDTH_MM = 180.0
FILLS = {"green": (200, 230, 201), "amber": (255, 236, 179), "red": (255, 205, 210)}
HEADER_FILL = (225, 232, 240)


class _Pdf(FPDF):
    doc_title = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"{self.doc_title}    {self.page_no()} / {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels from the PNG's IHDR chunk."""
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def _table(pdf: FPDF, table: Table) -> None:
    """``table`` with repeated headings; columns holding only numbers (or "—") are right-aligned."""
    pdf.set_font(FONT, size=8.5)
    widths = table.widths or [1.0] * len(table.columns)
    numeric_columns = table.numeric_columns()
    pdf.set_fill_color(255, 255, 255)
    with pdf.table(
        cell_fill_mode="NONE",
        width=WIDTH_MM,
        col_widths=tuple(widths),
        line_height=5,
        text_align="LEFT",
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADER_FILL),
        borders_layout="HORIZONTAL_LINES",
        padding=1,
    ) as out:
        head = out.row()
        for i, name in enumerate(table.columns):
            head.cell(name, align="RIGHT" if i in numeric_columns else "LEFT")
        for cells in table.rows:
            row = out.row()
            for i, cell in enumerate(cells):
                style = FontFace(fill_color=FILLS[cell.status]) if cell.status in FILLS else None
                row.cell(cell.text, style=style, align="RIGHT" if i in numeric_columns else "LEFT")
    pdf.ln(3)


def _chart(pdf: FPDF, chart: Chart) -> None:
    w_px, h_px = _png_size(chart.png)
    height = WIDTH_MM * h_px / w_px
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    pdf.image(io.BytesIO(chart.png), x=pdf.l_margin, w=WIDTH_MM, h=height, alt_text=chart.title)
    pdf.ln(3)


def render_pdf(doc: Document) -> bytes:
    """The PDF bytes of ``doc`` (A4 portrait, several pages, fonts embedded)."""
    generated_at = doc.generated_at
    pdf = _Pdf(orientation="P", unit="mm", format="A4")
    pdf.doc_title = f"{doc.title} {doc.month}"
    pdf.add_font(FONT, style="", fname=str(font_path()))
    pdf.add_font(FONT, style="B", fname=str(font_path(bold=True)))
    pdf.set_title(pdf.doc_title)
    pdf.set_lang(doc.locale)
    pdf.set_creator("minwon")
    if generated_at is not None:
        pdf.set_creation_date(generated_at)
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_font(FONT, style="B", size=20)
    pdf.cell(0, 12, doc.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=13)
    pdf.cell(0, 8, doc.subtitle, new_x="LMARGIN", new_y="NEXT")
    if generated_at is not None:
        pdf.set_font(FONT, size=9)
        pdf.cell(0, 6, f"{to_local(generated_at):%Y-%m-%d %H:%M}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for number, section in enumerate(doc.sections, start=1):
        if number > 1 and pdf.get_y() > pdf.page_break_trigger - 40:
            pdf.add_page()
        pdf.start_section(f"{number}. {section.title}")
        pdf.set_font(FONT, style="B", size=14)
        pdf.set_fill_color(*HEADER_FILL)
        pdf.cell(0, 9, f"{number}. {section.title}", new_x="LMARGIN", new_y="NEXT", fill=True)
        pdf.ln(2)
        for block in section.blocks:
            if isinstance(block, Table):
                _table(pdf, block)
            elif isinstance(block, Chart):
                _chart(pdf, block)
            elif isinstance(block, Link):
                continue
            elif isinstance(block, Heading):
                if pdf.get_y() > pdf.page_break_trigger - 25:
                    pdf.add_page()
                pdf.set_font(FONT, style="B", size=11)
                pdf.multi_cell(0, 6, block.text, align="L", new_x="LMARGIN", new_y="NEXT")
                pdf.ln(1)
            else:
                pdf.set_font(FONT, size=9.5)
                pdf.multi_cell(0, 5, block, align="L", new_x="LMARGIN", new_y="NEXT")
                pdf.ln(1.5)
        pdf.ln(4)
    return bytes(pdf.output())
