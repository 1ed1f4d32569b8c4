"""Repeat-contact and first-contact-resolution counts against the definition, on randomised contacts.

The SQL (``LAG``/``LEAD`` over caller pseudonym + category, see ``service._flagged_contacts``) is checked
against a plain-Python reading of the definition in ``docs/kpis.md`` — the one the former correlated
``EXISTS`` spelled out: contact *x* is a **repeat** when another contact *y* of the same caller
pseudonym and category came before it (earlier time, or the same time and a smaller id) with
``⌊epoch(y)⌋ ≥ ⌊epoch(x)⌋ − window``; it is **followed** when such a *y* comes after it with
``⌊epoch(y)⌋ ≤ ⌊epoch(x)⌋ + window``; contacts without a caller pseudonym are neither. First contacts
= contacts − repeats; first contacts resolved = resolved and neither repeat nor followed.

Several hundred contacts with a fixed seed, spread over 2026-10-20 … 2026-11-14 (so neighbours fall
before and after the periods), with ties in time, gaps of exactly the window and of the window plus a
fraction of a second, and contacts without a caller. Compared per day, for a month, for an arbitrary
period and per agent, team, category and queue, for windows of 1, 3 and 7 days.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from minwon.contacts.models import Channel, Contact, Outcome
from minwon.core.clock import local_day_bounds
from minwon.quality.service import breakdown_kpis, month_kpis, period_kpis
from minwon.telephony.models import Call, CallStatus, Pbx
from tests.factories import make_org, make_user


@dataclass
class Row:
    id: int
    at: datetime  # UTC, aware, with microseconds
    caller: str | None
    category: str
    agent: str
    team: str
    queue: str | None
    outcome: Outcome


def _epoch(t: datetime) -> int:
    return int(t.timestamp() // 1)


def _reference(rows: list[Row], window_s: int, start: datetime, end: datetime, key: Callable[[Row], object]):
    """{group: (contacts, repeats, first contacts, first contacts resolved)} by the definition."""
    out: dict[object, Counter[str]] = {}
    for x in rows:
        if not start <= x.at < end:
            continue
        repeat = followed = False
        if x.caller is not None:
            for y in rows:
                if y.id == x.id or y.caller != x.caller or y.category != x.category:
                    continue
                if (y.at, y.id) < (x.at, x.id) and _epoch(y.at) >= _epoch(x.at) - window_s:
                    repeat = True
                if (y.at, y.id) > (x.at, x.id) and _epoch(y.at) <= _epoch(x.at) + window_s:
                    followed = True
        c = out.setdefault(key(x), Counter())
        c["contacts"] += 1
        c["repeats"] += repeat
        c["first_resolved"] += x.outcome == Outcome.RESOLVED and not repeat and not followed
    return {
        k: (c["contacts"], c["repeats"], c["contacts"] - c["repeats"], c["first_resolved"])
        for k, c in out.items()
    }


def _seed(db: Session) -> list[Row]:
    rnd = random.Random(20261130)
    cats, _d, queues = make_org(db)
    agents = [make_user(db, f"r{i}", team="AB"[i % 2]) for i in range(3)]
    pbx = Pbx(name="equivalence", token_digest="1" * 64)
    db.add(pbx)
    db.flush()
    origin = datetime(2026, 10, 19, 15, 0, tzinfo=UTC)  # 2026-10-20 00:00 Asia/Seoul
    span = 26 * 86400
    callers = [f"p{i}" for i in range(12)]

    def caller() -> str | None:
        return None if rnd.random() < 0.08 else rnd.choice(callers[: 4 if rnd.random() < 0.5 else 12])

    def category() -> object:
        return rnd.choice(cats[:2]) if rnd.random() < 0.9 else cats[2]

    specs = [
        (
            origin + timedelta(seconds=rnd.randrange(span), microseconds=rnd.randrange(1_000_000)),
            caller(),
            category(),
        )
        for _ in range(300)
    ]
    # Edge cases with the same caller and category as a random contact: ties in time, gaps of exactly
    # 1/3/7 days, and of those plus or minus a fraction of a second.
    for when, who, what in rnd.sample(specs, 40):
        kind = rnd.randrange(3)
        if kind == 0:
            specs.append((when, who, what))
        else:
            extra = timedelta(microseconds=rnd.choice((0, 400_000, 999_999)))
            gap = timedelta(days=rnd.choice((1, 3, 7)))
            specs.append((when + gap + (extra if kind == 1 else -extra), who, what))
    rows: list[Row] = []
    for n, (when, who, what) in enumerate(specs):
        agent = rnd.choice(agents)
        outcome = rnd.choice((Outcome.RESOLVED, Outcome.RESOLVED, Outcome.TRANSFERRED, Outcome.CALLBACK))
        queue = rnd.choice((*queues, None))
        call_id = None
        if queue is not None:
            call = Call(
                pbx_id=pbx.id,
                external_id=f"e{n}",
                queue_id=queue.id,
                status=CallStatus.COMPLETED,
                started_at=when - timedelta(minutes=5),
                service_day=(when + timedelta(hours=9)).date(),
                hold_s=0,
            )
            db.add(call)
            db.flush()
            call_id = call.id
        contact = Contact(
            call_id=call_id,
            channel=Channel.CALL,
            agent_id=agent.id,
            caller_ref=who,
            category_id=what.id,
            inquiry="문의",
            outcome=outcome,
            wrapup_started_at=when,
            created_at=when,
        )
        db.add(contact)
        db.flush()
        rows.append(
            Row(
                contact.id,
                when,
                who,
                what.code,
                agent.username,
                agent.team or "",
                queue.code if queue else None,
                outcome,
            )
        )
    db.commit()
    return rows


def _totals(k: dict[str, object]) -> tuple[object, ...]:
    return (k["contacts"], k["repeats"], k["first_contacts"], k["first_contacts_resolved"])


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return local_day_bounds(first)[0], local_day_bounds(last)[1]


@pytest.mark.parametrize("window", [1, 3, 7])
def test_repeat_and_fcr_counts_match_the_definition(db: Session, window: int) -> None:
    rows = _seed(db)
    window_s = window * 86400
    everyone: Callable[[Row], object] = lambda r: None  # noqa: E731
    # Each day of 2026-10-28 … 2026-11-08, an arbitrary period, and the month.
    periods = [(date(2026, 10, 28) + timedelta(days=i),) * 2 for i in range(12)]
    periods.append((date(2026, 10, 25), date(2026, 11, 6)))
    for first, last in periods:
        expected = _reference(rows, window_s, *_bounds(first, last), everyone).get(None, (0, 0, 0, 0))
        got = period_kpis(db=db, first_day=first, last_day=last, repeat_window_days=window)
        assert _totals(got) == expected, (first, last)
    month = month_kpis(db=db, month="2026-11", repeat_window_days=window)
    assert (
        _totals(month)
        == _reference(rows, window_s, *_bounds(date(2026, 11, 1), date(2026, 11, 30)), everyone)[None]
    )
    first, last = date(2026, 10, 26), date(2026, 11, 9)
    keys: dict[str, Callable[[Row], object]] = {
        "agent": lambda r: r.agent,
        "team": lambda r: r.team,
        "category": lambda r: r.category,
        "queue": lambda r: r.queue,
    }
    for by, key in keys.items():
        expected_groups = _reference(rows, window_s, *_bounds(first, last), key)
        got_groups = {
            r["key"]: _totals(r)
            for r in breakdown_kpis(db=db, first_day=first, last_day=last, by=by, repeat_window_days=window)
            if r["contacts"]
        }
        assert got_groups == expected_groups, by


def test_the_data_exercises_the_edges(db: Session) -> None:
    """The random data must contain what the comparison is meant to catch (guards the generator)."""
    rows = _seed(db)
    start, end = _bounds(date(2026, 10, 26), date(2026, 11, 9))
    counts = _reference(rows, 7 * 86400, start, end, lambda r: None)[None]
    contacts, repeats, first, first_resolved = counts
    assert contacts > 150 and 20 < repeats < contacts and 0 < first_resolved < first
    stamps = Counter(r.at for r in rows)
    assert any(n > 1 for n in stamps.values())  # ties in time
    assert any(r.caller is None for r in rows)
