"""Starting the reference back office beside ``minwon serve`` (the demo): a child process on
MINWON_BACKOFFICE_PORT that is awaited until it answers and stopped when the server exits.

On when MINWON_BACKOFFICE_AUTOSTART is true, or unset in the ``development`` environment (the demo); off
in tests and production.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
from rich.console import Console

from minwon.backoffice.app import SERVICE_NAME
from minwon.backoffice.demo import demo_base_url
from minwon.config import get_settings
from minwon.core.processes import die_with_parent, stop_child

#: Seconds to wait for the child to generate its data and answer (20,000 residents take ~10 s).
START_TIMEOUT_S = 180.0


def answering(base_url: str) -> bool | None:
    """True if a back office answers ``/healthz`` at ``base_url``, False if nothing answers, None if
    something else does."""
    try:
        response = httpx.get(f"{base_url}/healthz", timeout=1.0)
    except httpx.HTTPError:
        return False
    try:
        return bool(response.json().get("service") == SERVICE_NAME)
    except ValueError:
        return None


def start_child(*, console: Console) -> subprocess.Popen[bytes] | None:
    """Start ``minwon backoffice serve`` and wait until it answers. Returns the process, or None when a
    back office already answers on that port (reused) or the port is taken by something else (warned).
    Raises RuntimeError when the child exits or does not answer within :data:`START_TIMEOUT_S`."""
    settings = get_settings()
    base = demo_base_url()
    state = answering(base)
    if state:
        console.print(f"back office already running at {base}; using it")
        return None
    if state is None:
        console.print(
            f"[yellow]warning:[/] port {settings.backoffice_port} is taken by another service; "
            "the back office is not started (set MINWON_BACKOFFICE_PORT)"
        )
        return None
    command = [
        sys.executable,
        "-m",
        "minwon.cli",
        "backoffice",
        "serve",
        "--host",
        settings.backoffice_host,
        "--port",
        str(settings.backoffice_port),
    ]
    process = subprocess.Popen(command, env=dict(os.environ), preexec_fn=die_with_parent)  # noqa: S603 - our own command line
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the back office exited with status {process.returncode}")
        if answering(base):
            console.print(f"back office (reference, synthetic data): {base}")
            return process
        time.sleep(0.3)
    stop_child(process)
    raise RuntimeError(f"the back office did not answer at {base} within {START_TIMEOUT_S:g} s")


__all__ = ["answering", "start_child", "stop_child"]
