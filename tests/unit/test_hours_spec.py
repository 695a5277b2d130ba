"""Opening hours typed by an administrator are parsed strictly (a typo is refused, never guessed)."""

from __future__ import annotations

from datetime import time

import pytest

from guichet.core.errors import Invalid
from guichet.services.hours import parse_spec


def test_a_day_range_with_a_lunch_break_gives_two_ranges_per_day() -> None:
    weekly = parse_spec("mon-fri=08:30-12:30,13:30-17:30")
    assert sorted(weekly) == [0, 1, 2, 3, 4]
    assert [(r.opens, r.closes) for r in weekly[4]] == [
        (time(8, 30), time(12, 30)),
        (time(13, 30), time(17, 30)),
    ]


def test_a_single_day() -> None:
    assert list(parse_spec("sat=09:00-12:00")) == [5]


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "mon",
        "mon=8:30-12:00",
        "fri-mon=08:00-12:00",
        "xyz=08:00-09:00",
        "mon=25:00-26:00",
        "mon=10:00-09:00",
        "mon=08:00-12:00;tue=08:00-12:00",
    ],
)
def test_malformed_specs_are_refused(spec: str) -> None:
    with pytest.raises(Invalid):
        parse_spec(spec)
