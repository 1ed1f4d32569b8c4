"""What the demo needs from the reference back office: the connector configuration that links minwon to
it, and the demo callers whose records are interesting. Everything here is fictional.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from minwon.backoffice.generator import PERSONAS
from minwon.config import get_settings


@dataclass(frozen=True)
class DemoIdentity:
    """A fictional demo caller: ``rrn`` (synthetic, wrong check digit), ``vehicle_number`` and
    ``water_customer_number`` (None when the persona has none), and ``story`` (what the panels show)."""

    key: str
    name: str
    rrn: str
    vehicle_number: str | None
    water_customer_number: str | None
    story: str

    def identity_values(self) -> dict[str, str]:
        """The values as :class:`minwon.linkage.contract.IdentityKey` strings → value."""
        values = {"resident": self.rrn}
        if self.vehicle_number:
            values["vehicle_number"] = self.vehicle_number
        if self.water_customer_number:
            values["water_customer_number"] = self.water_customer_number
        return values


def demo_identities() -> list[DemoIdentity]:
    """The demo callers planted in every generated back office (any seed or size): arrears and a towed
    car; a water-leak bill and a fine in its objection period; a business owner who paid everything."""
    return [
        DemoIdentity(
            key=p.key,
            name=p.name,
            rrn=p.rrn,
            vehicle_number=p.plate,
            water_customer_number=p.water_customer_number,
            story=p.story,
        )
        for p in PERSONAS
    ]


def demo_base_url() -> str:
    """``http://HOST:PORT`` of the back office ``minwon serve`` starts (MINWON_BACKOFFICE_HOST/PORT)."""
    settings = get_settings()
    host = "127.0.0.1" if settings.backoffice_host in ("0.0.0.0", "::") else settings.backoffice_host  # noqa: S104
    return f"http://{host}:{settings.backoffice_port}"


def demo_connector_configs() -> dict[str, dict[str, Any]]:
    """Configuration per connector name (``local_tax``, ``water``, ``parking``) linking to the demo back
    office: ``{"base_url", "api_key", "verify_tls"}`` — each valid for the connector's ``Config``.
    ``api_key`` is a secret field (store it encrypted)."""
    settings = get_settings()
    config = {"base_url": demo_base_url(), "api_key": settings.backoffice_api_key, "verify_tls": True}
    return {name: dict(config) for name in ("local_tax", "water", "parking")}


def print_demo_callers(*, console: Console) -> None:
    """Print the demo callers (all fictional) and where the back office answers, for ``init --demo``."""
    table = Table(title="Demo callers (FICTIONAL; the RRNs carry a wrong check digit)")
    table.add_column("Name")
    table.add_column("RRN (synthetic)", no_wrap=True)
    table.add_column("Vehicle", no_wrap=True)
    table.add_column("Water customer", no_wrap=True)
    people = demo_identities()
    for person in people:
        table.add_row(
            person.name, person.rrn, person.vehicle_number or "-", person.water_customer_number or "-"
        )
    console.print(table)
    for person in people:
        console.print(f"  {person.name}: {person.story}", highlight=False)
    console.print(
        f"Back office (reference, synthetic data): {demo_base_url()} (minwon serve starts it)",
        highlight=False,
    )
