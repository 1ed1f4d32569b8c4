"""Survey rules and settings. Pure (no database import).

* CSAT is the top-2-box share of the overall question: answers of 4 or 5 on the 1–5 scale ÷ answers
  (common practice, ACSI/COPC "top-2 box"; ISO 10004:2018 §7 on measuring customer satisfaction).
* A response is *low* when **any** question is rated at or below ``low_score_max`` (default 2): a
  citizen who rates the counselor's courtesy 1 but the overall 4 still deserves a call back.
* Sampling is deterministic: the share of contacts/cases invited is decided from a hash of their id,
  so re-running the invitation job never changes its mind (idempotent).
"""

from __future__ import annotations

import hashlib

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The rating scale.
MIN_RATING = 1
MAX_RATING = 5
#: Longest citizen comment (characters).
MAX_COMMENT = 1000
#: Top-2 box: ratings counted as satisfied.
SATISFIED_MIN = 4


class SurveySettings(BaseSettings):
    """Survey invitations, read from ``MINWON_SURVEY_<FIELD>`` (e.g. ``MINWON_SURVEY_SAMPLE_SHARE=0.3``)."""

    model_config = SettingsConfigDict(env_prefix="MINWON_SURVEY_", extra="ignore")

    #: Send invitations at all (the scheduler job and ``minwon survey invite`` do nothing when off).
    enabled: bool = True
    #: Share (0–1) of eligible contacts and cases that get an invitation.
    sample_share: float = Field(default=1.0, ge=0, le=1)
    #: Minutes after the contact is saved (or the case answered/closed) before the SMS goes out.
    delay_minutes: int = Field(default=10, ge=0, le=24 * 60)
    #: How far back (hours) the job looks for eligible contacts and cases.
    lookback_hours: int = Field(default=72, ge=1, le=24 * 30)
    #: Days a link stays valid.
    link_expiry_days: int = Field(default=7, ge=1, le=90)
    #: No second invitation to the same citizen (caller pseudonym) within this many days.
    resurvey_days: int = Field(default=30, ge=0, le=365)
    #: Ratings at or below this make a response low (a follow-up task is opened).
    low_score_max: int = Field(default=2, ge=1, le=4)
    #: Days from a low response to its follow-up's due date.
    followup_due_days: int = Field(default=3, ge=0, le=60)
    #: Base address of the links (``https://minwon.example``); unset → ``MINWON_PUBLIC_URL``.
    base_url: str | None = None
    #: Failed link look-ups per IP within ``rate_window_minutes`` before the form answers 429.
    rate_limit_failures: int = Field(default=20, ge=1, le=10_000)
    rate_window_minutes: int = Field(default=15, ge=1, le=24 * 60)


def survey_settings() -> SurveySettings:
    """The current :class:`SurveySettings` (read from the environment each call, so tests can set it)."""
    return SurveySettings()


def sampled(key: str, share: float) -> bool:
    """Whether the item ``key`` (e.g. ``"contact:12"``) falls in the sample of ``share`` (0–1).

    Deterministic: the first 8 bytes of SHA-256(key) as a fraction of 2⁶⁴, compared with ``share``.
    """
    if share >= 1:
        return True
    if share <= 0:
        return False
    fraction = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64
    return fraction < share


def is_mobile(digits: str) -> bool:
    """A Korean mobile number that can receive SMS: ``01X`` and 10–11 digits."""
    return digits.isdigit() and digits.startswith("01") and 10 <= len(digits) <= 11


def is_low(ratings: list[int], low_score_max: int) -> bool:
    """Any rating at or below ``low_score_max``."""
    return any(r <= low_score_max for r in ratings)


def top2_share(satisfied: int, answers: int) -> float | None:
    """CSAT: ratings of 4–5 ÷ ratings (0–1), ``None`` without answers."""
    return satisfied / answers if answers else None
