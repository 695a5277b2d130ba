"""Ticket numbers, the business day in the site's time zone, quotas, and opening hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from guichet.core.errors import DomainError
from guichet.core.numbering import business_day, check_quota, format_number
from guichet.core.opening import Range, is_open, next_opening

PARIS = ZoneInfo("Europe/Paris")

# ---------------------------------------------------------------- numbering


@pytest.mark.parametrize(
    "prefix,sequence,expected",
    [("A", 1, "A001"), ("A", 7, "A007"), ("B", 42, "B042"), ("Z", 999, "Z999"), ("A", 1000, "A1000")],
)
def test_number_is_the_letter_and_at_least_three_digits(prefix: str, sequence: int, expected: str) -> None:
    assert format_number(prefix, sequence) == expected


@pytest.mark.parametrize("prefix", ["", "a", "AB", "1", "É", " A", "A ", "A\n", "-"])
def test_prefix_other_than_one_capital_letter_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="capital letter"):
        format_number(prefix, 7)


@pytest.mark.parametrize("sequence", [0, -1])
def test_sequence_below_one_is_refused(sequence: int) -> None:
    with pytest.raises(ValueError, match="start at 1"):
        format_number("A", sequence)


@pytest.mark.parametrize(
    "instant,timezone,expected",
    [
        ("2026-03-28T23:30:00+00:00", "Europe/Paris", date(2026, 3, 29)),
        ("2026-03-28T23:30:00+00:00", "UTC", date(2026, 3, 28)),
        ("2026-03-28T22:59:59+00:00", "Europe/Paris", date(2026, 3, 28)),
        ("2026-03-28T23:00:00+00:00", "Europe/Paris", date(2026, 3, 29)),
        ("2026-03-29T22:30:00+00:00", "Europe/Paris", date(2026, 3, 30)),
        ("2026-07-14T21:59:00+00:00", "Europe/Paris", date(2026, 7, 14)),
        ("2026-07-14T22:00:00+00:00", "Europe/Paris", date(2026, 7, 15)),
        ("2026-03-29T01:00:00+00:00", "America/Cayenne", date(2026, 3, 28)),
        ("2026-03-28T14:00:00+00:00", "Pacific/Noumea", date(2026, 3, 29)),
        ("2026-03-29T00:30:00+01:00", "UTC", date(2026, 3, 28)),
    ],
    ids=[
        "paris_winter_after_midnight_local_is_next_day",
        "same_instant_in_utc_is_still_the_day_before",
        "paris_winter_last_second_of_the_day",
        "paris_winter_local_midnight_starts_the_day",
        "paris_after_the_spring_change_is_utc_plus_two",
        "paris_summer_last_minute_of_the_day",
        "paris_summer_local_midnight_starts_the_day",
        "guyane_evening_utc_next_day_is_still_the_day_before",
        "noumea_afternoon_utc_is_already_the_next_day",
        "aware_non_utc_input_is_converted_not_read_as_is",
    ],
)
def test_business_day_is_the_site_local_calendar_day(instant: str, timezone: str, expected: date) -> None:
    assert business_day(datetime.fromisoformat(instant), timezone) == expected


def test_business_day_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        business_day(datetime(2026, 3, 28, 23, 30), "Europe/Paris")


@pytest.mark.parametrize(
    "sequence,quota",
    [(1, None), (100_000, None), (49, 50), (50, 50)],
    ids=["no_quota", "no_quota_high", "under", "at"],
)
def test_quota_allows_sequences_up_to_and_including_it(sequence: int, quota: int | None) -> None:
    assert check_quota(sequence, quota) is None


@pytest.mark.parametrize("sequence,quota", [(51, 50), (1, 0)], ids=["one_past", "zero_quota"])
def test_quota_refuses_a_sequence_past_it(sequence: int, quota: int) -> None:
    with pytest.raises(DomainError) as info:
        check_quota(sequence, quota)
    assert info.value.code == "quota_reached" and info.value.params == {"quota": quota}


# ---------------------------------------------------------------- opening hours

MORNING = Range(time(9), time(12))
AFTERNOON = Range(time(13, 30), time(17))
# Weekdays split by a lunch break (Thursday listed afternoon first on purpose),
# Saturday morning only, Sunday closed.
WEEKLY = {0: [MORNING, AFTERNOON], 1: [MORNING, AFTERNOON], 2: [MORNING, AFTERNOON],
          3: [AFTERNOON, MORNING], 4: [MORNING, AFTERNOON], 5: [MORNING]}  # fmt: skip
# Week of Monday 2026-03-16: Wednesday closed, Thursday 14:00-16:00 only, Sunday opened 10:00-12:00.
EXCEPTIONS = {
    date(2026, 3, 18): [],
    date(2026, 3, 19): [Range(time(14), time(16))],
    date(2026, 3, 22): [Range(time(10), time(12))],
}


def local(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=PARIS)


def test_the_calendar_used_below_starts_on_a_monday() -> None:
    assert date(2026, 3, 16).weekday() == 0 and date(2026, 3, 22).weekday() == 6


@pytest.mark.parametrize(
    "when,expected",
    [
        (local(16, 8, 59, 59), False),
        (local(16, 9), True),
        (local(16, 11, 59, 59), True),
        (local(16, 12), False),
        (local(16, 12, 45), False),
        (local(16, 13, 29), False),
        (local(16, 13, 30), True),
        (local(16, 16, 59), True),
        (local(16, 17), False),
        (local(17, 10), True),
        (local(18, 10), False),
        (local(18, 15), False),
        (local(19, 10), False),
        (local(19, 15), True),
        (local(19, 16), False),
        (local(21, 10), True),
        (local(21, 14), False),
        (local(22, 11), True),
        (local(29, 11), False),
    ],
    ids=[
        "before_opening_closed",
        "at_opening_time_open",
        "last_second_of_the_morning_open",
        "at_closing_time_closed",
        "lunch_break_closed",
        "just_before_afternoon_closed",
        "afternoon_opening_open",
        "late_afternoon_open",
        "evening_closing_time_closed",
        "ordinary_tuesday_morning_open",
        "exception_with_no_range_closes_the_whole_day_morning",
        "exception_with_no_range_closes_the_whole_day_afternoon",
        "exception_hours_replace_the_usual_morning",
        "exception_hours_are_open",
        "exception_closing_time_closed",
        "saturday_morning_open",
        "saturday_afternoon_closed",
        "exception_opens_a_usually_closed_sunday",
        "ordinary_sunday_closed",
    ],
)
def test_is_open_within_the_day_ranges_closing_time_excluded(when: datetime, expected: bool) -> None:
    assert is_open(when, WEEKLY, EXCEPTIONS) is expected


@pytest.mark.parametrize(
    "when,expected",
    [
        (local(16, 8), local(16, 9)),
        (local(16, 10), local(16, 13, 30)),
        (local(16, 12, 30), local(16, 13, 30)),
        (local(16, 17, 30), local(17, 9)),
        (local(26, 7), local(26, 9)),
        (local(20, 18), local(21, 9)),
        (local(21, 13), local(22, 10)),
        (local(22, 13), local(23, 9)),
    ],
    ids=[
        "before_opening_is_the_same_morning",
        "during_the_morning_is_the_same_afternoon",
        "at_lunch_is_the_same_afternoon",
        "after_closing_is_the_next_morning",
        "unsorted_ranges_still_give_the_earliest_opening",
        "friday_evening_is_saturday_morning",
        "exception_opening_on_sunday_is_found",
        "sunday_after_the_exception_is_monday",
    ],
)
def test_next_opening_finds_the_next_range_start(when: datetime, expected: datetime) -> None:
    assert next_opening(when, WEEKLY, EXCEPTIONS) == expected


def test_next_opening_skips_a_day_closed_by_an_exception() -> None:
    assert next_opening(local(17, 17, 30), WEEKLY, EXCEPTIONS) == local(19, 14)


def test_next_opening_keeps_the_local_time_zone_across_the_clock_change() -> None:
    found = next_opening(local(28, 14), WEEKLY, {})
    assert found == local(30, 9) and found is not None
    assert found.tzinfo is PARIS and found.utcoffset() == timedelta(hours=2)
    assert found.astimezone(UTC) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


EVERY_MORNING = {d: [MORNING] for d in range(7)}


def closed_from_16_march(days: int, **open_days: list[Range]) -> dict[date, list[Range]]:
    """A long closure (works) from Monday 16 March 2026, with some days opened by their own hours."""
    first = date(2026, 3, 16)
    out: dict[date, list[Range]] = {first + timedelta(days=n): [] for n in range(days)}
    for key, ranges in open_days.items():
        out[date.fromisoformat(key[1:])] = ranges
    return out


def test_next_opening_is_none_when_nothing_opens_within_the_horizon() -> None:
    assert next_opening(local(16, 10), EVERY_MORNING, closed_from_16_march(60)) is None


def test_next_opening_finds_an_exception_inside_the_horizon() -> None:
    closures = closed_from_16_march(60, d20260405=[MORNING])
    assert next_opening(local(16, 10), EVERY_MORNING, closures) == local(5, 9, month=4)


def test_a_shorter_horizon_stops_the_search_sooner() -> None:
    closures = closed_from_16_march(60, d20260326=[MORNING])
    assert next_opening(local(16, 10), EVERY_MORNING, closures, horizon_days=5) is None
    assert next_opening(local(16, 10), EVERY_MORNING, closures, horizon_days=15) == local(26, 9)


def test_without_weekly_hours_a_place_is_open_all_day_except_on_its_closures() -> None:
    closures = {date(2026, 3, 16): []}  # closed on Monday 16 (a holiday, a closure)
    assert not is_open(local(16, 10), {}, closures)
    assert is_open(local(17, 10), {}, closures) and is_open(local(17, 23), {}, closures)
    assert next_opening(local(16, 10), {}, closures) == local(17, 0)


@pytest.mark.parametrize(
    "opens,closes",
    [(time(12), time(9)), (time(9), time(9)), (time(9), time(8, 59))],
    ids=["before", "equal", "one_minute_before"],
)
def test_range_closing_at_or_before_its_opening_is_refused(opens: time, closes: time) -> None:
    with pytest.raises(ValueError, match="close after it opens"):
        Range(opens, closes)


def test_range_closing_after_its_opening_is_accepted() -> None:
    r = Range(time(9), time(9, 1))
    assert (r.opens, r.closes) == (time(9), time(9, 1))
