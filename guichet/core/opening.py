"""Opening hours: weekly ranges with dated exceptions, evaluated in the site's local time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


@dataclass(frozen=True)
class Range:
    opens: time
    closes: time

    def __post_init__(self) -> None:
        if self.closes <= self.opens:
            raise ValueError("an opening range must close after it opens")


# From midnight to the last instant of the day (closing time excluded, as for every range).
ALL_DAY = Range(time(0), time.max)


def ranges_for(
    day: date,
    weekly: Mapping[int, Sequence[Range]],
    exceptions: Mapping[date, Sequence[Range]],
) -> Sequence[Range]:
    """A dated exception (empty: closed all day) replaces the weekday's usual ranges; without any
    weekly range the place is open all day, except on its dated exceptions (closures, holidays)."""
    if day in exceptions:
        return exceptions[day]
    if not weekly:
        return (ALL_DAY,)
    return weekly.get(day.weekday(), ())


def is_open(
    local: datetime,
    weekly: Mapping[int, Sequence[Range]],
    exceptions: Mapping[date, Sequence[Range]],
) -> bool:
    """Open when the local time falls in one of the day's ranges (closing time excluded)."""
    t = local.time().replace(tzinfo=None)
    return any(r.opens <= t < r.closes for r in ranges_for(local.date(), weekly, exceptions))


def next_opening(
    local: datetime,
    weekly: Mapping[int, Sequence[Range]],
    exceptions: Mapping[date, Sequence[Range]],
    horizon_days: int = 31,
) -> datetime | None:
    """The next local datetime at which the site opens, searching a bounded horizon."""
    t = local.time().replace(tzinfo=None)
    for offset in range(horizon_days + 1):
        day = local.date() + timedelta(days=offset)
        for r in sorted(ranges_for(day, weekly, exceptions), key=lambda r: r.opens):
            if offset > 0 or r.opens > t:
                return datetime.combine(day, r.opens, tzinfo=local.tzinfo)
    return None
