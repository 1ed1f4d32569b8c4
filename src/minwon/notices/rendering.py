"""Notice templates: safe rendering, placeholder validation and SMS size. Pure (no database import).

Templates use ``str.format`` fields written as ``{name}`` only: no attribute or index access, no
conversion (``!r``) and no format spec, so a template cannot reach into the objects it is filled with.
``{{`` and ``}}`` stand for literal braces.

SMS size follows the Korean carriers' rule: a message is counted in EUC-KR bytes (a Hangul syllable or
other non-ASCII character is 2 bytes, ASCII 1 byte); up to 90 bytes is an SMS (단문), longer text goes
as an LMS (장문, up to 2,000 bytes). Characters outside KS X 1001/CP949 (emoji, most symbols) cannot be
sent in an SMS or LMS and are reported.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from minwon.core.i18n import N_

#: Carrier limits in EUC-KR bytes: SMS (단문) and LMS (장문) bodies, LMS subject.
SMS_MAX_BYTES = 90
LMS_MAX_BYTES = 2000
LMS_SUBJECT_MAX_BYTES = 40

SmsKind = Literal["sms", "lms", "too_long"]


class TemplateProblem(ValueError):
    """A template that cannot be saved or rendered. ``msgid`` is an English message id (translated
    where shown) with ``{name}`` parameters from ``params``."""

    def __init__(self, msgid: str, **params: str) -> None:
        self.msgid = msgid
        self.params = params
        super().__init__(msgid.format(**params))


def placeholders(text: str) -> list[str]:
    """Field names used by ``text`` in order of first use, e.g. ``["center", "case_number"]``.

    Raises :class:`TemplateProblem` for unbalanced braces, attribute/index access, conversions or
    format specs.
    """
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise TemplateProblem(
            N_("The braces do not match: write fields as {{name}} and a literal brace as {{{{ or }}}}.")
        ) from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier():
            raise TemplateProblem(N_("Field {{{field}}} is not allowed: use a plain name."), field=field)
        if spec or conversion:
            raise TemplateProblem(
                N_("Field {{{field}}} may not have a format or conversion; write just {{{field}}}."),
                field=field,
            )
        if field not in names:
            names.append(field)
    return names


def check_fields(text: str, *, allowed: frozenset[str]) -> None:
    """Raise :class:`TemplateProblem` when ``text`` uses a field not in ``allowed`` or a malformed one."""
    for name in placeholders(text):
        if name not in allowed:
            raise TemplateProblem(
                N_("Unknown field {{{field}}}. This template may use: {allowed}."),
                field=name,
                allowed=", ".join("{" + a + "}" for a in sorted(allowed)),
            )


def validate(subject: str, body: str, *, allowed: frozenset[str]) -> None:
    """Check a template against the fields its callers provide.

    Raises :class:`TemplateProblem` for an empty body, an unknown field or a malformed field.
    """
    if not body.strip():
        raise TemplateProblem(N_("The message text is empty."))
    check_fields(subject, allowed=allowed)
    check_fields(body, allowed=allowed)


def fill(text: str, context: Mapping[str, object]) -> str:
    """``text`` with each ``{name}`` replaced by ``str(context[name])``.

    Raises :class:`TemplateProblem` for a malformed template or a field missing from ``context``.
    """
    placeholders(text)  # refuses attribute access and format specs before formatting
    try:
        return text.format_map({k: str(v) for k, v in context.items()})
    except KeyError as exc:
        raise TemplateProblem(N_("The value for {{{field}}} is missing."), field=str(exc.args[0])) from None


def euckr_bytes(text: str) -> int:
    """Length of ``text`` in EUC-KR bytes as carriers count it: ASCII 1, every other character 2."""
    return sum(1 if ord(ch) < 0x80 else 2 for ch in text)


def unsendable_chars(text: str) -> list[str]:
    """Characters of ``text`` that have no EUC-KR/CP949 code (emoji …), each once, in order."""
    out: list[str] = []
    for ch in text:
        if ord(ch) >= 0x80 and ch not in out:
            try:
                ch.encode("cp949")
            except UnicodeEncodeError:
                out.append(ch)
    return out


@dataclass(frozen=True)
class SmsSize:
    """``bytes`` of the body in EUC-KR, the message ``kind`` it needs, and characters it cannot carry."""

    bytes: int
    kind: SmsKind
    unsendable: tuple[str, ...]


def sms_size(body: str) -> SmsSize:
    """Size of an SMS body: ≤ 90 bytes SMS, ≤ 2,000 bytes LMS, else ``too_long``."""
    n = euckr_bytes(body)
    kind: SmsKind = "sms" if n <= SMS_MAX_BYTES else "lms" if n <= LMS_MAX_BYTES else "too_long"
    return SmsSize(bytes=n, kind=kind, unsendable=tuple(unsendable_chars(body)))
