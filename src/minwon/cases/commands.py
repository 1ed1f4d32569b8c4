"""``minwon deadline``: the statutory processing deadline of a petition (Act §19)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from minwon.cases.deadlines import DeadlineError, Period, PeriodUnit, PetitionType, compute_deadline
from minwon.core.clock import local_zone


def register(app: typer.Typer) -> None:
    app.command("deadline")(deadline)
    cases_app = typer.Typer(help="Cases (민원 건): similar past cases.", no_args_is_help=True)
    app.add_typer(cases_app, name="cases")
    cases_app.command("similar")(similar)


def deadline(
    type_: Annotated[
        str,
        typer.Option(
            "--type", help="other | inquiry_procedure | inquiry_law | proposal | grievance | statutory"
        ),
    ],
    received: Annotated[
        str, typer.Option(help="Receipt time, ISO 8601 (no offset = the center's time zone).")
    ],
    days: Annotated[int | None, typer.Option(help="Statutory period in days (statutory type only).")] = None,
    weeks: Annotated[int | None, typer.Option(help="Statutory period in weeks.")] = None,
    months: Annotated[int | None, typer.Option(help="Statutory period in months.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the processing deadline of a petition received at RECEIVED.

    Prints ``{"due": ISO 8601 with offset, "basis": "..."}`` with --json. Exit code 2 and a message
    naming the option for bad input.
    """
    from minwon.cli import fail

    given = [
        (n, u)
        for n, u in ((days, PeriodUnit.DAYS), (weeks, PeriodUnit.WEEKS), (months, PeriodUnit.MONTHS))
        if n is not None
    ]
    if len(given) > 1:
        fail("give at most one of --days, --weeks, --months")
    try:
        at = datetime.fromisoformat(received)
    except ValueError:
        fail(f"--received: {received!r} is not an ISO 8601 date-time (e.g. 2025-10-02T15:00:00+09:00)")
        return
    if at.tzinfo is None:
        at = at.replace(tzinfo=local_zone())
    if not 1970 <= at.year <= 2100:
        fail(f"--received: year {at.year} is outside 1970–2100")
    try:
        period = Period(given[0][0], given[0][1]) if given else None
        result = compute_deadline(type_, at, period=period)
    except DeadlineError as exc:
        option = {
            "petition_type": "--type",
            "period": "--days/--weeks/--months",
            "amount": "--days/--weeks/--months",
        }
        fail(f"{option.get(exc.field, exc.field)}: {exc.message}")
        return
    payload = {
        "due": result.due.isoformat(),
        "basis": result.basis,
        "type": PetitionType(type_).value,
        "period": str(result.period),
        "received": at.isoformat(),
    }
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False))
    else:
        typer.echo(f"due {payload['due']}  ({payload['basis']})")


def similar(
    text: Annotated[str, typer.Argument(help='Inquiry text, e.g. "차가 견인됐어요".')] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list, not a table.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=100, help="At most this many cases.")] = 5,
    queries: Annotated[
        Path | None,
        typer.Option(
            help='JSON Lines of {"query": …, "expected_ref": external_ref, number or id}; prints '
            '{"n", "recall_at_1", "recall_at_5", "mrr_at_10"} instead of cases.'
        ),
    ] = None,
) -> None:
    """Closed past cases similar to TEXT (imported Q&A and the center's own), best first.

    --json prints ``[{"case_id", "external_ref", "department", "score", "snippet"}]``; the snippet is
    escaped HTML from the question with ``<mark>`` around matched terms.
    """
    from minwon.db.session import session_scope
    from minwon.search.service import evaluate_cases, read_query_file, similar_cases

    with session_scope() as db:
        if queries is not None:
            typer.echo(json.dumps(evaluate_cases(db=db, queries=read_query_file(queries))))
            return
        hits = similar_cases(db=db, query=text, limit=limit)
    if as_json:
        rows = [
            {
                "case_id": h.case_id,
                "external_ref": h.external_ref,
                "department": h.department,
                "score": h.score,
                "snippet": h.snippet,
            }
            for h in hits
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for h in hits:
        typer.echo(f"{h.score:8.2f}  {h.external_ref or h.case_id}  {h.department or '-'}  {h.title}")
