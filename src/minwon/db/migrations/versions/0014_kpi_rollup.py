"""kpi daily totals (rollup) and the change triggers that keep them honest

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import minwon.db.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTS = (
    "calls",
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "within_default",
    "within_queue",
    "wait_total_s",
    "wait_count",
    "handle_total_s",
    "handle_count",
    "ended_in_ivr",
    "contacts",
    "resolved",
    "transferred",
    "callback",
    "repeats",
    "first_contacts_resolved",
    "callbacks_due",
    "callbacks_kept",
    "cases_due",
    "cases_on_time",
)


def upgrade() -> None:
    op.create_table(
        "kpi_changes",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scope", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "scope", name=op.f("pk_kpi_changes")),
    )
    with op.batch_alter_table("kpi_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kpi_changes_seq"), ["seq"], unique=False)
    op.create_table(
        "kpi_rollup_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sl_threshold_s", sa.Integer(), nullable=False),
        sa.Column("short_abandon_s", sa.Integer(), nullable=False),
        sa.Column("repeat_window_days", sa.Integer(), nullable=False),
        sa.Column("built_seq", sa.BigInteger(), nullable=False),
        sa.Column("built_at", minwon.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_kpi_rollup_days")),
    )
    op.create_table(
        "kpi_daily_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("sl_queue_s", sa.Integer(), nullable=True),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in _COUNTS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_daily_totals")),
    )
    with op.batch_alter_table("kpi_daily_totals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kpi_daily_totals_day"), ["day"], unique=False)
    from minwon.quality.rollup import trigger_ddl

    for statement in trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    from minwon.quality.rollup import drop_trigger_ddl

    for statement in drop_trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table("kpi_daily_totals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kpi_daily_totals_day"))
    op.drop_table("kpi_daily_totals")
    op.drop_table("kpi_rollup_days")
    with op.batch_alter_table("kpi_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kpi_changes_seq"))
    op.drop_table("kpi_changes")
