"""The ``minwon`` command. Commands call service functions; none runs SQL itself.

Domain commands live beside their domain (``<domain>/commands.py``) and are attached here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.exc import OperationalError, ProgrammingError

from minwon.config import get_settings
from minwon.core.errors import MinwonError

app = typer.Typer(
    help="minwon — municipal civil-service call center platform (민원 콜센터).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 2) -> None:
    """Print a clear error to stderr and exit with ``code``."""
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@app.command()
def init(
    demo: Annotated[
        bool, typer.Option("--demo", help="Also load the demo city and content from the data dir.")
    ] = False,
    data_dir: Annotated[
        Path | None, typer.Option(help="Shared data folder (default: MINWON_DATA_DIR).")
    ] = None,
) -> None:
    """Create or migrate the database at MINWON_DATABASE_URL (idempotent); --demo loads demo data."""
    from minwon.db.migrate import upgrade
    from minwon.db.session import get_engine, session_scope

    settings = get_settings()
    engine = get_engine()
    upgrade(engine)
    console.print(f"database ready: {engine.url.render_as_string(hide_password=True)}")
    if demo:
        from minwon.demo.seed import load_demo, print_summary

        with session_scope() as db:
            summary = load_demo(db=db, data_dir=data_dir or settings.data_dir, console=console)
        print_summary(summary, console=Console())


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default MINWON_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default MINWON_PORT).")] = None,
    workers: Annotated[
        int, typer.Option(help="Server processes; >1 needs MINWON_BROKER_URL for live updates.")
    ] = 1,
) -> None:
    """Serve the web app and API (uvicorn); in development (the demo) also the reference back office
    (MINWON_BACKOFFICE_AUTOSTART) and the scheduler (MINWON_SCHEDULER_AUTOSTART), stopped on exit."""
    settings = get_settings()
    if workers > 1 and not settings.broker_url:
        console.print(
            "[yellow]warning:[/] several workers without MINWON_BROKER_URL: live updates stay per process"
        )
    backoffice = None
    if settings.backoffice_autostart_enabled:
        from minwon.backoffice.autostart import start_child

        try:
            backoffice = start_child(console=console)
        except RuntimeError as exc:
            fail(str(exc))
    scheduler = None
    if settings.scheduler_autostart_enabled:
        from minwon.scheduler.autostart import start_scheduler

        scheduler = start_scheduler()
        console.print("scheduler: reminders, escalations and notice delivery every minute")
    try:
        _run_uvicorn(host or settings.host, port or settings.port, workers)
    finally:
        if scheduler is not None:
            from minwon.scheduler.autostart import stop_child as stop_scheduler

            stop_scheduler(scheduler)
        if backoffice is not None:
            from minwon.backoffice.autostart import stop_child

            stop_child(backoffice)


def _run_uvicorn(host: str, port: int, workers: int) -> None:
    import uvicorn

    uvicorn.run(
        "minwon.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        # open live-update streams never finish by themselves; end them 5 s into a shutdown
        # (browsers reconnect to the next server)
        timeout_graceful_shutdown=5,
    )


users_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("create")
def users_create(
    username: str,
    role: Annotated[
        str,
        typer.Option(help="counselor | supervisor | quality_manager | department_officer | administrator"),
    ],
    display_name: Annotated[str, typer.Option(help="Name shown in the app.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    pbx_agent_id: Annotated[str | None, typer.Option(help="Agent id the PBX reports (counselors).")] = None,
    department: Annotated[str | None, typer.Option(help="Department name (department officers).")] = None,
) -> None:
    """Create an account (the password is asked for, never echoed)."""
    from minwon.accounts.service import create_user
    from minwon.db.session import session_scope
    from minwon.org.service import find_department

    with session_scope() as db:
        dept = find_department(db=db, name=department) if department else None
        if role == "department_officer" and dept is None:
            fail("--department is required for a department officer")
        user = create_user(
            db=db,
            username=username,
            password=password,
            role=role,
            display_name=display_name,
            pbx_agent_id=pbx_agent_id,
            department_id=dept.id if dept else None,
        )
        db.commit()
        typer.echo(f"created {user.username} ({user.role.value})")


pbx_app = typer.Typer(help="Telephony systems (PBX) allowed to send events.", no_args_is_help=True)
app.add_typer(pbx_app, name="pbx")


@pbx_app.command("token")
def pbx_token(name: str) -> None:
    """Create the PBX NAME or rotate its bearer token, and print the token once."""
    from minwon.db.session import session_scope
    from minwon.telephony.service import issue_pbx_token

    with session_scope() as db:
        typer.echo(issue_pbx_token(db=db, name=name))


def _attach_domain_commands() -> None:
    from minwon.backoffice import commands as backoffice_commands
    from minwon.capa import commands as capa_commands
    from minwon.cases import commands as cases_commands
    from minwon.evaluations import commands as evaluations_commands
    from minwon.feedback import commands as feedback_commands
    from minwon.knowledge import commands as knowledge_commands
    from minwon.linkage import commands as linkage_commands
    from minwon.notices import commands as notices_commands
    from minwon.quality import commands as quality_commands
    from minwon.quality.report import commands as report_commands
    from minwon.routing import commands as routing_commands
    from minwon.scheduler import commands as scheduler_commands
    from minwon.search import commands as search_commands
    from minwon.telephony import commands as telephony_commands
    from minwon.weather import commands as weather_commands
    from minwon.workforce import forecast_commands, plan_commands, schedule_commands, staffing_commands

    for module in (
        telephony_commands,
        quality_commands,
        capa_commands,
        report_commands,
        cases_commands,
        knowledge_commands,
        forecast_commands,
        schedule_commands,
        staffing_commands,
        weather_commands,
        plan_commands,
        routing_commands,
        linkage_commands,
        backoffice_commands,
        notices_commands,
        scheduler_commands,
        search_commands,
        feedback_commands,
        evaluations_commands,
    ):
        module.register(app)


_attach_domain_commands()


def main() -> None:
    try:
        app()
    except MinwonError as exc:
        where = f" ({exc.field})" if exc.field else ""
        console.print(f"[bold red]error{where}:[/] {exc.message}", highlight=False)
        sys.exit(2)
    except (OperationalError, ProgrammingError) as exc:
        url = get_settings().database_url.split("@")[-1]
        kind = type(exc.orig).__name__ if exc.orig else "error"
        if "locked" in str(exc.orig).lower():
            advice = "the database is busy (another process held its write lock too long); try again"
        elif isinstance(exc, OperationalError) and "could not connect" in str(exc.orig).lower():
            advice = "the database server does not answer; check MINWON_DATABASE_URL and that it is running"
        else:
            # typically a database that was never created or is behind the code's schema
            advice = "run `minwon init` to create or migrate it"
        console.print(f"[bold red]error (database):[/] {kind} on {url}; {advice}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
