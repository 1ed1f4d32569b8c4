"""``minwon plan week``: forecast → Erlang C → CP-SAT schedule for a week, stored like the page does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console

from minwon.core.clock import parse_day
from minwon.core.errors import ValidationError

plan_app = typer.Typer(
    help="Week plans: forecast, required agents and shifts (stored).", no_args_is_help=True
)


@plan_app.command("week")
def week(
    start: Annotated[str, typer.Option("--start", help="First day of the week, YYYY-MM-DD.")],
    source: Annotated[
        str, typer.Option("--source", help="bank-demo (the 2003 bank series) or center (the center's calls).")
    ] = "bank-demo",
    target_sl: Annotated[float, typer.Option("--target-sl", help="Service level target, 0–1.")] = 0.8,
    threshold: Annotated[int, typer.Option("--threshold", help="Service-level threshold (s).")] = 20,
    aht: Annotated[
        float | None, typer.Option("--aht", help="Average handle time (s); default: from the history.")
    ] = None,
    shrinkage: Annotated[float, typer.Option("--shrinkage", help="Shrinkage, 0–0.9.")] = 0.3,
    roster: Annotated[
        Path | None, typer.Option("--roster", help="Agents YAML (docs/scheduling.md); default: demo roster.")
    ] = None,
    weather_station: Annotated[
        int | None,
        typer.Option("--weather-station", help="KMA station id for weather flags (center source, e.g. 108)."),
    ] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Solver time limit (s), 1–300.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Build and store the week's plan; exit 3 when the hard rules cannot all hold (the plan is stored)."""
    from minwon.db.session import session_scope
    from minwon.workforce.models import PlanSource
    from minwon.workforce.schedule import check_time_limit, parse_roster
    from minwon.workforce.service import build_week_plan, check_week_start, parse_source

    week_start = check_week_start(parse_day(start, field="start"), field="start")
    plan_source = parse_source(source)
    check_time_limit(time_limit, field="time_limit")
    if weather_station is not None and plan_source is not PlanSource.CENTER:
        raise ValidationError("--weather-station is only used with --source center", field="weather_station")
    parsed_roster = None
    if roster is not None:
        if not roster.is_file():
            raise ValidationError(f"no roster file at {roster}", field="roster")
        try:
            text = roster.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValidationError(f"{roster}: cannot read ({exc.strerror})", field="roster") from None
        except UnicodeDecodeError:
            raise ValidationError(f"{roster}: not UTF-8 text", field="roster") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark is not None else ""
            raise ValidationError(f"{roster}{where}: not valid YAML", field="roster") from None
        parsed_roster = parse_roster(data, source=roster.name)
    err = Console(stderr=True)
    with session_scope() as db:
        with err.status(
            f"planning {week_start} ({plan_source.value}): forecast → Erlang C → schedule "
            f"(≤ {time_limit:g} s)…"
        ):
            plan = build_week_plan(
                db=db,
                week_start=week_start,
                source=plan_source,
                target_sl=target_sl,
                threshold_s=threshold,
                aht_s=aht,
                shrinkage=shrinkage,
                roster=parsed_roster,
                time_limit_s=time_limit,
                weather_station=weather_station,
            )
        summary: dict[str, Any] = {
            "id": plan.id,
            "week_start": plan.week_start.isoformat(),
            "source": plan.source.value,
            "status": plan.status.value,
            "message": plan.message,
            "aht_s": plan.aht_s,
            "aht_source": plan.aht_source,
            "shrinkage": plan.shrinkage,
            "target_sl": plan.target_sl,
            "threshold_s": plan.threshold_s,
            "under_agent_hours": plan.under_agent_hours,
            "over_agent_hours": plan.over_agent_hours,
            "shifts": len(plan.shifts),
            "intervals": len(plan.intervals),
            "required_agent_hours": sum(r.required for r in plan.intervals) * plan.interval_minutes / 60,
            "notes": plan.notes,
        }
        solved = plan.solved
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        out = Console()
        colour = "green" if solved else "red"
        out.print(
            f"plan [bold]{summary['id']}[/] · week {summary['week_start']} · {summary['source']} · "
            f"[{colour}]{summary['status']}[/]",
            highlight=False,
        )
        for note in summary["notes"]:
            out.print(f"[yellow]note:[/] {note}", highlight=False)
        out.print(
            f"AHT {summary['aht_s']:g} s ({summary['aht_source']}); required "
            f"{summary['required_agent_hours']:g} agent-hours; {summary['shifts']} shifts",
            highlight=False,
        )
        if solved:
            out.print(
                f"under-staffing {summary['under_agent_hours']:g} agent-hours, "
                f"over-staffing {summary['over_agent_hours']:g}",
                highlight=False,
            )
        elif summary["message"]:
            for line in str(summary["message"]).splitlines():
                out.print(f"  - {line}", highlight=False)
        out.print(f"page: /workforce/plans/{summary['id']}", highlight=False)
    if not solved:
        raise typer.Exit(3)


def register(app: typer.Typer) -> None:
    """Attach ``minwon plan ...`` to the main command."""
    app.add_typer(plan_app, name="plan")
