"""Cost of one reminder sweep (the scheduler's ``case_reminders`` job) on SQLite.

Opens 2,000 open cases in one department (deadlines spread over the next 10 working days, built as
rows with the deadline the statute gives: 7 working days) in a fresh SQLite database, then times
``send_due_reminders`` at one instant three times: the first sweep (sends what is due), and two quiet
sweeps (everything already sent — the cost paid every minute). Prints one JSON object.

    .venv/bin/python bench/reminders.py > bench/results/reminders.json
"""

from __future__ import annotations

import json
import platform
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.accounts.service import create_user
from minwon.cases.deadlines import compute_deadline
from minwon.cases.models import Case, CaseSource, CaseStatus
from minwon.cases.reminder_models import CaseReminder
from minwon.cases.reminders import send_due_reminders
from minwon.db.migrate import upgrade
from minwon.db.session import make_engine
from minwon.org.service import ensure_department

KST = ZoneInfo("Asia/Seoul")
CASES = 2000
NOW = datetime(2026, 3, 16, 10, 0, tzinfo=KST)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        with Session(engine, expire_on_commit=False) as db:
            dept = ensure_department(db=db, name="세무과")
            for i in range(5):
                user = create_user(
                    db=db,
                    username=f"officer{i}",
                    password="bench-password-123",
                    role="department_officer",
                    display_name=f"officer{i}",
                    department_id=dept.id,
                )
                user.email = f"officer{i}@city.example"
            db.commit()
            start = datetime(2026, 3, 2, 9, 0, tzinfo=KST)
            for i in range(CASES):
                received = start + timedelta(minutes=7 * i)
                due = compute_deadline("grievance", received).due
                db.add(
                    Case(
                        number=f"2026-{i + 1:06d}",
                        source=CaseSource.CONTACT,
                        title="bench",
                        question="bench",
                        department_id=dept.id,
                        petition_type="grievance",
                        status=CaseStatus.TRANSFERRED,
                        received_at=received,
                        due_at=due,
                    )
                )
            db.commit()
            timings = []
            sent = []
            for _ in range(3):
                t0 = time.perf_counter()
                run = send_due_reminders(db=db, now=NOW)
                timings.append(round(time.perf_counter() - t0, 3))
                sent.append(run.sent)
            reminders = db.scalar(select(func.count()).select_from(CaseReminder))
        engine.dispose()
    print(
        json.dumps(
            {
                "backend": "sqlite",
                "open_cases": CASES,
                "officers": 5,
                "now": NOW.isoformat(),
                "sweep_s": {"first": timings[0], "quiet": timings[1:]},
                "reminders_sent": sent,
                "reminder_rows": reminders,
                "python": platform.python_version(),
                "machine": platform.machine(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
