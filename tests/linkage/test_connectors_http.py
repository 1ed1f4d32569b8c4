"""The three HTTP connectors against a real reference back office: results, and every injected fault
mapped to the right ConnectorFailure kind (real HTTP on a free localhost port)."""

from __future__ import annotations

import asyncio
import socket
from datetime import date, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from minwon.backoffice import demo_identities
from minwon.backoffice.faults import FaultRule
from minwon.linkage.connectors.local_tax import LocalTaxConnector
from minwon.linkage.connectors.parking import ParkingConnector
from minwon.linkage.connectors.parking.connector import Towing, Violation
from minwon.linkage.connectors.water import WaterConnector
from minwon.linkage.connectors.water.connector import WaterAccount, WaterBill
from minwon.linkage.contract import Connector, ConnectorFailure, Identity, LookupResult
from minwon.linkage.http import HttpConnectorConfig
from tests.backoffice.support import AS_OF, RunningBackoffice, backoffice, clean_faults, identity

__all__ = ["backoffice", "clean_faults"]

ARREARS, LEAK, PAID = demo_identities()

# (connector class, lookup, backend path prefix, identity)
CASES: list[tuple[type[Connector], str, str, Identity]] = [
    (LocalTaxConnector, "local_tax.bills", "/local-tax", identity(resident=ARREARS.rrn)),
    (
        WaterConnector,
        "water.bills",
        "/water",
        identity(water_customer_number=str(LEAK.water_customer_number)),
    ),
    (ParkingConnector, "parking.violations", "/parking", identity(vehicle_number=str(LEAK.vehicle_number))),
]
IDS = [c[1] for c in CASES]


def make(cls: type[Connector], base_url: str, api_key: str) -> Connector:
    return cls(HttpConnectorConfig(base_url=base_url, api_key=api_key))


def run(conn: Connector, lookup: str, who: Identity, timeout_s: float = 5.0) -> LookupResult:
    async def go() -> LookupResult:
        try:
            return await conn.fetch(lookup, who, timeout_s=timeout_s)
        finally:
            await conn.aclose()

    return asyncio.run(go())


def failure(conn: Connector, lookup: str, who: Identity, timeout_s: float = 5.0) -> ConnectorFailure:
    with pytest.raises(ConnectorFailure) as caught:
        run(conn, lookup, who, timeout_s)
    for value in who.values.values():
        assert value not in str(caught.value)
    return caught.value


# --- results -------------------------------------------------------------------------------------


def test_water_account_and_leak_bill(clean_faults: RunningBackoffice) -> None:
    conn = make(WaterConnector, clean_faults.base_url, clean_faults.api_key)
    by_rrn = run(conn, "water.account", identity(resident=LEAK.rrn))
    assert [type(a) for a in by_rrn.items] == [WaterAccount]
    account = by_rrn.items[0]
    assert account.customer_number == LEAK.water_customer_number
    bills = run(conn, "water.bills", identity(resident=LEAK.rrn)).items
    assert len(bills) == 6 and all(isinstance(b, WaterBill) for b in bills)
    latest, usual = bills[0], bills[1:]
    assert latest.leak_suspected and latest.status != "paid"
    assert latest.amount == latest.water_charge + latest.sewage_charge + latest.water_use_levy
    assert latest.water_use_levy == latest.usage_m3 * 170  # 한강수계법 §19, 170원/㎥
    assert latest.current_reading - latest.previous_reading == latest.usage_m3
    assert max(b.usage_m3 for b in usual) * 2 < latest.usage_m3
    assert account.unpaid_amount == sum(b.amount_due for b in bills)
    # bimonthly: consecutive periods, two months each, readings chained
    for newer, older in pairwise(bills):
        assert older.period_end + timedelta(days=1) == newer.period_start
        assert older.current_reading == newer.previous_reading


def test_parking_fine_reduction_and_objection_deadline(clean_faults: RunningBackoffice) -> None:
    conn = make(ParkingConnector, clean_faults.base_url, clean_faults.api_key)
    (fine,) = run(conn, "parking.violations", identity(resident=LEAK.rrn)).items
    assert isinstance(fine, Violation)
    # 어린이보호구역 승용차 120,000원 (도로교통법 시행령 별표 7); 20% off if paid within the objection period
    # (질서위반행위규제법 §18, 시행령 §5): 96,000원
    assert (fine.fine, fine.reduction, fine.reduced_fine) == (120_000, 24_000, 96_000)
    violated = fine.occurred_at.astimezone(ZoneInfo("Asia/Seoul")).date()
    assert violated == AS_OF - timedelta(days=8)
    # pre-notice 7 days after the violation, objection period of 10 days from the notice (§16①)
    assert fine.notice_date == violated + timedelta(days=7)
    assert fine.objection_deadline == fine.notice_date + timedelta(days=10) == date(2026, 12, 9)
    assert fine.reduction_deadline == fine.objection_deadline
    assert fine.status == "objection_period" and fine.amount_due == 96_000


def test_towed_car_in_the_impound_lot(clean_faults: RunningBackoffice) -> None:
    conn = make(ParkingConnector, clean_faults.base_url, clean_faults.api_key)
    (tow,) = run(conn, "parking.towing", identity(vehicle_number=str(ARREARS.vehicle_number))).items
    assert isinstance(tow, Towing)
    assert tow.status == "impounded" and tow.released_at is None
    assert tow.towing_fee == 40_000 and tow.storage_fee == 2 * 10_000  # towed yesterday: two days so far
    (paid,) = run(conn, "parking.violations", identity(vehicle_number=str(PAID.vehicle_number))).items
    assert paid.status == "paid" and paid.paid_amount == 32_000  # 40,000 − 20%


# --- faults --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cls", "lookup", "prefix", "who"), CASES, ids=IDS)
@pytest.mark.parametrize(
    ("rule", "kind"),
    [
        ({"error_rate": 1.0, "error_status": 500}, "unavailable"),
        ({"error_rate": 1.0, "error_status": 502}, "unavailable"),
        ({"error_rate": 1.0, "error_status": 504}, "timeout"),
        ({"error_rate": 1.0, "error_status": 403}, "rejected"),
        ({"outage": True}, "unavailable"),
        ({"malformed": True}, "bad_response"),
        ({"hang": True}, "timeout"),
        ({"hang": True, "hang_s": 0.05}, "timeout"),
        ({"latency_ms": 5_000}, "timeout"),
    ],
    ids=["500", "502", "504", "403", "outage", "malformed", "hang", "hang-then-504", "slow"],
)
def test_fault_maps_to_kind(
    clean_faults: RunningBackoffice,
    cls: type[Connector],
    lookup: str,
    prefix: str,
    who: Identity,
    rule: dict[str, Any],
    kind: str,
) -> None:
    clean_faults.faults.set(FaultRule(path=prefix, **rule))
    conn = make(cls, clean_faults.base_url, clean_faults.api_key)
    assert failure(conn, lookup, who, timeout_s=0.3).kind == kind


@pytest.mark.parametrize(("cls", "lookup", "prefix", "who"), CASES, ids=IDS)
def test_fault_on_another_endpoint_leaves_this_one_working(
    clean_faults: RunningBackoffice, cls: type[Connector], lookup: str, prefix: str, who: Identity
) -> None:
    clean_faults.faults.set(FaultRule(path="/elsewhere", outage=True))
    clean_faults.faults.set(FaultRule(path=prefix, latency_ms=20))
    result = run(make(cls, clean_faults.base_url, clean_faults.api_key), lookup, who)
    assert result.items


@pytest.mark.parametrize(("cls", "lookup", "prefix", "who"), CASES, ids=IDS)
def test_wrong_key_and_closed_port(
    clean_faults: RunningBackoffice, cls: type[Connector], lookup: str, prefix: str, who: Identity
) -> None:
    assert failure(make(cls, clean_faults.base_url, "not-the-key"), lookup, who).kind == "rejected"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    assert failure(make(cls, closed, "k"), lookup, who).kind == "unavailable"


def test_fault_admin_api(clean_faults: RunningBackoffice) -> None:
    base, headers = clean_faults.base_url, {"X-API-Key": clean_faults.api_key}
    assert httpx.post(f"{base}/_faults", json={"path": "/water", "outage": True}).status_code == 401
    answer = httpx.post(f"{base}/_faults", json=[{"path": "/water", "outage": True}], headers=headers)
    assert answer.status_code == 200 and answer.json()["faults"][0]["outage"] is True
    body = {"customer_number": LEAK.water_customer_number}
    assert httpx.post(f"{base}/water/bills", json=body, headers=headers).status_code == 503
    assert httpx.get(f"{base}/healthz").status_code == 200  # never faulted
    assert (
        httpx.post(f"{base}/_faults", json={"path": "/water", "bogus": 1}, headers=headers).status_code == 422
    )
    assert httpx.delete(f"{base}/_faults", headers=headers).json() == {"faults": []}
    assert httpx.post(f"{base}/water/bills", json=body, headers=headers).status_code == 200


def test_lookup_without_the_needed_identity_is_rejected(clean_faults: RunningBackoffice) -> None:
    conn = make(LocalTaxConnector, clean_faults.base_url, clean_faults.api_key)
    assert failure(conn, "local_tax.bills", identity(vehicle_number="12가3456")).kind == "rejected"
    assert failure(conn, "local_tax.nothing", identity(resident=ARREARS.rrn)).kind == "rejected"


def test_identities_without_records(clean_faults: RunningBackoffice) -> None:
    water = make(WaterConnector, clean_faults.base_url, clean_faults.api_key)
    assert run(water, "water.bills", identity(resident=ARREARS.rrn)).items == []  # holds no account
    parking = make(ParkingConnector, clean_faults.base_url, clean_faults.api_key)
    assert run(parking, "parking.towing", identity(vehicle_number="99저9999")).items == []
    (account,) = run(
        water, "water.account", identity(water_customer_number=str(PAID.water_customer_number))
    ).items
    assert account.holder_name == PAID.name and account.unpaid_amount == 0


def test_demo_connector_configs_fit_each_connector(monkeypatch: pytest.MonkeyPatch) -> None:
    from minwon.backoffice import demo_connector_configs
    from minwon.config import get_settings

    monkeypatch.setenv("MINWON_BACKOFFICE_PORT", "18999")
    get_settings.cache_clear()
    try:
        configs = demo_connector_configs()
    finally:
        monkeypatch.delenv("MINWON_BACKOFFICE_PORT")
        get_settings.cache_clear()
    assert set(configs) == {"local_tax", "water", "parking"}
    for name, cls in (
        ("local_tax", LocalTaxConnector),
        ("water", WaterConnector),
        ("parking", ParkingConnector),
    ):
        config = cls.Config.model_validate(configs[name])
        assert config.model_dump()["base_url"] == "http://127.0.0.1:18999"
        assert set(cls.secret_fields) == {"api_key"}


def test_parking_sms_pairs_the_reduced_fine_with_the_reduction_deadline() -> None:
    """질서위반행위규제법 §18: the 20 % reduction holds only until the reduction deadline; after it the
    full fine is due by the imposition due date."""
    from datetime import date

    from minwon.linkage.connectors.parking.connector import Violation

    base = {
        "notice_no": "P-1",
        "vehicle_number": "12가3456",
        "occurred_at": "2026-11-20T10:00:00+09:00",
        "place": "한빛로 1",
        "child_zone": False,
        "violation": "주정차 위반",
        "fine": 40_000,
        "reduced_fine": 32_000,
        "reduction": 8_000,
        "reduction_deadline": date(2026, 12, 17),
        "notice_date": date(2026, 12, 1),
        "objection_deadline": date(2026, 12, 17),
        "imposition_due": date(2027, 2, 16),
        "bank": "한빛은행",
        "virtual_account": "123-456",
    }
    in_period = Violation(**base, status="objection_period", amount_due=32_000).virtual_account_info()
    assert in_period is not None and (in_period.amount, in_period.due) == (32_000, date(2026, 12, 17))
    after = Violation(**base, status="imposed", amount_due=40_000).virtual_account_info()
    assert after is not None and (after.amount, after.due) == (40_000, date(2027, 2, 16))
    assert (
        Violation(**base, status="paid", amount_due=0, paid_on=date(2026, 12, 2)).virtual_account_info()
        is None
    )
