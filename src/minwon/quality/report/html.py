"""The report as one self-contained HTML file (charts inline as base64 PNG, styles inline, and the
bundled NanumGothic subsetted to the characters the report uses, so Korean is legible on a machine
without Korean fonts), and the same body as a fragment for the page ``/quality/report``."""

from __future__ import annotations

import base64
import io
import logging
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from minwon.quality.report.charts import font_path
from minwon.quality.report.document import Chart, Document, Heading, Link, Table

FONT_FAMILY = "MinwonReportGothic"
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def _kind(block: Any) -> str:
    if isinstance(block, Table):
        return "table"
    if isinstance(block, Chart):
        return "chart"
    if isinstance(block, Heading):
        return "heading"
    if isinstance(block, Link):
        return "link"
    return "text"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


_env.globals.update(kind_of=_kind, b64=_b64)


def report_css() -> str:
    """The report's styles (scoped under ``.mr-report``)."""
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


def body_html(doc: Document) -> Markup:
    """The report's ``<article>`` (safe HTML) for embedding in a page."""
    return Markup(_env.get_template("report_body.html").render(doc=doc))  # noqa: S704 - rendered with autoescape


def document_text(doc: Document) -> str:
    """Every character the document shows (for font subsetting)."""
    parts = [doc.title, doc.subtitle]
    for section in doc.sections:
        parts.append(section.title)
        for block in section.blocks:
            if isinstance(block, Table):
                parts.extend(block.columns)
                parts.extend(cell.text for row in block.rows for cell in row)
            elif isinstance(block, Chart):
                parts.append(block.title)
            elif isinstance(block, Heading | Link):
                parts.append(block.text)
            else:
                parts.append(block)
    return "".join(parts) + "0123456789.,:;%()-–—·≥<>'\" "


def font_faces(text: str) -> str:
    """``@font-face`` rules embedding NanumGothic regular and bold, subsetted to ``text``, as TTF data."""
    from fontTools import subset

    rules = []
    for bold in (False, True):
        options = subset.Options()
        options.hinting = False
        options.desubroutinize = True
        font = subset.load_font(str(font_path(bold)), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        buf = io.BytesIO()
        subset.save_font(font, buf, options)
        rules.append(
            f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {700 if bold else 400}; '
            f'src: url(data:font/ttf;base64,{_b64(buf.getvalue())}) format("truetype"); }}'
        )
    return "\n".join(rules)


def render_html(doc: Document) -> bytes:
    """One complete UTF-8 HTML document with everything inline (no external requests)."""
    page = _env.get_template("report_standalone.html").render(
        doc=doc,
        fonts=Markup(font_faces(document_text(doc))),  # noqa: S704 - generated CSS, no user text
        font_family=FONT_FAMILY,
        body=body_html(doc),
        css=Markup(report_css()),  # noqa: S704 - our own stylesheet
    )
    return page.encode("utf-8")
