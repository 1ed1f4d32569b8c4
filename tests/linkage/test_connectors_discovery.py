"""Connectors are discovered by entry point: the four shipped ones, and a fourth-party connector that
lives in its own folder with its own entry point (docs/examples/connector-bulky-waste) and needs no change
anywhere in minwon."""

from __future__ import annotations

import asyncio
import importlib
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from minwon.linkage.contract import ENTRY_POINT_GROUP, Connector, discover
from minwon.linkage.http import HttpConnectorConfig
from tests.backoffice.support import identity

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "connector-bulky-waste"


def test_shipped_connectors_are_discovered() -> None:
    found = discover()
    assert {"local_tax", "water", "parking", "sql_view"} <= set(found)
    for name, cls in found.items():
        if cls.__module__.startswith("minwon."):
            assert cls.name == name and cls.title
    lookups = {spec.key for cls in found.values() for spec in cls.lookups}
    assert {
        "local_tax.bills",
        "local_tax.arrears",
        "local_tax.virtual_accounts",
        "water.account",
        "water.bills",
        "parking.violations",
        "parking.towing",
    } <= lookups


@pytest.fixture()
def installed_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Install the example the way pip would expose it: its package importable and a ``.dist-info`` with
    the entry points of its own pyproject.toml on sys.path."""
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    dist = tmp_path / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    points = project["entry-points"][ENTRY_POINT_GROUP]
    (dist / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\n" + "".join(f"{k} = {v}\n" for k, v in points.items())
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(EXAMPLE / "src"))
    importlib.invalidate_caches()
    yield
    sys.modules.pop("minwon_bulky_waste", None)


def test_a_connector_in_its_own_folder_is_discovered(installed_example: None) -> None:
    found = discover()
    cls = found["bulky_waste"]
    assert issubclass(cls, Connector) and cls.__module__ == "minwon_bulky_waste"
    assert {"local_tax", "water", "parking", "sql_view", "bulky_waste"} <= set(found)
    (spec,) = cls.lookups
    assert spec.key == "bulky_waste.reports" and spec.runnable(identity(resident="780314-1100012"))
    conn = cls(HttpConnectorConfig(base_url="http://127.0.0.1:9", api_key="k"))

    async def unreachable() -> str:
        from minwon.linkage.contract import ConnectorFailure

        try:
            await conn.fetch("bulky_waste.reports", identity(resident="780314-1100012"), timeout_s=2)
        except ConnectorFailure as exc:
            return exc.kind
        finally:
            await conn.aclose()
        return "answered"

    assert asyncio.run(unreachable()) == "unavailable"
