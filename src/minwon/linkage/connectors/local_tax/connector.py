"""``local_tax``: bills, arrears and virtual accounts from the city's local-tax system (지방세정보시스템)
over HTTP/JSON (the reference back office's ``/local-tax/*`` API).

Lookups (all need the verified resident registration number):

* ``local_tax.bills`` → :class:`TaxBill` per bill of the last two tax years (item, period, amounts, due
  date, status, surcharge, virtual account);
* ``local_tax.arrears`` → :class:`TaxBill` per overdue bill with its 납부지연가산세 (지방세기본법 §55);
* ``local_tax.virtual_accounts`` → :class:`VirtualAccount` per unpaid bill (payment status and account).
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
from minwon.linkage.http import HttpConnectorConfig, JsonHttpClient, parse_items


class TaxBill(BaseModel):
    """One local-tax bill. Amounts in KRW: ``amount`` = ``base_tax`` + ``education_tax`` (지방교육세);
    ``surcharge`` is the 납부지연가산세 owed today and ``amount_due`` what paying today costs (0 if paid).
    ``status``: ``paid``, ``unpaid`` (before the due date) or ``overdue``."""

    model_config = ConfigDict(frozen=True)

    bill_no: str
    tax_item: str
    tax_item_name: str
    tax_year: int
    object: str
    base_tax: int
    education_tax: int
    amount: int
    period_start: date
    due_date: date
    status: Literal["paid", "unpaid", "overdue"]
    paid_on: date | None = None
    paid_amount: int | None = None
    surcharge: int = 0
    amount_due: int
    bank: str
    virtual_account: str

    @model_validator(mode="before")
    @classmethod
    def _flatten_account(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("virtual_account"), dict):
            account = data["virtual_account"]
            data = {**data, "bank": account.get("bank"), "virtual_account": account.get("number")}
        return data


class VirtualAccount(BaseModel):
    """The payment account of one unpaid bill (가상계좌) and what it takes to pay it today (KRW)."""

    model_config = ConfigDict(frozen=True)

    bill_no: str
    tax_item_name: str
    tax_year: int
    status: Literal["unpaid", "overdue"]
    amount_due: int
    due_date: date
    bank: str
    account_number: str


class LocalTaxConnector(Connector):
    """HTTP connector to the local-tax system; configuration :class:`HttpConnectorConfig`."""

    name: ClassVar[str] = "local_tax"
    title: ClassVar[str] = "지방세"
    Config: ClassVar[type[BaseModel]] = HttpConnectorConfig
    secret_fields: ClassVar[frozenset[str]] = frozenset({"api_key"})
    lookups: ClassVar[tuple[LookupSpec, ...]] = (
        LookupSpec("local_tax.bills", "지방세 고지 내역", frozenset({IdentityKey.RESIDENT}), TaxBill),
        LookupSpec("local_tax.arrears", "지방세 체납", frozenset({IdentityKey.RESIDENT}), TaxBill),
        LookupSpec(
            "local_tax.virtual_accounts", "납부 가상계좌", frozenset({IdentityKey.RESIDENT}), VirtualAccount
        ),
    )

    _PATHS: ClassVar[dict[str, str]] = {
        "local_tax.bills": "/local-tax/bills",
        "local_tax.arrears": "/local-tax/arrears",
        "local_tax.virtual_accounts": "/local-tax/virtual-accounts",
    }

    def __init__(self, config: BaseModel) -> None:
        super().__init__(HttpConnectorConfig.model_validate(config.model_dump()))
        assert isinstance(self.config, HttpConnectorConfig)
        self.http = JsonHttpClient(self.name, self.config)

    async def fetch(self, lookup: str, identity: Identity, *, timeout_s: float) -> LookupResult:
        """Run ``lookup`` for the verified resident; raises ConnectorFailure (``rejected`` when the lookup
        is unknown or the identity has no resident number)."""
        path = self._PATHS.get(lookup)
        if path is None:
            raise ConnectorFailure("rejected", f"{self.name}: unknown lookup {lookup!r}")
        rrn = identity.get(IdentityKey.RESIDENT)
        if not rrn:
            raise ConnectorFailure("rejected", f"{self.name}: {lookup} needs a verified resident number")
        envelope = await self.http.post(path, {"rrn": rrn}, timeout_s=timeout_s)
        model = self.lookup_spec(lookup).result_model
        items = parse_items(self.name, path, model, envelope.items)
        return LookupResult(lookup=lookup, source=envelope.source, as_of=envelope.as_of, items=items)

    async def aclose(self) -> None:
        await self.http.aclose()
