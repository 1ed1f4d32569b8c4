"""Telephony ingestion and day-KPI time on SQLite and PostgreSQL.

Replays 1999-08-02 from the Anonymous Bank records (5,934 events) through the same service the
``POST /api/v1/telephony/events`` endpoint uses, in batches of up to 1,000, into a fresh database of each
backend; then times ``day_kpis`` and ``interval_kpis``. Prints one JSON object.

    .venv/bin/python bench/replay.py > bench/results/replay.json
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from minwon.config import get_settings
from minwon.core.clock import local_zone
from minwon.db.migrate import upgrade
from minwon.db.session import make_engine, normalise_url
from minwon.quality.service import day_kpis, interval_kpis
from minwon.telephony.commands import in_process_sender, replay_day
from minwon.telephony.replay import DEFAULT_QUEUE_MAP, read_day

DAY = date(1999, 8, 2)
PG = os.environ.get("MINWON_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def run(url: str) -> dict[str, object]:
    engine = make_engine(url)
    upgrade(engine)
    source = get_settings().data_dir / "call_center" / "anonymous_bank_1999_08_calls.csv"
    day = read_day(source, day=DAY, queue_map=DEFAULT_QUEUE_MAP, zone=local_zone())
    with Session(engine, expire_on_commit=False) as db:
        send = in_process_sender(db=db, queue_map=DEFAULT_QUEUE_MAP)
        t0 = time.perf_counter()
        totals = replay_day(day, send=send, speed=0)
        ingest_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = replay_day(day, send=send, speed=0)
        duplicate_s = time.perf_counter() - t0
        kpi_ms, interval_ms = [], []
        for _ in range(20):
            t0 = time.perf_counter()
            kpis = day_kpis(db=db, day=DAY)
            kpi_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            interval_kpis(db=db, day=DAY, minutes=30)
            interval_ms.append((time.perf_counter() - t0) * 1000)
    engine.dispose()
    return {
        "events": totals.accepted,
        "ingest_s": round(ingest_s, 2),
        "events_per_s": round(totals.accepted / ingest_s),
        "replay_again_s": round(duplicate_s, 2),
        "duplicates_on_replay": again.duplicates,
        "day_kpis_ms_median": round(statistics.median(kpi_ms), 2),
        "interval_kpis_ms_median": round(statistics.median(interval_ms), 2),
        "offered": kpis["offered"],
    }


def main() -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    out: dict[str, object] = {"day": DAY.isoformat(), "machine": machine}
    with tempfile.TemporaryDirectory() as tmp:
        out["sqlite"] = run(f"sqlite:///{Path(tmp) / 'bench.db'}")
    name = f"minwon_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(PG), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(normalise_url(PG)).set(database=name).render_as_string(hide_password=False)
        out["postgresql"] = run(url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
