"""Encryption at rest, pseudonymous references and masking of personal data.

* Encryption: AES-256-GCM (authenticated), one key id per ciphertext so keys can rotate
  (``MINWON_DATA_KEYS``: the first key encrypts, every listed key decrypts).
* Pseudonyms: HMAC-SHA256 over the normalised value, keyed from ``MINWON_SECRET_KEY``; used to find
  the same caller again and as the data subject in the access log without storing the number in clear.
* Masking: what is shown on screens and written to logs.

Source: 개인정보 보호법 §24-2 (RRN encrypted), 개인정보의 안전성 확보조치 기준 §7 (encryption).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from minwon.config import get_settings
from minwon.core.errors import ValidationError

_NONCE = 12


@dataclass(frozen=True)
class Keyring:
    """Parsed ``key_id:base64key`` list; ``primary`` encrypts."""

    keys: dict[str, bytes]
    primary: str

    @classmethod
    def parse(cls, spec: str) -> Keyring:
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for part in (p.strip() for p in spec.split(",") if p.strip()):
            kid, sep, b64 = part.partition(":")
            if not sep or not kid:
                raise ValueError("MINWON_DATA_KEYS: each entry must be key_id:base64key")
            raw = base64.b64decode(b64)
            if len(raw) != 32:
                raise ValueError(f"MINWON_DATA_KEYS: key {kid!r} must be 32 bytes, got {len(raw)}")
            keys[kid] = raw
            order.append(kid)
        if not order:
            raise ValueError("MINWON_DATA_KEYS is empty")
        return cls(keys=keys, primary=order[0])


@lru_cache(maxsize=4)
def _keyring(spec: str) -> Keyring:
    return Keyring.parse(spec)


def encrypt(plaintext: str) -> str:
    """Encrypt ``plaintext`` → ``"kid$base64(nonce|ciphertext|tag)"``."""
    ring = _keyring(get_settings().data_keys)
    nonce = os.urandom(_NONCE)
    ct = AESGCM(ring.keys[ring.primary]).encrypt(nonce, plaintext.encode(), ring.primary.encode())
    return f"{ring.primary}${base64.b64encode(nonce + ct).decode()}"


def decrypt(token: str) -> str:
    """Decrypt a value made by :func:`encrypt`. Raises ValueError for an unknown key id or tampering."""
    ring = _keyring(get_settings().data_keys)
    kid, sep, b64 = token.partition("$")
    if not sep or kid not in ring.keys:
        raise ValueError("ciphertext uses an unknown key id")
    raw = base64.b64decode(b64)
    return AESGCM(ring.keys[kid]).decrypt(raw[:_NONCE], raw[_NONCE:], kid.encode()).decode()


def pseudonym(value: str, *, purpose: str = "subject") -> str:
    """A stable pseudonymous reference (hex, 32 chars) for ``value`` under ``purpose``."""
    key = hashlib.sha256(f"{get_settings().secret_key}|{purpose}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


_PHONE_RE = re.compile(r"^\+?[0-9]{3,15}$")


def normalise_phone(raw: str) -> str:
    """Digits of a telephone number (``+82`` becomes ``0``). Raises ValidationError when not a number."""
    cleaned = re.sub(r"[\s\-().]", "", raw or "")
    if not _PHONE_RE.match(cleaned):
        raise ValidationError(
            "caller is not a telephone number (3–15 digits, optionally +, spaces or -)", field="caller"
        )
    if cleaned.startswith("+82"):
        cleaned = "0" + cleaned[3:]
    return cleaned.lstrip("+")


def mask_phone(raw: str | None) -> str:
    """Masked telephone number for screens and logs: ``010-****-5678`` (last four digits kept)."""
    if not raw:
        return "(발신번호 없음)"
    digits = re.sub(r"\D", "", raw)
    if len(digits) < 7:
        return "*" * len(digits)
    head = digits[:3] if digits.startswith("01") else digits[:2]
    return f"{head}-****-{digits[-4:]}"


def protect_phone(number: str) -> tuple[str, str, str]:
    """What minwon stores of a normalised caller number: ``(ciphertext, pseudonym, masked)``."""
    return encrypt(number), pseudonym(number, purpose="caller"), mask_phone(number)


def random_token(nbytes: int = 32) -> str:
    """A URL-safe random token."""
    return base64.urlsafe_b64encode(os.urandom(nbytes)).rstrip(b"=").decode()


def token_digest(token: str) -> str:
    """SHA-256 hex of a bearer/session token (tokens are stored only as digests)."""
    return hashlib.sha256(token.encode()).hexdigest()
