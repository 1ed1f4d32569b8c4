"""``minwon kb …``: the knowledge base from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table


def register(app: typer.Typer) -> None:
    """Attach the ``kb`` command group to the ``minwon`` command."""
    kb_app = typer.Typer(help="Knowledge base (standard answers).", no_args_is_help=True)
    app.add_typer(kb_app, name="kb")

    @kb_app.command("search")
    def kb_search(
        text: Annotated[str, typer.Argument(help='Search text, e.g. "자동차세 연납".')] = "",
        as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list, not a table.")] = False,
        limit: Annotated[int, typer.Option(min=1, max=100, help="At most this many results.")] = 10,
        queries: Annotated[
            Path | None,
            typer.Option(
                help='JSON Lines of {"query": …, "expected_ref": article id or slug}; prints '
                '{"n", "recall_at_1", "recall_at_5", "mrr_at_10"} instead of hits.'
            ),
        ] = None,
    ) -> None:
        """Search published standard answers (Korean morphemes + character n-grams, BM25F, synonyms).

        --json prints ``[{"article_id", "version", "title", "score", "snippet"}]``, best first; the
        snippet is escaped HTML with ``<mark>`` around matched terms.
        """
        from minwon.db.session import session_scope
        from minwon.search.service import evaluate_articles, read_query_file, search_articles

        with session_scope() as db:
            if queries is not None:
                metrics = evaluate_articles(db=db, queries=read_query_file(queries))
                typer.echo(json.dumps(metrics))
                return
            hits = search_articles(db=db, query=text, limit=limit)
        if as_json:
            rows = [
                {
                    "article_id": h.article_id,
                    "version": h.version,
                    "title": h.title,
                    "score": h.score,
                    "snippet": h.snippet,
                }
                for h in hits
            ]
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        table = Table(title=f"{len(hits)} result(s)")
        for column in ("id", "v", "score", "title", "snippet"):
            table.add_column(column)
        for h in hits:
            table.add_row(str(h.article_id), str(h.version), f"{h.score:.2f}", h.title, _plain(h.snippet))
        Console().print(table)

    @kb_app.command("overdue")
    def kb_overdue(
        as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list, not a table.")] = False,
        on: Annotated[str | None, typer.Option(help="As of this day, YYYY-MM-DD (default: today).")] = None,
    ) -> None:
        """Standard answers in effect whose periodic review date has passed, most overdue first."""
        from minwon.core.clock import parse_day
        from minwon.db.session import session_scope
        from minwon.knowledge.service import overdue_reviews

        day = parse_day(on, field="on") if on else None
        with session_scope() as db:
            items = overdue_reviews(db=db, on=day)
        if as_json:
            typer.echo(json.dumps([i.model_dump(mode="json") for i in items], ensure_ascii=False, indent=2))
            return
        table = Table(title=f"{len(items)} overdue review(s)")
        for column in ("id", "v", "title", "department", "review due", "days overdue"):
            table.add_column(column)
        for i in items:
            table.add_row(
                str(i.article_id), str(i.version), i.title, i.department_name or "", i.review_due.isoformat(),
                str(i.days_overdue),
            )  # fmt: skip
        Console().print(table)

    @kb_app.command("diff")
    def kb_diff(
        article_id: Annotated[int, typer.Argument(help="Article id.")],
        old: Annotated[int, typer.Argument(help="Older version number.")],
        new: Annotated[int, typer.Argument(help="Newer version number.")],
    ) -> None:
        """Unified diff of two versions' bodies (titles shown in the header lines)."""
        from minwon.db.session import session_scope
        from minwon.knowledge.diff import unified
        from minwon.knowledge.service import get_version

        with session_scope() as db:
            a = get_version(db=db, article_id=article_id, number=old)
            b = get_version(db=db, article_id=article_id, number=new)
            text = unified(
                a.body, b.body, old_label=f"v{a.number} {a.title}", new_label=f"v{b.number} {b.title}"
            )
        typer.echo(text)


def _plain(snippet_html: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"</?mark>", "", snippet_html))
