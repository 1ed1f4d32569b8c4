"""Notices to the petitioner on case events, the petitioner's mobile number, and the status code.

* The mobile number is kept on the case encrypted (:func:`minwon.core.crypto.encrypt`) and masked,
  never in clear: taken from the contact's caller number when it is a mobile (010…), or typed in by
  an officer (:func:`minwon.cases.workflow.set_case_mobile`).
* :func:`notify_case` queues an SMS through :func:`minwon.notices.service.enqueue` in the caller's
  transaction, inside a SAVEPOINT: the case update and its notice commit together, and a notice that
  cannot be built (no mobile, bad template field) is skipped without touching the case update.
* The verification code (6 digits) for the citizen's status look-up is stored only as its SHA-256
  digest (:func:`verification_digest`); the clear code goes out in the receipt notice and is shown
  once to the counselor (:func:`pop_issued_verification_code`).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from minwon.cases.models import Case
from minwon.config import get_settings
from minwon.core.clock import to_local
from minwon.core.crypto import decrypt, encrypt, mask_phone
from minwon.core.errors import MinwonError
from minwon.notices.models import Notice, NoticeChannel
from minwon.notices.service import enqueue

log = logging.getLogger(__name__)

#: Name shown as ``[{center}]`` at the start of every notice.
#: Digits of the status-lookup code.
VERIFICATION_CODE_DIGITS = 6
_SESSION_KEY = "minwon.cases.issued_codes"
_MOBILE = re.compile(r"^01[016789][0-9]{7,8}$")


def is_mobile(digits: str) -> bool:
    """Whether a normalised number is a Korean mobile number (010/011/016/017/018/019, 10–11 digits)."""
    return bool(_MOBILE.match(digits))


def verification_digest(code: str) -> str:
    """SHA-256 hex of a verification code (what ``Case.verification_digest`` holds).

    The status page compares ``verification_digest(typed_code)`` with the stored digest (use
    :func:`hmac.compare_digest`); the code itself is never stored.
    """
    return hashlib.sha256(code.strip().encode("ascii", "replace")).hexdigest()


def issue_verification_code(*, db: Session, case: Case) -> str:
    """Draw a new random 6-digit code, store its digest on ``case`` and remember the clear code in
    the session (``db.info``) until :func:`pop_issued_verification_code` takes it once."""
    code = f"{secrets.randbelow(10**VERIFICATION_CODE_DIGITS):0{VERIFICATION_CODE_DIGITS}d}"
    case.verification_digest = verification_digest(code)
    db.info.setdefault(_SESSION_KEY, {})[case.id] = code
    return code


def pop_issued_verification_code(*, db: Session, case_id: int) -> str | None:
    """The clear code issued for ``case_id`` in this session, once (None afterwards or if none)."""
    codes: dict[int, str] = db.info.get(_SESSION_KEY, {})
    return codes.pop(case_id, None)


def set_mobile_from_encrypted(case: Case, caller_enc: str | None) -> bool:
    """Copy a caller number to the case when it is a mobile; True when set. The number is decrypted
    in memory only to check it is a mobile."""
    if not caller_enc:
        return False
    try:
        digits = decrypt(caller_enc)
    except ValueError:
        return False
    if not is_mobile(digits):
        return False
    case.notify_mobile_enc = encrypt(digits)
    case.notify_mobile_masked = mask_phone(digits)
    return True


def local_text(instant: datetime | None) -> str:
    """``2026-05-06 18:00`` in the center's zone (empty for None)."""
    return to_local(instant).strftime("%Y-%m-%d %H:%M") if instant else ""


def notify_case(
    *,
    db: Session,
    case: Case,
    template_key: str,
    dedupe_key: str,
    extra: dict[str, Any] | None = None,
) -> Notice | None:
    """Queue an SMS about ``case`` to the petitioner; flushes, never commits, never raises.

    Context fields: ``center``, ``case_number``, ``title``, ``due`` (local ``YYYY-MM-DD HH:MM``)
    and ``extra``. Returns None (and logs the case number only) when the case has no mobile number
    or the notice cannot be built; the caller's pending changes are untouched (SAVEPOINT).
    """
    if not case.notify_mobile_enc:
        return None
    context: dict[str, Any] = {
        "center": get_settings().center_name,
        "case_number": case.number,
        "title": case.title,
        "due": local_text(case.due_at),
        **(extra or {}),
    }
    try:
        with db.begin_nested():
            return enqueue(
                db,
                channel=NoticeChannel.SMS,
                recipient=decrypt(case.notify_mobile_enc),
                template_key=template_key,
                context=context,
                case_id=case.id,
                dedupe_key=dedupe_key,
            )
    except (MinwonError, ValueError) as exc:
        log.warning("notice %s for case %s not queued: %s", template_key, case.number, type(exc).__name__)
        return None
