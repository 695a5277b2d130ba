"""Appointment check-in: on time joins the expert's queue as a due appointment; late becomes a walk-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from guichet.core.errors import DomainError, Invalid, NotFound
from guichet.models import Appointment, Ticket
from guichet.services import calling, checkin, tickets

from ..factories import add_appointment

START = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 14:00 in Paris


@pytest.fixture
def booking(ctx, world) -> str:  # type: ignore[no-untyped-def]
    return add_appointment(ctx, world, "CPAM", START)


def at(ctx, moment: datetime) -> None:  # type: ignore[no-untyped-def]
    ctx.clock = lambda: moment


def test_on_time_check_in_creates_a_due_appointment_ticket_once(ctx, world, booking, published) -> None:
    at(ctx, START - timedelta(minutes=10))
    first = checkin.check_in(ctx, world.actors["kiosk"], "test", booking)
    again = checkin.check_in(ctx, world.actors["kiosk"], "test", booking.lower())
    assert first["ticket"]["id"] == again["ticket"]["id"] and again["again"] and not first["late"]
    with ctx.db.session() as s:
        t = s.scalars(select(Ticket)).one()
        appt = s.scalars(select(Appointment)).one()
        assert (t.source, t.appointment_at, appt.status, appt.ticket_id) == (
            "appointment",
            START,
            "checked_in",
            t.id,
        )
    assert any(e.name == "appointment_checked_in" for e in published)


def test_checked_in_appointment_goes_ahead_of_walk_ins_when_due(ctx, world, booking) -> None:
    at(ctx, START - timedelta(minutes=30))
    walk_in = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CPAM")
    at(ctx, START - timedelta(minutes=20))
    checkin.check_in(ctx, world.actors["kiosk"], "test", booking)
    at(ctx, START - timedelta(minutes=15))  # not due yet: the walk-in goes first
    assert calling.call_next(ctx, world.actors["manager"], world.counters[2])["id"] == walk_in["id"]
    other = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CPAM")
    at(ctx, START - timedelta(minutes=1))  # due now: ahead of the older walk-in
    called = calling.call_next(ctx, world.actors["manager"], world.counters[1])
    assert called["source"] == "appointment" and called["id"] != other["id"]


def test_late_arrival_beyond_tolerance_becomes_a_walk_in(ctx, world, booking) -> None:
    at(ctx, START + timedelta(minutes=ctx.settings.checkin_late_min + 1))
    result = checkin.check_in(ctx, world.actors["kiosk"], "test", booking)
    assert result["late"]
    with ctx.db.session() as s:
        assert s.scalar(select(Ticket.appointment_at)) is None


def test_too_early_check_in_is_refused_with_the_time_to_come_back(ctx, world, booking) -> None:
    at(ctx, START - timedelta(minutes=ctx.settings.checkin_early_min + 5))
    with pytest.raises(DomainError) as exc:
        checkin.check_in(ctx, world.actors["kiosk"], "test", booking)
    assert exc.value.code == "booking_too_early" and "from_at" in exc.value.params


def test_check_in_on_another_day_is_refused(ctx, world, booking) -> None:
    at(ctx, START + timedelta(days=1))
    with pytest.raises(DomainError, match="booking_other_day"):
        checkin.check_in(ctx, world.actors["kiosk"], "test", booking)


@pytest.mark.parametrize("raw", ["", "ABC", "ABCDEFG0", "ABCDEFGHI"])
def test_malformed_codes_are_refused_before_any_lookup(ctx, world, raw: str) -> None:
    with pytest.raises(Invalid):
        checkin.check_in(ctx, world.actors["kiosk"], "test", raw)


def test_unknown_code_and_scanned_urls(ctx, world, booking) -> None:
    at(ctx, START)
    with pytest.raises(NotFound):
        checkin.check_in(
            ctx, world.actors["kiosk"], "test", "ABCDEFGH" if booking != "ABCDEFGH" else "HGFEDCBA"
        )
    scanned = f"https://rdv.example.fr/rdv/{booking}"
    assert checkin.check_in(ctx, world.actors["kiosk"], "test", scanned)["ticket"]["number"] == "M001"


def test_display_devices_cannot_check_in(ctx, world, booking) -> None:
    from guichet.core.errors import Forbidden

    with pytest.raises(Forbidden):
        checkin.check_in(ctx, world.actors["display"], "test", booking)
