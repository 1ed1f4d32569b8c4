"""The generic sql_view connector: mapping, typing, safety, timeouts — against a real SQLite file with a
view, and on PostgreSQL when MINWON_TEST_DATABASE_URL is set."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine, text

from minwon.linkage.connectors.sql_view import SqlViewConfig, SqlViewConnector
from minwon.linkage.contract import ConnectorFailure, LookupResult
from tests.backoffice.support import identity
from tests.conftest import TEST_DB_URL

PLATE = "12가3456"

DDL = [
    "CREATE TABLE permits (id INTEGER PRIMARY KEY, plate TEXT, kind TEXT, fee INTEGER, valid_until TEXT)",
    "INSERT INTO permits VALUES (1, '12가3456', '거주자우선주차', 30000, '2026-12-31')",
    "INSERT INTO permits VALUES (2, '12가3456', '공영주차장 정기권', 60000, '2027-03-31')",
    "INSERT INTO permits VALUES (3, '99허9999', '거주자우선주차', 30000, '2026-06-30')",
    "CREATE VIEW v_permits AS SELECT plate, kind, fee, valid_until FROM permits",
]


def lookup(**over: Any) -> dict[str, Any]:
    spec = {
        "key": "parking_permits.permits",
        "title": "주차 허가",
        "view": "v_permits",
        "identity_key": "vehicle_number",
        "identity_column": "plate",
        "columns": {"kind": "permit_kind", "fee": "fee", "valid_until": "valid_until"},
        "types": {"fee": "krw", "valid_until": "date"},
        "order_by": "valid_until",
    }
    return {**spec, **over}


def connector(url: str, **over: Any) -> SqlViewConnector:
    return SqlViewConnector(SqlViewConfig(url=url, source="한빛시 주차허가 DB", lookups=[lookup(**over)]))


def fetch(conn: SqlViewConnector, value: str = PLATE, timeout_s: float = 5.0, key: str = "") -> LookupResult:
    async def go() -> LookupResult:
        try:
            return await conn.fetch(
                key or "parking_permits.permits", identity(vehicle_number=value), timeout_s=timeout_s
            )
        finally:
            await conn.aclose()

    return asyncio.run(go())


def kind_of(conn: SqlViewConnector, timeout_s: float = 5.0) -> str:
    with pytest.raises(ConnectorFailure) as caught:
        fetch(conn, timeout_s=timeout_s)
    return caught.value.kind


@pytest.fixture()
def sqlite_url(tmp_path: Path) -> str:
    path = tmp_path / "agency.db"
    with sqlite3.connect(path) as conn:
        for statement in DDL:
            conn.execute(statement)
        # a view that takes long to compute (a recursive count to 10^9), to test the timeout
        conn.execute(
            "CREATE VIEW v_slow AS WITH RECURSIVE n(i) AS"
            " (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000)"
            " SELECT '12가3456' AS plate, (SELECT count(*) FROM n) AS kind"
        )
    return f"sqlite:///{path}"


def test_maps_columns_to_typed_fields_newest_first(sqlite_url: str) -> None:
    conn = connector(sqlite_url)
    (spec,) = conn.configured_lookups()
    assert spec.key == "parking_permits.permits" and spec.needs_any == {"vehicle_number"}
    result = fetch(conn)
    assert result.source == "한빛시 주차허가 DB"
    assert [(i.permit_kind, i.fee, i.valid_until) for i in result.items] == [
        ("공영주차장 정기권", 60_000, date(2027, 3, 31)),
        ("거주자우선주차", 30_000, date(2026, 12, 31)),
    ]
    assert isinstance(result.items[0], spec.result_model)
    assert fetch(connector(sqlite_url), value="00가0000").items == []


def test_injection_in_the_value_is_just_a_value(sqlite_url: str) -> None:
    assert fetch(connector(sqlite_url), value="x' OR '1'='1").items == []


@pytest.mark.parametrize(
    "bad",
    [
        {"view": "v_permits; DROP TABLE permits"},
        {"view": "v_permits WHERE 1=1"},
        {"identity_column": "plate OR 1=1"},
        {"columns": {"kind; DELETE FROM permits": "k"}},
        {"columns": {"kind": "model_config"}},
        {"columns": {"kind": "a", "fee": "a"}},
        {"types": {"nope": "int"}},
        {"order_by": "plate; --"},
        {"key": "NoDot"},
    ],
)
def test_configuration_refuses_anything_but_plain_names(sqlite_url: str, bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        connector(sqlite_url, **bad)


def test_refuses_a_table_or_a_missing_view(sqlite_url: str) -> None:
    assert kind_of(connector(sqlite_url, view="permits")) == "rejected"
    assert kind_of(connector(sqlite_url, view="v_none")) == "rejected"


def test_connection_is_read_only(sqlite_url: str) -> None:
    conn = connector(sqlite_url)
    engine = conn._get_engine()
    with (
        engine.connect() as db,
        pytest.raises(Exception, match=r"readonly|read-only|query_only|attempt to write"),
    ):
        db.exec_driver_sql("DELETE FROM permits")
    engine.dispose()
    assert len(fetch(connector(sqlite_url)).items) == 2


def test_timeout_interrupts_a_slow_view(sqlite_url: str) -> None:
    conn = connector(sqlite_url, view="v_slow", columns={"kind": "permit_kind"}, types={}, order_by=None)
    assert kind_of(conn, timeout_s=0.3) == "timeout"


def test_value_that_does_not_fit_its_type_is_a_bad_response(sqlite_url: str) -> None:
    conn = connector(sqlite_url, types={"fee": "krw", "valid_until": "date", "permit_kind": "int"})
    assert kind_of(conn) == "bad_response"


def test_missing_database_file_is_unavailable(tmp_path: Path) -> None:
    conn = connector(f"sqlite:///{tmp_path / 'absent.db'}")
    assert kind_of(conn) == "unavailable"


@pytest.fixture()
def pg_url() -> Iterator[str]:
    if not TEST_DB_URL.startswith("postgres"):
        pytest.skip("PostgreSQL: set MINWON_TEST_DATABASE_URL")
    from minwon.db.session import normalise_url

    schema = f"sqlview_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(TEST_DB_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.execute(text(f"CREATE SCHEMA {schema}"))
        db.execute(text(f"SET search_path TO {schema}"))
        for statement in DDL:
            db.execute(text(statement))
        db.execute(
            text(
                f"CREATE VIEW {schema}.v_slow AS SELECT '12가3456'::text AS plate, pg_sleep(5)::text AS kind"
            )
        )
    try:
        yield schema
    finally:
        with admin.connect() as db:
            db.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_postgresql_view(pg_url: str) -> None:
    schema = pg_url
    result = fetch(connector(TEST_DB_URL, view=f"{schema}.v_permits"))
    assert [i.fee for i in result.items] == [60_000, 30_000]
    assert kind_of(connector(TEST_DB_URL, view=f"{schema}.permits")) == "rejected"
    slow = connector(TEST_DB_URL, view=f"{schema}.v_slow", columns={"kind": "k"}, types={}, order_by=None)
    assert kind_of(slow, timeout_s=0.3) == "timeout"
    conn = connector(TEST_DB_URL, view=f"{schema}.v_permits")
    engine = conn._get_engine()
    with engine.connect() as db, pytest.raises(Exception, match="read-only"):
        db.exec_driver_sql(f"DELETE FROM {schema}.permits")
    engine.dispose()
