"""``minwon search …``: rebuild the search index, manage the synonym dictionary."""

from __future__ import annotations

import json
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Attach the ``search`` command group to the ``minwon`` command."""
    search_app = typer.Typer(help="Korean search: index and synonyms.", no_args_is_help=True)
    app.add_typer(search_app, name="search")

    @search_app.command("reindex")
    def reindex_command(
        as_json: Annotated[bool, typer.Option("--json", help="Print {kind: documents, seconds}.")] = False,
    ) -> None:
        """Analyse every published article and closed case and build the index, with a progress bar.

        Server processes keep their own index and refresh it by themselves within seconds of a change;
        this command checks that the content indexes cleanly and reports how long a full build takes.
        """
        import time

        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from minwon.db.session import session_scope
        from minwon.search.service import reindex

        started = time.perf_counter()
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with session_scope() as db, Progress(*columns, disable=as_json) as progress:
            counts = reindex(db=db, progress=progress)
        seconds = round(time.perf_counter() - started, 2)
        if as_json:
            typer.echo(json.dumps({**counts, "seconds": seconds}))
        else:
            typer.echo(f"indexed {counts['articles']} articles and {counts['cases']} cases in {seconds} s")

    @search_app.command("synonyms")
    def synonyms_command(
        seed: Annotated[
            bool, typer.Option("--seed", help="Add the built-in entries that are missing.")
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    ) -> None:
        """List the synonym dictionary (term → expansions); --seed adds the built-in Korean entries."""
        from minwon.db.session import session_scope
        from minwon.search.service import list_synonyms, seed_synonyms

        with session_scope() as db:
            if seed:
                typer.echo(f"added {seed_synonyms(db=db)} entries", err=True)
            rows = [
                {"term": s.term, "expansions": s.expansions, "active": s.is_active}
                for s in list_synonyms(db=db)
            ]
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False))
            return
        for r in rows:
            typer.echo(f"{r['term']} → {r['expansions']}{'' if r['active'] else ' (off)'}")
