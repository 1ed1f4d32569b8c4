"""Required agents: minwon's Erlang C next to pyworkforce's ``ErlangC`` in the same run.

Prints one JSON object: timings at 10, 500, 5,000 and 20,000 Erlangs (and 100,000 once, beyond the brief),
the speed ratio, and every case of a scan where the two answers differ, each checked independently with
a 50-digit mpmath Erlang C (direct sum) and exact rational arithmetic, with the reason.

Run: ``.venv/bin/pip install -e '.[bench,test]'``, then
``.venv/bin/python bench/erlang.py > bench/results/erlang.json``.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from importlib.metadata import version
from typing import Any

import mpmath
from pyworkforce.queuing import ErlangC

from minwon.workforce.erlang import apply_shrinkage, required_agents

mpmath.mp.dps = 50
INTERVAL_S = 1800
AHT_S = 180
THRESHOLD_S = 20


def timed(function: Callable[[], Any], *, budget_s: float = 0.5, minimum_runs: int = 5) -> float:
    """Median seconds per call over at least ``minimum_runs`` calls and about ``budget_s`` seconds."""
    samples = []
    started = time.perf_counter()
    while len(samples) < minimum_runs or time.perf_counter() - started < budget_s:
        t0 = time.perf_counter()
        function()
        samples.append(time.perf_counter() - t0)
        if len(samples) >= 10_000:
            break
    return statistics.median(samples)


def ours(calls: float, target_sl: float, shrinkage: float, max_occupancy: float | None) -> tuple[int, int]:
    result = required_agents(
        calls=calls,
        interval_s=INTERVAL_S,
        aht_s=AHT_S,
        target_sl=target_sl,
        threshold_s=THRESHOLD_S,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
    )
    return result.raw_agents, result.agents


def theirs(calls: float, target_sl: float, shrinkage: float, max_occupancy: float | None) -> tuple[int, int]:
    # pyworkforce's "asa" argument is the service-level threshold; any consistent time unit works
    model = ErlangC(transactions=calls, aht=AHT_S, asa=THRESHOLD_S, interval=INTERVAL_S, shrinkage=shrinkage)
    answer = model.required_positions(service_level=target_sl, max_occupancy=max_occupancy or 1.0)
    return int(answer["raw_positions"]), int(answer["positions"])


def reference_sl(n: int, traffic: Fraction) -> mpmath.mpf:
    """Erlang C service level by the direct sum at 50 digits (0 when unstable)."""
    a = mpmath.mpf(traffic.numerator) / traffic.denominator
    if n <= a:
        return mpmath.mpf(0)
    term, head = mpmath.mpf(1), mpmath.mpf(0)
    for k in range(n):
        head += term
        term = term * a / (k + 1)
    last = term * n / (n - a)
    return 1 - last / (head + last) * mpmath.exp(-(n - a) * THRESHOLD_S / AHT_S)


def meets(n: int, traffic: Fraction, target_sl: float, max_occupancy: float | None) -> bool:
    if max_occupancy is not None and traffic > Fraction(Decimal(str(max_occupancy))) * n:
        return False
    return bool(reference_sl(n, traffic) >= target_sl)


def explain(
    calls: float,
    target_sl: float,
    shrinkage: float,
    max_occupancy: float | None,
    our: tuple[int, int],
    their: tuple[int, int],
) -> dict[str, Any]:
    traffic = Fraction(Decimal(str(calls))) * AHT_S / INTERVAL_S
    case: dict[str, Any] = {
        "calls": calls,
        "traffic_erlangs": float(traffic),
        "target_sl": target_sl,
        "shrinkage": shrinkage,
        "max_occupancy": max_occupancy,
        "minwon": {"raw_agents": our[0], "agents": our[1]},
        "pyworkforce": {"raw_agents": their[0], "agents": their[1]},
    }
    raw_ok = meets(our[0], traffic, target_sl, max_occupancy) and not meets(
        our[0] - 1, traffic, target_sl, max_occupancy
    )
    case["minwon_raw_verified_smallest"] = raw_ok
    float_traffic = calls / INTERVAL_S * AHT_S  # the order pyworkforce computes its intensity in
    if our[0] == their[0]:
        exact = apply_shrinkage(our[0], shrinkage)
        on_phones = 1 - Fraction(Decimal(str(shrinkage)))
        case["reason"] = "shrinkage rounding"
        case["detail"] = (
            f"pyworkforce: ceil({their[0]} / (1 - {shrinkage})) in floating point = "
            f"ceil({their[0] / (1 - shrinkage)!r}) = {their[1]}; exactly {their[0]} / {on_phones} = "
            f"{their[0] / on_phones} → {exact}"
        )
        case["minwon_verified"] = exact == our[1]
        return case
    if their[0] > our[0]:
        start = round(float_traffic + 1)
        if max_occupancy is not None and math.ceil(float_traffic / max_occupancy) == their[0]:
            case["reason"] = "occupancy cap in floating point"
            case["detail"] = (
                f"pyworkforce: A/N = {float_traffic!r}/{their[0] - 1} compared in floats, then "
                f"ceil(A / max_occupancy) = ceil({float_traffic / max_occupancy!r}) = {their[0]}; "
                f"exactly A/max_occupancy = {traffic / Fraction(Decimal(str(max_occupancy)))}"
            )
        elif start > our[0]:
            case["reason"] = "search starts at round(A + 1)"
            case["detail"] = (
                f"pyworkforce never tries fewer than round({float_traffic!r} + 1) = {start} agents; "
                f"{our[0]} agents already give SL {float(reference_sl(our[0], traffic)):.4f} ≥ {target_sl}"
            )
        else:
            case["reason"] = "pyworkforce overstaffs (unclassified)"
        case["minwon_verified"] = raw_ok
        return case
    case["reason"] = "pyworkforce understaffs"
    case["pyworkforce_raw_meets_targets"] = meets(their[0], traffic, target_sl, max_occupancy)
    case["minwon_verified"] = raw_ok
    return case


def speed() -> list[dict[str, Any]]:
    rows = []
    for erlangs in (10, 500, 5_000, 20_000, 100_000):
        calls = erlangs * INTERVAL_S // AHT_S
        our = ours(calls, 0.8, 0.3, None)
        their = theirs(calls, 0.8, 0.3, None)
        beyond = erlangs > 20_000
        ours_s = timed(lambda c=calls: ours(c, 0.8, 0.3, None))
        theirs_s = timed(
            lambda c=calls: theirs(c, 0.8, 0.3, None),
            budget_s=0.0 if beyond else 1.0,
            minimum_runs=1 if beyond else 3,
        )
        rows.append(
            {
                "traffic_erlangs": erlangs,
                "calls_per_30_min": calls,
                "minwon_raw_agents": our[0],
                "pyworkforce_raw_agents": their[0],
                "minwon_agents_30pct_shrinkage": our[1],
                "pyworkforce_agents_30pct_shrinkage": their[1],
                "minwon_ms": round(ours_s * 1000, 4),
                "pyworkforce_ms": round(theirs_s * 1000, 4),
                "speed_ratio": round(theirs_s / ours_s, 1),
                "note": "beyond the brief; pyworkforce timed once" if beyond else None,
            }
        )
    return rows


def scan() -> tuple[int, list[dict[str, Any]]]:
    """Main loads plus every 1–600 calls per 30 min (0.1–60 Erlangs) × targets × shrinkage × cap."""
    cases: list[tuple[float, float, float, float | None]] = []
    for erlangs in (10, 500, 5_000, 20_000):
        for shrinkage in (0.0, 0.3):
            for cap in (None, 0.85):
                cases.append((erlangs * INTERVAL_S // AHT_S, 0.8, shrinkage, cap))
    for calls in range(1, 601):
        for target in (0.3, 0.8, 0.95):
            for shrinkage in (0.3, 0.35):
                for cap in (None, 0.7, 0.85):
                    cases.append((calls, target, shrinkage, cap))
    disagreements = []
    for calls, target, shrinkage, cap in cases:
        our = ours(calls, target, shrinkage, cap)
        their = theirs(calls, target, shrinkage, cap)
        if our != their:
            disagreements.append(explain(calls, target, shrinkage, cap, our, their))
    return len(cases), disagreements


def main() -> None:
    rows = speed()
    compared, disagreements = scan()
    reasons = Counter(case["reason"] for case in disagreements)
    print(
        json.dumps(
            {
                "benchmark": "erlang_c_required_agents",
                "setup": {
                    "interval_s": INTERVAL_S,
                    "aht_s": AHT_S,
                    "target": "80% in 20 s",
                    "shrinkage": 0.3,
                    "timing": "median wall time of one required-agents call",
                },
                "environment": {
                    "python": platform.python_version(),
                    "machine": platform.machine(),
                    "pyworkforce": version("pyworkforce"),
                    "scipy": version("scipy"),
                    "numpy": version("numpy"),
                    "cpus": os.cpu_count(),
                    "load_average_1min_at_end": round(os.getloadavg()[0], 2),
                },
                "speed": rows,
                "scan": {
                    "cases_compared": compared,
                    "disagreements": len(disagreements),
                    "by_reason": dict(reasons),
                    "all_minwon_answers_verified": all(c["minwon_verified"] for c in disagreements),
                    "cases": disagreements,
                },
            },
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
