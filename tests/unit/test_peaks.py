"""Peak hours come from past arrivals per weekday and hour; too little data publishes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from guichet.core.peaks import arrivals_by_slot, peak_hours, quiet_hours

MONDAY = datetime(2026, 11, 23)


def test_hours_near_the_days_busiest_are_peaks() -> None:
    counts = {(0, 9): 40, (0, 10): 35, (0, 11): 20, (0, 14): 33}
    assert peak_hours(counts) == {0: [9, 10, 14]}


def test_days_with_too_few_arrivals_are_left_out() -> None:
    assert peak_hours({(1, 9): 4, (1, 10): 2}) == {}


def test_arrivals_are_counted_per_weekday_and_local_hour() -> None:
    arrivals = [
        MONDAY.replace(hour=9, minute=5),
        MONDAY.replace(hour=9, minute=50),
        (MONDAY + timedelta(days=1)).replace(hour=14),
    ]
    assert arrivals_by_slot(arrivals) == {(0, 9): 2, (1, 14): 1}


def test_hours_far_below_the_days_busiest_are_quiet_but_empty_hours_are_not_claimed() -> None:
    counts = {(0, 9): 40, (0, 10): 16, (0, 11): 17, (0, 14): 3, (0, 15): 0, (2, 9): 4}
    # 16 is 40 % of 40 (quiet), 17 is above; 15 h saw nobody (closed?); Wednesday is too thin.
    assert quiet_hours(counts) == {0: [10, 14]}
