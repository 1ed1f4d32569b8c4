"""``minwon backoffice serve`` as its own process: start-up latencies, its own database, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from minwon.backoffice import demo_identities
from minwon.backoffice.faults import parse_latency_option
from tests.conftest import free_port


def test_parse_latency_option() -> None:
    assert parse_latency_option("150").model_dump(include={"path", "latency_ms"}) == {
        "path": "*",
        "latency_ms": 150,
    }
    assert parse_latency_option("water=20").path == "/water"
    assert parse_latency_option("/parking=300").latency_ms == 300
    for bad in ("x", "/water=fast", "-5"):
        try:
            parse_latency_option(bad)
        except ValueError as exc:
            assert "--latency" in str(exc)
        else:
            raise AssertionError(f"{bad!r} accepted")


def test_serve_process_with_latency_and_its_own_database(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "MINWON_BACKOFFICE_API_KEY": "cli-key", "MINWON_ENVIRONMENT": "test"}
    db = tmp_path / "own.db"
    command = [sys.executable, "-m", "minwon.cli", "backoffice", "serve", "--port", str(port)]
    command += [
        "--residents",
        "10",
        "--seed",
        "5",
        "--as-of",
        "2026-11-30",
        "--database-url",
        f"sqlite:///{db}",
    ]
    command += ["--latency", "/water=40", "--latency", "5"]
    log = tmp_path / "bo.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        faults = httpx.get(f"{base}/_faults", headers={"X-API-Key": "cli-key"}).json()["faults"]
        assert {(f["path"], f["latency_ms"]) for f in faults} == {("/water", 40), ("*", 5)}
        person = demo_identities()[0]
        answer = httpx.post(
            f"{base}/local-tax/arrears", json={"rrn": person.rrn}, headers={"X-API-Key": "cli-key"}
        )
        assert len(answer.json()["items"]) == 3
        assert db.exists()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    output = log.read_text()
    assert person.rrn not in output and "/local-tax/arrears" not in output  # no access log


def test_bad_latency_option_is_a_clear_error(tmp_path: Path) -> None:
    env = {**os.environ, "MINWON_ENVIRONMENT": "test"}
    result = subprocess.run(
        [sys.executable, "-m", "minwon.cli", "backoffice", "serve", "--latency", "/water=fast"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--latency" in result.stderr and "Traceback" not in result.stderr
