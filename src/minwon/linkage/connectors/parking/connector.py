"""``parking``: parking-violation fines and towing from the city's enforcement system (주정차단속시스템)
over HTTP/JSON (the reference back office's ``/parking/*`` API).

Lookups (by vehicle number, or by the verified resident number for every vehicle the resident owns):

* ``parking.violations`` → :class:`Violation`: place and time, fine, the 20% early-payment reduction
  and its deadline (질서위반행위규제법 §18, 시행령 §5), the objection (의견진술) deadline (§16①), stage,
  surcharge (§24) and virtual account;
* ``parking.towing`` → :class:`Towing`: towing time and place, impound lot, status and fees so far.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, model_validator

from minwon.linkage.contract import (
    Connector,
    ConnectorFailure,
    Identity,
    IdentityKey,
    LookupResult,
    LookupSpec,
)
from minwon.linkage.contract import VirtualAccount as PaymentAccount
from minwon.linkage.http import HttpConnectorConfig, JsonHttpClient, parse_items

_KEYS = frozenset({IdentityKey.VEHICLE, IdentityKey.RESIDENT})


class Violation(BaseModel):
    """One parking violation. KRW: ``fine``; ``reduced_fine`` = fine − ``reduction`` (20%) when paid by
    ``reduction_deadline``; ``amount_due`` is what paying today costs. ``status``: ``notice_pending``
    (pre-notice not yet issued), ``objection_period``, ``objection_filed``, ``imposed``, ``overdue``,
    ``paid``."""

    model_config = ConfigDict(frozen=True)

    notice_no: str
    vehicle_number: str
    occurred_at: AwareDatetime
    place: str
    child_zone: bool
    violation: str
    fine: int
    reduced_fine: int
    reduction: int
    reduction_deadline: date
    notice_date: date
    objection_deadline: date
    objection_filed_on: date | None = None
    imposition_due: date
    status: Literal["notice_pending", "objection_period", "objection_filed", "imposed", "overdue", "paid"]
    paid_on: date | None = None
    paid_amount: int | None = None
    surcharge: int = 0
    amount_due: int
    bank: str
    virtual_account: str

    def virtual_account_info(self) -> PaymentAccount | None:
        """What to tell the citizen to pay: while the reduction period runs, the reduced fine by the
        reduction deadline (질서위반행위규제법 §18); after it, ``amount_due`` by the imposition due date.
        None for a paid violation."""
        if self.status == "paid" or self.amount_due <= 0:
            return None
        reduced = self.amount_due == self.reduced_fine and self.reduction > 0
        return PaymentAccount(
            item=self.violation,
            amount=self.amount_due,
            due=self.reduction_deadline if reduced else self.imposition_due,
            bank=self.bank,
            account=self.virtual_account,
        )

    @model_validator(mode="before")
    @classmethod
    def _flatten_account(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("virtual_account"), dict):
            account = data["virtual_account"]
            data = {**data, "bank": account.get("bank"), "virtual_account": account.get("number")}
        return data


class Towing(BaseModel):
    """One tow (견인): ``status`` ``impounded`` or ``released``; fees in KRW (storage so far)."""

    model_config = ConfigDict(frozen=True)

    vehicle_number: str
    notice_no: str | None = None
    towed_at: AwareDatetime
    towed_from: str | None = None
    lot: str
    lot_phone: str
    status: Literal["impounded", "released"]
    released_at: datetime | None = None
    towing_fee: int
    storage_fee: int


class ParkingConnector(Connector):
    """HTTP connector to the parking-enforcement system; configuration :class:`HttpConnectorConfig`."""

    name: ClassVar[str] = "parking"
    title: ClassVar[str] = "주정차"
    Config: ClassVar[type[BaseModel]] = HttpConnectorConfig
    secret_fields: ClassVar[frozenset[str]] = frozenset({"api_key"})
    lookups: ClassVar[tuple[LookupSpec, ...]] = (
        LookupSpec("parking.violations", "주정차 위반 과태료", _KEYS, Violation),
        LookupSpec("parking.towing", "견인·보관", _KEYS, Towing),
    )
    _PATHS: ClassVar[dict[str, str]] = {
        "parking.violations": "/parking/violations",
        "parking.towing": "/parking/towing",
    }

    def __init__(self, config: BaseModel) -> None:
        super().__init__(HttpConnectorConfig.model_validate(config.model_dump()))
        assert isinstance(self.config, HttpConnectorConfig)
        self.http = JsonHttpClient(self.name, self.config)

    async def fetch(self, lookup: str, identity: Identity, *, timeout_s: float) -> LookupResult:
        """Run ``lookup`` by vehicle number (preferred) or resident number; raises ConnectorFailure."""
        path = self._PATHS.get(lookup)
        if path is None:
            raise ConnectorFailure("rejected", f"{self.name}: unknown lookup {lookup!r}")
        vehicle = identity.get(IdentityKey.VEHICLE)
        rrn = identity.get(IdentityKey.RESIDENT)
        if vehicle:
            body = {"vehicle_number": vehicle.replace(" ", "")}
        elif rrn:
            body = {"rrn": rrn}
        else:
            raise ConnectorFailure("rejected", f"{self.name}: {lookup} needs a vehicle or resident number")
        envelope = await self.http.post(path, body, timeout_s=timeout_s)
        items = parse_items(self.name, path, self.lookup_spec(lookup).result_model, envelope.items)
        return LookupResult(lookup=lookup, source=envelope.source, as_of=envelope.as_of, items=items)

    async def aclose(self) -> None:
        await self.http.aclose()
