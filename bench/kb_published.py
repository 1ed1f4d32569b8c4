"""What search pays to read the knowledge base: ``published_documents`` and ``published_fingerprint``.

Prints one JSON object: median milliseconds per call at 1,000 and 50,000 articles (each with two
approved versions, the second in effect for half of them, plus a draft for a tenth), on SQLite, and on
PostgreSQL when ``MINWON_BENCH_DATABASE_URL`` names an empty database (its schema is reset).

Run: ``.venv/bin/python bench/kb_published.py > bench/results/kb_published.json`` (about a minute).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from minwon.core.clock import local_today
from minwon.db.migrate import upgrade
from minwon.db.session import make_engine, normalise_url
from minwon.knowledge.models import Article, ArticleVersion, VersionStatus
from minwon.knowledge.service import published_documents, published_fingerprint

SIZES = (1_000, 50_000)
BODY = "자동차세는 1년 치를 상반기와 하반기로 나누어 6월과 12월에 부과됩니다. " * 8


def timed(function: Callable[[], Any], *, budget_s: float = 2.0, minimum_runs: int = 5) -> float:
    """Median milliseconds per call over at least ``minimum_runs`` calls and about ``budget_s`` seconds."""
    samples = []
    started = time.perf_counter()
    while len(samples) < minimum_runs or time.perf_counter() - started < budget_s:
        t0 = time.perf_counter()
        function()
        samples.append(time.perf_counter() - t0)
    return round(statistics.median(samples) * 1000, 2)


def fill(db: Session, n: int) -> None:
    now = datetime.now(UTC)
    today = local_today()
    past = today - timedelta(days=100)
    db.execute(
        insert(Article),
        [{"id": i, "slug": f"a-{i}", "is_demo": False, "created_at": now} for i in range(1, n + 1)],
    )
    rows: list[dict[str, Any]] = []
    for i in range(1, n + 1):
        common = {
            "article_id": i,
            "keywords": "자동차세, 연납",
            "body": BODY,
            "change_note": "",
            "created_at": now,
        }
        rows.append(
            {
                **common,
                "number": 1,
                "title": f"답변 {i}",
                "status": VersionStatus.APPROVED,
                "effective_from": past,
                "approved_at": now,
                "review_due": today + timedelta(days=300),
            }
        )
        if i % 2 == 0:
            start: date = today if i % 4 else today + timedelta(days=30)
            rows.append(
                {
                    **common,
                    "number": 2,
                    "title": f"답변 {i} 개정",
                    "status": VersionStatus.APPROVED,
                    "effective_from": start,
                    "approved_at": now,
                    "review_due": today + timedelta(days=365),
                }
            )
        if i % 10 == 0:
            rows.append({**common, "number": 3, "title": f"답변 {i} 초안", "status": VersionStatus.DRAFT})
    for k in range(0, len(rows), 5_000):
        db.execute(insert(ArticleVersion), rows[k : k + 5_000])
    db.commit()


def run(url: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in SIZES:
        if url.startswith("postgresql"):
            admin = make_engine(url)
            with admin.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            admin.dispose()
            target = url
        else:
            target = f"{url}-{n}.db"
        engine = make_engine(target)
        upgrade(engine)
        with Session(engine) as db:
            fill(db, n)
            docs = published_documents(db=db)
            out[str(n)] = {
                "published": len(docs),
                "versions": n + n // 2 + n // 10,
                "published_documents_ms": timed(lambda: published_documents(db=db)),
                "published_fingerprint_ms": timed(lambda: published_fingerprint(db=db)),
            }
        engine.dispose()
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result: dict[str, Any] = {
            "machine": {
                "python": sys.version.split()[0],
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
            },
            "sqlite": run(f"sqlite:///{Path(tmp) / 'kb'}"),
        }
    pg = os.environ.get("MINWON_BENCH_DATABASE_URL")
    if pg:
        result["postgresql"] = run(normalise_url(pg))
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
