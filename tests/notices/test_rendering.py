"""Template rendering and validation, SMS size by the carriers' EUC-KR rule, backoff bounds (pure)."""

from __future__ import annotations

import random

import pytest

from minwon.notices.backoff import backoff_ceiling, backoff_delay
from minwon.notices.rendering import TemplateProblem, check_fields, fill, placeholders, sms_size, validate
from minwon.notices.service import DEFAULT_TEMPLATES, allowed_fields, render

RECEIPT = {
    "center": "한빛시 민원콜센터",
    "case_number": "2026-000123",
    "due": "2026-12-07 18:00",
    "status_url": "https://minwon.example/status",
    "verification_code": "123456",
}


def test_default_receipt_renders_exactly() -> None:
    subject, body = render("case_receipt", RECEIPT)
    assert subject == "민원 접수 안내"
    assert body == (
        "[한빛시 민원콜센터] 민원이 접수되었습니다. 접수번호 2026-000123, 처리기한 2026-12-07 18:00. "
        "처리상황 조회 https://minwon.example/status 확인코드 123456"
    )


def test_allowed_fields_are_the_defaults_fields() -> None:
    assert allowed_fields("case_receipt") == {
        "center",
        "case_number",
        "due",
        "status_url",
        "verification_code",
    }
    assert allowed_fields("virtual_account") == {"center", "item", "amount", "due", "bank", "account"}
    for key in DEFAULT_TEMPLATES:
        assert allowed_fields(key)  # every built-in parses


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("{case_number.__class__}", "case_number.__class__"),
        ("{case_number[0]}", "case_number[0]"),
        ("{0}", "0"),
        ("{}", ""),
    ],
)
def test_attribute_index_and_positional_fields_are_refused(text: str, field: str) -> None:
    with pytest.raises(TemplateProblem) as err:
        placeholders(text)
    assert err.value.params == {"field": field}


@pytest.mark.parametrize("text", ["{due:>20}", "{due!r}", "{due!s:10}"])
def test_format_specs_and_conversions_are_refused(text: str) -> None:
    with pytest.raises(TemplateProblem, match="format or conversion"):
        placeholders(text)


@pytest.mark.parametrize("text", ["접수번호 {case_number", "접수번호 case_number}", "{{case_number}"])
def test_unbalanced_braces_are_refused(text: str) -> None:
    with pytest.raises(TemplateProblem, match="braces"):
        placeholders(text)


def test_unknown_field_is_named_with_the_allowed_ones() -> None:
    with pytest.raises(TemplateProblem) as err:
        check_fields("{center} {title}", allowed=frozenset({"center", "due"}))
    assert err.value.params == {"field": "title", "allowed": "{center}, {due}"}
    assert str(err.value) == "Unknown field {title}. This template may use: {center}, {due}."


def test_empty_body_is_refused() -> None:
    with pytest.raises(TemplateProblem, match="empty"):
        validate("제목", "  \n", allowed=frozenset())


def test_literal_braces_and_missing_values() -> None:
    assert fill("{{안내}} {due}", {"due": "내일"}) == "{안내} 내일"
    with pytest.raises(TemplateProblem) as err:
        fill("{due}", {})
    assert err.value.params == {"field": "due"}


def test_sms_size_counts_euc_kr_bytes() -> None:
    # by hand: 가(2) a(1) space(1) 1(1) = 5
    assert sms_size("가a 1").bytes == 5
    assert sms_size("가" * 45).bytes == 90 and sms_size("가" * 45).kind == "sms"
    assert sms_size("가" * 45 + "a").kind == "lms"  # 91 bytes
    assert sms_size("a" * 90).kind == "sms"
    assert sms_size("가" * 1000).kind == "lms"  # 2,000 bytes
    assert sms_size("가" * 1000 + ".").kind == "too_long"


def test_default_receipt_with_the_status_link_is_an_lms() -> None:
    _subject, body = render("case_receipt", RECEIPT)
    # by hand: 26 Hangul syllables (한빛시 민원콜센터 민원이 접수되었습니다 접수번호 처리기한) × 2 = 52,
    # 39 ASCII characters ([ ] . , spaces, 2026-000123, 2026-12-07 18:00) × 1 = 39; the status line adds
    # 10 syllables (처리상황 조회 확인코드) × 2 = 20 and 40 ASCII (5 spaces, the 29-character URL, 123456)
    assert sms_size(body).bytes == 91 + 20 + 40
    assert sms_size(body).kind == "lms"


def test_characters_outside_cp949_are_reported() -> None:
    assert sms_size("안녕 😀 똠").unsendable == ("😀",)  # 똠 has a CP949 code, the emoji none


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [backoff_ceiling(n, base_s=60, cap_s=600) for n in (1, 2, 3, 4, 5, 100)] == [
        60.0,
        120.0,
        240.0,
        480.0,
        600.0,
        600.0,
    ]
    with pytest.raises(ValueError):
        backoff_ceiling(0, base_s=60, cap_s=600)


def test_backoff_delay_is_between_half_and_the_ceiling() -> None:
    rng = random.Random(7)
    for attempt in (1, 2, 3, 8):
        ceiling = backoff_ceiling(attempt, base_s=60, cap_s=600)
        delays = [backoff_delay(attempt, base_s=60, cap_s=600, rng=rng).total_seconds() for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 100  # jittered, not one value
