"""Notice delivery throughput: ``deliver_due`` with the recording provider, 1 and 3 concurrent workers.

Prints one JSON object. For each backend (SQLite always; PostgreSQL when ``MINWON_BENCH_PG_URL`` names a
database this script may reset, e.g. ``postgresql://postgres@127.0.0.1:5432/minwon_h_b``): notices per
second delivered from a queue of N SMS notices, by one worker and by three threads with their own engines
(as separate processes would be), plus a check that each notice was recorded exactly once. The recording
provider writes one row per message, so this measures minwon's claim/record overhead, not a gateway.

Run: ``.venv/bin/python bench/notices.py > bench/results/notices.json``.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

from minwon.config import Settings
from minwon.core.clock import utcnow
from minwon.db.migrate import upgrade
from minwon.db.session import make_engine, normalise_url, session_scope
from minwon.notices.delivery import deliver_due
from minwon.notices.models import NoticeChannel, RecordedMessage
from minwon.notices.service import enqueue

N = 2000
SETTINGS = Settings(sms_provider="recording", email_provider="recording")


def _fill(url: str) -> None:
    engine = make_engine(url)
    with session_scope(engine) as db:
        for i in range(N):
            enqueue(
                db,
                channel=NoticeChannel.SMS,
                recipient="01000001234",
                template_key="survey_invite",
                context={"center": "한빛시", "url": f"https://minwon.example/s/{i}"},
            )
        db.commit()
    engine.dispose()


def _run(url: str, workers: int) -> dict[str, Any]:
    _fill(url)
    start = threading.Barrier(workers + 1)
    sent: list[int] = []

    def work() -> None:
        engine = make_engine(url)
        start.wait()
        while True:
            with session_scope(engine) as db:
                report = deliver_due(db=db, now=utcnow(), limit=100, settings=SETTINGS)
            sent.append(report.sent)
            if report.claimed == 0:
                break
        engine.dispose()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    engine = make_engine(url)
    with session_scope(engine) as db:
        counts = db.execute(
            select(RecordedMessage.notice_id, func.count()).group_by(RecordedMessage.notice_id)
        ).all()
    engine.dispose()
    return {
        "workers": workers,
        "notices": N,
        "sent": sum(sent),
        "seconds": round(elapsed, 2),
        "notices_per_s": round(sum(sent) / elapsed, 1),
        "each_recorded_once": len(counts) == N and all(n == 1 for _id, n in counts),
    }


def _fresh_sqlite(folder: Path, name: str) -> str:
    url = f"sqlite:///{folder / name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def _fresh_pg(url: str) -> str:
    admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    admin.dispose()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def main() -> None:
    out: dict[str, Any] = {
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "provider": "recording",
        "results": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        out["results"]["sqlite"] = [_run(_fresh_sqlite(Path(tmp), f"b{w}.db"), w) for w in (1, 3)]
    pg = os.environ.get("MINWON_BENCH_PG_URL")
    if pg:
        out["results"]["postgresql"] = [_run(_fresh_pg(pg), w) for w in (1, 3)]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
