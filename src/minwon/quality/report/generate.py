"""Produce the monthly management review report (ISO 9001 §9.3) in one of :data:`FORMATS`.

:func:`monthly_report` is what ``minwon report monthly`` and the page ``/quality/report`` call:
month summaries (:func:`~minwon.quality.report.collect.month_summaries`) → :func:`collect` →
:func:`build_document` → the writer of the format. :func:`write_atomically` never leaves a
half-written file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from minwon.core.errors import ValidationError
from minwon.core.i18n import N_
from minwon.linkage.review import parse_month
from minwon.quality.report.collect import Progress, ReportData, collect, month_summaries
from minwon.quality.report.document import Document, build_document
from minwon.quality.report.html import render_html
from minwon.quality.report.pdf import render_pdf
from minwon.quality.report.xlsx import render_xlsx
from minwon.quality.service import month_bounds

WRITERS: dict[str, Callable[[Document], bytes]] = {
    "pdf": render_pdf,
    "html": render_html,
    "xlsx": render_xlsx,
}
FORMATS = tuple(WRITERS)
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def check_format(fmt: str) -> str:
    """``fmt`` lower-cased if it is one of :data:`FORMATS`, else ValidationError (field ``format``)."""
    value = fmt.strip().lower()
    if value not in WRITERS:
        raise ValidationError(N_("format must be pdf, html or xlsx"), field="format")
    return value


def report_data(*, db: Session, month: str, progress: Progress | None = None) -> ReportData:
    """:func:`collect` for ``month`` with the month summaries of the other quality domains."""
    first, last = month_bounds(f"{parse_month(month):%Y-%m}")
    summaries = month_summaries(db=db, first_day=first, last_day=last)
    return collect(
        db=db,
        month=month,
        surveys=summaries.surveys,
        evaluations=summaries.evaluations,
        capa=summaries.capa,
        progress=progress,
    )


def monthly_report(
    *, db: Session, month: str, fmt: str, locale: str = "ko", progress: Progress | None = None
) -> bytes:
    """The report of ``month`` (``YYYY-MM``) as ``fmt`` bytes. ``progress(step, done, total)`` is told
    after each collection step and each section. Raises ValidationError (bad month or format)."""
    fmt = check_format(fmt)
    data = report_data(db=db, month=month, progress=progress)
    doc = build_document(data, locale=locale, progress=progress)
    return WRITERS[fmt](doc)


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` through a temporary file in the same folder and a rename, so the
    file is either the whole report or untouched. Raises ValidationError (field ``out``) when the
    folder does not exist or is not writable."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValidationError(N_("the output folder does not exist"), field="out")
    if path.is_dir():
        raise ValidationError(N_("the output path is a folder"), field="out")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError:
        raise ValidationError(N_("the output folder is not writable"), field="out") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ValidationError(N_("the report could not be written to the output path"), field="out") from None
