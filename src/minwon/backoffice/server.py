"""Running the reference back office: as the ``minwon backoffice serve`` process, or in a thread of the
current process (tests and benchmarks: :func:`start_backoffice`).
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import uvicorn
from sqlalchemy import Engine

from minwon.backoffice import store
from minwon.backoffice.app import create_backoffice_app
from minwon.backoffice.faults import FaultRule, FaultState
from minwon.db.session import make_engine

#: Default API key of test and in-process servers.
TEST_API_KEY = "test-backoffice-key"


def prepare_database(
    *, database_url: str, seed: int, residents: int, as_of: date, force: bool = False
) -> tuple[Engine, bool]:
    """An engine on the back office's database, generated for ``(seed, residents, as_of)`` unless it
    already holds exactly that. Returns the engine and whether the data was (re)generated."""
    engine = make_engine(database_url)
    generated = store.build_database(engine=engine, seed=seed, residents=residents, as_of=as_of, force=force)
    return engine, generated


def serve(
    *,
    host: str,
    port: int,
    engine: Engine,
    api_key: str,
    faults: list[FaultRule] | None = None,
) -> None:
    """Serve the back office with uvicorn until interrupted (access log off: no identifiers logged)."""
    app = create_backoffice_app(engine=engine, api_key=api_key, faults=FaultState(faults))
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=2)


@dataclass
class RunningBackoffice:
    """A back office served from a thread: ``base_url`` (``http://127.0.0.1:PORT``), ``api_key``,
    ``faults`` (the live fault state; set rules directly or through ``POST /_faults``)."""

    base_url: str
    api_key: str
    faults: FaultState
    engine: Engine
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        """Stop serving (hanging requests are cancelled after one second) and dispose the engine."""
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self.engine.dispose()

    def __enter__(self) -> RunningBackoffice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_backoffice(
    folder: Path,
    *,
    residents: int = 300,
    seed: int = 7,
    as_of: date = date(2026, 11, 30),
    api_key: str = TEST_API_KEY,
    database_url: str | None = None,
    faults: list[FaultRule] | None = None,
) -> RunningBackoffice:
    """Generate a back office in ``folder/backoffice.db`` (or ``database_url``) and serve it on a free
    localhost port from a thread of this process. Returns once it accepts requests (RuntimeError after
    30 s). Call :meth:`RunningBackoffice.stop` (or use it as a context manager) to end it.
    """
    url = database_url or f"sqlite:///{Path(folder) / 'backoffice.db'}"
    engine, _ = prepare_database(database_url=url, seed=seed, residents=residents, as_of=as_of)
    state = FaultState(faults)
    app = create_backoffice_app(engine=engine, api_key=api_key, faults=state)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="backoffice")
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the back office did not start")
        time.sleep(0.02)
    return RunningBackoffice(
        base_url=f"http://127.0.0.1:{port}",
        api_key=api_key,
        faults=state,
        engine=engine,
        _server=server,
        _thread=thread,
    )
