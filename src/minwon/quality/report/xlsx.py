"""The report as an XLSX workbook (openpyxl): one sheet per section, numbers stored as numbers with
Excel number formats (``0.0%`` for ratios, ``0.0`` for seconds, ``#,##0`` for counts), traffic lights
as cell fills. Charts are left to the PDF and HTML; every figure behind them is in the sheets."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from minwon.quality.report.document import Chart, Document, Heading, Link, Table

FILLS = {
    "green": PatternFill("solid", fgColor="C8E6C9"),
    "amber": PatternFill("solid", fgColor="FFECB3"),
    "red": PatternFill("solid", fgColor="FFCDD2"),
}
HEADER_FILL = PatternFill("solid", fgColor="E1E8F0")
_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_title(number: int, title: str) -> str:
    """``"N. title"`` made a valid, ≤ 31-character sheet name."""
    return _BAD.sub(" ", f"{number}. {title}")[:31].strip()


def render_xlsx(doc: Document) -> bytes:
    """The workbook bytes of ``doc``."""
    book = Workbook()
    book.remove(book.active)
    for number, section in enumerate(doc.sections, start=1):
        sheet = book.create_sheet(sheet_title(number, section.title))
        sheet.append([f"{doc.title} {doc.month}"])
        sheet.append([section.title])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet["A2"].font = Font(bold=True, size=12)
        sheet.append([])
        widths: dict[int, int] = {}
        for block in section.blocks:
            if isinstance(block, Table):
                sheet.append(block.columns)
                for i, cell in enumerate(sheet[sheet.max_row], start=1):
                    cell.font = Font(bold=True)
                    cell.fill = HEADER_FILL
                    widths[i] = max(widths.get(i, 8), min(len(str(cell.value or "")) * 2, 40))
                for cells in block.rows:
                    sheet.append([c.value if c.value is not None else c.text for c in cells])
                    for i, (out, cell) in enumerate(zip(sheet[sheet.max_row], cells, strict=False), start=1):
                        if cell.number_format and cell.value is not None:
                            out.number_format = cell.number_format
                        if cell.status in FILLS:
                            out.fill = FILLS[cell.status]
                        widths[i] = max(widths.get(i, 8), min(len(cell.text) * 2, 60))
                sheet.append([])
            elif isinstance(block, Chart | Link):
                continue
            elif isinstance(block, Heading):
                sheet.append([block.text])
                sheet.cell(sheet.max_row, 1).font = Font(bold=True)
            else:
                sheet.append([block])
                sheet.cell(sheet.max_row, 1).alignment = Alignment(wrap_text=False)
        for i, width in widths.items():
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = width
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
