"""Wait estimate: position x smoothed recent service time / counters serving the service."""

from __future__ import annotations

from collections.abc import Sequence

# Service times outside this range are data errors (a ticket left open over lunch), not signal.
MIN_SAMPLE_S = 30
MAX_SAMPLE_S = 2 * 3600
SMOOTHING = 0.3


def smoothed_service_time(samples_oldest_first: Sequence[float], default_s: float) -> float:
    """Exponentially weighted mean of recent service times, the default when none are usable.

    Weights are normalised ((1 - a)^age over their sum) so the newest sample always counts most,
    even early in the day when only two or three visits are known.
    """
    usable = [min(max(s, MIN_SAMPLE_S), MAX_SAMPLE_S) for s in samples_oldest_first if s > 0]
    if not usable:
        return float(default_s)
    weights = [(1 - SMOOTHING) ** age for age in range(len(usable) - 1, -1, -1)]
    return sum(w * s for w, s in zip(weights, usable, strict=True)) / sum(weights)


def estimate_wait_s(
    position: int, samples_oldest_first: Sequence[float], counters: int, default_s: float
) -> int:
    """Field-standard estimate; with no counter open yet, count one so the figure stays finite."""
    if position < 1:
        raise ValueError("position is 1-based")
    per_ticket = smoothed_service_time(samples_oldest_first, default_s)
    return round(position * per_ticket / max(counters, 1))


def wait_range_minutes(estimate_s: int) -> tuple[int, int | None]:
    """Bucket shown to citizens ("moins de 15 min"): (low, high) minutes, high None when open-ended."""
    minutes = estimate_s / 60
    for low, high in ((0, 5), (5, 15), (15, 30), (30, 45), (45, 60), (60, 90), (90, 120)):
        if minutes < high:
            return low, high
    return 120, None
