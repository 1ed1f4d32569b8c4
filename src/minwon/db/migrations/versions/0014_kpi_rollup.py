"""kpi daily totals (rollup) and the change triggers that keep them honest

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 20:30:00
"""

# ruff: noqa: E501  (frozen SQL, one statement per string)
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


# The change triggers as ``minwon.quality.rollup.trigger_ddl`` / ``drop_trigger_ddl`` generated them
# for this revision (frozen here; tests/quality/test_kpi_rollup.py checks they still agree).
TRIGGERS_SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS kpi_mark_calls_insert AFTER INSERT ON calls FOR EACH ROW BEGIN\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT NEW.service_day AS x ) AS marked WHERE x IS NOT NULL;\nEND",
    "CREATE TRIGGER IF NOT EXISTS kpi_mark_calls_update AFTER UPDATE ON calls FOR EACH ROW BEGIN\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT OLD.service_day AS x ) AS marked WHERE x IS NOT NULL;\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(c.created_at) AS x FROM contacts c WHERE c.call_id = OLD.id) AS marked WHERE x IS NOT NULL;\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(b.due_at) AS x FROM callbacks b JOIN contacts c ON c.id = b.contact_id WHERE c.call_id = OLD.id) AS marked WHERE x IS NOT NULL;\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT NEW.service_day AS x ) AS marked WHERE x IS NOT NULL;\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(c.created_at) AS x FROM contacts c WHERE c.call_id = NEW.id) AS marked WHERE x IS NOT NULL;\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(b.due_at) AS x FROM callbacks b JOIN contacts c ON c.id = b.contact_id WHERE c.call_id = NEW.id) AS marked WHERE x IS NOT NULL;\nEND",
    "CREATE TRIGGER IF NOT EXISTS kpi_mark_calls_delete AFTER DELETE ON calls FOR EACH ROW BEGIN\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT OLD.service_day AS x ) AS marked WHERE x IS NOT NULL;\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(c.created_at) AS x FROM contacts c WHERE c.call_id = OLD.id) AS marked WHERE x IS NOT NULL;\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(b.due_at) AS x FROM callbacks b JOIN contacts c ON c.id = b.contact_id WHERE c.call_id = OLD.id) AS marked WHERE x IS NOT NULL;\nEND",
    "CREATE TRIGGER IF NOT EXISTS kpi_mark_contacts_insert AFTER INSERT ON contacts FOR EACH ROW BEGIN\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(NEW.created_at) AS x ) AS marked WHERE x IS NOT NULL;\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT k.service_day AS x FROM calls k WHERE k.id = NEW.call_id) AS marked WHERE x IS NOT NULL;\nEND",
    "CREATE TRIGGER IF NOT EXISTS kpi_mark_contacts_update AFTER UPDATE ON contacts FOR EACH ROW BEGIN\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(OLD.created_at) AS x ) AS marked WHERE x IS NOT NULL;\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT k.service_day AS x FROM calls k WHERE k.id = OLD.call_id) AS marked WHERE x IS NOT NULL;\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(b.due_at) AS x FROM callbacks b WHERE b.contact_id = OLD.id) AS marked WHERE x IS NOT NULL;\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(NEW.created_at) AS x ) AS marked WHERE x IS NOT NULL;\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT k.service_day AS x FROM calls k WHERE k.id = NEW.call_id) AS marked WHERE x IS NOT NULL;\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(b.due_at) AS x FROM callbacks b WHERE b.contact_id = NEW.id) AS marked WHERE x IS NOT NULL;\nEND",
    "CREATE TRIGGER IF NOT EXISTS kpi_mark_contacts_delete AFTER DELETE ON contacts FOR EACH ROW BEGIN\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(OLD.created_at) AS x ) AS marked WHERE x IS NOT NULL;\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT k.service_day AS x FROM calls k WHERE k.id = OLD.call_id) AS marked WHERE x IS NOT NULL;\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(b.due_at) AS x FROM callbacks b WHERE b.contact_id = OLD.id) AS marked WHERE x IS NOT NULL;\nEND",
    "CREATE TRIGGER IF NOT EXISTS kpi_mark_callbacks_insert AFTER INSERT ON callbacks FOR EACH ROW BEGIN\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(NEW.due_at) AS x ) AS marked WHERE x IS NOT NULL;\nEND",
    "CREATE TRIGGER IF NOT EXISTS kpi_mark_callbacks_update AFTER UPDATE ON callbacks FOR EACH ROW BEGIN\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(OLD.due_at) AS x ) AS marked WHERE x IS NOT NULL;\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(NEW.due_at) AS x ) AS marked WHERE x IS NOT NULL;\nEND",
    "CREATE TRIGGER IF NOT EXISTS kpi_mark_callbacks_delete AFTER DELETE ON callbacks FOR EACH ROW BEGIN\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(OLD.due_at) AS x ) AS marked WHERE x IS NOT NULL;\nEND",
    "CREATE TRIGGER IF NOT EXISTS kpi_mark_cases_insert AFTER INSERT ON cases FOR EACH ROW BEGIN\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(NEW.due_at) AS x ) AS marked WHERE x IS NOT NULL;\nEND",
    "CREATE TRIGGER IF NOT EXISTS kpi_mark_cases_update AFTER UPDATE ON cases FOR EACH ROW BEGIN\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(OLD.due_at) AS x ) AS marked WHERE x IS NOT NULL;\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(NEW.due_at) AS x ) AS marked WHERE x IS NOT NULL;\nEND",
    "CREATE TRIGGER IF NOT EXISTS kpi_mark_cases_delete AFTER DELETE ON cases FOR EACH ROW BEGIN\nINSERT OR REPLACE INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT date(OLD.due_at) AS x ) AS marked WHERE x IS NOT NULL;\nEND",
]
TRIGGERS_POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION kpi_mark_calls_insert() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT R.service_day AS x FROM new_rows R) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nRETURN NULL;\nEND $$",
    "CREATE OR REPLACE TRIGGER kpi_mark_calls_insert AFTER INSERT ON calls REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_calls_insert()",
    "CREATE OR REPLACE FUNCTION kpi_mark_calls_update() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT R.service_day AS x FROM old_rows R) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((c.created_at AT TIME ZONE 'UTC') AS DATE) AS x FROM old_rows R JOIN contacts c ON c.call_id = R.id) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((b.due_at AT TIME ZONE 'UTC') AS DATE) AS x FROM old_rows R JOIN (callbacks b JOIN contacts c ON c.id = b.contact_id) ON c.call_id = R.id) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT R.service_day AS x FROM new_rows R) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((c.created_at AT TIME ZONE 'UTC') AS DATE) AS x FROM new_rows R JOIN contacts c ON c.call_id = R.id) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((b.due_at AT TIME ZONE 'UTC') AS DATE) AS x FROM new_rows R JOIN (callbacks b JOIN contacts c ON c.id = b.contact_id) ON c.call_id = R.id) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nRETURN NULL;\nEND $$",
    "CREATE OR REPLACE TRIGGER kpi_mark_calls_update AFTER UPDATE ON calls REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_calls_update()",
    "CREATE OR REPLACE FUNCTION kpi_mark_calls_delete() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT R.service_day AS x FROM old_rows R) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((c.created_at AT TIME ZONE 'UTC') AS DATE) AS x FROM old_rows R JOIN contacts c ON c.call_id = R.id) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((b.due_at AT TIME ZONE 'UTC') AS DATE) AS x FROM old_rows R JOIN (callbacks b JOIN contacts c ON c.id = b.contact_id) ON c.call_id = R.id) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nRETURN NULL;\nEND $$",
    "CREATE OR REPLACE TRIGGER kpi_mark_calls_delete AFTER DELETE ON calls REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_calls_delete()",
    "CREATE OR REPLACE FUNCTION kpi_mark_contacts_insert() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((R.created_at AT TIME ZONE 'UTC') AS DATE) AS x FROM new_rows R) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT k.service_day AS x FROM new_rows R JOIN calls k ON k.id = R.call_id) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nRETURN NULL;\nEND $$",
    "CREATE OR REPLACE TRIGGER kpi_mark_contacts_insert AFTER INSERT ON contacts REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_contacts_insert()",
    "CREATE OR REPLACE FUNCTION kpi_mark_contacts_update() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((R.created_at AT TIME ZONE 'UTC') AS DATE) AS x FROM old_rows R) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT k.service_day AS x FROM old_rows R JOIN calls k ON k.id = R.call_id) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((b.due_at AT TIME ZONE 'UTC') AS DATE) AS x FROM old_rows R JOIN callbacks b ON b.contact_id = R.id) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((R.created_at AT TIME ZONE 'UTC') AS DATE) AS x FROM new_rows R) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT k.service_day AS x FROM new_rows R JOIN calls k ON k.id = R.call_id) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((b.due_at AT TIME ZONE 'UTC') AS DATE) AS x FROM new_rows R JOIN callbacks b ON b.contact_id = R.id) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nRETURN NULL;\nEND $$",
    "CREATE OR REPLACE TRIGGER kpi_mark_contacts_update AFTER UPDATE ON contacts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_contacts_update()",
    "CREATE OR REPLACE FUNCTION kpi_mark_contacts_delete() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((R.created_at AT TIME ZONE 'UTC') AS DATE) AS x FROM old_rows R) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT k.service_day AS x FROM old_rows R JOIN calls k ON k.id = R.call_id) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((b.due_at AT TIME ZONE 'UTC') AS DATE) AS x FROM old_rows R JOIN callbacks b ON b.contact_id = R.id) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nRETURN NULL;\nEND $$",
    "CREATE OR REPLACE TRIGGER kpi_mark_contacts_delete AFTER DELETE ON contacts REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_contacts_delete()",
    "CREATE OR REPLACE FUNCTION kpi_mark_callbacks_insert() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((R.due_at AT TIME ZONE 'UTC') AS DATE) AS x FROM new_rows R) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nRETURN NULL;\nEND $$",
    "CREATE OR REPLACE TRIGGER kpi_mark_callbacks_insert AFTER INSERT ON callbacks REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_callbacks_insert()",
    "CREATE OR REPLACE FUNCTION kpi_mark_callbacks_update() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((R.due_at AT TIME ZONE 'UTC') AS DATE) AS x FROM old_rows R) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((R.due_at AT TIME ZONE 'UTC') AS DATE) AS x FROM new_rows R) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nRETURN NULL;\nEND $$",
    "CREATE OR REPLACE TRIGGER kpi_mark_callbacks_update AFTER UPDATE ON callbacks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_callbacks_update()",
    "CREATE OR REPLACE FUNCTION kpi_mark_callbacks_delete() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((R.due_at AT TIME ZONE 'UTC') AS DATE) AS x FROM old_rows R) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nRETURN NULL;\nEND $$",
    "CREATE OR REPLACE TRIGGER kpi_mark_callbacks_delete AFTER DELETE ON callbacks REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_callbacks_delete()",
    "CREATE OR REPLACE FUNCTION kpi_mark_cases_insert() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((R.due_at AT TIME ZONE 'UTC') AS DATE) AS x FROM new_rows R) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nRETURN NULL;\nEND $$",
    "CREATE OR REPLACE TRIGGER kpi_mark_cases_insert AFTER INSERT ON cases REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_cases_insert()",
    "CREATE OR REPLACE FUNCTION kpi_mark_cases_update() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((R.due_at AT TIME ZONE 'UTC') AS DATE) AS x FROM old_rows R) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((R.due_at AT TIME ZONE 'UTC') AS DATE) AS x FROM new_rows R) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nRETURN NULL;\nEND $$",
    "CREATE OR REPLACE TRIGGER kpi_mark_cases_update AFTER UPDATE ON cases REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_cases_update()",
    "CREATE OR REPLACE FUNCTION kpi_mark_cases_delete() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\nINSERT INTO kpi_changes (day, scope, seq) SELECT x, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kpi_changes) FROM (SELECT DISTINCT CAST((R.due_at AT TIME ZONE 'UTC') AS DATE) AS x FROM old_rows R) AS marked WHERE x IS NOT NULL ON CONFLICT (day, scope) DO UPDATE SET seq = EXCLUDED.seq;\nRETURN NULL;\nEND $$",
    "CREATE OR REPLACE TRIGGER kpi_mark_cases_delete AFTER DELETE ON cases REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_cases_delete()",
]
DROP_TRIGGERS_SQLITE = [
    "DROP TRIGGER IF EXISTS kpi_mark_calls_insert",
    "DROP TRIGGER IF EXISTS kpi_mark_calls_update",
    "DROP TRIGGER IF EXISTS kpi_mark_calls_delete",
    "DROP TRIGGER IF EXISTS kpi_mark_contacts_insert",
    "DROP TRIGGER IF EXISTS kpi_mark_contacts_update",
    "DROP TRIGGER IF EXISTS kpi_mark_contacts_delete",
    "DROP TRIGGER IF EXISTS kpi_mark_callbacks_insert",
    "DROP TRIGGER IF EXISTS kpi_mark_callbacks_update",
    "DROP TRIGGER IF EXISTS kpi_mark_callbacks_delete",
    "DROP TRIGGER IF EXISTS kpi_mark_cases_insert",
    "DROP TRIGGER IF EXISTS kpi_mark_cases_update",
    "DROP TRIGGER IF EXISTS kpi_mark_cases_delete",
]
DROP_TRIGGERS_POSTGRESQL = [
    "DROP TRIGGER IF EXISTS kpi_mark_calls_insert ON calls",
    "DROP FUNCTION IF EXISTS kpi_mark_calls_insert()",
    "DROP TRIGGER IF EXISTS kpi_mark_calls_update ON calls",
    "DROP FUNCTION IF EXISTS kpi_mark_calls_update()",
    "DROP TRIGGER IF EXISTS kpi_mark_calls_delete ON calls",
    "DROP FUNCTION IF EXISTS kpi_mark_calls_delete()",
    "DROP TRIGGER IF EXISTS kpi_mark_contacts_insert ON contacts",
    "DROP FUNCTION IF EXISTS kpi_mark_contacts_insert()",
    "DROP TRIGGER IF EXISTS kpi_mark_contacts_update ON contacts",
    "DROP FUNCTION IF EXISTS kpi_mark_contacts_update()",
    "DROP TRIGGER IF EXISTS kpi_mark_contacts_delete ON contacts",
    "DROP FUNCTION IF EXISTS kpi_mark_contacts_delete()",
    "DROP TRIGGER IF EXISTS kpi_mark_callbacks_insert ON callbacks",
    "DROP FUNCTION IF EXISTS kpi_mark_callbacks_insert()",
    "DROP TRIGGER IF EXISTS kpi_mark_callbacks_update ON callbacks",
    "DROP FUNCTION IF EXISTS kpi_mark_callbacks_update()",
    "DROP TRIGGER IF EXISTS kpi_mark_callbacks_delete ON callbacks",
    "DROP FUNCTION IF EXISTS kpi_mark_callbacks_delete()",
    "DROP TRIGGER IF EXISTS kpi_mark_cases_insert ON cases",
    "DROP FUNCTION IF EXISTS kpi_mark_cases_insert()",
    "DROP TRIGGER IF EXISTS kpi_mark_cases_update ON cases",
    "DROP FUNCTION IF EXISTS kpi_mark_cases_update()",
    "DROP TRIGGER IF EXISTS kpi_mark_cases_delete ON cases",
    "DROP FUNCTION IF EXISTS kpi_mark_cases_delete()",
]


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
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in TRIGGERS_SQLITE if sqlite else TRIGGERS_POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in DROP_TRIGGERS_SQLITE if sqlite else DROP_TRIGGERS_POSTGRESQL:
        op.execute(statement)
    with op.batch_alter_table("kpi_daily_totals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kpi_daily_totals_day"))
    op.drop_table("kpi_daily_totals")
    op.drop_table("kpi_rollup_days")
    with op.batch_alter_table("kpi_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kpi_changes_seq"))
    op.drop_table("kpi_changes")
