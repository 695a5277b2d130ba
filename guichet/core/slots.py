"""Free appointment slots, as a pure function of opening ranges, bookings, absences and holidays.

Everything is passed in (no database, no clock): the caller loads the ranges of the experts who serve
a motif, their booked appointments and held slots, their absences, and the closed days of each place
(national holidays for the site's subdivision, minus the holidays the site works, plus closures).

Times: opening ranges are local wall-clock times in the place's timezone; busy intervals, absences and
the returned slots are instants in POSIX seconds (UTC). Slots are laid out from the start of each range
every `step` minutes, in wall-clock time, so a 09:00 opening gives 09:00 slots on both sides of a
daylight-saving change; a slot whose local time does not exist (the spring gap) is skipped, and one
in the repeated autumn hour is placed at its first occurrence.

The hot path works on integer seconds: 90 days × 20 experts (about 60,000 candidate slots) take a few
tens of milliseconds (bench/slots.py).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class OpeningRange:
    """An expert receives at a place on this weekday between two local times, over a date span.

    `every_weeks` = 2 means every other week, counted from `valid_from`'s week.
    """

    expert_id: int
    place_id: int
    weekday: int  # 0 = Monday
    start: time
    end: time
    valid_from: date
    valid_until: date | None = None
    every_weeks: int = 1


@dataclass(frozen=True)
class SlotRules:
    """A motif's shape: how long, how far ahead, what margin around each appointment."""

    duration_min: int
    min_delay_min: int = 0  # no booking closer than this to now
    max_delay_days: int = 60  # no booking further than this
    buffer_min: int = 0  # kept free before and after every appointment
    step_min: int | None = None  # spacing of slot starts; default: the duration

    def __post_init__(self) -> None:
        if self.duration_min <= 0:
            raise ValueError("duration_min must be positive")
        if self.step_min is not None and self.step_min <= 0:
            raise ValueError("step_min must be positive")
        if self.buffer_min < 0 or self.min_delay_min < 0 or self.max_delay_days < 0:
            raise ValueError("delays and buffers cannot be negative")


class Slot(NamedTuple):
    start: int  # POSIX seconds
    end: int
    expert_id: int
    place_id: int


@dataclass(frozen=True)
class Calendar:
    """What is not available: per expert busy intervals and absences, per place closed days."""

    # (start, end) in POSIX seconds: booked appointments and held slots, per expert.
    busy: Mapping[int, Sequence[tuple[int, int]]] = field(default_factory=dict)
    # Absences (leave, training), per expert, (start, end) in POSIX seconds.
    absences: Mapping[int, Sequence[tuple[int, int]]] = field(default_factory=dict)
    # Local dates a place is closed (holidays not worked, closures), per place.
    closed_days: Mapping[int, frozenset[date]] = field(default_factory=dict)


def duration_for(base_min: int, extra_per_person_min: int, persons: int) -> int:
    """A motif's length for a group: e.g. 15 min for one passport, +10 for each additional person."""
    if persons < 1:
        raise ValueError("at least one person")
    return base_min + extra_per_person_min * (persons - 1)


def _epoch(day: date, at: time, tz: ZoneInfo) -> int | None:
    """Local wall time to POSIX seconds; None if that time does not exist on that day (spring gap)."""
    local = datetime.combine(day, at, tzinfo=tz)
    utc = local.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return int(utc.timestamp())


def _merge(intervals: Iterable[tuple[int, int]], pad: int = 0) -> tuple[list[int], list[int]]:
    """Sorted, merged intervals (padded on both sides) as two parallel lists of starts and ends."""
    starts: list[int] = []
    ends: list[int] = []
    for s, e in sorted((s - pad, e + pad) for s, e in intervals):
        if ends and s <= ends[-1]:
            if e > ends[-1]:
                ends[-1] = e
        else:
            starts.append(s)
            ends.append(e)
    return starts, ends


def free_slots(
    ranges: Sequence[OpeningRange],
    rules: SlotRules,
    calendar: Calendar,
    now: datetime,
    first_day: date,
    last_day: date,
    tz: ZoneInfo,
) -> list[Slot]:
    """Every free slot between first_day and last_day (local dates, inclusive), by start then expert.

    No slot starts before now + min_delay or after now + max_delay, on a closed day of its place,
    during an absence of its expert, or overlapping (with the buffer) a busy interval of its expert.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    duration = rules.duration_min * 60
    step = (rules.step_min or rules.duration_min) * 60
    pad = rules.buffer_min * 60
    now_s = int(now.timestamp())
    earliest = now_s + rules.min_delay_min * 60
    latest = now_s + rules.max_delay_days * 86400
    today = now.astimezone(tz).date()
    first_day = max(first_day, today)
    last_day = min(last_day, (now.astimezone(tz) + timedelta(days=rules.max_delay_days)).date())
    if last_day < first_day:
        return []

    # Busy intervals are padded by the buffer, so the margin applies on both sides of a booking.
    busy = {eid: _merge(iv, pad) for eid, iv in calendar.busy.items()}
    absent = {eid: _merge(iv) for eid, iv in calendar.absences.items()}
    empty: tuple[list[int], list[int]] = ([], [])
    by_weekday: dict[int, list[OpeningRange]] = {}
    for r in ranges:
        by_weekday.setdefault(r.weekday, []).append(r)

    out: list[Slot] = []
    append = out.append
    # Local wall times to instants, once per (day, time): ranges share their opening times.
    epochs: dict[tuple[date, time], int | None] = {}

    def at(day: date, t: time) -> int | None:
        key = (day, t)
        if key not in epochs:
            epochs[key] = _epoch(day, t, tz)
        return epochs[key]

    day = first_day
    one_day = timedelta(days=1)
    while day <= last_day:
        for r in by_weekday.get(day.weekday(), ()):
            if day < r.valid_from or (r.valid_until is not None and day > r.valid_until):
                continue
            if r.every_weeks > 1 and ((day - r.valid_from).days // 7) % r.every_weeks:
                continue
            closed = calendar.closed_days.get(r.place_id)
            if closed and day in closed:
                continue
            range_start, range_end = at(day, r.start), at(day, r.end)
            wall = (r.end.hour * 60 + r.end.minute - r.start.hour * 60 - r.start.minute) * 60 + (
                r.end.second - r.start.second
            )
            if range_start is not None and range_end is not None and range_end - range_start == wall:
                starts: Iterable[int] = range(range_start, range_end - duration + 1, step)
            else:
                # The range crosses a daylight-saving change: lay slots out in wall-clock time.
                starts = _wall_clock_starts(day, r.start, r.end, duration, step, tz)
            b_starts, b_ends = busy.get(r.expert_id, empty)
            a_starts, a_ends = absent.get(r.expert_id, empty)
            # Slot starts increase, so one forward pointer per interval list replaces a search per slot.
            bi = bisect_left(b_ends, (range_start or 0) + 1) if b_ends else 0
            ai = bisect_left(a_ends, (range_start or 0) + 1) if a_ends else 0
            nb, na = len(b_starts), len(a_starts)
            expert, place = r.expert_id, r.place_id
            for s in starts:
                if s < earliest or s > latest:
                    continue
                e = s + duration
                while bi < nb and b_ends[bi] <= s:
                    bi += 1
                if bi < nb and b_starts[bi] < e:
                    continue
                while ai < na and a_ends[ai] <= s:
                    ai += 1
                if ai < na and a_starts[ai] < e:
                    continue
                append(Slot(s, e, expert, place))
        day += one_day
    out.sort()
    return out


def _wall_clock_starts(
    day: date, start: time, end: time, duration: int, step: int, tz: ZoneInfo
) -> list[int]:
    out = []
    cursor = datetime.combine(day, start)
    stop = datetime.combine(day, end)
    while cursor + timedelta(seconds=duration) <= stop:
        s = _epoch(day, cursor.time(), tz)
        end_s = _epoch(day, (cursor + timedelta(seconds=duration)).time(), tz)
        if s is not None and end_s is not None and end_s - s == duration:
            out.append(s)
        cursor += timedelta(seconds=step)
    return out


def first_free_per_start(slots: Sequence[Slot]) -> list[Slot]:
    """One slot per start time (the first expert free then): what a citizen chooses from."""
    out: list[Slot] = []
    last = None
    for slot in slots:
        if slot.start != last:
            out.append(slot)
            last = slot.start
    return out
