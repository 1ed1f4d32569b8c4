"""The back office's HTTP API: shapes, authentication, validation, logging, reuse of its database."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from minwon.backoffice import demo_identities
from minwon.backoffice.server import prepare_database, start_backoffice
from minwon.backoffice.store import build_database
from tests.backoffice.support import AS_OF, RunningBackoffice, backoffice, clean_faults
from tests.conftest import TEST_DB_URL

__all__ = ["backoffice", "clean_faults"]

ARREARS, LEAK, PAID = demo_identities()


def post(bo: RunningBackoffice, path: str, body: dict[str, object], key: str | None = None) -> httpx.Response:
    return httpx.post(f"{bo.base_url}{path}", json=body, headers={"X-API-Key": key or bo.api_key})


def test_envelope_and_bill_shape(clean_faults: RunningBackoffice) -> None:
    answer = post(clean_faults, "/local-tax/bills", {"rrn": ARREARS.rrn, "year": 2026})
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"source", "as_of", "subject_found", "items"}
    assert body["subject_found"] is True and body["as_of"].startswith(AS_OF.isoformat())
    assert {b["tax_year"] for b in body["items"]} == {2026}
    bill = body["items"][0]
    assert set(bill) >= {
        "bill_no",
        "tax_item",
        "tax_item_name",
        "amount",
        "due_date",
        "status",
        "virtual_account",
    }
    assert set(bill["virtual_account"]) == {"bank", "number"}
    payment = httpx.get(
        f"{clean_faults.base_url}/local-tax/bills/{bill['bill_no']}/payment",
        headers={"X-API-Key": clean_faults.api_key},
    ).json()["items"][0]
    assert payment["bill_no"] == bill["bill_no"] and payment["status"] == bill["status"]


def test_unknown_subject_and_bad_requests(clean_faults: RunningBackoffice) -> None:
    unknown = post(clean_faults, "/local-tax/arrears", {"rrn": "000101-3000000"}).json()
    assert unknown["subject_found"] is False and unknown["items"] == []
    assert post(clean_faults, "/local-tax/bills", {"rrn": "not-a-number"}).status_code == 422
    assert post(clean_faults, "/local-tax/bills", {"rrn": ARREARS.rrn, "extra": 1}).status_code == 422
    both = {"vehicle_number": LEAK.vehicle_number, "rrn": LEAK.rrn}
    assert post(clean_faults, "/parking/violations", both).status_code == 422
    assert post(clean_faults, "/water/accounts", {}).status_code == 422


def test_every_endpoint_needs_the_key(clean_faults: RunningBackoffice) -> None:
    for path, body in [
        ("/local-tax/bills", {"rrn": ARREARS.rrn}),
        ("/water/bills", {"customer_number": LEAK.water_customer_number}),
        ("/parking/towing", {"vehicle_number": ARREARS.vehicle_number}),
    ]:
        assert post(clean_faults, path, body, key="wrong").status_code == 401
        assert httpx.post(f"{clean_faults.base_url}{path}", json=body).status_code == 401
    assert httpx.get(f"{clean_faults.base_url}/_meta").status_code == 401
    assert httpx.get(f"{clean_faults.base_url}/healthz").status_code == 200


def test_water_and_parking_by_resident(clean_faults: RunningBackoffice) -> None:
    accounts = post(clean_faults, "/water/accounts", {"rrn": PAID.rrn}).json()["items"]
    assert [a["customer_number"] for a in accounts] == [PAID.water_customer_number]
    one = httpx.get(
        f"{clean_faults.base_url}/water/accounts/{PAID.water_customer_number}",
        headers={"X-API-Key": clean_faults.api_key},
    )
    assert one.json()["items"] == accounts
    vehicles = post(clean_faults, "/parking/violations", {"rrn": PAID.rrn}).json()["items"]
    assert [v["vehicle_number"] for v in vehicles] == [PAID.vehicle_number]


def test_identifiers_are_never_logged(
    clean_faults: RunningBackoffice, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        post(clean_faults, "/local-tax/bills", {"rrn": ARREARS.rrn})
        post(clean_faults, "/parking/violations", {"vehicle_number": ARREARS.vehicle_number})
        post(clean_faults, "/local-tax/bills", {"rrn": "bad"})
    logged = caplog.text
    assert ARREARS.rrn not in logged and ARREARS.rrn[:6] not in logged
    assert str(ARREARS.vehicle_number) not in logged


def test_database_is_reused_when_it_matches(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bo.db'}"
    engine, generated = prepare_database(database_url=url, seed=3, residents=20, as_of=AS_OF)
    assert generated
    assert not build_database(engine=engine, seed=3, residents=20, as_of=AS_OF)
    assert build_database(engine=engine, seed=3, residents=21, as_of=AS_OF)
    engine.dispose()


def test_demo_callers_command() -> None:
    from minwon.cli import app

    result = CliRunner().invoke(app, ["backoffice", "demo-callers", "--json"])
    assert result.exit_code == 0
    assert [p["rrn"] for p in json.loads(result.stdout)] == [p.rrn for p in demo_identities()]


@pytest.fixture()
def pg_schema_url() -> Iterator[str]:
    if not TEST_DB_URL.startswith("postgres"):
        pytest.skip("PostgreSQL: set MINWON_TEST_DATABASE_URL")
    from minwon.db.session import normalise_url

    schema = f"bo_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(TEST_DB_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in TEST_DB_URL else "?"
    try:
        yield f"{TEST_DB_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as db:
            db.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_backoffice_on_postgresql(tmp_path: Path, pg_schema_url: str) -> None:
    with start_backoffice(tmp_path, residents=30, database_url=pg_schema_url) as bo:
        arrears = post(bo, "/local-tax/arrears", {"rrn": ARREARS.rrn}).json()["items"]
        assert {b["tax_item"] for b in arrears} == {"property_housing_1", "property_housing_2", "vehicle_2"}
        tow = post(bo, "/parking/towing", {"rrn": ARREARS.rrn}).json()["items"]
        assert tow[0]["status"] == "impounded"
