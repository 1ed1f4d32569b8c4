"""Survey rules (pure): sampling, mobile numbers, the low-score rule and top-2 box."""

from __future__ import annotations

from minwon.feedback.rules import is_low, is_mobile, sampled, top2_share


def test_sampling_is_deterministic_and_close_to_the_share() -> None:
    keys = [f"contact:{n}" for n in range(10_000)]
    chosen = [k for k in keys if sampled(k, 0.3)]
    assert chosen == [k for k in keys if sampled(k, 0.3)]
    assert 2_800 < len(chosen) < 3_200
    assert all(sampled(k, 1.0) for k in keys[:10]) and not any(sampled(k, 0.0) for k in keys[:10])


def test_mobile_low_and_top2() -> None:
    assert is_mobile("01000001234") and is_mobile("0110001234")
    assert not is_mobile("0212345678") and not is_mobile("010123") and not is_mobile("")
    assert is_low([4, 2, 5], 2) and not is_low([3, 3, 3], 2)
    assert top2_share(2, 3) == 2 / 3 and top2_share(0, 0) is None
