"""``minwon route`` (suggest a department) and ``minwon routing …`` (train, evaluate, map)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Attach ``route`` and the ``routing`` group to the ``minwon`` command."""
    app.command("route")(route)
    group = typer.Typer(help="Inquiry routing model.", no_args_is_help=True)
    group.command("train")(train)
    group.command("map")(map_label)
    app.add_typer(group, name="routing")


def _read_queries(path: Path) -> list[tuple[str, str]]:
    from minwon.cli import fail

    pairs: list[tuple[str, str]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"--queries: cannot read {path}: {exc}")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            fail(f"--queries line {number}: not JSON ({exc.msg})")
        if not isinstance(row, dict) or not isinstance(row.get("query"), str):
            fail(f'--queries line {number}: needs {{"query": …, "expected_department": …}}')
        expected = row.get("expected_department")
        if not isinstance(expected, str) or not expected.strip():
            fail(f"--queries line {number}: expected_department is missing")
        pairs.append((row["query"], expected.strip()))
    if not pairs:
        fail("--queries: the file has no queries")
    return pairs


def route(
    text: Annotated[
        str | None, typer.Argument(help='Inquiry text, e.g. "불법주차 차량 견인해 주세요".')
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    queries: Annotated[
        Path | None,
        typer.Option(help='JSON Lines of {"query", "expected_department"}: print accuracy@1/@3 instead.'),
    ] = None,
) -> None:
    """Suggest the responsible department and category for an inquiry, with a confidence.

    Prints ``{"department", "category", "confidence", "not_sure", "transfer_to", "alternatives"}``;
    with --queries ``{"n", "accuracy_at_1", "accuracy_at_3"}``.
    """
    from minwon.cli import fail
    from minwon.db.session import session_scope
    from minwon.routing.service import evaluate_queries, suggest

    if (text is None) == (queries is None):
        fail("give either an inquiry TEXT or --queries FILE")
    with session_scope() as db:
        if queries is not None:
            typer.echo(json.dumps(evaluate_queries(db=db, queries=_read_queries(queries))))
            return
        result = suggest(db=db, text=text or "")
    if as_json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False))
        return
    if result.not_sure:
        typer.echo(f"not sure (best {result.confidence:.0%}); candidates:")
    else:
        typer.echo(f"{result.department} ({result.confidence:.0%}) → category {result.category or '-'}")
    for alt in result.alternatives:
        where = f" → {alt.target.department}" if alt.target else ""
        typer.echo(f"  {alt.confidence:6.1%}  {alt.department}{where}")


def train(
    until: Annotated[str | None, typer.Option(help="Learn only from cases received up to this day.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the evaluation as JSON.")] = False,
) -> None:
    """Train the routing model from past cases, evaluate it on the newest 20 % and activate it."""
    from minwon.core.clock import parse_day
    from minwon.db.session import session_scope
    from minwon.routing.service import train_model

    day = parse_day(until, field="--until") if until else None
    with session_scope() as db:
        record = train_model(db=db, until=day)
        metrics, n_train, n_labels = record.metrics, record.n_train, record.n_labels
    if as_json:
        typer.echo(json.dumps({"n_train": n_train, "n_labels": n_labels, **metrics}, ensure_ascii=False))
        return
    typer.echo(f"trained on {n_train} cases, {n_labels} departments")
    if metrics:
        typer.echo(
            f"held out {metrics['n_test']} newer cases: accuracy@1 {metrics['accuracy_at_1']:.3f}, "
            f"@3 {metrics['accuracy_at_3']:.3f} (majority baseline {metrics['majority_accuracy_at_1']:.3f}, "
            f"{metrics['majority_accuracy_at_3']:.3f})"
        )


def map_label(
    label: Annotated[str, typer.Argument(help="A department name learned from past cases.")],
    department: Annotated[str, typer.Argument(help="The active department that handles it today.")],
) -> None:
    """Map a learned department name to today's department (used for transfer suggestions)."""
    from minwon.db.session import session_scope
    from minwon.org.service import find_department
    from minwon.routing.service import set_mapping

    with session_scope() as db:
        dept = find_department(db=db, name=department)
        set_mapping(db=db, label=label, department_id=dept.id)
    typer.echo(f"{label} → {department}")
