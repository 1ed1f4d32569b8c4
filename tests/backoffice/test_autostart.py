"""``minwon serve`` starts the back office as a child when autostart is on, and stops it on exit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_port


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"exited: {log.read_text()}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise AssertionError(f"no answer from {url}: {log.read_text()}")


def test_serve_starts_and_stops_the_backoffice(tmp_path: Path, fresh_database_url: str) -> None:
    port, bo_port = free_port(), free_port()
    env = {
        **os.environ,
        "MINWON_DATABASE_URL": fresh_database_url,
        "MINWON_ENVIRONMENT": "test",
        "MINWON_BACKOFFICE_AUTOSTART": "true",
        "MINWON_BACKOFFICE_PORT": str(bo_port),
        "MINWON_BACKOFFICE_RESIDENTS": "50",
        "MINWON_BACKOFFICE_DATABASE_URL": f"sqlite:///{tmp_path / 'bo.db'}",
        "MINWON_BACKOFFICE_API_KEY": "autostart-key",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "minwon.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    try:
        _wait(f"http://127.0.0.1:{port}/healthz", proc, log)
        bo = f"http://127.0.0.1:{bo_port}"
        assert httpx.get(f"{bo}/healthz").json()["service"] == "minwon-backoffice"
        meta = httpx.get(f"{bo}/_meta", headers={"X-API-Key": "autostart-key"}).json()
        assert meta["meta"]["residents"] == "50"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # serve waits for the child to exit before it exits itself; allow a loaded machine a moment to
    # release the port before calling it orphaned
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{bo_port}/healthz", timeout=2)
        except httpx.HTTPError:
            return
        time.sleep(0.5)
    raise AssertionError(f"the back office still answers after minwon serve exited: {log.read_text()}")


def test_autostart_is_off_in_tests_and_on_in_development() -> None:
    from minwon.config import Settings

    assert Settings(environment="test").backoffice_autostart_enabled is False
    assert Settings(environment="development").backoffice_autostart_enabled is True
    secrets = {"secret_key": "x" * 40, "data_keys": "k1:" + "A" * 43 + "="}
    assert Settings(environment="production", **secrets).backoffice_autostart_enabled is False
    assert Settings(environment="test", backoffice_autostart=True).backoffice_autostart_enabled is True
