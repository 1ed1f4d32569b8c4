"""Launching headless Chromium for browser tests.

Uses Debian's ``/usr/bin/chromium`` (or ``MINWON_CHROMIUM``). Without a browser the tests skip —
unless ``MINWON_REQUIRE_BROWSER=1`` (set by ``.ci/run``), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

CHROMIUM = os.environ.get("MINWON_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


#: How long an ``expect(...)`` waits for the page (playwright's default of 5 s is too short on a loaded
#: 2-core CI machine, where a fan-out to three back offices plus rendering can take longer).
EXPECT_TIMEOUT_MS = 20_000


def launch(playwright: Any) -> Any:
    """A headless Chromium browser, or skip/fail as described above; ``expect`` waits up to
    :data:`EXPECT_TIMEOUT_MS`."""
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    if not CHROMIUM:
        message = "no Chromium: install Debian's chromium or set MINWON_CHROMIUM"
        if os.environ.get("MINWON_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
