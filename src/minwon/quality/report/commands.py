"""``minwon report monthly``: the management review report of a month as PDF, HTML or XLSX."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from minwon.core.errors import ValidationError
from minwon.core.i18n import N_

report_app = typer.Typer(
    help="Management review report (경영검토 보고서, ISO 9001 §9.3).", no_args_is_help=True
)


@report_app.command("monthly")
def report_monthly(
    month: Annotated[str, typer.Option("--month", help="Month YYYY-MM.")],
    out: Annotated[Path, typer.Option("--out", help="File to write (replaced whole, never half-written).")],
    fmt: Annotated[str, typer.Option("--format", help="pdf, html or xlsx.")] = "pdf",
    locale: Annotated[str, typer.Option("--locale", help="ko (default) or en.")] = "ko",
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress display.")] = False,
) -> None:
    """Write the monthly management review report: KPIs against targets, 12-month trends, surveys,
    evaluations, corrective actions, knowledge-base and access-log reviews, §9.3.2 inputs.

    Progress goes to stderr; the path written goes to stdout.
    """
    from minwon.db.session import session_scope
    from minwon.linkage.review import parse_month
    from minwon.quality.report.collect import COLLECT_STEPS
    from minwon.quality.report.document import SECTIONS
    from minwon.quality.report.generate import check_format, monthly_report, write_atomically

    fmt = check_format(fmt)
    month = f"{parse_month(month):%Y-%m}"
    if locale not in ("ko", "en"):
        raise ValidationError(N_("locale must be ko or en"), field="locale")
    target = out.expanduser()
    if not target.parent.is_dir():
        raise ValidationError(N_("the output folder does not exist"), field="out")
    total = COLLECT_STEPS + len(SECTIONS) + 1
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=False,
    ) as bar:
        task = bar.add_task(f"report {month}", total=total)

        def progress(step: str, _done: int, _total: int) -> None:
            bar.update(task, advance=1, description=f"report {month}: {step}")

        with session_scope() as db:
            content = monthly_report(db=db, month=month, fmt=fmt, locale=locale, progress=progress)
        bar.update(task, description=f"report {month}: writing {fmt}")
        write_atomically(target, content)
        bar.update(task, advance=1, description=f"report {month}: done")
    typer.echo(str(target))


def register(app: typer.Typer) -> None:
    """Attach ``minwon report`` to the ``minwon`` command."""
    app.add_typer(report_app, name="report")
