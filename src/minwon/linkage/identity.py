"""Identifiers a counselor enters for identity verification (본인확인): validation and masking.

Pure: no database, no I/O. Error messages never contain the value that was entered (개인정보 보호법 §29,
개인정보의 안전성 확보조치 기준: identifiers stay out of logs and error messages).

Resident registration number (주민등록번호, RRN): ``YYMMDD-GNNNNNN``; ``G`` gives sex and century
(1/2/5/6 → 1900s, 3/4/7/8 → 2000s, 9/0 → 1800s; 5–8 are foreign residents' 외국인등록번호). Numbers
issued before 2020-10-05 end in a check digit: ``(11 − Σ dᵢ·wᵢ mod 11) mod 10`` with weights
2,3,4,5,6,7,8,9,2,3,4,5 (주민등록법 시행규칙 before the 2020 amendment); since then the last six
digits are assigned at random, so the check digit is enforced only for birth dates before that day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from minwon.core.clock import local_today
from minwon.core.crypto import mask_phone, pseudonym
from minwon.core.errors import ValidationError
from minwon.core.i18n import N_
from minwon.linkage.contract import IdentityKey

_RRN = re.compile(r"^(\d{6})-?(\d{7})$")
_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
#: Numbers assigned from this day on carry no check digit (주민등록번호 부여체계 개편, 2020-10-05).
RANDOM_SUFFIX_SINCE = date(2020, 10, 5)
_CENTURY = {
    "1": 1900,
    "2": 1900,
    "5": 1900,
    "6": 1900,
    "3": 2000,
    "4": 2000,
    "7": 2000,
    "8": 2000,
    "9": 1800,
    "0": 1800,
}
#: 12가3456, 123가4567, 서울12가3456 (자동차 등록번호판 등의 기준에 관한 고시).
_VEHICLE = re.compile(r"^(?:[가-힣]{2})?\d{2,3}[가-힣]\d{4}$")
#: Water customer numbers (수용가번호): 6–12 digits, hyphens allowed.
_WATER = re.compile(r"^\d{6,12}$")


class Check(StrEnum):
    """What the counselor checked to verify the caller."""

    NAME_BIRTH = "name_birth"
    RESIDENT = "resident"
    VEHICLE = "vehicle_number"
    WATER_CUSTOMER = "water_customer_number"
    MOBILE = "mobile"


#: Display msgids of the checks.
CHECK_LABELS: dict[Check, str] = {
    Check.NAME_BIRTH: N_("Name and birth date asked"),
    Check.RESIDENT: N_("Resident registration number"),
    Check.VEHICLE: N_("Vehicle number"),
    Check.WATER_CUSTOMER: N_("Water customer number"),
    Check.MOBILE: N_("Mobile number"),
}


def rrn_checksum(digits12: str) -> int:
    """The check digit of the first 12 RRN digits (see the module docstring)."""
    total = sum(int(d) * w for d, w in zip(digits12, _WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def is_synthetic_rrn(digits: str) -> bool:
    """True for a test number whose last digit is the check digit plus one (mod 10): the marker the
    reference back office gives its fictional residents so they can never be real numbers."""
    return len(digits) == 13 and int(digits[12]) == (rrn_checksum(digits[:12]) + 1) % 10


def normalise_rrn(raw: str, *, today: date | None = None, allow_synthetic: bool = False) -> str:
    """``YYMMDD-GNNNNNN`` (13 digits, hyphen optional, spaces ignored) → the 13 digits.

    Raises ValidationError (field ``resident``) for a wrong length or characters, an impossible birth date
    or sex/century digit, a birth date in the future, or a wrong check digit (numbers assigned before
    2020-10-05). The message never contains the number. With ``allow_synthetic`` (never in production)
    the fictional residents' marked numbers (:func:`is_synthetic_rrn`) are accepted too.
    """
    cleaned = re.sub(r"\s", "", raw or "")
    match = _RRN.match(cleaned)
    if not match:
        raise ValidationError(
            N_("Enter the resident registration number as 13 digits (YYMMDD-NNNNNNN)."), field="resident"
        )
    front, back = match.groups()
    century = _CENTURY[back[0]]
    try:
        born = date(century + int(front[:2]), int(front[2:4]), int(front[4:6]))
    except ValueError:
        raise ValidationError(
            N_("The birth date in the resident registration number is not a date."), field="resident"
        ) from None
    if born > (today or local_today()):
        raise ValidationError(
            N_("The birth date in the resident registration number is in the future."), field="resident"
        )
    digits = front + back
    synthetic_ok = allow_synthetic and is_synthetic_rrn(digits)
    if born < RANDOM_SUFFIX_SINCE and rrn_checksum(digits[:12]) != int(digits[12]) and not synthetic_ok:
        raise ValidationError(
            N_("The resident registration number is not valid (check digit). Ask the caller again."),
            field="resident",
        )
    return digits


def mask_rrn(digits: str) -> str:
    """``900101-1******``: birth date and the sex digit kept (개인정보 처리 표시제한 practice)."""
    return f"{digits[:6]}-{digits[6]}******"


def normalise_vehicle(raw: str) -> str:
    """Vehicle registration number without spaces: ``12가3456``, ``123가4567``, ``서울12가3456``.

    Raises ValidationError (field ``vehicle_number``) naming the expected shape, not the value.
    """
    cleaned = re.sub(r"[\s-]", "", raw or "")
    if not _VEHICLE.match(cleaned):
        raise ValidationError(
            N_("Enter the vehicle number like 12가3456 or 123가4567."), field="vehicle_number"
        )
    return cleaned


def mask_vehicle(value: str) -> str:
    """``12가****``: the last four digits hidden."""
    return value[:-4] + "****"


def normalise_water_customer(raw: str) -> str:
    """Water customer number (수용가번호): 6–12 digits; hyphens and spaces ignored.

    Raises ValidationError (field ``water_customer_number``).
    """
    cleaned = re.sub(r"[\s-]", "", raw or "")
    if not _WATER.match(cleaned):
        raise ValidationError(
            N_("Enter the water customer number as 6–12 digits."), field="water_customer_number"
        )
    return cleaned


def mask_water_customer(value: str) -> str:
    """``****567``-style: all but the last three digits hidden."""
    return "*" * (len(value) - 3) + value[-3:]


def normalise_mobile(raw: str) -> str:
    """A mobile number's digits (``01012345678``). Raises ValidationError (field ``mobile``)."""
    digits = re.sub(r"[\s\-().]", "", raw or "")
    if digits.startswith("+82"):
        digits = "0" + digits[3:]
    if not (digits.isdigit() and digits.startswith("01") and 10 <= len(digits) <= 11):
        raise ValidationError(N_("Enter a mobile number (010-1234-5678)."), field="mobile")
    return digits


@dataclass(frozen=True)
class VerifiedIdentifiers:
    """Validated identifiers of one verification; ``values`` in clear (memory only), ``masked`` for
    screens, ``subject_ref`` the pseudonymous data subject."""

    values: dict[IdentityKey, str]
    mobile: str | None
    masked: dict[str, str]
    subject_ref: str


def validate_identifiers(
    *,
    resident: str = "",
    vehicle_number: str = "",
    water_customer_number: str = "",
    mobile: str = "",
    today: date | None = None,
    allow_synthetic: bool = False,
) -> VerifiedIdentifiers:
    """Validate what was entered (empty strings are "not given").

    At least one of resident, vehicle or water customer number is needed (lookups run on them).
    The data subject is the resident when given, else the vehicle, else the water customer
    (``core.crypto.pseudonym`` with purpose ``linkage-subject``). Raises ValidationError naming the
    first bad field.
    """
    values: dict[IdentityKey, str] = {}
    masked: dict[str, str] = {}
    if resident.strip():
        rrn = normalise_rrn(resident, today=today, allow_synthetic=allow_synthetic)
        values[IdentityKey.RESIDENT] = rrn
        masked[IdentityKey.RESIDENT.value] = mask_rrn(rrn)
    if vehicle_number.strip():
        vehicle = normalise_vehicle(vehicle_number)
        values[IdentityKey.VEHICLE] = vehicle
        masked[IdentityKey.VEHICLE.value] = mask_vehicle(vehicle)
    if water_customer_number.strip():
        water = normalise_water_customer(water_customer_number)
        values[IdentityKey.WATER_CUSTOMER] = water
        masked[IdentityKey.WATER_CUSTOMER.value] = mask_water_customer(water)
    phone = normalise_mobile(mobile) if mobile.strip() else None
    if phone:
        masked[Check.MOBILE.value] = mask_phone(phone)
    if not values:
        raise ValidationError(
            N_("Enter a resident registration number, a vehicle number or a water customer number."),
            field="resident",
        )
    for key in (IdentityKey.RESIDENT, IdentityKey.VEHICLE, IdentityKey.WATER_CUSTOMER):
        if key in values:
            subject = pseudonym(f"{key.value}:{values[key]}", purpose="linkage-subject")
            break
    return VerifiedIdentifiers(values=values, mobile=phone, masked=masked, subject_ref=subject)
