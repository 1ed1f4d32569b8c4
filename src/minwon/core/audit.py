"""Writing the audit trail and the personal-data access log, and proving the log was not altered.

The access log (개인정보의 안전성 확보조치 기준 §8) is append-only and tamper-evident: every record is a
link of one SHA-256 hash chain. A record's ``hash`` covers its canonical content (:func:`canonical_record`)
including the previous record's hash, so editing, inserting or deleting a row breaks the chain at that row,
and :func:`verify_chain` names the first broken one. Writers serialise on the single chain-head row
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite transactions start with ``BEGIN IMMEDIATE``,
see ``db.session``), so concurrent writers never fork the chain. Records are kept at least two years
(§8(1)); :func:`purge_access_records` refuses younger ones.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session

from minwon.core.clock import to_local, utcnow
from minwon.core.errors import ValidationError
from minwon.core.models import AccessChainHead, AccessRecord, AuditEvent

#: ``prev_hash`` of the first record ever written.
GENESIS_HASH = "0" * 64
#: Actions an access record may name (§8: 열람, 출력, 다운로드).
ACCESS_ACTIONS = frozenset({"view", "print", "download"})
#: Minimum retention of access records, in years (§8(1): at least two years where resident
#: registration numbers or sensitive data are processed).
RETENTION_YEARS = 2
_HEAD_ID = 1


def record_audit(
    *,
    db: Session,
    action: str,
    actor_name: str,
    actor_id: int | None = None,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session (the caller commits with its own change)."""
    event = AuditEvent(
        at=utcnow(), actor_id=actor_id, actor_name=actor_name, action=action, ip=ip, detail=detail or {}
    )
    db.add(event)
    return event


def canonical_record(
    *,
    seq: int,
    at: datetime,
    account_id: int,
    ip: str | None,
    subject_ref: str,
    action: str,
    purpose: str,
    resource: str,
    prev_hash: str,
) -> bytes:
    """The bytes a record's hash covers: sorted-key compact JSON (UTF-8), ``at`` in UTC to the
    microsecond."""
    content = {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "account_id": account_id,
        "ip": ip,
        "subject_ref": subject_ref,
        "action": action,
        "purpose": purpose,
        "resource": resource,
        "prev_hash": prev_hash,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def record_hash(rec: Any) -> str:
    """SHA-256 hex of ``rec``'s canonical content (what ``rec.hash`` must equal); ``rec`` is an
    :class:`AccessRecord` or a row with the same attribute names."""
    return hashlib.sha256(
        canonical_record(
            seq=rec.seq,
            at=rec.at,
            account_id=rec.account_id,
            ip=rec.ip,
            subject_ref=rec.subject_ref,
            action=rec.action,
            purpose=rec.purpose,
            resource=rec.resource or "",
            prev_hash=rec.prev_hash,
        )
    ).hexdigest()


def _locked_head(db: Session) -> AccessChainHead:
    """The chain head, locked until the caller's transaction ends (created if missing)."""
    head = db.scalar(
        select(AccessChainHead)
        .where(AccessChainHead.id == _HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if head is None:
        head = AccessChainHead(id=_HEAD_ID, seq=0, hash=GENESIS_HASH, base_seq=0, base_hash=GENESIS_HASH)
        db.add(head)
        db.flush()
    return head


def record_access(
    *,
    db: Session,
    account_id: int,
    subject_ref: str,
    action: str,
    purpose: str,
    ip: str | None,
    resource: str = "",
) -> AccessRecord:
    """Append a personal-data access record (개인정보의 안전성 확보조치 기준 §8) to the hash chain.

    ``subject_ref`` is the pseudonymous reference of the data subject (see
    :func:`minwon.core.crypto.pseudonym`), never the identifier itself. ``action`` is one of
    ``view``, ``print``, ``download``; ``purpose`` names the contact or call it served (``call:12``);
    ``resource`` what was seen (``linkage:water.bills``). Locks the chain head until the caller commits
    (the record and the head move together or not at all). Raises ValidationError for another action.
    """
    if action not in ACCESS_ACTIONS:
        raise ValidationError(f"access action must be one of {sorted(ACCESS_ACTIONS)}", field="action")
    head = _locked_head(db)
    rec = AccessRecord(
        seq=head.seq + 1,
        at=utcnow(),
        account_id=account_id,
        subject_ref=subject_ref,
        action=action,
        purpose=purpose[:120],
        resource=resource[:80],
        ip=ip,
        prev_hash=head.hash,
    )
    rec.hash = record_hash(rec)
    head.seq, head.hash = rec.seq, rec.hash
    db.add(rec)
    db.flush()
    return rec


@dataclass(frozen=True)
class ChainReport:
    """Result of :func:`verify_chain`. ``broken_seq``/``broken_id`` locate the first broken row (the
    id is ``None`` when rows are missing at the end); ``reason`` says what is wrong."""

    ok: bool
    rows: int
    head_seq: int
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "rows": self.rows,
            "head_seq": self.head_seq,
            "broken_seq": self.broken_seq,
            "broken_id": self.broken_id,
            "reason": self.reason,
        }


_CHAIN_COLUMNS = (
    AccessRecord.id,
    AccessRecord.seq,
    AccessRecord.at,
    AccessRecord.account_id,
    AccessRecord.ip,
    AccessRecord.subject_ref,
    AccessRecord.action,
    AccessRecord.purpose,
    AccessRecord.resource,
    AccessRecord.prev_hash,
    AccessRecord.hash,
)


def _rows(db: Session, batch: int = 5000) -> Iterator[Any]:
    """Rows (plain tuples, not ORM objects, so memory stays flat) in chain order."""
    last = -1
    while True:
        chunk = db.execute(
            select(*_CHAIN_COLUMNS).where(AccessRecord.seq > last).order_by(AccessRecord.seq).limit(batch)
        ).all()
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def verify_chain(*, db: Session) -> ChainReport:
    """Walk the access log in chain order and report the first broken row.

    A row is broken when its ``seq`` skips (rows deleted before it), its ``prev_hash`` is not the
    previous row's hash (rows deleted or inserted), or its ``hash`` does not match its content (edited).
    Rows missing after the last one are found by comparing with the chain head. Reads only.
    """
    head = db.get(AccessChainHead, _HEAD_ID)
    base_seq, prev = (head.base_seq, head.base_hash) if head else (0, GENESIS_HASH)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    expected = base_seq + 1
    count = 0
    for rec in _rows(db):
        count += 1
        if rec.seq != expected:
            return ChainReport(
                False, count, head_seq, rec.seq, rec.id, f"rows {expected}–{rec.seq - 1} are missing"
            )
        if rec.prev_hash != prev:
            return ChainReport(
                False, count, head_seq, rec.seq, rec.id, "prev_hash does not follow the previous row"
            )
        if record_hash(rec) != rec.hash:
            return ChainReport(False, count, head_seq, rec.seq, rec.id, "content does not match its hash")
        prev = rec.hash
        expected += 1
    if expected - 1 != head_seq or prev != head_hash:
        return ChainReport(
            False, count, head_seq, expected, None, f"rows {expected}–{head_seq} are missing at the end"
        )
    return ChainReport(True, count, head_seq)


def retention_cutoff(now: datetime) -> datetime:
    """The latest instant a purge may reach: ``now`` less :data:`RETENTION_YEARS` calendar years (local
    calendar; 29 February becomes 28 February)."""
    local = to_local(now)
    try:
        earlier = local.replace(year=local.year - RETENTION_YEARS)
    except ValueError:
        earlier = local.replace(year=local.year - RETENTION_YEARS, day=28)
    return earlier.astimezone(UTC)


def purge_access_records(
    *, db: Session, before: datetime, actor_name: str, now: datetime | None = None
) -> int:
    """Delete the oldest access records written before ``before`` (aware) and keep the chain verifiable;
    commits and returns the number deleted.

    Only a prefix of the chain is removed: the records up to the first one at or after ``before``. The
    chain head keeps the last removed record's hash as the anchor the first kept record must follow.
    Raises ValidationError (``before``) when ``before`` is later than :func:`retention_cutoff` — records
    are kept at least two years (개인정보의 안전성 확보조치 기준 §8(1)).
    """
    if before.tzinfo is None:
        raise ValidationError("before must be timezone-aware", field="before")
    cutoff = retention_cutoff(now or utcnow())
    if before > cutoff:
        raise ValidationError(
            f"access records are kept at least {RETENTION_YEARS} years; "
            f"before must be on or before {to_local(cutoff):%Y-%m-%d %H:%M}",
            field="before",
        )
    head = _locked_head(db)
    first_kept = db.scalar(select(func.min(AccessRecord.seq)).where(AccessRecord.at >= before))
    last_purged = (first_kept - 1) if first_kept is not None else head.seq
    anchor = (
        db.scalar(select(AccessRecord).where(AccessRecord.seq == last_purged)) if last_purged > 0 else None
    )
    if anchor is None or last_purged <= head.base_seq:
        db.rollback()
        return 0
    deleted = db.execute(delete(AccessRecord).where(AccessRecord.seq <= last_purged))
    count = deleted.rowcount if isinstance(deleted, CursorResult) else 0
    head.base_seq, head.base_hash = anchor.seq, anchor.hash
    record_audit(
        db=db,
        action="access_log_purge",
        actor_name=actor_name,
        detail={"before": before.isoformat(), "deleted": count, "anchor_seq": anchor.seq},
    )
    db.commit()
    return int(count)
