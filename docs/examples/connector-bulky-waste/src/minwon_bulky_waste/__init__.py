"""Example connector: a city's bulky-waste collection reports (대형폐기물 배출 신고) over HTTP/JSON.

The city's system answers ``POST /bulky-waste/reports {"rrn": …}`` with the envelope minwon's HTTP
helpers expect (``{"source", "as_of", "subject_found", "items"}``); each item is one report.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from minwon.linkage.contract import (
    Connector,
    ConnectorFailure,
    Identity,
    IdentityKey,
    LookupResult,
    LookupSpec,
)
from minwon.linkage.http import HttpConnectorConfig, JsonHttpClient, parse_items


class BulkyWasteReport(BaseModel):
    """One report: items, fee (KRW), collection date, status."""

    model_config = ConfigDict(frozen=True)

    report_no: str
    items: str
    fee: int
    collection_date: date
    status: Literal["reported", "paid", "collected", "cancelled"]


class BulkyWasteConnector(Connector):
    name: ClassVar[str] = "bulky_waste"
    title: ClassVar[str] = "대형폐기물"
    Config: ClassVar[type[BaseModel]] = HttpConnectorConfig
    secret_fields: ClassVar[frozenset[str]] = frozenset({"api_key"})
    lookups: ClassVar[tuple[LookupSpec, ...]] = (
        LookupSpec(
            "bulky_waste.reports", "대형폐기물 배출 신고", frozenset({IdentityKey.RESIDENT}), BulkyWasteReport
        ),
    )

    def __init__(self, config: BaseModel) -> None:
        super().__init__(HttpConnectorConfig.model_validate(config.model_dump()))
        assert isinstance(self.config, HttpConnectorConfig)
        self.http = JsonHttpClient(self.name, self.config)

    async def fetch(self, lookup: str, identity: Identity, *, timeout_s: float) -> LookupResult:
        if lookup != "bulky_waste.reports":
            raise ConnectorFailure("rejected", f"{self.name}: unknown lookup {lookup!r}")
        rrn = identity.get(IdentityKey.RESIDENT)
        if not rrn:
            raise ConnectorFailure("rejected", f"{self.name}: {lookup} needs a verified resident number")
        envelope = await self.http.post("/bulky-waste/reports", {"rrn": rrn}, timeout_s=timeout_s)
        items = parse_items(self.name, "/bulky-waste/reports", BulkyWasteReport, envelope.items)
        return LookupResult(lookup=lookup, source=envelope.source, as_of=envelope.as_of, items=items)

    async def aclose(self) -> None:
        await self.http.aclose()
