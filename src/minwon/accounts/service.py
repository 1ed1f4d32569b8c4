"""Accounts: creation, password checks with lockout, sign-in sessions.

Passwords are hashed with Argon2id (argon2-cffi defaults, RFC 9106). Sessions live server-side; the
cookie carries a random token whose SHA-256 digest is stored.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.accounts.models import Role, User, UserSession
from minwon.config import get_settings
from minwon.core.audit import record_audit
from minwon.core.clock import utcnow
from minwon.core.crypto import random_token, token_digest
from minwon.core.errors import AuthenticationFailed, Conflict, ValidationError
from minwon.core.i18n import N_
from minwon.core.models import AuditEvent

_hasher = PasswordHasher()
#: Used to spend the same time on unknown usernames as on real ones.
_DUMMY_HASH = _hasher.hash("minwon-dummy-password")
MIN_PASSWORD_LENGTH = 10
INVALID_CREDENTIALS = N_("Invalid username or password.")
ACCOUNT_LOCKED = N_("This account is locked after repeated failed sign-ins. Try again later.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    *,
    db: Session,
    username: str,
    password: str,
    role: Role | str,
    display_name: str,
    pbx_agent_id: str | None = None,
    department_id: int | None = None,
    team: str | None = None,
    locale: str = "ko",
) -> User:
    """Create an account. Raises ValidationError (bad field) or Conflict (username taken)."""
    username = username.strip()
    if not username or len(username) > 40:
        raise ValidationError("username must be 1–40 characters", field="username")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"password must be at least {MIN_PASSWORD_LENGTH} characters", field="password")
    try:
        role = Role(role)
    except ValueError as exc:
        allowed = ", ".join(r.value for r in Role)
        raise ValidationError(f"unknown role {role!r}; one of {allowed}", field="role") from exc
    if locale not in ("ko", "en"):
        raise ValidationError("locale must be ko or en", field="locale")
    if db.scalar(select(User).where(User.username == username)):
        raise Conflict(f"username {username!r} is taken", field="username")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        display_name=display_name,
        pbx_agent_id=pbx_agent_id,
        department_id=department_id,
        team=team,
        locale=locale,
    )
    db.add(user)
    db.flush()
    return user


@dataclass(frozen=True)
class SignIn:
    user: User
    token: str
    csrf_token: str


def sign_in(*, db: Session, username: str, password: str, ip: str | None) -> SignIn:
    """Check a password and open a session; commits.

    Raises AuthenticationFailed with a message that does not reveal whether the username exists,
    except for a locked account, which says until when (OWASP ASVS 2.2.1). ``lockout_threshold``
    consecutive failures lock the account for ``lockout_minutes``. Every attempt is audited.
    """
    settings = get_settings()
    now = utcnow()
    user = db.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.is_active:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password or "x")
        # Answer an unknown name exactly as a real account would be answered (also "locked" after the
        # same number of failures), so sign-in does not reveal which usernames exist.
        since = now - timedelta(minutes=settings.lockout_minutes)
        recent = db.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.actor_name == username[:80],
                AuditEvent.action == "login_failure",
                AuditEvent.actor_id.is_(None),
                AuditEvent.at > since,
            )
        )
        record_audit(
            db=db, action="login_failure", actor_name=username[:80], ip=ip, detail={"reason": "unknown"}
        )
        db.commit()
        raise AuthenticationFailed(
            ACCOUNT_LOCKED if (recent or 0) >= settings.lockout_threshold else INVALID_CREDENTIALS
        )
    if user.locked_until and user.locked_until > now:
        record_audit(db=db, action="login_locked", actor_name=user.username, actor_id=user.id, ip=ip)
        db.commit()
        raise AuthenticationFailed(ACCOUNT_LOCKED, field="locked_until")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        user.failed_logins += 1
        detail: dict[str, object] = {"failed_logins": user.failed_logins}
        if user.failed_logins >= settings.lockout_threshold:
            user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            user.failed_logins = 0
            detail["locked_until"] = user.locked_until.isoformat()
            record_audit(db=db, action="account_locked", actor_name=user.username, actor_id=user.id, ip=ip)
        record_audit(
            db=db, action="login_failure", actor_name=user.username, actor_id=user.id, ip=ip, detail=detail
        )
        db.commit()
        raise AuthenticationFailed(INVALID_CREDENTIALS) from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    token, csrf = random_token(), random_token(24)
    db.add(
        UserSession(
            token_digest=token_digest(token),
            csrf_token=csrf,
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(minutes=settings.session_ttl_minutes),
            ip=ip,
        )
    )
    record_audit(db=db, action="login_success", actor_name=user.username, actor_id=user.id, ip=ip)
    db.commit()
    return SignIn(user=user, token=token, csrf_token=csrf)


def resolve_session(*, db: Session, token: str | None) -> UserSession | None:
    """The live session for a cookie token, sliding its expiry; ``None`` when absent or expired."""
    if not token:
        return None
    now = utcnow()
    sess = db.scalar(select(UserSession).where(UserSession.token_digest == token_digest(token)))
    if sess is None or sess.expires_at <= now or not sess.user.is_active:
        return None
    if (now - sess.last_seen_at).total_seconds() > 60:
        sess.last_seen_at = now
        sess.expires_at = now + timedelta(minutes=get_settings().session_ttl_minutes)
        db.commit()
    return sess


def sign_out(*, db: Session, session: UserSession, ip: str | None) -> None:
    record_audit(db=db, action="logout", actor_name=session.user.username, actor_id=session.user_id, ip=ip)
    db.delete(session)
    db.commit()


def set_locale(*, db: Session, user: User, locale: str) -> None:
    if locale not in ("ko", "en"):
        raise ValidationError("locale must be ko or en", field="locale")
    user.locale = locale
    db.commit()
