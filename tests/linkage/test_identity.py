"""Identifier validation and masking; check digits computed by hand (weights 2,3,4,5,6,7,8,9,2,3,4,5)."""

from __future__ import annotations

from datetime import date

import pytest

from minwon.core.errors import ValidationError
from minwon.linkage.identity import (
    mask_rrn,
    mask_vehicle,
    mask_water_customer,
    normalise_rrn,
    normalise_vehicle,
    rrn_checksum,
    validate_identifiers,
)

TODAY = date(2026, 11, 30)
# 900101-123456?: 9·2+0·3+0·4+1·5+0·6+1·7+1·8+2·9+3·2+4·3+5·4+6·5 = 18+5+7+8+18+6+12+20+30 = 124;
# 124 mod 11 = 3; (11 − 3) mod 10 = 8
VALID = "900101-1234568"


def test_check_digit_by_hand() -> None:
    assert rrn_checksum("900101123456") == 8
    assert normalise_rrn(VALID, today=TODAY) == "9001011234568"
    assert normalise_rrn(" 9001011234568 ", today=TODAY) == "9001011234568"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("900101-1234567", "check digit"),
        ("901301-1234568", "not a date"),
        ("900101-12345", "13 digits"),
        ("abc", "13 digits"),
        ("300101-3234567", "future"),  # 3 → born 2030
    ],
)
def test_bad_rrns_have_clear_errors_without_the_number(raw: str, words: str) -> None:
    with pytest.raises(ValidationError) as err:
        normalise_rrn(raw, today=TODAY)
    assert words in err.value.message and err.value.field == "resident"
    assert raw.replace("-", "")[:6] not in err.value.message


def test_synthetic_numbers_only_where_allowed() -> None:
    synthetic = "900101-1234569"  # check digit 8 + 1: the back office's fictional marker
    with pytest.raises(ValidationError):
        normalise_rrn(synthetic, today=TODAY)
    assert normalise_rrn(synthetic, today=TODAY, allow_synthetic=True) == "9001011234569"


def test_numbers_issued_since_october_2020_carry_no_check_digit() -> None:
    assert normalise_rrn("210301-3000001", today=TODAY) == "2103013000001"


def test_masks() -> None:
    assert mask_rrn("9001011234568") == "900101-1******"
    assert mask_vehicle(normalise_vehicle("12 가 3456")) == "12가****"
    assert normalise_vehicle("서울12가3456") == "서울12가3456"
    assert mask_water_customer("1234567") == "****567"
    with pytest.raises(ValidationError):
        normalise_vehicle("ABC1234")


def test_validate_identifiers_picks_the_resident_as_subject() -> None:
    both = validate_identifiers(
        resident=VALID, vehicle_number="12가3456", mobile="010-1234-5678", today=TODAY
    )
    only_car = validate_identifiers(vehicle_number="12가3456", today=TODAY)
    assert both.masked == {
        "resident": "900101-1******",
        "vehicle_number": "12가****",
        "mobile": "010-****-5678",
    }
    assert both.subject_ref != only_car.subject_ref and len(both.subject_ref) == 32
    with pytest.raises(ValidationError):
        validate_identifiers(mobile="010-1234-5678", today=TODAY)
