"""Retry delays for notice delivery: exponential backoff with jitter. Pure (no database import).

After failed attempt ``n`` (1-based) the ceiling is ``min(cap, base * 2**(n-1))`` and the delay is drawn
uniformly from ``[ceiling/2, ceiling]`` ("equal jitter", AWS Architecture Blog, "Exponential Backoff and
Jitter", 2015): workers that failed together spread out, and no retry comes sooner than half the ceiling.
"""

from __future__ import annotations

import random
from datetime import timedelta

_rng = random.SystemRandom()


def backoff_ceiling(attempt: int, *, base_s: float, cap_s: float) -> float:
    """Upper bound in seconds of the delay after failed attempt ``attempt`` (≥ 1)."""
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    # 2**60 s is far beyond any cap; bounding the exponent keeps the float finite
    return float(min(cap_s, base_s * 2 ** min(attempt - 1, 60)))


def backoff_delay(
    attempt: int, *, base_s: float, cap_s: float, rng: random.Random | None = None
) -> timedelta:
    """Delay before the next attempt after failed attempt ``attempt``: uniform in
    ``[ceiling/2, ceiling]`` seconds (see :func:`backoff_ceiling`)."""
    ceiling = backoff_ceiling(attempt, base_s=base_s, cap_s=cap_s)
    return timedelta(seconds=(rng or _rng).uniform(ceiling / 2, ceiling))
