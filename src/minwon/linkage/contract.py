"""The connector plugin contract.

A connector is a class registered under the Python entry-point group ``minwon.connectors``
(``name = "package.module:ConnectorClass"``). It declares the lookups it offers, the identity keys each
lookup needs and a typed result per lookup; minwon's orchestrator calls :meth:`Connector.fetch`
concurrently with a per-connector timeout. Amounts are integers in KRW; times are timezone-aware.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from importlib.metadata import entry_points
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

ENTRY_POINT_GROUP = "minwon.connectors"


class IdentityKey(StrEnum):
    """Identity keys a lookup can need."""

    #: Resident registration number (주민등록번호), verified on the contact.
    RESIDENT = "resident"
    #: Vehicle registration number (차량번호), e.g. 12가3456.
    VEHICLE = "vehicle_number"
    #: Water customer number (수용가번호).
    WATER_CUSTOMER = "water_customer_number"


@dataclass(frozen=True)
class Identity:
    """What the counselor verified for this contact. Clear values live only in memory.

    ``subject_ref`` is the pseudonymous data subject written to the access log.
    """

    values: Mapping[IdentityKey, str]
    subject_ref: str

    def get(self, key: IdentityKey) -> str | None:
        return self.values.get(key)


@dataclass(frozen=True)
class LookupSpec:
    """One lookup a connector offers, e.g. ``local_tax.bills``.

    ``needs_any``: the lookup can run when at least one of these keys is known.
    ``title``: Korean panel title. ``result_model``: pydantic model of one result item.
    """

    key: str
    title: str
    needs_any: frozenset[IdentityKey]
    result_model: type[BaseModel]

    def runnable(self, identity: Identity) -> bool:
        return any(identity.get(k) for k in self.needs_any)


class LookupResult(BaseModel):
    """A connector's answer for one lookup: ``items`` are instances of the lookup's ``result_model``."""

    model_config = ConfigDict(frozen=True)

    lookup: str
    source: str
    as_of: datetime
    items: list[Any]


class VirtualAccount(BaseModel):
    """A bill's payment virtual account (가상계좌), for the SMS the desk can send.

    A result model offers one by defining ``virtual_account_info(self) -> VirtualAccount | None``
    (optional; the desk also recognises items with ``bank`` and ``virtual_account`` fields).
    """

    model_config = ConfigDict(frozen=True)

    item: str
    amount: int
    due: date
    bank: str
    account: str


class ConnectorFailure(Exception):
    """A back-office call failed; ``kind`` is one of ``timeout``, ``unavailable``, ``bad_response``,
    ``rejected``. The message must not contain personal data."""

    KINDS = frozenset({"timeout", "unavailable", "bad_response", "rejected"})

    def __init__(self, kind: str, message: str) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"unknown failure kind {kind!r}")
        super().__init__(message)
        self.kind = kind


@dataclass
class ConnectorInfo:
    """What the registry knows of an installed connector."""

    name: str
    cls: type[Connector]
    lookups: tuple[LookupSpec, ...] = field(default_factory=tuple)


class Connector(ABC):
    """Base class of connectors. Subclasses set the class variables and implement :meth:`fetch`.

    ``Config`` is the pydantic model of the connector's per-deployment configuration; fields named in
    ``secret_fields`` are stored encrypted at rest.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    Config: ClassVar[type[BaseModel]]
    secret_fields: ClassVar[frozenset[str]] = frozenset()
    lookups: ClassVar[tuple[LookupSpec, ...]]

    def __init__(self, config: BaseModel) -> None:
        self.config = config

    def configured_lookups(self) -> tuple[LookupSpec, ...]:
        """The lookups this configured instance offers: the class's ``lookups`` by default; a connector
        whose lookups come from its configuration (``sql_view``) overrides this."""
        return self.lookups

    def lookup_spec(self, key: str) -> LookupSpec:
        for spec in self.configured_lookups():
            if spec.key == key:
                return spec
        raise KeyError(key)

    @abstractmethod
    async def fetch(self, lookup: str, identity: Identity, *, timeout_s: float) -> LookupResult:
        """Run one lookup. Raises :class:`ConnectorFailure` (never returns partial data)."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections (default: nothing)."""

    async def health(self, *, timeout_s: float) -> str | None:
        """Optional connectivity check for the admin page's "test" button: return a short status text or
        raise :class:`ConnectorFailure`. ``None`` (the default) means the connector has no check."""
        return None


def discover() -> dict[str, type[Connector]]:
    """Installed connector classes by name, from the ``minwon.connectors`` entry points."""
    found: dict[str, type[Connector]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Connector)):
            raise TypeError(f"entry point {ep.name!r} is not a minwon Connector")
        found[ep.name] = cls
    return found
