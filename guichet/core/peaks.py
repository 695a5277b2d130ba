"""Peak hours (the "heures d'affluence" a Services Publics+ site must publish) from past arrivals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime


def arrivals_by_slot(local_arrivals: Iterable[datetime]) -> dict[tuple[int, int], int]:
    """Count arrivals per (weekday, hour) of the site's local time."""
    counts: dict[tuple[int, int], int] = {}
    for moment in local_arrivals:
        key = (moment.weekday(), moment.hour)
        counts[key] = counts.get(key, 0) + 1
    return counts


def _by_weekday(counts: Mapping[tuple[int, int], int]) -> list[tuple[int, dict[int, int]]]:
    by_day: dict[int, dict[int, int]] = {}
    for (weekday, hour), n in counts.items():
        by_day.setdefault(weekday, {})[hour] = n
    return sorted(by_day.items())


def peak_hours(
    counts: Mapping[tuple[int, int], int], share: float = 0.8, minimum: int = 5
) -> dict[int, list[int]]:
    """Per weekday, the hours whose arrivals reach `share` of that day's busiest hour.

    Days with fewer than `minimum` arrivals at their busiest hour are left out: too little data to
    publish a claim.
    """
    result: dict[int, list[int]] = {}
    for weekday, hours in _by_weekday(counts):
        top = max(hours.values())
        if top < minimum:
            continue
        result[weekday] = sorted(h for h, n in hours.items() if n >= share * top)
    return result


def quiet_hours(
    counts: Mapping[tuple[int, int], int], share: float = 0.4, minimum: int = 5
) -> dict[int, list[int]]:
    """Per weekday, the hours with arrivals that stay at or under `share` of that day's busiest hour:
    the hours to advise ("venez plutôt..."). Hours without any arrival are not claimed quiet (the
    site may be closed then); days too thin to judge are left out, as for peak_hours."""
    result: dict[int, list[int]] = {}
    for weekday, hours in _by_weekday(counts):
        top = max(hours.values())
        if top < minimum:
            continue
        result[weekday] = sorted(h for h, n in hours.items() if 0 < n <= share * top)
    return result
