"""Ranking metrics over citation ids (a query is answered by a citable article/document, not a chunk)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from statistics import fmean


def distinct(citations: Iterable[str]) -> list[str]:
    """Citation ids in first-seen order: several chunks of one article count once."""
    seen: dict[str, None] = {}
    for c in citations:
        seen.setdefault(c, None)
    return list(seen)


def recall_at(ranked: Sequence[str], relevant: set[str], k: int = 5) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: set[str]) -> float:
    for i, c in enumerate(ranked, start=1):
        if c in relevant:
            return 1.0 / i
    return 0.0


def summarise(rows: Sequence[tuple[Sequence[str], set[str]]], k: int = 5) -> tuple[float, float]:
    """(mean recall@k, MRR) over (ranked citation ids, relevant ids) rows."""
    if not rows:
        return 0.0, 0.0
    return fmean(recall_at(r, rel, k) for r, rel in rows), fmean(reciprocal_rank(r, rel) for r, rel in rows)


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    idx = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[idx]
