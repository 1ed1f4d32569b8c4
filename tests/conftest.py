"""Test fixtures: a real database (SQLite by default, PostgreSQL with MINWON_TEST_DATABASE_URL).

* ``db``: a Session on a connection whose outer transaction is rolled back after each test; service
  functions may commit freely (commits release SAVEPOINTs).
* ``client``: FastAPI TestClient using that same session.
* ``fresh_database_url``: an empty, migrated database of the same backend, committed for real, for
  tests that start server processes (broker, browser).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

TEST_DB_URL = os.environ.get("MINWON_TEST_DATABASE_URL", "")
REPO = Path(__file__).resolve().parents[1]
#: How long a test waits for a server process to answer: loading the Korean analyser and building the
#: search index take seconds, many more on a loaded CI machine.
START_WAIT_S = 120


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("minwon")


@pytest.fixture(scope="session", autouse=True)
def _settings_env(tmp_root: Path) -> Iterator[None]:
    from minwon.config import get_settings

    url = TEST_DB_URL or f"sqlite:///{tmp_root / 'test.db'}"
    os.environ["MINWON_DATABASE_URL"] = url
    os.environ["MINWON_ENVIRONMENT"] = "test"
    # each test rolls its data back: the per-process search index must look at every search
    os.environ["MINWON_SEARCH_REFRESH_S"] = "0"
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def engine(_settings_env: None) -> Iterator[Engine]:
    from minwon.config import get_settings
    from minwon.db.migrate import upgrade
    from minwon.db.session import make_engine

    url = get_settings().database_url
    if not url.startswith("sqlite"):
        _reset_pg_schema(url)
    eng = make_engine(url)
    upgrade(eng)
    yield eng
    eng.dispose()


def _reset_pg_schema(url: str) -> None:
    from minwon.db.session import normalise_url

    eng = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    eng.dispose()


@pytest.fixture()
def db(engine: Engine) -> Iterator[Session]:
    conn = engine.connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        conn.close()


@pytest.fixture()
def client(db: Session) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from minwon.db.deps import get_db
    from minwon.main import create_app

    app = create_app()
    app.dependency_overrides[get_db] = lambda: db
    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture()
def fresh_database_url(tmp_path: Path, engine: Engine) -> Iterator[str]:
    """A new, migrated database (file for SQLite, a new database for PostgreSQL), dropped afterwards."""
    from minwon.db.migrate import upgrade
    from minwon.db.session import make_engine, normalise_url

    if not TEST_DB_URL:
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        eng = make_engine(url)
        upgrade(eng)
        eng.dispose()
        yield url
        return
    name = f"minwon_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(TEST_DB_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(TEST_DB_URL)).set(database=name).render_as_string(hide_password=False)
    eng = make_engine(url)
    upgrade(eng)
    eng.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def start_server(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """``start_server(database_url, **env)`` → base URL of a real ``minwon serve`` process."""
    procs: list[subprocess.Popen[bytes]] = []

    def _start(database_url: str, **env: str) -> str:
        port = free_port()
        full_env = {**os.environ, "MINWON_DATABASE_URL": database_url, "MINWON_ENVIRONMENT": "test", **env}
        log = (tmp_path / f"server-{port}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "minwon.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
        procs.append(proc)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_WAIT_S
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {(tmp_path / f'server-{port}.log').read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return base
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not start in {START_WAIT_S} s")

    yield _start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
