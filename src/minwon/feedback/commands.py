"""``minwon survey``: run the invitation scan once, print a month's survey figures."""

from __future__ import annotations

import json
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    survey_app = typer.Typer(help="Satisfaction surveys (만족도 조사).", no_args_is_help=True)
    survey_app.command("invite")(invite)
    survey_app.command("stats")(stats)
    app.add_typer(survey_app, name="survey")


def invite() -> None:
    """Queue survey SMS for eligible contacts and cases now (what the scheduler job does) and print
    the counts: invited, skipped_recent (re-survey window), skipped_sample, skipped_no_mobile."""
    from minwon.db.session import session_scope
    from minwon.feedback.rules import survey_settings
    from minwon.feedback.service import invite_due

    if not survey_settings().enabled:
        typer.echo("surveys are disabled (MINWON_SURVEY_ENABLED=false)")
    with session_scope() as db:
        report = invite_due(db=db)
    typer.echo(" ".join(f"{k}={v}" for k, v in report.as_dict().items()))


def stats(
    month: Annotated[str, typer.Option("--month", help="Month YYYY-MM.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Invitations, responses, response rate, CSAT (top-2 box, 0–1), mean rating, per question and per
    queue/counselor, follow-ups and complaints of the month (by the day of the contact/case surveyed)."""
    from minwon.db.session import session_scope
    from minwon.feedback.service import survey_stats
    from minwon.quality.service import month_bounds

    first, last = month_bounds(month)
    with session_scope() as db:
        out = {"month": f"{first:%Y-%m}", **survey_stats(db=db, first_day=first, last_day=last)}
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return

    def pct(v: float | None) -> str:
        return "—" if v is None else f"{v * 100:.1f}%"

    rate = pct(out["response_rate"])
    typer.echo(f"{out['month']}: invited {out['invited']}, responded {out['responded']} ({rate})")
    mean_overall = "—" if out["mean_rating"] is None else f"{out['mean_rating']:.2f}"
    typer.echo(f"CSAT {pct(out['csat'])}, mean overall {mean_overall}")
    for q in out["questions"]:
        mean = "—" if q["mean"] is None else f"{q['mean']:.2f}"
        typer.echo(f"  {q['label']}: {mean} (n={q['n']})")
    typer.echo(
        f"follow-ups {out['low_score_followups_opened']} (open {out['low_score_followups_open']}), "
        f"complaints {out['complaints_recorded']} (open {out['complaints_open']})"
    )
