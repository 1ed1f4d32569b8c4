"""Retrieval metrics for a query set (pure module).

For each query the rank of the expected document in the result list is taken (1-based; absent = no
rank). recall@k = share of queries whose expected document is in the top k; MRR@10 = mean of
1/rank over the queries, counting 0 when the rank is above 10 or absent (Voorhees, TREC-8 QA, 1999).
"""

from __future__ import annotations

from collections.abc import Sequence


def retrieval_metrics(ranks: Sequence[int | None]) -> dict[str, float | int]:
    """``{"n", "recall_at_1", "recall_at_5", "mrr_at_10"}`` for the ranks (rounded to 4 places);
    all 0 for no query."""
    n = len(ranks)
    if not n:
        return {"n": 0, "recall_at_1": 0.0, "recall_at_5": 0.0, "mrr_at_10": 0.0}
    r1 = sum(1 for r in ranks if r is not None and r <= 1) / n
    r5 = sum(1 for r in ranks if r is not None and r <= 5) / n
    mrr = sum(1.0 / r for r in ranks if r is not None and r <= 10) / n
    return {"n": n, "recall_at_1": round(r1, 4), "recall_at_5": round(r5, 4), "mrr_at_10": round(mrr, 4)}
