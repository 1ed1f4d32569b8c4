"""``minwon keys rotate``, ``minwon audit verify|review|purge`` and ``minwon linkage list|configure``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

from minwon.core.errors import ValidationError

keys_app = typer.Typer(help="Data-encryption keys (MINWON_DATA_KEYS).", no_args_is_help=True)
audit_app = typer.Typer(help="The personal-data access log: verify, review, purge.", no_args_is_help=True)
linkage_app = typer.Typer(help="Back-office connectors (행정정보 연동).", no_args_is_help=True)


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt the linkage columns (connector secrets, verification identifiers) with the first key of
    MINWON_DATA_KEYS. Put the new key first and keep the old ones listed until this has run."""
    from minwon.db.session import session_scope
    from minwon.linkage.service import rotate_keys

    with session_scope() as db:
        counts = rotate_keys(db=db)
    typer.echo(json.dumps({"re_encrypted": counts}, ensure_ascii=False))


@audit_app.command("verify")
def audit_verify(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Walk the access log's hash chain; exit 1 and name the first broken row when it was altered."""
    from minwon.core.audit import verify_chain
    from minwon.db.session import session_scope

    with session_scope() as db:
        report = verify_chain(db=db)
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
    elif report.ok:
        typer.echo(f"access log intact: {report.rows} records, head #{report.head_seq}")
    else:
        typer.echo(
            f"access log BROKEN at record #{report.broken_seq} (id {report.broken_id}): {report.reason}",
            err=True,
        )
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("review")
def audit_review(
    month: Annotated[str, typer.Option("--month", help="Month YYYY-MM (local calendar).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Monthly review: accesses per account, unusual volume, after-hours access, lookups without a contact."""
    from minwon.db.session import session_scope
    from minwon.linkage.review import monthly_review, parse_month

    with session_scope() as db:
        report = monthly_review(db=db, month=parse_month(month))
    data = report.as_dict()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    typer.echo(f"{data['month']}: {data['records']} records, median {data['median_per_account']} per account")
    for key in ("high_volume", "after_hours", "lookups_without_contact"):
        rows = data[key]
        typer.echo(f"{key}: {len(rows)} account(s)")
        for row in rows:
            typer.echo(f"  {row['username']}: {row['count']}  {', '.join(row['detail'][:3])}")


@audit_app.command("purge")
def audit_purge(
    before: Annotated[
        str, typer.Option("--before", help="Delete records before this day YYYY-MM-DD (local).")
    ],
) -> None:
    """Delete access records older than the retention period (≥ 2 years; younger ones are refused)."""
    from minwon.core.audit import purge_access_records
    from minwon.core.clock import local_zone, parse_day
    from minwon.db.session import session_scope

    day = parse_day(before, field="before")
    instant = datetime(day.year, day.month, day.day, tzinfo=local_zone())
    with session_scope() as db:
        count = purge_access_records(db=db, before=instant, actor_name="cli")
    typer.echo(f"deleted {count} access records before {day}")


@linkage_app.command("list")
def linkage_list() -> None:
    """Installed connectors, whether enabled, and their lookups."""
    from minwon.db.session import session_scope
    from minwon.linkage.service import list_connectors

    with session_scope() as db:
        for c in list_connectors(db=db):
            state = "enabled" if c.enabled else ("disabled" if c.installed else "NOT INSTALLED")
            typer.echo(f"{c.name:<12} {state:<14} {', '.join(c.lookups)}")


@linkage_app.command("configure")
def linkage_configure(
    name: str,
    config: Annotated[str, typer.Option("--config", help="JSON object of the connector's settings.")] = "{}",
    enable: Annotated[bool, typer.Option("--enable/--disable", help="Enable the connector.")] = True,
) -> None:
    """Store a connector's configuration (secrets encrypted) and enable or disable it."""
    from sqlalchemy import select

    from minwon.accounts.models import Role, User
    from minwon.db.session import session_scope
    from minwon.linkage.service import save_connector

    try:
        values = json.loads(config)
    except json.JSONDecodeError:
        raise ValidationError("--config must be a JSON object", field="config") from None
    if not isinstance(values, dict):
        raise ValidationError("--config must be a JSON object", field="config")
    with session_scope() as db:
        admin = db.scalar(select(User).where(User.role == Role.ADMINISTRATOR).order_by(User.id).limit(1))
        if admin is None:
            raise ValidationError("create an administrator account first (minwon users create)")
        save_connector(db=db, name=name, enabled=enable, config=values, actor=admin)
    typer.echo(f"{name}: {'enabled' if enable else 'disabled'}")


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
    app.add_typer(audit_app, name="audit")
    app.add_typer(linkage_app, name="linkage")
