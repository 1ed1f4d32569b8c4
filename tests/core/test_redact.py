"""Masking of personal numbers in free text (pure)."""

from __future__ import annotations

import pytest

from minwon.core.redact import mask_personal_numbers


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("주민번호 900101-1234567 입니다", "주민번호 900101-******* 입니다"),
        ("9001011234567", "900101-*******"),
        ("연락처 010-1234-5678로", "연락처 010-****-5678로"),
        ("01012345678", "010-****-5678"),
        ("02-123-4567 사무실", "02-****-4567 사무실"),
        ("+82 10 1234 5678", "010-****-5678"),
        ("접수번호 2026-000123, 금액 123,450원", "접수번호 2026-000123, 금액 123,450원"),
        ("계좌 123-456-789012", "계좌 123-456-789012"),
        ("", ""),
    ],
)
def test_masks_rrn_and_phone_like_numbers_only(text: str, shown: str) -> None:
    assert mask_personal_numbers(text) == shown
