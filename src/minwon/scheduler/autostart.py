"""Starting ``minwon scheduler run`` beside ``minwon serve`` (the demo), stopped when the server exits.

On when MINWON_SCHEDULER_AUTOSTART is true, or unset in the ``development`` environment (the demo); off
in tests and production, where the scheduler is its own service (several may run: each slot runs once).
"""

from __future__ import annotations

import os
import subprocess
import sys

from minwon.core.processes import die_with_parent, stop_child


def start_scheduler() -> subprocess.Popen[bytes]:
    """Start the scheduler as a child process that dies with this one; returns it."""
    command = [sys.executable, "-m", "minwon.cli", "scheduler", "run"]
    return subprocess.Popen(command, env=dict(os.environ), preexec_fn=die_with_parent)  # noqa: S603 - our own command line


__all__ = ["start_scheduler", "stop_child"]
