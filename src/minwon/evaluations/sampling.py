"""Monthly random sampling of contacts per counselor, stratified by category and outcome (pure).

Allocation of ``n`` contacts over the strata of one counselor's month (sizes ``N_s``, total ``N``):

1. ``N ≤ n``: every contact is taken.
2. Proportional allocation, largest remainder (Hamilton): quota ``q_s = n·N_s/N``; each stratum gets
   ``⌊q_s⌋``; the ``n − Σ⌊q_s⌋`` left over go one each to the largest fractional parts ``q_s − ⌊q_s⌋``
   (ties: the larger stratum, then the stratum key).
3. Minimum one: when ``n`` is at least the number of strata, every stratum still at 0 (largest quota
   first) takes one contact from the stratum most above its quota ``a_s − q_s`` among those with at
   least 2 (ties: stratum key). When ``n`` is smaller, small strata may stay at 0.

Selection inside a stratum: ``random.Random(f"{seed}|{month}|{agent_id}|{stratum}")`` samples the
allocated count from the stratum's contact ids in ascending order, so the same seed, month and
contacts give the same sample (an auditor can reproduce it).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence


def allocate(sizes: Mapping[str, int], n: int) -> dict[str, int]:
    """Contacts to take per stratum (``sizes`` stratum → contacts available), see the module rules.

    Strata of size 0 are left out. Raises ValueError when ``n`` < 0.
    """
    if n < 0:
        raise ValueError("n must be ≥ 0")
    strata = {k: v for k, v in sizes.items() if v > 0}
    total = sum(strata.values())
    if total <= n:
        return dict(strata)
    quota = {k: n * v / total for k, v in strata.items()}
    alloc = {k: math.floor(q) for k, q in quota.items()}
    left = n - sum(alloc.values())
    order = sorted(strata, key=lambda k: (-(quota[k] - alloc[k]), -strata[k], k))
    for k in order[:left]:
        alloc[k] += 1
    if n >= len(strata):
        for k in sorted((k for k in strata if alloc[k] == 0), key=lambda k: (-quota[k], k)):
            donor = min((d for d in strata if alloc[d] >= 2), key=lambda d: (quota[d] - alloc[d], d))
            alloc[donor] -= 1
            alloc[k] = 1
    return alloc


def select(
    strata: Mapping[str, Sequence[int]], n: int, *, seed: str, month: str, agent_id: int
) -> list[tuple[str, int]]:
    """``(stratum, contact id)`` pairs sampled for one counselor: :func:`allocate` then a seeded
    draw per stratum (module rules). Strata in key order, ids ascending within a stratum."""
    alloc = allocate({k: len(v) for k, v in strata.items()}, n)
    chosen: list[tuple[str, int]] = []
    for key in sorted(alloc):
        ids = sorted(strata[key])
        rng = random.Random(f"{seed}|{month}|{agent_id}|{key}")
        chosen.extend((key, i) for i in sorted(rng.sample(ids, alloc[key])))
    return chosen
