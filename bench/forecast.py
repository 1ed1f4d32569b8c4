"""Forecast backtest and staffing simulation on the shared call-center data; prints one JSON object.

Usage: ``.venv/bin/python bench/forecast.py [--origins 30] [--data-dir DIR] > bench/results/forecast.json``

1. Rolling-origin backtest of :func:`minwon.workforce.forecast.forecast` on the bank series
   (``call_center/bank_calls_5min_2003.csv``) at 30-minute intervals, horizons 1 day and 1 week (5 open
   days), against the seasonal-naive forecast (same slot, same weekday one week earlier): WAPE (pooled)
   and MASE (seasonal-naive in-sample scale, mean over origins).
2. The 1999-08-02 Anonymous Bank day replayed through the simpy simulation for two plans (a flat 12
   agents; Erlang A's required agents for 80 % in 20 s), next to Erlang A's prediction and what happened.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import date
from pathlib import Path
from typing import Any

from minwon.config import get_settings
from minwon.telephony.replay import read_day
from minwon.workforce import simulation as sim
from minwon.workforce.forecast import backtest
from minwon.workforce.history import BANK_SERIES, load_bank_series

DAY = date(1999, 8, 2)


def _stats(s: sim.IntervalStats) -> dict[str, Any]:
    return {
        "service_level": round(s.service_level or 0.0, 4),
        "asa_s": round(s.asa_s or 0.0, 2),
        "abandonment": round(s.abandonment or 0.0, 4),
    }


def simulation_summary(data_dir: Path) -> dict[str, Any]:
    day = sim.real_day(read_day(data_dir / "call_center" / "anonymous_bank_1999_08_calls.csv", day=DAY))
    callers = sim.day_callers(day, seed=1)
    plans = {"flat_12_agents": [12] * 48, "erlang_a_sl80_20s": sim.erlang_staffing(day, target_sl=0.8)}
    out: dict[str, Any] = {
        "day": DAY.isoformat(),
        "offered": len(day.arrivals_s),
        "mean_patience_s": round(day.mean_patience_s, 1),
        "mean_handle_s": round(day.mean_service_s(), 1),
        "observed": _stats(sim.observed_stats(day, staffing=[0]).day),
        "plans": {},
    }
    for name, plan in plans.items():
        result = sim.simulate(callers, staffing=plan, interval_s=day.interval_s)
        per_interval, predicted = sim.erlang_predictions(day, staffing=plan)
        # intervals with at least 20 calls, where an SL per interval means something
        intervals = [
            (s, p)
            for s, p in zip(result.intervals, per_interval, strict=False)
            if s.offered >= 20 and p.service_level is not None
        ]
        gaps = [abs((s.service_level or 0.0) - (p.service_level or 0.0)) for s, p in intervals]
        out["plans"][name] = {
            "agent_hours": sum(plan) / 2,
            "simulated": _stats(result.day),
            "erlang_a": {
                "service_level": round(predicted.service_level or 0.0, 4),
                "asa_s": round(predicted.asa_s or 0.0, 2),
                "abandonment": round(predicted.abandonment or 0.0, 4),
            },
            "intervals_compared": len(gaps),
            "mean_abs_sl_gap": round(sum(gaps) / len(gaps), 4) if gaps else None,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=30)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    data_dir = args.data_dir or get_settings().data_dir
    started = time.perf_counter()
    series = load_bank_series(data_dir / BANK_SERIES)
    result = backtest(series, interval_minutes=30, origins=args.origins)
    backtest_s = time.perf_counter() - started
    started = time.perf_counter()
    simulation = simulation_summary(data_dir)
    simulation_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "benchmark": "forecast",
                "series": "bank_calls_5min_2003 (Weinberg, Brown & Stroud 2007), 164 weekdays × 169 slots",
                "backtest": result,
                "simulation": simulation,
                "elapsed_s": {"backtest": round(backtest_s, 1), "simulation": round(simulation_s, 1)},
                "python": platform.python_version(),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
