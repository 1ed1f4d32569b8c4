"""Child processes that ``minwon serve`` starts beside itself (the demo's back office and scheduler)."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys


def die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """``preexec_fn``: on Linux the child gets SIGTERM if its parent dies without cleaning up
    (prctl PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def stop_child(process: subprocess.Popen[bytes]) -> None:
    """Terminate the child (SIGTERM, then SIGKILL after 10 s)."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
