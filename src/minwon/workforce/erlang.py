"""Erlang C (M/M/N) and Erlang A (M/M/N+M) staffing math. Pure: no DB, no HTTP.

Units: times in seconds, traffic in Erlangs (arrival rate × mean handling time), probabilities in [0, 1].

Everything is computed in log space or with bounded recursions, never with factorials, so results stay
finite and accurate to 1,000,000 Erlangs (the accepted maximum); see ``docs/staffing.md``.

Sources
- Erlang C: A. K. Erlang (1917); the form used here, C = B / (1 − ρ(1 − B)) with B the Erlang B loss
  probability, is in e.g. Gans, Koole & Mandelbaum, "Telephone call centers: tutorial, review and research
  prospects", MSOM 5(2), 2003, §4.1.
- Poisson probabilities in log space: C. Loader, "Fast and accurate computation of binomial probabilities"
  (2000) — the saddle-point form R's ``dpois`` uses.
- Erlang A: O. Garnett, A. Mandelbaum & M. Reiman, "Designing a call center with impatient customers",
  MSOM 4(3), 2002, and A. Mandelbaum & S. Zeltyn, "Service engineering in action: the Palm/Erlang-A queue,
  with applications to call centers" (2007).
- Square-root staffing start: Halfin & Whitt, "Heavy-traffic limits for queues with many exponential
  servers", Operations Research 29(3), 1981.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
from scipy import special

from minwon.core.errors import ValidationError

MAX_TRAFFIC_ERLANGS = 1_000_000
"""Largest offered traffic accepted (Erlangs)."""

MAX_PATIENCE_S = 1e7
"""Largest mean patience accepted for Erlang A (seconds, about 116 days). Real callers give up within
minutes; beyond this Erlang A differs from Erlang C by less than about ASA/patience (the first-order
abandonment θ·E[W]), and the queue-length sums would need ever more terms. Use Erlang C for callers who
never hang up."""

MIN_MAX_OCCUPANCY = 0.05
"""Lowest accepted occupancy cap: below 5% staffing is 20 times the traffic, not a plan."""

_MAX_QUEUE_TERMS = 2_000_000
# most queue lengths an Erlang A evaluation sums over (16 MB per array); only reached with more than
# about a thousand calls a second and a patience of months

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
# how far (in standard deviations of the queue length) a truncated series runs; e^(-72) is negligible
_TAIL_SIGMAS = 12.0


@dataclass(frozen=True, slots=True)
class QueueMetrics:
    """Steady-state performance of one staffing level.

    ``p_wait``: probability an arriving call waits (all agents busy). ``service_level``: probability a call
    is answered within ``threshold_s`` (Erlang A: answered *and* within, so abandoned calls count against
    it). ``asa_s``: mean wait of answered calls in seconds (``math.inf`` when Erlang C is unstable,
    agents ≤ traffic). ``occupancy``: fraction of agent time spent handling calls. ``abandonment``:
    probability a call abandons (Erlang A only, ``None`` for Erlang C).
    """

    agents: int
    traffic_erlangs: float
    threshold_s: float
    p_wait: float
    service_level: float
    asa_s: float
    occupancy: float
    abandonment: float | None = None

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "agents": self.agents,
            "traffic_erlangs": self.traffic_erlangs,
            "threshold_s": self.threshold_s,
            "p_wait": self.p_wait,
            "service_level": self.service_level,
            "asa_s": self.asa_s,
            "occupancy": self.occupancy,
            "abandonment": self.abandonment,
        }


@dataclass(frozen=True, slots=True)
class StaffingResult:
    """Answer of :func:`required_agents`.

    ``raw_agents``: smallest number of agents on the phones that meets every target. ``agents``: agents to
    schedule, ``raw_agents`` grossed up for shrinkage (:func:`apply_shrinkage`). ``metrics``: performance
    at ``raw_agents``. ``model``: ``"erlang_c"`` or ``"erlang_a"``.
    """

    raw_agents: int
    agents: int
    traffic_erlangs: float
    shrinkage: float
    model: str
    metrics: QueueMetrics


# --- validation -----------------------------------------------------------------------------------------


def _finite(value: float, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{field} must be a number, got {value!r}", field=field) from None
    if not math.isfinite(number):
        raise ValidationError(f"{field} must be a finite number, got {value!r}", field=field)
    return number


def _positive(value: float, field: str) -> float:
    number = _finite(value, field)
    if number <= 0:
        raise ValidationError(f"{field} must be greater than 0, got {value!r}", field=field)
    return number


def _non_negative(value: float, field: str) -> float:
    number = _finite(value, field)
    if number < 0:
        raise ValidationError(f"{field} must not be negative, got {value!r}", field=field)
    return number


def _open_unit(value: float, field: str) -> float:
    number = _finite(value, field)
    if not 0 < number < 1:
        raise ValidationError(f"{field} must be strictly between 0 and 1, got {value!r}", field=field)
    return number


def _agents(value: int, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValidationError(f"agents must be a whole number, got {value!r}", field="agents")
    if value < minimum:
        raise ValidationError(f"agents must be at least {minimum}, got {value}", field="agents")
    return int(value)


def _patience(value: float, field: str = "patience_s") -> float:
    patience = _positive(value, field)
    if patience > MAX_PATIENCE_S:
        raise ValidationError(
            f"{field} must be at most {MAX_PATIENCE_S:,.0f} seconds (mean patience), got {value!r}; "
            "for callers who never hang up use Erlang C",
            field=field,
        )
    return patience


def _traffic(value: float, field: str) -> float:
    traffic = _non_negative(value, field)
    if traffic > MAX_TRAFFIC_ERLANGS:
        raise ValidationError(
            f"traffic {traffic:,.0f} Erlangs exceeds the maximum of {MAX_TRAFFIC_ERLANGS:,}", field=field
        )
    return traffic


def _exact(value: float) -> Fraction:
    """The decimal the caller wrote (``0.3`` → 3/10, not the binary float 0.29999…); ``value`` is finite."""
    if isinstance(value, int):
        return Fraction(value)
    return Fraction(*Decimal(repr(float(value))).as_integer_ratio())


# --- Poisson / Erlang B in log space ------------------------------------------------------------------


def _stirlerr(n: int) -> float:
    """log(n!) − [(n + ½)·log n − n + log √(2π)] (Loader 2000), accurate without cancellation."""
    if n <= 15:
        return float(special.gammaln(n + 1.0)) - (n + 0.5) * math.log(n) + n - _LOG_SQRT_2PI
    n2 = 1.0 / (n * n)
    return (1.0 / 12 - n2 * (1.0 / 360 - n2 * (1.0 / 1260 - n2 * (1.0 / 1680)))) / n


def _bd0(x: float, mean: float) -> float:
    """x·log(x/mean) + mean − x, computed stably when x ≈ mean (Loader 2000)."""
    if abs(x - mean) < 0.1 * (x + mean):
        v = (x - mean) / (x + mean)
        total = (x - mean) * v
        term = 2.0 * x * v
        v2 = v * v
        j = 1
        while True:
            term *= v2
            updated = total + term / (2 * j + 1)
            if updated == total:
                return updated
            total = updated
            j += 1
    return x * math.log(x / mean) + mean - x


def _log_poisson_pmf(n: int, mean: float) -> float:
    """log P(X = n) for X ~ Poisson(mean), n ≥ 1, mean > 0."""
    return -_LOG_SQRT_2PI - 0.5 * math.log(n) - _stirlerr(n) - _bd0(float(n), mean)


def log_erlang_b(agents: int, traffic: float) -> float:
    """log of the Erlang B loss probability B(N, A) for N ≥ 0 agents and A ≥ 0 Erlangs.

    B(N, A) = P(X = N) / P(X ≤ N) for X ~ Poisson(A). For N ≥ A the denominator is at least about ½ and
    comes from the regularized upper incomplete gamma function Q(N + 1, A); for N < A it is the sum
    1/B = Σ_{k=0}^{N} N!/(N−k)!·A^{−k}, whose terms shrink geometrically and are accumulated as logs
    (the closed form of the recursion 1/B(n) = 1 + n/(A·B(n−1))). Returns ``-inf`` when A = 0 < N.
    """
    if agents == 0:
        return 0.0
    if traffic <= 0:
        return -math.inf
    if agents >= traffic:
        tail = float(special.gammaincc(agents + 1.0, traffic))
        return _log_poisson_pmf(agents, traffic) - math.log(tail)
    terms = min(agents, int(_TAIL_SIGMAS * math.sqrt(agents) + 60))
    steps = np.log((agents - np.arange(terms, dtype=float)) / traffic)
    log_terms = np.concatenate(([0.0], np.cumsum(steps)))
    return -float(special.logsumexp(log_terms))


_RECURSION_UP_TO = 64


def _erlang_b(agents: int, traffic: float) -> float:
    """Erlang B(N, A): for small N the recursion B(n) = A·B(n−1) / (n + A·B(n−1)), B(0) = 1 (each step
    stays in [0, 1], so it is stable); otherwise exp of :func:`log_erlang_b` (same value, O(1))."""
    if agents <= _RECURSION_UP_TO:
        b = 1.0
        for k in range(1, agents + 1):
            b = traffic * b / (k + traffic * b)
        return b
    return math.exp(log_erlang_b(agents, traffic))


# --- Erlang C -------------------------------------------------------------------------------------------


def erlang_c(agents: int, traffic: float, aht_s: float, threshold_s: float) -> QueueMetrics:
    """Erlang C (M/M/N, callers never abandon): performance of ``agents`` agents at ``traffic`` Erlangs.

    With B = Erlang B(N, A) and ρ = A/N < 1:
    P(wait) = C = B / (1 − ρ(1 − B)); SL(t) = 1 − C·exp(−(N − A)·t / AHT); ASA = C·AHT / (N − A);
    occupancy = A / N. When N ≤ A the queue grows without bound: P(wait) = 1, SL = 0, ASA = ``inf``,
    occupancy = 1. With no traffic: P(wait) = 0, SL = 1, ASA = 0, occupancy = 0.

    Raises ValidationError (field ``agents``, ``traffic``, ``aht_s`` or ``threshold_s``) for negative or
    non-finite input, or traffic above :data:`MAX_TRAFFIC_ERLANGS`.
    Source: Erlang (1917); Gans, Koole & Mandelbaum (2003) §4.1.
    """
    return _erlang_c(
        _agents(agents, minimum=0),
        _traffic(traffic, "traffic"),
        _positive(aht_s, "aht_s"),
        _non_negative(threshold_s, "threshold_s"),
    )


def _erlang_c(n: int, a: float, aht: float, t: float) -> QueueMetrics:
    """:func:`erlang_c` on validated input (the staffing search calls it many times)."""
    if a == 0:
        return QueueMetrics(n, a, t, p_wait=0.0, service_level=1.0, asa_s=0.0, occupancy=0.0)
    if n <= a:
        return QueueMetrics(n, a, t, p_wait=1.0, service_level=0.0, asa_s=math.inf, occupancy=1.0)
    b = _erlang_b(n, a)
    rho = a / n
    # 1 − ρ(1 − B) written as (N − A)/N + ρB: no cancellation when ρ → 1
    c = b / ((n - a) / n + rho * b)
    service_level = 1.0 - c * math.exp(-(n - a) * t / aht)
    return QueueMetrics(
        n,
        a,
        t,
        p_wait=c,
        service_level=min(1.0, max(0.0, service_level)),
        asa_s=c * aht / (n - a),
        occupancy=rho,
    )


# --- Erlang A -------------------------------------------------------------------------------------------


def _log_gammainc(a: float, z: float) -> float:
    """log P(a, z), the regularized lower incomplete gamma function, without underflow.

    Uses scipy's ``gammainc`` unless it is below 1e-280; then the series
    P(a, z) = z^a·e^{−z}/Γ(a + 1) · Σ_k z^k / ((a+1)…(a+k)), summed as logs (only reached when z ≪ a, so
    the terms shrink geometrically).
    """
    if z <= 0:
        return -math.inf
    p = float(special.gammainc(a, z))
    if p > 1e-280:
        return math.log(p)
    ratio = min(z / (a + 1.0), 0.999)
    terms = math.ceil(45.0 / -math.log(ratio)) + 2
    steps = np.log(z / (a + 1.0 + np.arange(terms, dtype=float)))
    log_sum = float(special.logsumexp(np.concatenate(([0.0], np.cumsum(steps)))))
    return a * math.log(z) - z - float(special.gammaln(a + 1.0)) + log_sum


def _served_within_given_wait(x: float, y: float, t_scaled: float) -> float:
    """P(answered within t | the call waits) = (x/y)·[P(x+1, y) − P(x+1, y·e^{−θt})] / P(x, y).

    x = Nμ/θ, y = λ/θ, t_scaled = θ·t (Mandelbaum & Zeltyn 2007; see docs/staffing.md for the derivation).
    """
    shape = x + 1.0
    z_far = y
    z_near = y * math.exp(-t_scaled)
    if z_near >= shape:
        # both lower gammas near 1: subtract the small upper tails instead
        diff = float(special.gammaincc(shape, z_near) - special.gammaincc(shape, z_far))
        return max(0.0, (x / y) * diff / math.exp(_log_gammainc(x, y)))
    if z_far <= shape:
        # both lower gammas possibly tiny: subtract in log space
        log_far = _log_gammainc(shape, z_far)
        log_near = _log_gammainc(shape, z_near)
        if log_near == -math.inf:
            log_diff = log_far
        else:
            gap = log_near - log_far
            if gap >= 0:
                return 0.0
            log_diff = log_far + math.log(-math.expm1(gap))
        return math.exp(math.log(x / y) + log_diff - _log_gammainc(x, y))
    diff = float(special.gammainc(shape, z_far) - special.gammainc(shape, z_near))
    return max(0.0, (x / y) * diff / math.exp(_log_gammainc(x, y)))


def erlang_a(
    agents: int, arrival_rate_per_s: float, aht_s: float, patience_s: float, threshold_s: float
) -> QueueMetrics:
    """Erlang A (M/M/N+M, exponential patience): performance of ``agents`` agents.

    λ = arrival rate (calls/s), μ = 1/AHT, θ = 1/mean patience, x = Nμ/θ, y = λ/θ, B = Erlang B(N, λ/μ),
    and 𝒜(x, y) = x·e^y·y^{−x}·γ(x, y) = Σ_{j≥0} y^j / ((x+1)…(x+j)) (γ the lower incomplete gamma).
    Following Garnett, Mandelbaum & Reiman (2002) and Mandelbaum & Zeltyn (2007):

    - P(wait) = 𝒜·B / (1 + (𝒜 − 1)·B)
    - P(abandon | wait) = 1 − 1/ρ + 1/(ρ𝒜) with ρ = λ/(Nμ), evaluated as E[queue seen]/y (same value,
      no cancellation); P(abandon) = P(wait)·P(abandon | wait)
    - SL(t) = P(answered and W ≤ t) = 1 − P(wait) + P(wait)·(x/y)·[P(x+1, y) − P(x+1, y·e^{−θt})] / P(x, y)
      with P the regularized lower incomplete gamma function
    - ASA = E[W | answered] = P(wait)·Σ_j q_j·x/(x+j+1)·(ψ(x+j+2) − ψ(x+1)) / (θ·P(answered)), q_j the
      distribution of the queue an arriving caller finds, ψ the digamma function
    - occupancy = λ·(1 − P(abandon))·AHT / N (agents only handle answered calls)

    ``agents`` ≥ 1; every call is stable (callers leave), so any N is allowed.
    Raises ValidationError (field ``agents``, ``arrival_rate_per_s``, ``aht_s``, ``patience_s``,
    ``threshold_s``) for bad input, traffic λ·AHT above :data:`MAX_TRAFFIC_ERLANGS`, a patience above
    :data:`MAX_PATIENCE_S`, or (``patience_s``) a patience so long for so many calls a second that the
    queue-length sum would need more than 2,000,000 terms.
    """
    lam = _non_negative(arrival_rate_per_s, "arrival_rate_per_s")
    aht = _positive(aht_s, "aht_s")
    _traffic(lam * aht, "arrival_rate_per_s")
    return _erlang_a(
        _agents(agents, minimum=1),
        lam,
        aht,
        _patience(patience_s),
        _non_negative(threshold_s, "threshold_s"),
    )


def _erlang_a(n: int, lam: float, aht: float, patience: float, t: float) -> QueueMetrics:
    """:func:`erlang_a` on validated input."""
    traffic = lam * aht
    if lam == 0:
        return QueueMetrics(
            n, 0.0, t, p_wait=0.0, service_level=1.0, asa_s=0.0, occupancy=0.0, abandonment=0.0
        )
    x = n * patience / aht
    y = lam * patience
    # queue lengths j an arriving caller may find, weights w_j = y^j / ((x+1)…(x+j)); outside the window
    # around the mode ⌊max(0, y − x)⌋ the weights are below e^(−72) of the peak
    mode = math.floor(max(0.0, y - x))
    half_width = _TAIL_SIGMAS * math.sqrt(x + y) + 60.0
    # above the mode each step multiplies w by y/(x+j) ≤ r = y/(x+mode+1) < 1, so 72/(−log r) steps
    # lose e^(−72) too: far fewer terms than the √ bound when the queue is stable (N·μ well above λ)
    log_r = math.log(y) - math.log(x + mode + 1.0)
    above = half_width if log_r > -1e-12 else min(half_width, 72.0 / -log_r + 2.0)
    first, last = max(0, int(mode - half_width)), int(mode + above) + 2
    if last - first > _MAX_QUEUE_TERMS:
        raise ValidationError(
            f"patience_s {patience:g} s is too long for {lam:g} calls a second: the queue could not be "
            "evaluated; give a realistic mean patience or use Erlang C",
            field="patience_s",
        )
    j = np.arange(first, last, dtype=float)
    log_w = j * math.log(y) + special.gammaln(x + 1.0) - special.gammaln(x + j + 1.0)
    log_script_a = float(special.logsumexp(log_w))
    q = np.exp(log_w - log_script_a)

    log_b = log_erlang_b(n, traffic)
    b = math.exp(log_b)
    p_wait = float(special.expit(log_script_a + log_b - math.log1p(-b)))
    abandon_given_wait = min(1.0, float(np.dot(q, j)) / y)
    abandonment = p_wait * abandon_given_wait
    answered = 1.0 - abandonment

    within = _served_within_given_wait(x, y, t / patience)
    service_level = (1.0 - p_wait) + p_wait * min(within, 1.0 - abandon_given_wait)

    harmonic = special.digamma(x + j + 2.0) - special.digamma(x + 1.0)
    wait_if_answered = float(np.dot(q, x / (x + j + 1.0) * harmonic)) * patience
    asa = p_wait * wait_if_answered / answered if answered > 0 else math.inf
    return QueueMetrics(
        n,
        traffic,
        t,
        p_wait=p_wait,
        service_level=min(1.0, max(0.0, service_level)),
        asa_s=asa,
        occupancy=min(1.0, traffic * answered / n),
        abandonment=abandonment,
    )


# --- staffing -------------------------------------------------------------------------------------------


def apply_shrinkage(raw_agents: int, shrinkage: float) -> int:
    """Agents to schedule so that ``raw_agents`` remain on the phones: ceil(raw / (1 − shrinkage)).

    Exact: the shrinkage is taken as the decimal written (0.3 is 3/10), so 21 agents at 30% is 30, not
    the 31 that floating-point 21 / 0.7 = 30.000000000000004 would give.
    Raises ValidationError (field ``raw_agents`` or ``shrinkage``) unless raw ≥ 0 and 0 ≤ shrinkage < 1.
    """
    if isinstance(raw_agents, bool) or not isinstance(raw_agents, int | np.integer) or raw_agents < 0:
        raise ValidationError(
            f"raw_agents must be a whole number ≥ 0, got {raw_agents!r}", field="raw_agents"
        )
    s = _shrinkage(shrinkage)
    if s == 0:
        return int(raw_agents)
    # s = p/q exactly as written; raw / (1 − p/q) = raw·q / (q − p), rounded up in integers
    p, q = Decimal(repr(s)).as_integer_ratio()
    return -(-int(raw_agents) * q // (q - p))


def _shrinkage(value: float) -> float:
    s = _finite(value, "shrinkage")
    if not 0 <= s < 1:
        raise ValidationError(f"shrinkage must be at least 0 and below 1, got {value!r}", field="shrinkage")
    return s


def square_root_staffing(traffic: float, beta: float = 1.0) -> int:
    """Halfin–Whitt estimate N ≈ A + β·√A (rounded up): where :func:`required_agents` starts searching."""
    return max(1, math.ceil(traffic + beta * math.sqrt(traffic)))


def _halfin_whitt_p_wait(beta: float) -> float:
    """Heavy-traffic P(wait) of Erlang C with N = A + β√A: [1 + β·Φ(β)/φ(β)]⁻¹ (Halfin & Whitt 1981)."""
    cdf = 0.5 * math.erfc(-beta / math.sqrt(2.0))
    return 1.0 / (1.0 + beta * cdf * math.sqrt(2.0 * math.pi) * math.exp(0.5 * beta * beta))


def _erlang_c_beta(
    traffic: float, aht: float, threshold: float, sl: float | None, asa: float | None
) -> float:
    """β for which the Halfin–Whitt approximation of Erlang C just meets the SL and ASA targets.

    Only a starting point: the search then checks exact values. Bisection on [0, 8], 12 steps.
    """
    root = math.sqrt(traffic)

    def enough(beta: float) -> bool:
        p_wait = _halfin_whitt_p_wait(beta)
        if sl is not None and 1.0 - p_wait * math.exp(-beta * root * threshold / aht) < sl:
            return False
        return asa is None or p_wait * aht <= asa * beta * root

    low, high = 0.0, 8.0
    for _ in range(12):
        middle = 0.5 * (low + high)
        if enough(middle):
            high = middle
        else:
            low = middle
    return high


def _smallest_meeting(meets: Callable[[int], bool], *, lowest: int, start: int, highest: int) -> int:
    """Smallest N in [lowest, highest] with meets(N), for a predicate that is monotone in N.

    Steps down (or up) from ``start`` in doubling strides until the answer is bracketed, then bisects.
    Raises ValueError when even ``highest`` does not meet it.
    """
    n = min(max(start, lowest), highest)
    if meets(n):
        good, stride = n, 1
        while good > lowest:
            candidate = max(lowest, good - stride)
            if not meets(candidate):
                bad = candidate
                break
            good, stride = candidate, stride * 2
        else:
            return good
    else:
        bad, stride = n, 1
        while True:
            if bad >= highest:
                raise ValueError("target not reachable")
            candidate = min(highest, bad + stride)
            if meets(candidate):
                good = candidate
                break
            bad, stride = candidate, stride * 2
    while good - bad > 1:
        middle = (good + bad) // 2
        if meets(middle):
            good = middle
        else:
            bad = middle
    return good


def required_agents(
    *,
    calls: float,
    interval_s: float,
    aht_s: float,
    target_sl: float | None = None,
    threshold_s: float = 20,
    target_asa_s: float | None = None,
    target_abandonment: float | None = None,
    patience_s: float | None = None,
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
) -> StaffingResult:
    """Smallest number of agents meeting every given target, and the number to schedule after shrinkage.

    ``calls`` offered in an interval of ``interval_s`` seconds with mean handling time ``aht_s``: traffic
    A = calls·AHT/interval Erlangs. Erlang C, or Erlang A when ``patience_s`` (mean patience, seconds) is
    given. Targets (at least one): ``target_sl`` (fraction answered within ``threshold_s``),
    ``target_asa_s`` (mean wait of answered calls), ``target_abandonment`` (Erlang A only) and
    ``max_occupancy`` (occupancy ≤ this, checked exactly on the decimals given).
    Every measure is monotone in N, so the search starts at the square-root staffing estimate, brackets
    and bisects (Erlang C never goes below the stability bound ⌊A⌋ + 1). With no calls, 0 agents.

    Returns :class:`StaffingResult`. Raises ValidationError naming the field: negative calls, interval or
    AHT ≤ 0, a fraction outside (0, 1), max_occupancy outside [:data:`MIN_MAX_OCCUPANCY`, 1], shrinkage
    outside [0, 1), patience above :data:`MAX_PATIENCE_S`, traffic above :data:`MAX_TRAFFIC_ERLANGS`, no
    target, target_abandonment without patience_s, or targets that cannot be met (field: the first
    target still missed with the most agents tried).
    """
    n_calls = _non_negative(calls, "calls")
    interval = _positive(interval_s, "interval_s")
    aht = _positive(aht_s, "aht_s")
    threshold = _non_negative(threshold_s, "threshold_s")
    sl = None if target_sl is None else _open_unit(target_sl, "target_sl")
    asa = None if target_asa_s is None else _positive(target_asa_s, "target_asa_s")
    abandon = None if target_abandonment is None else _open_unit(target_abandonment, "target_abandonment")
    patience = None if patience_s is None else _patience(patience_s)
    occupancy_cap: Fraction | None = None
    if max_occupancy is not None:
        occupancy = _finite(max_occupancy, "max_occupancy")
        if not MIN_MAX_OCCUPANCY <= occupancy <= 1:
            raise ValidationError(
                f"max_occupancy must be between {MIN_MAX_OCCUPANCY:g} and 1, got {max_occupancy!r}",
                field="max_occupancy",
            )
        occupancy_cap = _exact(occupancy)
    _shrinkage(shrinkage)
    if abandon is not None and patience is None:
        raise ValidationError("target_abandonment needs patience_s (Erlang A)", field="target_abandonment")
    if sl is None and asa is None and abandon is None and occupancy_cap is None:
        raise ValidationError(
            "give at least one target: target_sl, target_asa_s, target_abandonment or max_occupancy",
            field="target_sl",
        )
    traffic = n_calls * aht / interval
    if traffic > MAX_TRAFFIC_ERLANGS:
        raise ValidationError(
            f"traffic calls×aht_s/interval_s = {traffic:,.0f} Erlangs exceeds the maximum "
            f"of {MAX_TRAFFIC_ERLANGS:,}",
            field="calls",
        )
    # the occupancy cap is compared on the decimals written: 80 calls × 180 s / 1800 s at 80% is 10 agents
    exact_traffic = None if occupancy_cap is None else _exact(n_calls) * _exact(aht) / _exact(interval)
    model = "erlang_c" if patience is None else "erlang_a"

    def evaluate(n: int) -> QueueMetrics:
        if patience is None:
            return _erlang_c(n, traffic, aht, threshold)
        return _erlang_a(n, n_calls / interval, aht, patience, threshold)

    if traffic == 0:
        metrics = QueueMetrics(0, 0.0, threshold, 0.0, 1.0, 0.0, 0.0, None if patience is None else 0.0)
        return StaffingResult(0, 0, 0.0, float(shrinkage), model, metrics)

    cache: dict[int, QueueMetrics] = {}

    def _within_cap(m: QueueMetrics) -> bool:
        """Erlang A occupancy A·(1 − P(abandon))/N ≤ cap, compared exactly on the decimals written (the
        float occupancy of 10 Erlangs on 200 agents rounds to 0.05 even with calls abandoning)."""
        if exact_traffic is None or occupancy_cap is None:
            return True
        answered = 1 - Fraction(m.abandonment or 0.0)
        return exact_traffic * answered / m.agents <= occupancy_cap

    def meets(n: int) -> bool:
        if n not in cache:
            cache[n] = evaluate(n)
        m = cache[n]
        if patience is not None and not _within_cap(m):
            return False
        if sl is not None and m.service_level < sl:
            return False
        if asa is not None and m.asa_s > asa:
            return False
        return not (abandon is not None and (m.abandonment is None or m.abandonment > abandon))

    lowest = 1
    if patience is None:
        # Erlang C: stable only above A agents, and occupancy A/N ≤ cap ⇔ N ≥ A/cap, decided exactly
        lowest = math.floor(traffic) + 1
        if exact_traffic is not None and occupancy_cap is not None:
            needed = exact_traffic / occupancy_cap
            lowest = max(lowest, -(-needed.numerator // needed.denominator))
    highest = lowest + 10 * math.ceil(traffic) + 1_000_000
    if occupancy_cap is not None:
        # occupancy ≤ A/N for both models, so N = ⌈A / cap⌉ always meets the cap
        highest = max(highest, math.ceil(traffic / float(occupancy_cap)) + 1)
    try:
        # below 100 Erlangs a step from β = 1 costs less than solving for β
        use_beta = patience is None and traffic >= 100 and (sl is not None or asa is not None)
        beta = _erlang_c_beta(traffic, aht, threshold, sl, asa) if use_beta else 1.0
        raw = _smallest_meeting(
            meets, lowest=lowest, start=square_root_staffing(traffic, beta), highest=highest
        )
    except ValueError:
        worst = cache.get(highest) or evaluate(highest)
        failing = [
            name
            for name, missed in (
                ("target_sl", sl is not None and worst.service_level < sl),
                ("target_asa_s", asa is not None and worst.asa_s > asa),
                (
                    "target_abandonment",
                    abandon is not None and (worst.abandonment is None or worst.abandonment > abandon),
                ),
                ("max_occupancy", patience is not None and not _within_cap(worst)),
            )
            if missed
        ]
        field = failing[0] if failing else "target_sl" if sl is not None else "max_occupancy"
        raise ValidationError(
            f"the targets cannot be met with up to {highest:,} agents", field=field
        ) from None
    return StaffingResult(
        raw_agents=raw,
        agents=apply_shrinkage(raw, shrinkage),
        traffic_erlangs=traffic,
        shrinkage=float(shrinkage),
        model=model,
        metrics=cache[raw],
    )
