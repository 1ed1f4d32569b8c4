"""``minwon init --demo``: the fictional city, idempotency, demo passwords, and the data-missing fallback."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.accounts.service import sign_in
from minwon.cases.models import Case, CaseStatus
from minwon.config import get_settings
from minwon.core.errors import AuthenticationFailed
from minwon.demo.seed import DemoSummary, load_demo, print_summary, read_accounts_file
from minwon.knowledge.models import Article, ArticleVersion
from minwon.org.models import Category, Department, Queue
from minwon.telephony.service import authenticate_pbx

DATA_DIR = get_settings().data_dir
INCHEON = DATA_DIR / "korean_complaints" / "incheon_junggu_minwon_qa_2012_2020.csv"

#: The center's taxonomy as specified: (code, Korean name, hotkey) in desk order.
TAXONOMY = [
    ("local_tax", "지방세", "1"),
    ("water", "상하수도", "2"),
    ("parking", "주정차", "3"),
    ("events", "행사·축제", "4"),
    ("complaints", "불편·건의", "5"),
    ("living_info", "생활정보", "6"),
    ("other", "기타", "7"),
]
USERNAMES = [
    "counselor1",
    "counselor2",
    "counselor3",
    "counselor4",
    "supervisor1",
    "quality1",
    "officer_tax",
    "officer_water",
    "admin",
]


def _load(db: Session, data_dir: Path, accounts: Path) -> tuple[DemoSummary, str]:
    out = io.StringIO()
    summary = load_demo(
        db=db, data_dir=data_dir, console=Console(file=out, width=200), accounts_file=accounts
    )
    return summary, out.getvalue()


def test_empty_data_dir_falls_back_to_generated_history_and_says_so(db: Session, tmp_path: Path) -> None:
    empty = tmp_path / "data"
    empty.mkdir()
    summary, output = _load(db, empty, tmp_path / "var" / "demo-accounts.txt")

    assert summary.history_source == "generated"
    assert summary.tallies["history"].created == 200
    expected_path = str(empty / "korean_complaints" / "incheon_junggu_minwon_qa_2012_2020.csv")
    flat = " ".join(output.split())
    assert expected_path in flat and "missing" in flat and "MINWON_DATA_DIR" in flat
    generated = list(db.scalars(select(Case).where(Case.external_ref.like("generated:%"))))
    assert len(generated) == 200
    assert all(c.status == CaseStatus.CLOSED and "생성된 데모" in c.question for c in generated)
    titles = {v.title for v in db.scalars(select(ArticleVersion))}
    assert {c.title for c in generated} <= titles

    # a folder that does not exist at all is named too
    missing = tmp_path / "nowhere"
    _summary, output2 = _load(db, missing, tmp_path / "var" / "demo-accounts.txt")
    assert str(missing) in " ".join(output2.split())


def test_city_taxonomy_queues_and_accounts(db: Session, tmp_path: Path) -> None:
    accounts = tmp_path / "var" / "demo-accounts.txt"
    summary, _ = _load(db, tmp_path / "no-data", accounts)

    cats = list(db.scalars(select(Category).order_by(Category.sort_order)))
    assert [(c.code, c.name_ko, c.hotkey) for c in cats] == TAXONOMY
    tax = db.scalar(select(Department).where(Department.name == "세무과"))
    assert tax is not None and tax.origin == "demo" and (tax.phone or "").startswith("02-000-")
    assert cats[0].default_department_id == tax.id
    assert db.scalar(select(func.count()).select_from(Department)) == 13
    queues = {q.code: (q.name, q.sl_threshold_s) for q in db.scalars(select(Queue))}
    assert queues == {
        "general": ("일반 상담", 20),
        "local_tax": ("지방세", 20),
        "water": ("상하수도", 20),
        "parking": ("주정차", 20),
        "events": ("행사·축제", 20),
        "callback": ("콜백", 20),
    }
    users = {u.username: u for u in db.scalars(select(User))}
    assert sorted(users) == sorted(USERNAMES)
    assert [users[f"counselor{i}"].pbx_agent_id for i in range(1, 5)] == [f"AGENT_0{i}" for i in range(1, 5)]
    assert users["officer_tax"].department_id == tax.id
    assert users["admin"].role.value == "administrator"
    assert db.scalar(select(func.count()).where(Article.is_demo.is_(True))) == 59

    # the passwords file: private, marked demo-only, and its passwords work
    assert stat.S_IMODE(accounts.stat().st_mode) == 0o600
    text = accounts.read_text(encoding="utf-8")
    assert "DEMO ONLY" in text.splitlines()[0]
    entries = read_accounts_file(accounts)
    assert all(len(entries[name]) >= 12 for name in USERNAMES)
    assert len({entries[name] for name in USERNAMES}) == len(USERNAMES)
    assert sign_in(db=db, username="officer_tax", password=entries["officer_tax"], ip=None).user.username == (
        "officer_tax"
    )
    token = entries["pbx:demo-pbx"]
    assert summary.pbx_token == token
    assert authenticate_pbx(db=db, token=token).name == "demo-pbx"

    out = io.StringIO()
    print_summary(summary, console=Console(file=out, width=200))
    printed = out.getvalue()
    assert "http://127.0.0.1:8000" in printed
    assert entries["admin"] in printed and "counselor4" in printed


@pytest.mark.skipif(not INCHEON.is_file(), reason=f"shared data file {INCHEON} not present")
def test_second_run_creates_nothing(db: Session, tmp_path: Path) -> None:
    accounts = tmp_path / "var" / "demo-accounts.txt"
    first, _ = _load(db, DATA_DIR, accounts)
    assert first.history_source == "incheon"
    assert first.tallies["history"].created == 1203
    assert first.created_total > 0
    passwords = read_accounts_file(accounts)

    second, _ = _load(db, DATA_DIR, accounts)
    assert second.created_total == 0
    assert all(t.updated == 0 for t in second.tallies.values())
    assert second.tallies["history"].present == 1203
    assert second.tallies["articles"].present == 59
    assert read_accounts_file(accounts) == passwords
    assert {a.username: a.password for a in second.accounts} == {n: passwords[n] for n in USERNAMES}
    assert second.pbx_token == passwords["pbx:demo-pbx"]
    assert db.scalar(select(func.count()).select_from(Case)) == 1203


def test_deleted_accounts_file_resets_demo_passwords(db: Session, tmp_path: Path) -> None:
    accounts = tmp_path / "var" / "demo-accounts.txt"
    _load(db, tmp_path / "no-data", accounts)
    old = read_accounts_file(accounts)
    accounts.unlink()

    summary, output = _load(db, tmp_path / "no-data", accounts)
    assert summary.tallies["accounts"].created == 0
    assert summary.tallies["accounts"].updated == 9
    new = read_accounts_file(accounts)
    assert set(USERNAMES) <= set(new) and all(new[n] != old[n] for n in USERNAMES)
    assert "was missing" in " ".join(output.split())
    assert sign_in(db=db, username="counselor1", password=new["counselor1"], ip=None)
    with pytest.raises(AuthenticationFailed):
        sign_in(db=db, username="counselor2", password=old["counselor2"], ip=None)
