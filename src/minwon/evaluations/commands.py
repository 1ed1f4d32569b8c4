"""``minwon qa``: monthly evaluation sampling and the month summary."""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated

import typer
from sqlalchemy import select

from minwon.core.errors import ValidationError

qa_app = typer.Typer(help="Contact evaluations (QA): sampling and month summary.", no_args_is_help=True)


@qa_app.command("sample")
def sample(
    month: Annotated[str, typer.Option("--month", help="Month YYYY-MM (local days).")],
    per_agent: Annotated[
        int | None, typer.Option("--per-agent", help="Contacts per counselor (default MINWON_QA_PER_AGENT).")
    ] = None,
    seed: Annotated[
        str | None, typer.Option("--seed", help="Seed of the draw (default: random, printed).")
    ] = None,
    evaluator: Annotated[
        list[str] | None,
        typer.Option("--evaluator", help="Evaluator username (repeatable; default: quality managers)."),
    ] = None,
    actor: Annotated[str | None, typer.Option("--as", help="Username recorded as the sampler.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Draw the month's stratified random sample per counselor and assign it to evaluators."""
    from minwon.accounts.models import Role, User
    from minwon.db.session import session_scope
    from minwon.evaluations.service import sample_month

    with session_scope() as db:
        users = {u.username: u for u in db.scalars(select(User))}
        ids: list[int] = []
        for name in evaluator or []:
            if name not in users:
                raise ValidationError(f"unknown evaluator {name!r}", field="evaluator")
            ids.append(users[name].id)
        if actor:
            if actor not in users:
                raise ValidationError(f"unknown user {actor!r}", field="as")
            who: User | None = users[actor]
        else:
            who = next(
                (u for u in users.values() if u.role == Role.ADMINISTRATOR and u.is_active),
                None,
            ) or next((u for u in users.values() if u.role == Role.QUALITY_MANAGER), None)
            if who is None:
                raise ValidationError(
                    "no administrator or quality manager to record as the sampler", field="as"
                )
        assert who is not None
        report = sample_month(
            db=db, month=month, actor=who, per_agent=per_agent, seed=seed, evaluator_ids=ids or None
        )
        out = report.as_dict()
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    typer.echo(f"month {out['month']} seed {out['seed']}: {out['sampled']} contacts sampled")
    for a in out["agents"]:
        typer.echo(
            f"  {a['agent']}: {a['sampled']} of {a['contacts']} "
            f"(already {a['already_sampled']}) {a['strata']}"
        )


@qa_app.command("summary")
def summary(
    month: Annotated[str, typer.Option("--month", help="Month YYYY-MM.")],
) -> None:
    """The month's evaluation summary (as the management review reads it), as JSON."""
    from minwon.db.session import session_scope
    from minwon.evaluations.service import evaluation_summary
    from minwon.quality.service import month_bounds

    first, last = month_bounds(month)
    with session_scope() as db:
        result = evaluation_summary(db=db, first_day=first, last_day=last)
    typer.echo(json.dumps(dataclasses.asdict(result), ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.add_typer(qa_app, name="qa")
