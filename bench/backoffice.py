"""The reference back office: generation time at the demo size, and per-lookup latency of the three HTTP
connectors against it (in-process server, real HTTP on localhost), with and without injected latency.

Prints one JSON object. Run: ``.venv/bin/python bench/backoffice.py > bench/results/backoffice.json``
(about a minute on a loaded 2-CPU machine).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from minwon.backoffice import demo_identities, generator
from minwon.backoffice.faults import FaultRule
from minwon.backoffice.server import start_backoffice
from minwon.linkage.connectors.local_tax import LocalTaxConnector
from minwon.linkage.connectors.parking import ParkingConnector
from minwon.linkage.connectors.water import WaterConnector
from minwon.linkage.contract import Connector, Identity, IdentityKey
from minwon.linkage.http import HttpConnectorConfig

AS_OF = date(2026, 11, 30)
RESIDENTS = 20_000
RUNS = 100


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(conn: Connector, lookup: str, who: Identity, runs: int) -> dict[str, float]:
    samples = []
    await conn.fetch(lookup, who, timeout_s=5)  # warm the connection pool
    for _ in range(runs):
        start = time.perf_counter()
        await conn.fetch(lookup, who, timeout_s=5)
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(percentile(samples, 0.95), 2),
    }


def main() -> None:
    started = time.process_time()
    wall = time.perf_counter()
    data = generator.generate(seed=2026, residents=RESIDENTS, as_of=AS_OF)
    result: dict[str, Any] = {
        "residents": RESIDENTS,
        "rows": {k: len(v) for k, v in data.tables.items()},
        "generate_cpu_s": round(time.process_time() - started, 2),
        "generate_wall_s": round(time.perf_counter() - wall, 2),
    }
    arrears, leak, _ = demo_identities()
    who = {
        "local_tax.bills": Identity({IdentityKey.RESIDENT: arrears.rrn}, "bench"),
        "water.bills": Identity({IdentityKey.WATER_CUSTOMER: str(leak.water_customer_number)}, "bench"),
        "parking.violations": Identity({IdentityKey.VEHICLE: str(leak.vehicle_number)}, "bench"),
    }
    classes: dict[str, type[Connector]] = {
        "local_tax.bills": LocalTaxConnector,
        "water.bills": WaterConnector,
        "parking.violations": ParkingConnector,
    }
    with tempfile.TemporaryDirectory() as folder:
        wall = time.perf_counter()
        server = start_backoffice(Path(folder), residents=RESIDENTS, seed=2026, as_of=AS_OF)
        result["build_and_start_wall_s"] = round(time.perf_counter() - wall, 2)
        try:

            async def run_all(label: str) -> None:
                block: dict[str, Any] = {}
                for lookup, cls in classes.items():
                    conn = cls(HttpConnectorConfig(base_url=server.base_url, api_key=server.api_key))
                    try:
                        block[lookup] = await measure(conn, lookup, who[lookup], RUNS)
                    finally:
                        await conn.aclose()
                result[label] = block

            asyncio.run(run_all("lookup_latency"))
            server.faults.set(FaultRule(path="/local-tax", latency_ms=50))
            server.faults.set(FaultRule(path="/water", latency_ms=150))
            server.faults.set(FaultRule(path="/parking", latency_ms=300))
            result["injected_latency_ms"] = {"local_tax": 50, "water": 150, "parking": 300}
            asyncio.run(run_all("lookup_latency_with_injected"))
        finally:
            server.stop()
    result["machine"] = {
        "python": sys.version.split()[0],
        "platform": platform.machine(),
        "cpus": os.cpu_count(),
        "load_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
