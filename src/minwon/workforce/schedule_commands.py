"""``minwon schedule build``: a week's shift schedule from a requirements CSV and an agents YAML.

Exit codes: 0 schedule written; 2 bad input (the message names the file, line or field); 3 the hard rules
cannot all hold (the message names the rules and intervals). Formats: ``docs/scheduling.md``.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.table import Table

from minwon.core.errors import ValidationError
from minwon.core.i18n import LOCALES
from minwon.workforce.schedule import (
    MAX_WEIGHT,
    MAX_WORKERS,
    Problem,
    ScheduleInfeasible,
    SolverOptions,
    Weights,
    check_time_limit,
    parse_requirements_csv,
    parse_roster,
    solve,
    write_csv,
    write_xlsx,
)

#: Years a week may start in (as for ``plan week`` and the page).
MIN_YEAR, MAX_YEAR = 1970, 2100

schedule_app = typer.Typer(help="Shift schedules from required agents per interval.", no_args_is_help=True)


def _read_text(path: Path, *, field: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read ({exc.strerror})", field=field) from None
    except UnicodeDecodeError:
        raise ValidationError(f"{path}: not UTF-8 text", field=field) from None


@schedule_app.command("build")
def build(
    requirements: Annotated[
        Path, typer.Option("--requirements", help="CSV day,start,required[,minimum] (30-min intervals).")
    ],
    agents: Annotated[Path, typer.Option("--agents", help="YAML with patterns, agents and rules.")],
    week_start: Annotated[
        str | None, typer.Option("--week-start", help="YYYY-MM-DD placing weekday names in the CSV.")
    ] = None,
    out_csv: Annotated[
        Path | None, typer.Option("--out-csv", help="Shifts CSV; coverage goes to <name>-coverage.csv.")
    ] = None,
    out_xlsx: Annotated[
        Path | None, typer.Option("--out-xlsx", help="Workbook with shifts and coverage.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the schedule as one JSON object.")] = False,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Solver wall time in seconds (1–300).")
    ] = 30.0,
    workers: Annotated[int, typer.Option("--workers", help="Solver threads, 1–64 (1 = reproducible).")] = 1,
    under_weight: Annotated[int, typer.Option("--under-weight", help="Cost of a missing half-agent.")] = 10,
    over_weight: Annotated[int, typer.Option("--over-weight", help="Cost of an extra half-agent.")] = 1,
    locale: Annotated[str, typer.Option("--locale", help="Language of the XLSX headers (ko, en).")] = "ko",
) -> None:
    """Build a week's schedule that minimises under- then over-staffing under the hard rules."""
    start: date | None = None
    if week_start is not None:
        try:
            start = date.fromisoformat(week_start.strip())
        except ValueError:
            raise ValidationError(
                f"--week-start {week_start!r} is not a date YYYY-MM-DD", field="week_start"
            ) from None
        if not MIN_YEAR <= start.year <= MAX_YEAR:
            raise ValidationError(
                f"--week-start must be between {MIN_YEAR} and {MAX_YEAR}", field="week_start"
            )
    check_time_limit(time_limit, field="time_limit")
    if not 1 <= workers <= MAX_WORKERS:
        raise ValidationError(f"--workers must be between 1 and {MAX_WORKERS}", field="workers")
    for name, weight in (("--under-weight", under_weight), ("--over-weight", over_weight)):
        if not 0 <= weight <= MAX_WEIGHT:
            raise ValidationError(f"{name} must be between 0 and {MAX_WEIGHT}", field="weights")
    if locale not in LOCALES:
        raise ValidationError(f"--locale must be one of {', '.join(LOCALES)}", field="locale")
    days = parse_requirements_csv(
        _read_text(requirements, field="requirements"), week_start=start, source=str(requirements)
    )
    try:
        data = yaml.safe_load(_read_text(agents, field="agents"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ValidationError(f"{agents}{where}: not valid YAML", field="agents") from None
    problem = Problem(days=days, roster=parse_roster(data, source=str(agents)))
    try:
        schedule = solve(
            problem,
            weights=Weights(under=under_weight, over=over_weight),
            options=SolverOptions(time_limit_s=time_limit, num_workers=workers),
        )
    except ScheduleInfeasible as exc:
        Console(stderr=True, soft_wrap=True).print(f"[bold red]infeasible:[/] {exc.message}", highlight=False)
        raise typer.Exit(3) from None
    written = []
    if out_csv is not None:
        written += [str(p) for p in write_csv(schedule, out_csv)]
    if out_xlsx is not None:
        written.append(str(write_xlsx(schedule, out_xlsx, locale=locale)))
    if as_json:
        sys.stdout.write(json.dumps(schedule.to_dict(), ensure_ascii=False) + "\n")
        return
    console = Console()
    table = Table(title=f"schedule ({schedule.status}, {schedule.solve_seconds:.1f} s)")
    for column in ("day", "agents", "required agent-h", "scheduled agent-h", "under", "over"):
        table.add_column(column, justify="right" if column != "day" else "left")
    for day in problem.days:
        rows = [c for c in schedule.intervals if c.day == day.day]
        table.add_row(
            day.day.isoformat(),
            str(sum(1 for s in schedule.shifts if s.day == day.day)),
            f"{sum(c.required for c in rows) / 2:g}",
            f"{sum(c.scheduled for c in rows) / 2:g}",
            f"{sum(c.under for c in rows) / 2:g}",
            f"{sum(c.over for c in rows) / 2:g}",
        )
    console.print(table)
    console.print(
        f"under-staffing {schedule.under_agent_hours:g} agent-h, "
        f"over-staffing {schedule.over_agent_hours:g} agent-h"
    )
    for path in written:
        console.print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Attach ``minwon schedule ...`` to the main command."""
    app.add_typer(schedule_app, name="schedule")
