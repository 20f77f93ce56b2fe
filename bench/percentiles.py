"""Percentiles of the bench's samples."""

import statistics


def percentile(values, q):
    """Nearest-rank percentile (p99 of 100 samples is the 99th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def median(values):
    return statistics.median(values) if values else float("nan")
