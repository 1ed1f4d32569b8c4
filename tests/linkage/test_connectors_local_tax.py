"""The local_tax connector against a real reference back office over HTTP."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from minwon.backoffice import demo_identities
from minwon.linkage.connectors.local_tax import LocalTaxConnector
from minwon.linkage.connectors.local_tax.connector import TaxBill, VirtualAccount
from minwon.linkage.contract import ConnectorFailure, LookupResult
from minwon.linkage.http import HttpConnectorConfig
from tests.backoffice.support import AS_OF, RunningBackoffice, backoffice, clean_faults, identity

__all__ = ["backoffice", "clean_faults"]

ARREARS = demo_identities()[0]


def connector(bo: RunningBackoffice, **overrides: object) -> LocalTaxConnector:
    config = {"base_url": bo.base_url, "api_key": bo.api_key, **overrides}
    return LocalTaxConnector(HttpConnectorConfig.model_validate(config))


def fetch(conn: LocalTaxConnector, lookup: str, rrn: str, timeout_s: float = 5.0) -> LookupResult:
    async def run() -> LookupResult:
        try:
            return await conn.fetch(lookup, identity(resident=rrn), timeout_s=timeout_s)
        finally:
            await conn.aclose()

    return asyncio.run(run())


def test_arrears_of_the_demo_caller_with_surcharge_by_hand(clean_faults: RunningBackoffice) -> None:
    result = fetch(connector(clean_faults), "local_tax.arrears", ARREARS.rrn)
    assert result.source == "한빛시 지방세정보시스템 (reference)"
    assert result.as_of.date() == AS_OF
    by_item = {b.tax_item: b for b in result.items}
    assert all(isinstance(b, TaxBill) for b in result.items)
    assert set(by_item) == {"property_housing_1", "property_housing_2", "vehicle_2"}
    july = by_item["property_housing_1"]
    # 재산세(주택) 1.2M a year → two halves of 600,000 + 지방교육세 20% (120,000), due 2025-07-31
    assert (july.base_tax, july.education_tax, july.amount) == (600_000, 120_000, 720_000)
    assert july.due_date == date(2025, 7, 31)
    # 지방세기본법 §55①3·4: 3% once; the 600,000 main tax (≥ 450,000) adds 0.66% per month passed:
    # 2025-07-31 → 2026-11-30 is 15 whole months (the 16th completes on 2026-11-30's next day).
    # The 120,000 education tax (< 450,000) only gets the 3%.
    expected = 600_000 * 3 // 100 + round(600_000 * 0.0066 * 15) + 120_000 * 3 // 100
    assert expected == 81_000
    assert july.surcharge == expected
    assert july.amount_due == 720_000 + 81_000
    assert july.status == "overdue" and july.paid_on is None


def test_bills_and_virtual_accounts(clean_faults: RunningBackoffice) -> None:
    bills = fetch(connector(clean_faults), "local_tax.bills", ARREARS.rrn).items
    unpaid = {b.bill_no for b in bills if b.status != "paid"}
    accounts = fetch(connector(clean_faults), "local_tax.virtual_accounts", ARREARS.rrn).items
    assert all(isinstance(a, VirtualAccount) for a in accounts)
    assert {a.bill_no for a in accounts} == unpaid
    assert all(a.bank and a.account_number for a in accounts)


def test_unknown_resident_is_an_empty_result(clean_faults: RunningBackoffice) -> None:
    result = fetch(connector(clean_faults), "local_tax.bills", "000101-3000000")
    assert result.items == []


def test_wrong_key_is_rejected_without_personal_data(clean_faults: RunningBackoffice) -> None:
    with pytest.raises(ConnectorFailure) as caught:
        fetch(connector(clean_faults, api_key="wrong"), "local_tax.bills", ARREARS.rrn)
    assert caught.value.kind == "rejected"
    assert ARREARS.rrn not in str(caught.value) and ARREARS.rrn[:6] not in str(caught.value)
