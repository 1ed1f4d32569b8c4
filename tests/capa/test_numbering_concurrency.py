"""Several writers create entries at the same moment on a real, committed database: every entry gets
its own number and the numbers of the year have no gaps (PostgreSQL: the counter row is locked with
``FOR UPDATE``; SQLite: ``BEGIN IMMEDIATE`` serialises writers). The first entries of a year race on
creating the counter row itself."""

from __future__ import annotations

import threading

from sqlalchemy import select

from minwon.accounts.models import User
from minwon.capa import service as capa
from minwon.capa.models import Nonconformity
from minwon.core.clock import to_local, utcnow
from minwon.db.session import make_engine, session_scope
from tests.capa.support import staff

WRITERS = 4
EACH = 5


def test_concurrent_creation_is_unique_and_gap_free(fresh_database_url: str) -> None:
    setup = make_engine(fresh_database_url)
    with session_scope(setup) as db:
        staff(db, "qm")
    setup.dispose()
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def writer(n: int) -> None:
        engine = make_engine(fresh_database_url)
        try:
            start.wait()
            for i in range(EACH):
                with session_scope(engine) as db:
                    actor = db.scalars(select(User).where(User.username == "qm")).one()
                    capa.create_nonconformity(
                        db=db, actor=actor, title=f"w{n}-{i}", source="audit", description="동시 등록"
                    )
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    check = make_engine(fresh_database_url)
    with session_scope(check) as db:
        refs = sorted(db.scalars(select(Nonconformity.reference)))
    check.dispose()
    year = to_local(utcnow()).year
    assert refs == [f"NC-{year}-{i:04d}" for i in range(1, WRITERS * EACH + 1)]
