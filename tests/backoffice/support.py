"""Helpers to run the reference back office in tests (real HTTP on a free localhost port).

``start_backoffice(tmp_path)`` → a running back office (``.base_url``, ``.api_key``, ``.faults``,
``.stop()``); the ``backoffice`` fixture factory below stops it after the test. The data is generated for
the fixed date :data:`AS_OF` so statuses are deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from minwon.backoffice.server import RunningBackoffice, start_backoffice
from minwon.linkage.contract import Identity, IdentityKey

AS_OF = date(2026, 11, 30)
SEED = 7
RESIDENTS = 300

__all__ = ["AS_OF", "RESIDENTS", "SEED", "RunningBackoffice", "identity", "start_backoffice"]


def identity(**values: str) -> Identity:
    """An Identity from keyword values: ``resident=…``, ``vehicle_number=…``, ``water_customer_number=…``."""
    return Identity(values={IdentityKey(k): v for k, v in values.items()}, subject_ref="test-subject")


@pytest.fixture(scope="module")
def backoffice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBackoffice]:
    """One back office per test module (import this fixture into the test module to use it)."""
    folder: Path = tmp_path_factory.mktemp("backoffice")
    server = start_backoffice(folder, residents=RESIDENTS, seed=SEED, as_of=AS_OF)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def clean_faults(backoffice: RunningBackoffice) -> Iterator[RunningBackoffice]:
    """The module's back office with no faults in force before and after the test."""
    backoffice.faults.clear()
    yield backoffice
    backoffice.faults.clear()
