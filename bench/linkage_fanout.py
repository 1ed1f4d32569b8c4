"""Desk-side latency of a full linkage fan-out against the reference back office.

Starts the back office as its own process (``minwon backoffice serve`` on a free localhost port, 300
fictional residents), so it does not share this process's interpreter, and injects latencies of
50 ms (local tax), 150 ms (water) and 300 ms (parking) with its fault API. Then, through the same
orchestrator the desk panels use (``linkage.orchestrator`` with the shipped HTTP connectors), measures:

* ``slowest_connector_ms``: p95 of the parking connector (300 ms) fanned out alone — the floor a
  concurrent fan-out cannot beat;
* ``p50_ms`` / ``p95_ms``: total wall time of the fan-out of all three connectors (7 lookups) at once;
* ``p95_ms_with_hang`` and ``others_p95_ms_with_hang``: the same with the water system hanging: the total is
  bounded by the per-connector timeout (``timeout_ms``), and the other two panels' own times stay on time.

Prints ONE JSON object and writes ``bench/results/linkage_fanout.json``. Runs in about 30 s.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from minwon.backoffice.demo import demo_identities
from minwon.linkage.contract import Connector, Identity, IdentityKey, discover
from minwon.linkage.orchestrator import BreakerRegistry, ConnectorOutcome, ContactCache, Orchestrator, Policy

RUNS = 40
HANG_RUNS = 10
TIMEOUT_S = 1.0
LATENCY_MS = {"local_tax": 50, "water": 150, "parking": 300}
PATHS = {"local_tax": "/local-tax", "water": "/water", "parking": "/parking"}
OUT = Path(__file__).with_name("results") / "linkage_fanout.json"


API_KEY = "bench-backoffice-key"


@contextmanager
def _backoffice(folder: Path) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "MINWON_BACKOFFICE_API_KEY": API_KEY}
    cmd = [
        sys.executable,
        "-m",
        "minwon.cli",
        "backoffice",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    cmd += ["--database-url", f"sqlite:///{folder / 'bo.db'}", "--residents", "300", "--as-of", "2026-11-30"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the back office did not start")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _faults(base: str, rules: list[dict[str, Any]]) -> None:
    headers = {"X-API-Key": API_KEY}
    httpx.delete(f"{base}/_faults", headers=headers, timeout=5).raise_for_status()
    httpx.post(f"{base}/_faults", json=rules, headers=headers, timeout=5).raise_for_status()


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _connectors(base_url: str, api_key: str, names: list[str]) -> list[Connector]:
    classes = discover()
    config = {"base_url": base_url, "api_key": api_key, "verify_tls": True}
    return [classes[n](classes[n].Config.model_validate(config)) for n in names]


async def _fan_out(
    orch: Orchestrator, conns: list[Connector], identity: Identity, policy: Policy
) -> tuple[float, list[ConnectorOutcome]]:
    started = time.perf_counter()
    panels = await orch.fan_out(
        conns, identity, scope="bench", policies={c.name: policy for c in conns}, refresh=True
    )
    return (time.perf_counter() - started) * 1000, panels


async def _series(
    base_url: str, api_key: str, names: list[str], identity: Identity, runs: int
) -> tuple[list[float], list[list[ConnectorOutcome]]]:
    # breakers never open here: every run must really wait for the hanging system (worst case)
    policy = Policy(timeout_s=TIMEOUT_S, retries=1, breaker_threshold=10_000)
    orch = Orchestrator(breakers=BreakerRegistry(), cache=ContactCache())
    conns = _connectors(base_url, api_key, names)
    totals: list[float] = []
    panels: list[list[ConnectorOutcome]] = []
    try:
        await _fan_out(orch, conns, identity, policy)  # warm-up: connection pools
        for _ in range(runs):
            total, result = await _fan_out(orch, conns, identity, policy)
            totals.append(total)
            panels.append(result)
    finally:
        for c in conns:
            await c.aclose()
    return totals, panels


def main() -> dict[str, Any]:
    persona = next(p for p in demo_identities() if p.vehicle_number and p.water_customer_number)
    identity = Identity(
        values={IdentityKey(k): v for k, v in persona.identity_values().items()}, subject_ref="bench"
    )
    names = list(LATENCY_MS)
    with tempfile.TemporaryDirectory() as folder, _backoffice(Path(folder)) as base:
        _faults(base, [{"path": PATHS[n], "latency_ms": ms} for n, ms in LATENCY_MS.items()])
        slowest, _ = asyncio.run(_series(base, API_KEY, ["parking"], identity, RUNS))
        totals, panels = asyncio.run(_series(base, API_KEY, names, identity, RUNS))
        states = sorted({f"{lo.lookup}:{lo.state.value}" for run in panels for p in run for lo in p.lookups})
        hang = {"path": PATHS["water"], "hang": True, "hang_s": 2}
        _faults(
            base, [*({"path": PATHS[n], "latency_ms": LATENCY_MS[n]} for n in ("local_tax", "parking")), hang]
        )
        hang_totals, hang_panels = asyncio.run(_series(base, API_KEY, names, identity, HANG_RUNS))
    others = [p.elapsed_ms for run in hang_panels for p in run if p.connector != "water"]
    water_states = sorted({p.state.value for run in hang_panels for p in run if p.connector == "water"})
    result = {
        "runs": RUNS,
        "hang_runs": HANG_RUNS,
        "connector_latency_ms": LATENCY_MS,
        "lookups": sum(len(p.lookups) for p in panels[0]),
        "timeout_ms": TIMEOUT_S * 1000,
        "slowest_connector_ms": round(_p(slowest, 0.95), 1),
        "p50_ms": round(statistics.median(totals), 1),
        "p95_ms": round(_p(totals, 0.95), 1),
        "p95_over_slowest_ms": round(_p(totals, 0.95) - _p(slowest, 0.95), 1),
        "lookup_states": states,
        "p50_ms_with_hang": round(statistics.median(hang_totals), 1),
        "p95_ms_with_hang": round(_p(hang_totals, 0.95), 1),
        "others_p50_ms_with_hang": round(statistics.median(others), 1),
        "others_p95_ms_with_hang": round(_p(others, 0.95), 1),
        "hanging_panel_states": water_states,
        "python": sys.version.split()[0],
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return result


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False))
