"""``minwon capa …``: the nonconformity register and the KPI-breach suggestions from the command line."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table


def register(app: typer.Typer) -> None:
    """Attach the ``capa`` command group to the ``minwon`` command."""
    capa_app = typer.Typer(
        help="Nonconformities and corrective actions (ISO 9001 §10.2).", no_args_is_help=True
    )
    app.add_typer(capa_app, name="capa")

    @capa_app.command("list")
    def capa_list(
        status: Annotated[
            str | None,
            typer.Option(
                help="open, action_planned, implemented, verified, closed or not_closed (default: all)."
            ),
        ] = None,
        overdue: Annotated[bool, typer.Option("--overdue", help="Only entries past their due date.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list, not a table.")] = False,
    ) -> None:
        """Register entries, newest first.

        --json prints ``[{"reference", "title", "source", "source_ref", "status", "owner", "due_date",
        "overdue", "opened_at"}]`` (dates ISO, ``opened_at`` in UTC). Titles are shown with resident
        registration and telephone numbers masked (:func:`minwon.core.redact.mask_personal_numbers`).
        """
        from minwon.capa import service as capa
        from minwon.core.clock import local_today
        from minwon.core.redact import mask_personal_numbers
        from minwon.db.session import session_scope

        today = local_today()
        with session_scope() as db:
            rows = capa.list_nonconformities(db=db, status=status, overdue=overdue, today=today)
            names = capa.user_names(db, (nc.owner_id for nc in rows))
            out: list[dict[str, Any]] = [
                {
                    "reference": nc.reference,
                    "title": mask_personal_numbers(nc.title),
                    "source": nc.source,
                    "source_ref": nc.source_ref,
                    "status": nc.status,
                    "owner": names.get(nc.owner_id) if nc.owner_id else None,
                    "due_date": nc.due_date.isoformat() if nc.due_date else None,
                    "overdue": capa.is_overdue(nc, today),
                    "opened_at": nc.opened_at.isoformat(),
                }
                for nc in rows
            ]
        if as_json:
            typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
            return
        table = Table(title=f"{len(out)} entr{'y' if len(out) == 1 else 'ies'}")
        # the reference (NC-2026-0001) and the status are never wrapped or cut; the title takes what is left
        table.add_column("reference", no_wrap=True, min_width=12)
        for column in ("status", "source", "owner", "due"):
            table.add_column(column, no_wrap=column == "status")
        table.add_column("title", ratio=1)
        for r in out:
            due = (r["due_date"] or "") + (" OVERDUE" if r["overdue"] else "")
            table.add_row(r["reference"], r["status"], r["source"], r["owner"] or "", due, r["title"])
        Console().print(table)

    @capa_app.command("suggest")
    def capa_suggest(
        as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list, not text.")] = False,
    ) -> None:
        """KPI-breach suggestions: indicators red (or not green, MINWON_CAPA_BREACH_INCLUDE_AMBER=1) for
        MINWON_CAPA_BREACH_PERIODS consecutive complete months (or weeks) not yet registered or dismissed.

        --json prints ``[{"kpi", "granularity", "first", "last", "periods", "statuses", "source_ref",
        "title"}]``; ``title`` is the Korean text the register page shows.
        """
        from minwon.capa import service as capa
        from minwon.db.session import session_scope

        with session_scope() as db:
            found = capa.breach_suggestions(db=db)
        out = [{**s.as_dict(), "title": capa.suggestion_text("ko", s)} for s in found]
        if as_json:
            typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
            return
        if not out:
            typer.echo("no suggestions")
        for r in out:
            typer.echo(f"{r['source_ref']}\t{r['title']}")
