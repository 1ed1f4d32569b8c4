"""Personal numbers typed into register free texts are shown masked on every screen and export
(개인정보 보호법 §29); the stored text stays as written."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from minwon.capa import service as capa
from minwon.capa.models import Nonconformity
from minwon.core.clock import local_today
from minwon.db.session import make_engine, session_scope
from minwon.quality.report.collect import collect
from minwon.quality.report.document import build_document
from minwon.quality.report.html import render_html
from minwon.quality.report.xlsx import render_xlsx
from tests.capa.support import staff
from tests.factories import sign_in
from tests.quality.report.samples import EVALUATIONS, SURVEYS

RRN, PHONE = "900101-1234567", "010-2345-6789"
RRN_MASKED, PHONE_MASKED = "900101-*******", "010-****-6789"
HTML = {"Accept": "text/html"}


def _entry(db: Session) -> Nonconformity:
    qm = staff(db, "qm")
    nc = capa.create_nonconformity(
        db=db,
        actor=qm,
        title=f"민원인 {RRN} 정보 노출",
        source="complaint",
        description=f"상담원이 {PHONE} 번호를 불러줌",
        correction=f"번호 {PHONE} 삭제",
    )
    capa.plan_action(
        db=db,
        actor=qm,
        nc_id=nc.id,
        root_cause=f"화면에 {RRN} 노출",
        corrective_action="마스킹 교육",
        owner_id=qm.id,
        due_date=local_today(),
    )
    return nc


def test_pages_summary_and_report_mask_personal_numbers(client: TestClient, db: Session) -> None:
    nc = _entry(db)
    assert RRN in nc.title  # stored as written
    sign_in(client, "qm")
    for url in ("/quality/capa", f"/quality/capa/{nc.id}"):
        page = client.get(url, headers=HTML)
        shown = page.text.split('<form method="post" action="/quality/capa/')[0]  # forms keep the raw text
        assert page.status_code == 200 and RRN not in shown and PHONE not in shown, url
        assert RRN_MASKED in shown, url
    detail = client.get(f"/quality/capa/{nc.id}", headers=HTML).text
    history = detail.split('data-testid="capa-history"')[1]
    assert RRN not in history and PHONE not in history and PHONE_MASKED in history

    today = local_today()
    summary = capa.capa_summary(db=db, first_day=today.replace(day=1), last_day=today)
    assert [i.title for i in summary.items] == [f"민원인 {RRN_MASKED} 정보 노출"]
    data = collect(
        db=db, month=today.strftime("%Y-%m"), surveys=SURVEYS, evaluations=EVALUATIONS, capa=summary
    )
    doc = build_document(data, locale="ko")
    page_html = render_html(doc).decode()
    assert RRN not in page_html and RRN_MASKED in page_html
    book = load_workbook(io.BytesIO(render_xlsx(doc)))
    cells = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert not [c for c in cells if RRN in c] and [c for c in cells if RRN_MASKED in c]


def test_cli_list_masks_titles(fresh_database_url: str, tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url)
    with session_scope(engine) as db:
        _entry(db)
    engine.dispose()
    env = {**os.environ, "MINWON_DATABASE_URL": fresh_database_url, "COLUMNS": "200"}
    run = [sys.executable, "-m", "minwon.cli", "capa", "list"]
    out = subprocess.run([*run, "--json"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert [r["title"] for r in json.loads(out.stdout)] == [f"민원인 {RRN_MASKED} 정보 노출"]
    table = subprocess.run(run, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert table.returncode == 0 and RRN not in table.stdout and RRN_MASKED in table.stdout
