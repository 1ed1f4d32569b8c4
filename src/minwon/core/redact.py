"""Masking of personal numbers inside free text (complaints, survey comments). Pure (no database import).

Staff type or paste what citizens say; a resident registration number (주민등록번호) or a telephone
number may end up in the text. The stored text is kept as written (it may be evidence); screens show
it through :func:`mask_personal_numbers`. Source: 개인정보 보호법 §24-2 and §29 (safety measures).
"""

from __future__ import annotations

import re

#: ``YYMMDD-GNNNNNN`` with or without the dash; the month/day digits are loosely checked so that
#: ordinary 13-digit numbers (account numbers) with an impossible date are not masked.
_RRN = re.compile(r"(?<!\d)(\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))\s?-?\s?([1-8])\d{6}(?!\d)")
#: Korean telephone numbers: 010-1234-5678, 01012345678, 02-123-4567, 031 123 4567, +82 10 …
_PHONE = re.compile(r"(?<!\d)(?:\+82[\s-]?|0)(\d{1,2})[\s.-]?(\d{3,4})[\s.-]?(\d{4})(?!\d)")


def mask_personal_numbers(text: str) -> str:
    """``text`` with RRN-like numbers shown as ``YYMMDD-*******`` and phone-like numbers as
    ``010-****-5678`` (area/mobile prefix and last four digits kept)."""
    masked = _RRN.sub(lambda m: f"{m.group(1)}-*******", text)

    def phone(m: re.Match[str]) -> str:
        return f"0{m.group(1)}-****-{m.group(3)}"

    return _PHONE.sub(phone, masked)
