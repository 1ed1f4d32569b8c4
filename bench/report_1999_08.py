"""The management review report for the whole of August 1999, checked against the CSV.

Replays every day of 1999-08 from the Anonymous Bank records into a fresh SQLite database (the same
ingestion the telephony endpoint uses), builds the monthly report (PDF, HTML, XLSX) and compares the
report's KPI figures with an independent computation straight from the CSV
(``tests.quality.test_kpi_against_csv.from_csv``: plain Python over the rows, no minwon code). The
suite replays two days only (the month takes ~10 minutes); this is the whole-month check of issue #6's
"done when". Prints one JSON object; writes the report files and page images to ``--out``.

    PYTHONPATH=. .venv/bin/python bench/report_1999_08.py --out /tmp/report-1999-08 \
        > bench/results/report_1999_08.json
"""

from __future__ import annotations

import argparse
import calendar
import csv
import json
import math
import os
import platform
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session
from tests.quality.test_kpi_against_csv import from_csv

from minwon.config import get_settings
from minwon.core.clock import local_zone
from minwon.db.migrate import upgrade
from minwon.db.session import make_engine
from minwon.quality.report.generate import monthly_report, report_data
from minwon.telephony.commands import in_process_sender, replay_day
from minwon.telephony.replay import DEFAULT_QUEUE_MAP, read_day

MONTH = "1999-08"
COMPARED = ("offered", "answered", "abandoned", "short_abandoned", "ended_in_ivr")
COMPARED_RATIOS = ("service_level", "abandonment_rate", "asa_s", "aht_s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the PDF/HTML/XLSX and page PNGs")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    source = get_settings().data_dir / "call_center" / "anonymous_bank_1999_08_calls.csv"
    if not source.is_file():
        raise SystemExit(f"real call data absent: {source} (set MINWON_DATA_DIR)")
    days = [date(1999, 8, d) for d in range(1, calendar.monthrange(1999, 8)[1] + 1)]
    out: dict[str, object] = {"month": MONTH, "machine": f"{platform.machine()}, {os.cpu_count()} cores"}
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'august.db'}")
        upgrade(engine)
        with Session(engine, expire_on_commit=False) as db:
            send = in_process_sender(db=db, queue_map=DEFAULT_QUEUE_MAP)
            t0 = time.perf_counter()
            rejected, malformed = 0, []
            for day in days:
                day_replay = read_day(source, day=day, zone=local_zone())
                malformed += [{"line": m.line, "message": m.message} for m in day_replay.malformed]
                totals = replay_day(day_replay, send=send, speed=0)
                rejected += totals.rejected
            out["replay_s"] = round(time.perf_counter() - t0, 1)
            out["rejected_events"] = rejected
            t0 = time.perf_counter()
            data = report_data(db=db, month=MONTH)
            out["collect_s"] = round(time.perf_counter() - t0, 2)
            timings: dict[str, float] = {}
            for fmt in ("pdf", "html", "xlsx"):
                t0 = time.perf_counter()
                content = monthly_report(db=db, month=MONTH, fmt=fmt)
                timings[fmt] = round(time.perf_counter() - t0, 2)
                (args.out / f"report-{MONTH}.{fmt}").write_bytes(content)
            out["render_s"] = timings
        engine.dispose()
    # minwon skips rows it cannot identify (reported as malformed by line number, e.g. a blank call_id);
    # the independent computation reads the same file without those rows.
    filtered = args.out / "calls-without-malformed.csv"
    with (
        source.open(encoding="utf-8", newline="") as fh,
        filtered.open("w", encoding="utf-8", newline="") as dst,
    ):
        reader = csv.DictReader(fh)
        writer = csv.DictWriter(dst, fieldnames=list(reader.fieldnames or []))
        writer.writeheader()
        for row in reader:
            if row["call_id"].strip():
                writer.writerow(row)
    out["malformed_rows_skipped"] = malformed
    expected = from_csv(filtered, *(d.isoformat() for d in days))
    figures = {}
    for name in COMPARED:
        figures[name] = {
            "report": data.kpis[name],
            "csv": expected[name],
            "equal": data.kpis[name] == expected[name],
        }
    for name in COMPARED_RATIOS:
        got, want = float(data.kpis[name]), float(expected[name])  # type: ignore[arg-type]
        figures[name] = {"report": got, "csv": want, "equal": math.isclose(got, want, rel_tol=1e-9)}
    out["figures"] = figures
    out["all_equal"] = all(f["equal"] for f in figures.values())
    out["status"] = data.status
    _render_pages(args.out / f"report-{MONTH}.pdf", args.out)
    print(json.dumps(out, ensure_ascii=False, indent=2, default=str))


def _render_pages(pdf: Path, folder: Path) -> None:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    for i in range(len(document)):
        document[i].render(scale=1.2).to_pil().save(folder / f"page-{i + 1:02d}.png")


if __name__ == "__main__":
    main()
