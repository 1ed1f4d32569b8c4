"""``water``: customer accounts and bimonthly bills from the city's water-rate system (상수도 요금관리시스템)
over HTTP/JSON (the reference back office's ``/water/*`` API).

Lookups (each runs with the water customer number, or with the verified resident number, in which case the
accounts the resident holds are used):

* ``water.account`` → :class:`WaterAccount` (holder, address, meter, unpaid balance, overdue bills);
* ``water.bills`` → :class:`WaterBill` per bimonthly bill with its meter reading (검침) and the
  상수도/하수도/물이용부담금 split, status, late charge and virtual account.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from minwon.linkage.contract import (
    Connector,
    ConnectorFailure,
    Identity,
    IdentityKey,
    LookupResult,
    LookupSpec,
)
from minwon.linkage.http import Deadline, Envelope, HttpConnectorConfig, JsonHttpClient, as_of_of, parse_items

_KEYS = frozenset({IdentityKey.WATER_CUSTOMER, IdentityKey.RESIDENT})


class WaterAccount(BaseModel):
    """A water customer account (수용가); ``unpaid_amount`` in KRW (late charges included)."""

    model_config = ConfigDict(frozen=True)

    customer_number: str
    holder_name: str
    address: str
    usage_type: str
    meter_mm: int
    meter_number: str
    status: str
    unpaid_amount: int
    overdue_bills: int


class WaterBill(BaseModel):
    """One bimonthly bill (KRW; usage in m³). ``amount`` = ``water_charge`` (상수도) + ``sewage_charge``
    (하수도) + ``water_use_levy`` (물이용부담금); ``late_charge`` applies when ``status`` is ``overdue``;
    ``leak_suspected`` flags a usage far above the account's usual (누수 의심)."""

    model_config = ConfigDict(frozen=True)

    customer_number: str
    bill_no: str
    period_start: date
    period_end: date
    reading_date: date
    previous_reading: int
    current_reading: int
    usage_m3: int
    water_charge: int
    sewage_charge: int
    water_use_levy: int
    amount: int
    due_date: date
    status: Literal["paid", "unpaid", "overdue"]
    paid_on: date | None = None
    paid_amount: int | None = None
    late_charge: int = 0
    amount_due: int
    leak_suspected: bool = False
    bank: str
    virtual_account: str

    @model_validator(mode="before")
    @classmethod
    def _flatten_account(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("virtual_account"), dict):
            account = data["virtual_account"]
            data = {**data, "bank": account.get("bank"), "virtual_account": account.get("number")}
        return data


class WaterConnector(Connector):
    """HTTP connector to the water-rate system; configuration :class:`HttpConnectorConfig`."""

    name: ClassVar[str] = "water"
    title: ClassVar[str] = "상하수도"
    Config: ClassVar[type[BaseModel]] = HttpConnectorConfig
    secret_fields: ClassVar[frozenset[str]] = frozenset({"api_key"})
    lookups: ClassVar[tuple[LookupSpec, ...]] = (
        LookupSpec("water.account", "상하수도 수용가", _KEYS, WaterAccount),
        LookupSpec("water.bills", "상하수도 요금", _KEYS, WaterBill),
    )

    def __init__(self, config: BaseModel) -> None:
        super().__init__(HttpConnectorConfig.model_validate(config.model_dump()))
        assert isinstance(self.config, HttpConnectorConfig)
        self.http = JsonHttpClient(self.name, self.config)

    async def _accounts(self, identity: Identity, timeout_s: float) -> Envelope:
        customer = identity.get(IdentityKey.WATER_CUSTOMER)
        body = {"customer_number": customer} if customer else {"rrn": identity.get(IdentityKey.RESIDENT)}
        return await self.http.post("/water/accounts", body, timeout_s=timeout_s)

    async def fetch(self, lookup: str, identity: Identity, *, timeout_s: float) -> LookupResult:
        """Run ``lookup``; ``water.bills`` with only a resident number makes two calls within the one
        ``timeout_s`` budget. Raises ConnectorFailure."""
        if lookup not in ("water.account", "water.bills"):
            raise ConnectorFailure("rejected", f"{self.name}: unknown lookup {lookup!r}")
        if not self.lookup_spec(lookup).runnable(identity):
            raise ConnectorFailure("rejected", f"{self.name}: {lookup} needs a customer or resident number")
        budget = Deadline(timeout_s)
        customer = identity.get(IdentityKey.WATER_CUSTOMER)
        if lookup == "water.account" or not customer:
            accounts = await self._accounts(identity, budget.left())
            if lookup == "water.account":
                items = parse_items(self.name, "/water/accounts", WaterAccount, accounts.items)
                return LookupResult(lookup=lookup, source=accounts.source, as_of=accounts.as_of, items=items)
            numbers = [str(a.get("customer_number")) for a in accounts.items]
            envelopes = [accounts]
        else:
            numbers = [customer]
            envelopes = []
        bills: list[Any] = []
        for number in numbers:
            answer = await self.http.post(
                "/water/bills", {"customer_number": number}, timeout_s=budget.left()
            )
            envelopes.append(answer)
            rows = [{**row, "customer_number": number} for row in answer.items]
            bills.extend(parse_items(self.name, "/water/bills", WaterBill, rows))
        last = envelopes[-1]
        return LookupResult(lookup=lookup, source=last.source, as_of=as_of_of(envelopes), items=bills)

    async def aclose(self) -> None:
        await self.http.aclose()
