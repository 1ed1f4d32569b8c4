"""``minwon init --demo``: the fictional city 한빛시, its demo content and historical cases.

What is loaded, and from where:

* ``hanbit_city.yaml`` (this folder): departments, the center's category taxonomy, queues, demo
  accounts and the demo PBX name.
* ``knowledge/demo_articles.yaml``: 59 standard answers written for the demo city.
* ``<data_dir>/korean_complaints/incheon_junggu_minwon_qa_2012_2020.csv``: 1,203 real Q&A pairs
  imported as closed historical cases. When the data folder or the file is missing, 200 generated
  cases built from the article titles are loaded instead (marked as generated) and the output says so.

Every step is idempotent: a second run creates nothing. Demo passwords are random and written to
``var/demo-accounts.txt`` (relative to the working directory, mode 600); the file is the only place
they exist in clear.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.accounts.service import create_user, hash_password
from minwon.capa.demo import load_demo_capa
from minwon.cases.imports import (
    INCHEON_REF_PREFIX,
    HistorySource,
    ImportResult,
    RowProblem,
    import_generated_history,
    import_incheon_qa,
)
from minwon.cases.models import Case
from minwon.config import get_settings
from minwon.core.crypto import random_token
from minwon.evaluations.demo import load_demo_evaluations
from minwon.feedback.demo import load_demo_feedback
from minwon.knowledge import service as kb_service
from minwon.knowledge.models import Article, ArticleVersion
from minwon.knowledge.service import upsert_article
from minwon.linkage.demo import load_demo_linkage
from minwon.org.models import Category, Department, Queue
from minwon.org.service import ensure_department, ensure_queue, save_category
from minwon.routing.demo import load_demo_routing
from minwon.telephony.models import Pbx
from minwon.telephony.service import issue_pbx_token
from minwon.weather.service import load_demo_stations

CITY_FILE = Path(__file__).with_name("hanbit_city.yaml")
ARTICLES_FILE = Path(__file__).resolve().parents[1] / "knowledge" / "demo_articles.yaml"
INCHEON_RELPATH = Path("korean_complaints") / "incheon_junggu_minwon_qa_2012_2020.csv"
GENERATED_CASES = 200
#: Random bytes per demo password (base64url → 16 characters).
PASSWORD_BYTES = 12
ACCOUNTS_HEADER = (
    "# minwon DEMO accounts for the fictional city 한빛시 — DEMO ONLY, never use on a real system.\n"
    "# Written by `minwon init --demo`; delete this file and run it again to reset the passwords.\n"
    "# username\trole\tpassword (the last line is the demo PBX's bearer token)\n"
)
PBX_KEY_PREFIX = "pbx:"


@dataclass
class Tally:
    """Rows created by this run vs. found already present (``updated``: present but changed)."""

    created: int = 0
    present: int = 0
    updated: int = 0


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    display_name: str
    password: str


@dataclass
class DemoSummary:
    """What :func:`load_demo` did. ``tallies`` keys: departments, categories, queues, accounts, pbx,
    articles, history. ``history_source`` is ``incheon`` or ``generated``."""

    tallies: dict[str, Tally] = field(default_factory=dict)
    accounts: list[DemoAccount] = field(default_factory=list)
    pbx_name: str = ""
    pbx_token: str | None = None
    accounts_file: Path = Path("var/demo-accounts.txt")
    history_source: str = ""
    notices: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def created_total(self) -> int:
        return sum(t.created for t in self.tallies.values())


def default_accounts_file(database_url: str | None = None) -> Path:
    """``var/demo-accounts.txt`` for the default embedded database; for any other database a file of its
    own (``var/demo-accounts-<hash of the URL>.txt``), so loading the demo into a second database never
    overwrites the passwords of the first."""
    from minwon.config import _default_database_url

    folder = Path.cwd() / "var"
    default = _default_database_url()
    if database_url is None or database_url == default:
        return folder / "demo-accounts.txt"
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:10]
    return folder / f"demo-accounts-{digest}.txt"


def load_demo(
    *, db: Session, data_dir: Path, console: Console, accounts_file: Path | None = None
) -> DemoSummary:
    """Load the demo city, content and history into ``db`` (idempotent); commits.

    ``data_dir`` is the shared data folder (``MINWON_DATA_DIR``); ``console`` receives progress and
    notices; ``accounts_file`` defaults to ``var/demo-accounts.txt`` under the working directory.
    Returns the counts and the demo accounts with their passwords.
    """
    city = _read_yaml(CITY_FILE)
    url = db.get_bind().engine.url.render_as_string(hide_password=False)
    summary = DemoSummary(accounts_file=accounts_file or default_accounts_file(url), pbx_name=city["pbx"])
    departments = _load_departments(db, city["departments"], summary)
    categories = _load_categories(db, city["categories"], departments, summary)
    _load_queues(db, city["queues"], categories, summary)
    _load_accounts_and_pbx(db, city["accounts"], departments, summary)
    _load_callback_queue_agents(db, summary)
    sources = _load_articles(db, city["categories"], categories, summary)
    _load_kb_workflow(db, summary)
    _load_history(db, Path(data_dir), sources, console, summary)
    _load_petition_standards(db, summary)
    summary.notices.extend(load_demo_stations(db=db, data_dir=Path(data_dir)))
    summary.notices.extend(load_demo_routing(db=db))
    summary.notices.extend(load_demo_linkage(db=db))
    summary.notices.extend(load_demo_feedback(db=db))
    summary.notices.extend(load_demo_capa(db=db))
    summary.notices.extend(load_demo_evaluations(db=db))
    _load_search_synonyms(db)
    for notice in summary.notices:
        console.print(f"[yellow]notice:[/] {notice}", highlight=False)
    return summary


def _load_search_synonyms(db: Session) -> None:
    """The built-in Korean synonym dictionary of the knowledge search (딱지 → 주정차 위반 과태료 …)."""
    from minwon.search.service import seed_synonyms

    seed_synonyms(db=db)


def _load_petition_standards(db: Session, summary: DemoSummary) -> None:
    """Petitions: a few rows of the processing-standards table (민원처리기준표) whose period is certain."""
    from minwon.cases.standards import DEMO_STANDARDS, seed_demo_standards

    added = seed_demo_standards(db=db)
    db.commit()
    summary.tallies["processing_standards"] = Tally(created=added, present=len(DEMO_STANDARDS) - added)


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _load_departments(
    db: Session, specs: list[dict[str, str]], summary: DemoSummary
) -> dict[str, Department]:
    tally = summary.tallies.setdefault("departments", Tally())
    result: dict[str, Department] = {}
    for spec in specs:
        exists = db.scalar(select(Department.id).where(Department.name == spec["name"])) is not None
        result[spec["name"]] = ensure_department(db=db, name=spec["name"], origin="demo", phone=spec["phone"])
        if exists:
            tally.present += 1
        else:
            tally.created += 1
    db.commit()
    return result


def _load_categories(
    db: Session, specs: list[dict[str, Any]], departments: dict[str, Department], summary: DemoSummary
) -> dict[str, Category]:
    """Create missing categories; existing ones (same code) are left as an administrator edited them."""
    tally = summary.tallies.setdefault("categories", Tally())
    result: dict[str, Category] = {}
    for order, spec in enumerate(specs, start=1):
        existing = db.scalar(select(Category).where(Category.code == spec["code"]))
        if existing is not None:
            tally.present += 1
            result[spec["code"]] = existing
            continue
        dept = departments.get(spec["department"]) if spec.get("department") else None
        result[spec["code"]] = save_category(
            db=db,
            code=spec["code"],
            name_ko=spec["name_ko"],
            name_en=spec["name_en"],
            sort_order=order,
            hotkey=str(spec["hotkey"]),
            default_department_id=dept.id if dept else None,
        )
        tally.created += 1
    return result


def _load_queues(
    db: Session, specs: list[dict[str, Any]], categories: dict[str, Category], summary: DemoSummary
) -> None:
    tally = summary.tallies.setdefault("queues", Tally())
    for spec in specs:
        exists = db.scalar(select(Queue.id).where(Queue.code == spec["code"])) is not None
        category = categories.get(spec["category"]) if spec.get("category") else None
        ensure_queue(
            db=db,
            code=spec["code"],
            name=spec["name"],
            sl_threshold_s=int(spec["sl_threshold_s"]),
            default_category_id=category.id if category else None,
        )
        if exists:
            tally.present += 1
        else:
            tally.created += 1
    db.commit()


def read_accounts_file(path: Path) -> dict[str, str]:
    """``{username: password}`` (and ``pbx:<name>: token``) from a demo accounts file; ``{}`` if absent."""
    if not path.is_file():
        return {}
    entries: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) >= 3 and parts[2]:
            entries[parts[0]] = parts[2]
    return entries


def _write_accounts_file(path: Path, summary: DemoSummary) -> None:
    lines = [ACCOUNTS_HEADER]
    lines += [f"{a.username}\t{a.role}\t{a.password}\n" for a in summary.accounts]
    if summary.pbx_token:
        lines.append(f"{PBX_KEY_PREFIX}{summary.pbx_name}\tpbx\t{summary.pbx_token}\n")
    content = "".join(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(content)
    path.chmod(0o600)


def _new_password() -> str:
    return random_token(PASSWORD_BYTES)


def _load_accounts_and_pbx(
    db: Session, specs: list[dict[str, Any]], departments: dict[str, Department], summary: DemoSummary
) -> None:
    """Create missing demo users with random passwords; reuse the file's passwords for existing users;
    reset the password of an existing user the file does not list (the file was deleted)."""
    tally = summary.tallies.setdefault("accounts", Tally())
    known = read_accounts_file(summary.accounts_file)
    changed = not summary.accounts_file.is_file()
    for spec in specs:
        user = db.scalar(select(User).where(User.username == spec["username"]))
        dept = departments.get(spec["department"]) if spec.get("department") else None
        if user is None:
            password = _new_password()
            create_user(
                db=db,
                username=spec["username"],
                password=password,
                role=spec["role"],
                display_name=spec["display_name"],
                pbx_agent_id=spec.get("pbx_agent_id"),
                department_id=dept.id if dept else None,
                team=spec.get("team"),
            )
            tally.created += 1
            changed = True
        elif spec["username"] in known:
            password = known[spec["username"]]
            tally.present += 1
        else:
            password = _new_password()
            user.password_hash = hash_password(password)
            user.failed_logins = 0
            user.locked_until = None
            tally.present += 1
            tally.updated += 1
            changed = True
        summary.accounts.append(
            DemoAccount(spec["username"], str(spec["role"]), spec["display_name"], password)
        )
    db.commit()
    if tally.updated:
        summary.notices.append(
            f"{summary.accounts_file} was missing: the passwords of {tally.updated} existing demo "
            "account(s) were reset"
        )

    pbx_tally = summary.tallies.setdefault("pbx", Tally())
    if db.scalar(select(Pbx.id).where(Pbx.name == summary.pbx_name)) is None:
        summary.pbx_token = issue_pbx_token(db=db, name=summary.pbx_name)
        pbx_tally.created += 1
        changed = True
    else:
        pbx_tally.present += 1
        summary.pbx_token = known.get(f"{PBX_KEY_PREFIX}{summary.pbx_name}")
        if summary.pbx_token is None:
            summary.notices.append(
                f"PBX {summary.pbx_name!r} exists but its token is not in {summary.accounts_file}; "
                f"issue a new one with `minwon pbx token {summary.pbx_name}`"
            )
    if changed:
        _write_accounts_file(summary.accounts_file, summary)


#: The demo queue for callbacks, and the demo counselors who work it (docs/scheduler.md).
DEMO_CALLBACK_QUEUE = "callback"
DEMO_CALLBACK_AGENTS = ("counselor1", "counselor2", "counselor3", "counselor4")


def _load_callback_queue_agents(db: Session, summary: DemoSummary) -> None:
    """The demo counselors work the ``callback`` queue: callbacks handed to it show on their desks."""
    from minwon.contacts.models import QueueAgent
    from minwon.contacts.service import add_queue_agent

    tally = summary.tallies.setdefault("queue_agents", Tally())
    queue = db.scalar(select(Queue).where(Queue.code == DEMO_CALLBACK_QUEUE))
    if queue is None:
        return
    for username in DEMO_CALLBACK_AGENTS:
        user = db.scalar(select(User).where(User.username == username))
        if user is None:
            continue
        exists = db.scalar(
            select(QueueAgent.id).where(QueueAgent.queue_id == queue.id, QueueAgent.user_id == user.id)
        )
        if exists is None:
            add_queue_agent(db=db, queue_id=queue.id, user_id=user.id)
            tally.created += 1
        else:
            tally.present += 1


def _load_articles(
    db: Session, category_specs: list[dict[str, Any]], categories: dict[str, Category], summary: DemoSummary
) -> list[HistorySource]:
    """Upsert the demo standard answers by slug; returns them as sources for generated history."""
    tally = summary.tallies.setdefault("articles", Tally())
    code_by_korean_name = {spec["name_ko"]: spec["code"] for spec in category_specs}
    sources: list[HistorySource] = []
    for item in _read_yaml(ARTICLES_FILE):
        category = categories.get(code_by_korean_name.get(item["category"], ""))
        department = ensure_department(db=db, name=item["department"], origin="demo")
        outcome = upsert_article(
            db=db,
            slug=item["slug"],
            title=item["title"],
            body=item["body"],
            keywords=item.get("keywords") or [],
            category_id=category.id if category else None,
            department_id=department.id,
            is_demo=True,
        )
        if outcome.status == "created":
            tally.created += 1
        else:
            tally.present += 1
            tally.updated += outcome.status == "updated"
        sources.append(HistorySource(item["title"], item["body"], department.id, outcome.version.category_id))
    return sources


def _load_kb_workflow(db: Session, summary: DemoSummary) -> None:
    """Document control in motion (once): counselor1 has proposed a revision of the vehicle-tax billing
    answer, waiting in the review queue (quality1 or officer_tax approve it; counselor1 cannot), and
    counselor2 has flagged the prepayment answer as outdated (officer_tax sees it at /kb/flags)."""
    tally = summary.tallies.setdefault("kb_workflow", Tally())
    billing = db.scalar(select(Article).where(Article.slug == "vehicle-tax-regular-billing"))
    prepay = db.scalar(select(Article).where(Article.slug == "vehicle-tax-annual-prepayment"))
    author = db.scalar(select(User).where(User.username == "counselor1"))
    flagger = db.scalar(select(User).where(User.username == "counselor2"))
    if billing is None or prepay is None or author is None or flagger is None:
        return
    started = db.scalar(
        select(func.count()).where(
            ArticleVersion.article_id == billing.id, ArticleVersion.created_by_id.is_not(None)
        )
    )
    if started:
        tally.present += 1
        return
    current = kb_service.latest_version(db=db, article_id=billing.id)
    revised = kb_service.save_draft(
        db=db,
        author=author,
        article_id=billing.id,
        base_number=current.number,
        title=current.title,
        body=current.body.replace(
            "- 정확한 세액은", "- 연세액 10만원 이하인 경우 6월에 한 번에 부과됩니다.\n- 정확한 세액은", 1
        ),
        keywords=current.keywords,
        category_id=current.category_id,
        department_id=current.department_id,
        change_note="연세액 10만원 이하 일괄 부과 안내 추가 (데모)",
    )
    kb_service.submit_for_review(
        db=db, actor=author, article_id=billing.id, number=revised.number, comment="검토 부탁드립니다 (데모)"
    )
    kb_service.flag_article(
        db=db,
        user=flagger,
        article_id=prepay.id,
        reason="outdated",
        comment="연납 공제율이 올해 바뀌었다는 문의가 많습니다. 확인 부탁드립니다 (데모)",
    )
    tally.created += 1


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _load_history(
    db: Session, data_dir: Path, sources: list[HistorySource], console: Console, summary: DemoSummary
) -> None:
    tally = summary.tallies.setdefault("history", Tally())
    path = data_dir / INCHEON_RELPATH
    result: ImportResult
    if path.is_file():
        summary.history_source = "incheon"
        with _progress(console) as bar:
            task = bar.add_task("Incheon Jung-gu Q&A → historical cases", total=None)
            result = import_incheon_qa(
                db=db, path=path, progress=lambda done, total: bar.update(task, completed=done, total=total)
            )
        summary.problems = result.problems
        for problem in result.problems:
            summary.notices.append(f"{path.name}: skipped {problem.message}")
    else:
        missing = data_dir if not data_dir.is_dir() else path
        what = "data folder" if missing == data_dir else "file"
        summary.notices.append(
            f"{what} {missing} is missing, so the real Incheon Q&A history was not loaded. "
            "Set MINWON_DATA_DIR (or --data-dir) to the shared data folder to load it. "
            f"Loaded {GENERATED_CASES} GENERATED demo cases built from the article titles instead."
        )
        summary.history_source = "generated"
        already = db.scalar(
            select(func.count(Case.id)).where(Case.external_ref.like(f"{INCHEON_REF_PREFIX}%"))
        )
        if already:
            summary.notices[-1] = (
                f"{what} {missing} is missing; the Incheon history imported earlier "
                f"({already} cases) is kept and nothing was generated."
            )
            summary.history_source = "incheon"
            tally.present += int(already)
            return
        with _progress(console) as bar:
            task = bar.add_task("Generated demo history", total=GENERATED_CASES)
            result = import_generated_history(
                db=db,
                sources=sources,
                count=GENERATED_CASES,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    tally.created += result.created
    tally.present += result.already_present


_LABELS = {
    "departments": "Departments (담당 부서)",
    "categories": "Categories (상담 분류)",
    "queues": "Queues (대기열)",
    "accounts": "Demo accounts",
    "pbx": "PBX",
    "queue_agents": "Callback queue agents (콜백 대기열 상담사)",
    "articles": "Standard answers (표준 답변)",
    "kb_workflow": "Answer in review + flag (문서 관리 데모)",
    "history": "Historical cases (과거 민원)",
    "processing_standards": "Processing standards (민원처리기준표)",
}


def _print_backoffice_callers(console: Console) -> None:
    """The reference back office's fictional demo callers (issue 3: linkage)."""
    from minwon.backoffice.demo import print_demo_callers

    print_demo_callers(console=console)


def print_summary(summary: DemoSummary, *, console: Console) -> None:
    """Print what was loaded, the demo accounts with their passwords, and where to sign in."""
    counts = Table(title="한빛시 demo data (fictional city)")
    counts.add_column("Item")
    counts.add_column("Created", justify="right")
    counts.add_column("Already present", justify="right")
    for key, tally in summary.tallies.items():
        label = _LABELS.get(key, key)
        if key == "history":
            label += f" — {summary.history_source}"
        present = f"{tally.present}" + (f" ({tally.updated} updated)" if tally.updated else "")
        counts.add_row(label, str(tally.created), present)
    console.print(counts)

    accounts = Table(title=f"Demo accounts — DEMO ONLY (also in {summary.accounts_file})")
    accounts.add_column("Username")
    accounts.add_column("Role")
    accounts.add_column("Name")
    accounts.add_column("Password", overflow="fold")
    for account in summary.accounts:
        accounts.add_row(account.username, account.role, account.display_name, account.password)
    console.print(accounts)
    if summary.pbx_token:
        # on its own line so that it is never wrapped (copied into PBX configuration)
        line = f"PBX bearer token ({summary.pbx_name}): {summary.pbx_token}"
        console.print(line, highlight=False, soft_wrap=True)
    for notice in summary.notices:
        console.print(f"[yellow]notice:[/] {notice}", highlight=False)
    _print_backoffice_callers(console)
    settings = get_settings()
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host  # noqa: S104 - display only
    console.print(f"Web app: http://{host}:{settings.port} (minwon serve; ./run starts it)")
