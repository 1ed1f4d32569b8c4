"""The access log is one hash chain: verify finds an edited, deleted or inserted row; concurrent writers
keep one chain; a purge keeps two years and the chain verifiable; old callers keep working."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from minwon.core import audit
from minwon.core.audit import GENESIS_HASH, purge_access_records, record_access, verify_chain
from minwon.core.errors import ValidationError
from minwon.core.models import AccessRecord
from minwon.db.session import make_engine
from tests.factories import make_user


def _write(db: Session, n: int, account_id: int) -> list[AccessRecord]:
    recs = [
        record_access(
            db=db,
            account_id=account_id,
            subject_ref=f"s{i}",
            action="view",
            purpose=f"call:{i}",
            ip="10.0.0.1",
        )
        for i in range(n)
    ]
    db.commit()
    return recs


def test_records_form_a_chain_computed_by_hand(db: Session) -> None:
    user = make_user(db)
    first, second = _write(db, 2, user.id)
    assert second.seq == first.seq + 1 and second.prev_hash == first.hash
    content = {
        "seq": first.seq,
        "at": first.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "account_id": user.id,
        "ip": "10.0.0.1",
        "subject_ref": "s0",
        "action": "view",
        "purpose": "call:0",
        "resource": "",
        "prev_hash": first.prev_hash,
    }
    expected = hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()
    assert first.hash == expected
    report = verify_chain(db=db)
    assert report.ok and report.rows >= 2


def test_an_unknown_action_is_refused(db: Session) -> None:
    user = make_user(db)
    with pytest.raises(ValidationError):
        record_access(db=db, account_id=user.id, subject_ref="s", action="edit", purpose="x", ip=None)


def test_edited_row_is_found(db: Session) -> None:
    user = make_user(db)
    recs = _write(db, 4, user.id)
    db.execute(text("UPDATE access_records SET purpose = 'call:999' WHERE id = :id"), {"id": recs[2].id})
    db.expire_all()
    report = verify_chain(db=db)
    assert not report.ok
    assert (report.broken_seq, report.broken_id) == (recs[2].seq, recs[2].id)
    assert "content" in report.reason


def test_deleted_row_is_found(db: Session) -> None:
    user = make_user(db)
    recs = _write(db, 4, user.id)
    db.execute(text("DELETE FROM access_records WHERE id = :id"), {"id": recs[1].id})
    report = verify_chain(db=db)
    assert not report.ok and report.broken_seq == recs[2].seq and "missing" in report.reason


def test_deleted_last_row_is_found(db: Session) -> None:
    user = make_user(db)
    recs = _write(db, 3, user.id)
    db.execute(text("DELETE FROM access_records WHERE id = :id"), {"id": recs[-1].id})
    report = verify_chain(db=db)
    assert not report.ok and report.broken_seq == recs[-1].seq and report.broken_id is None


def test_rewritten_hash_breaks_the_next_link(db: Session) -> None:
    user = make_user(db)
    recs = _write(db, 3, user.id)
    # an attacker edits a row and recomputes its own hash: the next row no longer follows it
    db.execute(text("UPDATE access_records SET hash = :h WHERE id = :id"), {"h": "f" * 64, "id": recs[0].id})
    report = verify_chain(db=db)
    assert not report.ok and report.broken_seq == recs[0].seq


def test_concurrent_writers_keep_one_chain(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url)
    with Session(engine) as db:
        uid = make_user(db).id
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for i in range(15):
                with Session(engine) as s:
                    record_access(
                        db=s, account_id=uid, subject_ref=f"w{k}", action="view", purpose=f"call:{i}", ip=None
                    )
                    s.commit()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(engine) as db:
        report = verify_chain(db=db)
        seqs = list(db.scalars(select(AccessRecord.seq).order_by(AccessRecord.seq)))
    engine.dispose()
    assert report.ok, report
    assert seqs == list(range(1, 61))


def test_purge_refuses_records_younger_than_two_years(db: Session) -> None:
    now = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    with pytest.raises(ValidationError) as err:
        purge_access_records(db=db, before=datetime(2025, 1, 1, tzinfo=UTC), actor_name="t", now=now)
    assert "2 years" in err.value.message


def test_purge_keeps_the_chain_verifiable(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    user = make_user(db)
    old = datetime(2023, 3, 1, tzinfo=UTC)
    monkeypatch.setattr(audit, "utcnow", lambda: old)
    old_recs = _write(db, 3, user.id)
    monkeypatch.setattr(audit, "utcnow", lambda: old + timedelta(days=1000))
    new_recs = _write(db, 2, user.id)
    deleted = purge_access_records(
        db=db, before=datetime(2024, 1, 1, tzinfo=UTC), actor_name="t", now=datetime(2026, 11, 30, tzinfo=UTC)
    )
    assert deleted >= 3
    remaining = list(db.scalars(select(AccessRecord.id)))
    assert {r.id for r in old_recs}.isdisjoint(remaining) and {r.id for r in new_recs} <= set(remaining)
    assert verify_chain(db=db).ok


def test_genesis_and_head_start_empty(db: Session) -> None:
    report = verify_chain(db=db)
    assert report.ok
    assert GENESIS_HASH == "0" * 64
