"""Free slots (core.slots): daylight-saving changes, holidays, absences, buffers, delays, recurrence,
and a brute-force reference on random calendars."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from guichet.core.slots import (
    Calendar,
    OpeningRange,
    Slot,
    SlotRules,
    duration_for,
    first_free_per_start,
    free_slots,
)

PARIS = ZoneInfo("Europe/Paris")


def local(day: date, h: int, m: int = 0) -> datetime:
    return datetime.combine(day, time(h, m), tzinfo=PARIS)


def ts(dt: datetime) -> int:
    return int(dt.timestamp())


def starts(slots: list[Slot]) -> list[str]:
    return [datetime.fromtimestamp(s.start, PARIS).strftime("%Y-%m-%d %H:%M%z") for s in slots]


def morning(weekday: int, valid_from: date, expert: int = 1, place: int = 1, **kw) -> OpeningRange:  # type: ignore[no-untyped-def]
    return OpeningRange(expert, place, weekday, time(9), time(10), valid_from, **kw)


def test_slots_keep_local_wall_time_across_the_spring_and_autumn_changes() -> None:
    # Sunday 29 March 2026 and Sunday 25 October 2026 are the change days in Paris.
    now = datetime(2026, 3, 27, 6, 0, tzinfo=UTC)
    ranges = [morning(0, date(2026, 1, 1))]  # Mondays 09:00-10:00
    got = free_slots(ranges, SlotRules(30), Calendar(), now, date(2026, 3, 23), date(2026, 3, 31), PARIS)
    assert starts(got) == ["2026-03-30 09:00+0200", "2026-03-30 09:30+0200"]
    now = datetime(2026, 10, 23, 6, 0, tzinfo=UTC)
    got = free_slots(ranges, SlotRules(30), Calendar(), now, date(2026, 10, 19), date(2026, 10, 27), PARIS)
    assert starts(got) == ["2026-10-26 09:00+0100", "2026-10-26 09:30+0100"]
    assert got[0].end - got[0].start == 1800


def test_a_range_across_the_spring_gap_skips_the_hour_that_does_not_exist() -> None:
    # An overnight duty on Sunday 29 March 2026, 01:00-04:00 local: 02:00-03:00 does not exist.
    r = OpeningRange(1, 1, 6, time(1), time(4), date(2026, 1, 1))
    now = datetime(2026, 3, 28, 0, 0, tzinfo=UTC)
    got = free_slots([r], SlotRules(30), Calendar(), now, date(2026, 3, 29), date(2026, 3, 29), PARIS)
    assert starts(got) == ["2026-03-29 01:00+0100", "2026-03-29 03:00+0200", "2026-03-29 03:30+0200"]
    assert all(s.end - s.start == 1800 for s in got)


def test_no_slot_in_the_past_nor_before_the_minimum_delay_nor_beyond_the_maximum() -> None:
    today = date(2026, 6, 1)  # a Monday
    ranges = [OpeningRange(1, 1, wd, time(9), time(12), date(2026, 1, 1)) for wd in range(7)]
    now = local(today, 10, 10)
    got = free_slots(ranges, SlotRules(60, min_delay_min=0), Calendar(), now, date(2026, 5, 1), today, PARIS)
    assert starts(got) == ["2026-06-01 11:00+0200"]  # 09:00 and 10:00 have begun
    got = free_slots(
        ranges, SlotRules(60, min_delay_min=24 * 60), Calendar(), now, today, today + timedelta(days=2), PARIS
    )
    assert starts(got)[0] == "2026-06-02 11:00+0200"
    got = free_slots(
        ranges, SlotRules(60, max_delay_days=2), Calendar(), now, today, today + timedelta(days=30), PARIS
    )
    assert starts(got)[-1] == "2026-06-03 10:00+0200"  # now + 48 h is 10:10: 11:00 is too far
    assert all(s.start <= ts(now) + 2 * 86400 for s in got)


def test_national_holidays_of_the_subdivision_are_closed_and_a_site_may_work_whit_monday() -> None:
    ranges = [morning(wd, date(2026, 1, 1)) for wd in range(5)]
    now = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    national = frozenset(holidays.France(years=2026))
    alsace = frozenset(holidays.France(subdiv="57", years=2026))
    good_friday, easter_monday, whit_monday = date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 25)
    assert good_friday in alsace and good_friday not in national and date(2026, 12, 26) in alsace

    def days(closed: frozenset[date], first: date, last: date) -> set[date]:
        got = free_slots(ranges, SlotRules(60), Calendar(closed_days={1: closed}), now, first, last, PARIS)
        return {datetime.fromtimestamp(s.start, PARIS).date() for s in got}

    assert good_friday in days(national, good_friday, good_friday)
    assert days(alsace, good_friday, good_friday) == set()
    assert easter_monday not in days(national, easter_monday, easter_monday)
    assert days(national, whit_monday, whit_monday) == set()
    worked = national - {whit_monday}  # the site's override: Whit Monday worked
    assert days(worked, whit_monday, whit_monday) == {whit_monday}


def test_bookings_with_buffers_and_absences_block_their_expert_only() -> None:
    day = date(2026, 6, 2)
    ranges = [
        OpeningRange(1, 1, day.weekday(), time(9), time(11), date(2026, 1, 1)),
        OpeningRange(2, 1, day.weekday(), time(9), time(11), date(2026, 1, 1)),
    ]
    now = local(day, 7)
    booked = {1: [(ts(local(day, 9, 30)), ts(local(day, 10)))]}
    got = free_slots(ranges, SlotRules(30), Calendar(busy=booked), now, day, day, PARIS)
    assert [(s.expert_id, starts([s])[0][11:16]) for s in got if s.expert_id == 1] == [
        (1, "09:00"),
        (1, "10:00"),
        (1, "10:30"),
    ]
    assert len([s for s in got if s.expert_id == 2]) == 4
    # A 10-minute buffer around the booking also removes its neighbours.
    got = free_slots(ranges, SlotRules(30, buffer_min=10), Calendar(busy=booked), now, day, day, PARIS)
    assert [starts([s])[0][11:16] for s in got if s.expert_id == 1] == ["10:30"]
    # An absence from 10:15 to the evening.
    absent = {2: [(ts(local(day, 10, 15)), ts(local(day, 20)))]}
    got = free_slots(ranges, SlotRules(30), Calendar(absences=absent), now, day, day, PARIS)
    assert [starts([s])[0][11:16] for s in got if s.expert_id == 2] == ["09:00", "09:30"]


def test_recurrence_dates_and_every_other_week() -> None:
    start = date(2026, 6, 1)  # Monday
    r = morning(0, start, valid_until=date(2026, 6, 29), every_weeks=2)
    now = local(start, 7)
    got = free_slots([r], SlotRules(60), Calendar(), now, start, date(2026, 7, 31), PARIS)
    assert {s[:10] for s in starts(got)} == {"2026-06-01", "2026-06-15", "2026-06-29"}


def test_group_duration_and_one_choice_per_start_time() -> None:
    assert duration_for(15, 10, 1) == 15 and duration_for(15, 10, 3) == 35
    with pytest.raises(ValueError):
        duration_for(15, 10, 0)
    day = date(2026, 6, 2)
    ranges = [morning(day.weekday(), date(2026, 1, 1), expert=e) for e in (3, 1, 2)]
    got = free_slots(ranges, SlotRules(30), Calendar(), local(day, 7), day, day, PARIS)
    assert len(got) == 6
    assert [(s.expert_id, starts([s])[0][11:16]) for s in first_free_per_start(got)] == [
        (1, "09:00"),
        (1, "09:30"),
    ]


def test_invalid_rules_and_naive_now_are_refused() -> None:
    with pytest.raises(ValueError):
        SlotRules(0)
    with pytest.raises(ValueError):
        SlotRules(15, buffer_min=-1)
    with pytest.raises(ValueError):
        free_slots(
            [], SlotRules(15), Calendar(), datetime(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 2), PARIS
        )


def _reference(ranges, rules, cal, now, first, last, tz):  # type: ignore[no-untyped-def]
    """Slow and obvious: every candidate checked against every rule with datetimes."""
    out = []
    day = first
    while day <= last:
        for r in ranges:
            if r.weekday != day.weekday() or day < r.valid_from or (r.valid_until and day > r.valid_until):
                continue
            if ((day - r.valid_from).days // 7) % r.every_weeks:
                continue
            if day in cal.closed_days.get(r.place_id, ()):
                continue
            cursor = datetime.combine(day, r.start)
            while cursor + timedelta(minutes=rules.duration_min) <= datetime.combine(day, r.end):
                s = cursor.replace(tzinfo=tz)
                e = s + timedelta(minutes=rules.duration_min)
                cursor += timedelta(minutes=rules.step_min or rules.duration_min)
                if s < now + timedelta(minutes=rules.min_delay_min) or s > now + timedelta(
                    days=rules.max_delay_days
                ):
                    continue
                pad = timedelta(minutes=rules.buffer_min)
                if any(
                    ts(s) < be + pad.total_seconds() and bs - pad.total_seconds() < ts(e)
                    for bs, be in cal.busy.get(r.expert_id, ())
                ):
                    continue
                if any(ts(s) < ae and as_ < ts(e) for as_, ae in cal.absences.get(r.expert_id, ())):
                    continue
                out.append(Slot(ts(s), ts(e), r.expert_id, r.place_id))
        day += timedelta(days=1)
    return sorted(out)


@pytest.mark.parametrize("seed", range(25))
def test_matches_a_brute_force_reference_on_random_calendars(seed: int) -> None:
    rnd = random.Random(seed)
    first = date(2026, 6, 1) + timedelta(days=rnd.randrange(60))
    now = datetime.combine(first, time(rnd.randrange(24)), tzinfo=PARIS).astimezone(UTC)
    ranges = []
    for _ in range(rnd.randrange(1, 8)):
        h = rnd.randrange(7, 16)
        ranges.append(
            OpeningRange(
                rnd.randrange(1, 4),
                rnd.randrange(1, 3),
                rnd.randrange(7),
                time(h, rnd.choice([0, 15, 30])),
                time(h + rnd.randrange(1, 4), rnd.choice([0, 30])),
                first - timedelta(days=rnd.randrange(20)),
                first + timedelta(days=rnd.randrange(10, 40)) if rnd.random() < 0.5 else None,
                rnd.choice([1, 1, 2]),
            )
        )
    rules = SlotRules(
        rnd.choice([10, 15, 20, 30, 45]),
        rnd.choice([0, 60, 1440]),
        rnd.choice([7, 30]),
        rnd.choice([0, 5, 10]),
        rnd.choice([None, 5, 15]),
    )
    base = ts(datetime.combine(first, time(0), tzinfo=PARIS))
    busy = {
        e: [
            (base + k, base + k + rnd.choice([900, 1800]))
            for k in (rnd.randrange(0, 30 * 86400, 300) for _ in range(rnd.randrange(40)))
        ]
        for e in (1, 2, 3)
    }
    absences = {
        e: [(base + rnd.randrange(20) * 86400, base + rnd.randrange(20, 25) * 86400)]
        for e in (1, 2)
        if rnd.random() < 0.5
    }
    closed = {p: frozenset(first + timedelta(days=rnd.randrange(30)) for _ in range(3)) for p in (1, 2)}
    cal = Calendar(busy=busy, absences=absences, closed_days=closed)
    last = first + timedelta(days=rnd.randrange(5, 35))
    got = free_slots(ranges, rules, cal, now, first, last, PARIS)
    want = _reference(ranges, rules, cal, now, first, last, PARIS)
    assert got == want
    assert len(want) > 0 or seed % 5  # most random calendars do have slots
