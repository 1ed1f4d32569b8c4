"""Parsing of optional HTML form fields shared by the pages (empty string = not given)."""

from __future__ import annotations

from datetime import date

from minwon.core.clock import parse_day
from minwon.core.errors import ValidationError
from minwon.core.i18n import N_


def optional_int(raw: str, field: str) -> int | None:
    """``None`` for an empty field, else a non-negative integer of at most 12 digits.

    Raises ValidationError (on ``field``) for anything else.
    """
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise ValidationError(N_("Enter a number."), field=field)
    return int(raw)


def optional_day(raw: str, field: str) -> date | None:
    """``None`` for an empty field, else a ``YYYY-MM-DD`` date.

    Raises ValidationError (on ``field``) for a malformed or out-of-range date.
    """
    raw = raw.strip()
    if not raw:
        return None
    try:
        return parse_day(raw, field=field)
    except ValidationError:
        raise ValidationError(N_("Enter the date as YYYY-MM-DD."), field=field) from None
