"""The report as one self-contained HTML file (charts inline as base64 PNG, styles inline), and the
same body as a fragment for the page ``/quality/report``."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from minwon.quality.report.document import Chart, Document, Heading, Table

TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def _kind(block: Any) -> str:
    if isinstance(block, Table):
        return "table"
    if isinstance(block, Chart):
        return "chart"
    if isinstance(block, Heading):
        return "heading"
    return "text"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_env.globals.update(kind_of=_kind, b64=_b64, is_number=_is_number)


def report_css() -> str:
    """The report's styles (scoped under ``.mr-report``)."""
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


def body_html(doc: Document) -> Markup:
    """The report's ``<article>`` (safe HTML) for embedding in a page."""
    return Markup(_env.get_template("report_body.html").render(doc=doc))  # noqa: S704 - rendered with autoescape


def render_html(doc: Document) -> bytes:
    """One complete UTF-8 HTML document with everything inline (no external requests)."""
    page = _env.get_template("report_standalone.html").render(
        doc=doc,
        body=body_html(doc),
        css=Markup(report_css()),  # noqa: S704 - our own stylesheet
    )
    return page.encode("utf-8")
