"""Extreme option values: a very long patience tends to Erlang C (checked against Erlang C computed here
with exact factorials), and out-of-range patience or occupancy caps are refused naming the option."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from fractions import Fraction

import pytest
from typer.testing import CliRunner

from minwon.cli import app
from minwon.core.errors import ValidationError
from minwon.workforce.erlang import erlang_a, required_agents

runner = CliRunner()

BASE = ["--calls", "100", "--interval-s", "1800", "--aht-s", "180"]


def erlang_c_by_hand(n: int, a: int, aht_s: float, threshold_s: float) -> tuple[float, float, float]:
    """P(wait), SL and ASA of M/M/n from the textbook formula with exact integer factorials."""
    head = sum(Fraction(a**k, math.factorial(k)) for k in range(n))
    tail = Fraction(a**n, math.factorial(n)) * Fraction(n, n - a)
    c = float(tail / (head + tail))
    return c, 1 - c * math.exp(-(n - a) * threshold_s / aht_s), c * aht_s / (n - a)


def test_long_patience_converges_to_erlang_c_at_first_order() -> None:
    # 100 calls / 1800 s × 180 s = 10 Erlangs on 14 agents
    c, sl, asa = erlang_c_by_hand(14, 10, 180.0, 20.0)
    assert c == pytest.approx(0.1741319, abs=1e-7)  # the Erlang C value the brief quotes (0.1741, 7.84 s)
    assert asa == pytest.approx(7.8359, abs=1e-4)
    for patience in (1e4, 1e5, 1e6, 1e7):
        m = erlang_a(14, 100 / 1800, 180.0, patience, 20.0)
        # with rare abandonment a caller abandons with probability ≈ θ·E[W] = ASA_C / patience
        assert m.abandonment == pytest.approx(asa / patience, rel=0.05 * 1e4 / patience + 1e-4)
        # and every measure is within a few ASA/patience of Erlang C, never drifting away
        gap = 2.0 * 180.0 / patience
        assert abs(m.p_wait - c) <= gap * c
        assert abs(m.service_level - sl) <= gap
        assert abs(m.asa_s - asa) <= 100 * gap * asa
    at_limit = erlang_a(14, 100 / 1800, 180.0, 1e7, 20.0)
    assert at_limit.p_wait == pytest.approx(c, rel=1e-5)
    assert at_limit.asa_s == pytest.approx(asa, rel=1e-4)


def test_long_patience_staffs_like_erlang_c() -> None:
    outcome = runner.invoke(app, ["staffing", "erlang-a", *BASE, "--patience-s", "1e7", "--json"])
    assert outcome.exit_code == 0, outcome.output
    payload = json.loads(outcome.stdout)
    # Erlang C by hand: 13 agents give SL < 80%, 14 give ≥ 80%
    assert erlang_c_by_hand(13, 10, 180.0, 20.0)[1] < 0.8 <= erlang_c_by_hand(14, 10, 180.0, 20.0)[1]
    assert payload["raw_agents"] == 14
    assert payload["p_wait"] == pytest.approx(erlang_c_by_hand(14, 10, 180.0, 20.0)[0], rel=1e-5)


@pytest.mark.parametrize("patience", ["1e8", "1e15", "1e16", "1e20", "1e50"])
def test_absurd_patience_is_refused_without_allocating(patience: str) -> None:
    outcome = runner.invoke(app, ["staffing", "erlang-a", *BASE, "--patience-s", patience])
    assert outcome.exit_code == 2
    assert "--patience-s" in outcome.stderr and "10,000,000" in outcome.stderr
    with pytest.raises(ValidationError) as caught:
        erlang_a(14, 100 / 1800, 180.0, float(patience), 20.0)
    assert caught.value.field == "patience_s"


def test_patience_too_long_for_the_call_rate_is_refused() -> None:
    # one agent, a million calls a second, a 1e7 s patience: the queue sum would need ~1e8 terms
    with pytest.raises(ValidationError) as caught:
        erlang_a(1, 1e6, 1.0, 1e7, 20.0)
    assert caught.value.field == "patience_s"


@pytest.mark.parametrize("command", ["erlang-c", "erlang-a"])
@pytest.mark.parametrize("cap", ["1e-300", "1e-12", "1e-9", "0.049", "0", "-0.5", "1.01"])
def test_occupancy_cap_out_of_range_names_max_occupancy(command: str, cap: str) -> None:
    extra = ["--patience-s", "120"] if command == "erlang-a" else []
    outcome = runner.invoke(app, ["staffing", command, *BASE, *extra, "--max-occupancy", cap])
    assert outcome.exit_code == 2
    assert "error (--max-occupancy)" in outcome.stderr
    assert "--target-abandonment" not in outcome.stderr
    assert "between 0.05 and 1" in outcome.stderr


def test_lowest_occupancy_cap_is_exact() -> None:
    # 10 Erlangs at a 5% cap: 10 / 0.05 = 200 agents (Erlang C: A/N ≤ cap; Erlang A: A·(1−P(ab))/N ≤ cap)
    c = required_agents(calls=100, interval_s=1800, aht_s=180, max_occupancy=0.05)
    a = required_agents(calls=100, interval_s=1800, aht_s=180, patience_s=120, max_occupancy=0.05)
    assert c.raw_agents == 200
    assert a.raw_agents == 200


def test_bad_option_exits_2_without_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from minwon.cli import main; main()", "staffing", "erlang-c", *BASE,
         "--max-occupancy", "1e-300"],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    assert "--max-occupancy" in done.stderr + done.stdout
