"""No double booking, ever: 120 citizens try the same slot at once; exactly one gets it, every other
one is told the slot was just taken (with the next free ones). On a SQLite file and on PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter as Tally
from datetime import UTC, datetime

from sqlalchemy import select

from guichet.core.errors import DomainError
from guichet.models import Appointment
from guichet.services import booking

from ..conftest import standalone_context
from ..factories import add_booking, build_world

ATTEMPTS = 120
NOW = datetime(2027, 3, 22, 7, 0, tzinfo=UTC)


def race(url: str, experts: int) -> tuple[Tally[str], int]:
    ctx = standalone_context(url)
    ctx.clock = lambda: NOW
    world = build_world(ctx, "race")
    add_booking(ctx, world, experts=experts)
    barrier = threading.Barrier(ATTEMPTS)
    outcomes: Tally[str] = Tally()
    lock = threading.Lock()

    def attempt(i: int) -> None:
        req = booking.BookingRequest(
            site="race",
            motif="CAF_RDV",
            start="2027-03-23T10:00:00+01:00",
            name=f"P{i}",
            email=f"p{i}@example.org",
        )
        barrier.wait()
        try:
            booking.book(ctx, req)
            result = "booked"
        except DomainError as exc:
            result = exc.code
            if exc.code == "slot_taken":
                assert exc.params["next"], "a refusal offers the next free slots"
        except Exception as exc:  # anything else is a bug: counted, shown below
            result = repr(exc)
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(ATTEMPTS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    with ctx.db.session() as s:
        rows = s.execute(select(Appointment.expert_id, Appointment.starts_at)).all()
    ctx.db.dispose()
    assert len(rows) == len(set(rows)), "two appointments for one expert at one time"
    return outcomes, len(rows)


def test_one_expert_one_slot_exactly_one_booking(database_url: str) -> None:
    outcomes, rows = race(database_url, experts=1)
    assert outcomes == Tally({"booked": 1, "slot_taken": ATTEMPTS - 1}), outcomes
    assert rows == 1


def test_three_experts_exactly_three_bookings(database_url: str) -> None:
    outcomes, rows = race(database_url, experts=3)
    assert outcomes == Tally({"booked": 3, "slot_taken": ATTEMPTS - 3}), outcomes
    assert rows == 3
