"""Appointments reach an outcome: the served ticket of a check-in marks it seen (through a transfer
too), an absent one no-show; the expert or a manager marks it from /expert once it has begun; the
job closes as no-show those nobody checked in for once their slot and the late tolerance are past."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from guichet.models import Appointment, AuditEntry
from guichet.services import appointment_outcomes, calling, checkin, jobs, ticket_steps

from ..factories import add_appointment

START = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 14:00 in Paris, a Monday


def at(ctx, moment: datetime) -> None:  # type: ignore[no-untyped-def]
    ctx.clock = lambda: moment


def status(ctx, code: str) -> str:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        return s.scalar(select(Appointment.status).where(Appointment.code == code))


def _called(ctx, world, code: str) -> int:  # type: ignore[no-untyped-def]
    at(ctx, START - timedelta(minutes=5))
    checkin.check_in(ctx, world.actors["kiosk"], "test", code)
    at(ctx, START)
    return calling.call_next(ctx, world.actors["manager"], world.counters[1])["id"]


def test_a_served_check_in_marks_the_appointment_seen(ctx, world) -> None:
    code = add_appointment(ctx, world, "CPAM", START)
    ticket = _called(ctx, world, code)
    manager = world.actors["manager"]
    ticket_steps.act(ctx, manager, ticket, "start")
    assert status(ctx, code) == "checked_in"  # being served is not yet an outcome
    ticket_steps.act(ctx, manager, ticket, "finish", {"outcome": "resolved"})
    assert status(ctx, code) == "seen"


def test_a_transferred_visit_counts_when_its_last_ticket_is_served(ctx, world) -> None:
    code = add_appointment(ctx, world, "CPAM", START)
    ticket = _called(ctx, world, code)
    manager = world.actors["manager"]
    moved = ticket_steps.act(ctx, manager, ticket, "transfer", {"service": "CAF"})
    assert status(ctx, code) == "checked_in"
    again = calling.call_next(ctx, manager, world.counters[1])
    assert again["id"] == moved["id"]
    ticket_steps.act(ctx, manager, again["id"], "start")
    ticket_steps.act(ctx, manager, again["id"], "finish", {"outcome": "resolved"})
    assert status(ctx, code) == "seen"


def test_an_absent_check_in_marks_the_appointment_no_show(ctx, world) -> None:
    code = add_appointment(ctx, world, "CPAM", START)
    ticket = _called(ctx, world, code)
    manager = world.actors["manager"]
    for _ in range(3):  # the site's recalls before a no-show, whatever their number (at most 3)
        try:
            ticket_steps.act(ctx, manager, ticket, "no-show")
            break
        except Exception:  # noqa: BLE001 - recall_required: recall once more
            ticket_steps.act(ctx, manager, ticket, "recall")
    assert status(ctx, code) == "no_show"


def test_the_expert_marks_the_outcome_once_the_appointment_has_begun(client, ctx, world) -> None:
    code = add_appointment(ctx, world, "CPAM", START, expert_id=world.user_ids["expert"])
    url = f"/api/v1/appointments/{code}/outcome"
    at(ctx, START - timedelta(hours=2))
    early = client.post(url, json={"outcome": "no_show"}, headers=world.auth("expert"))
    assert early.status_code == 409 and early.json["error"] == "appointment_not_begun"
    at(ctx, START + timedelta(minutes=40))
    assert client.post(url, json={"outcome": "late"}, headers=world.auth("expert")).status_code == 422
    other = client.post(url, json={"outcome": "seen"}, headers=world.auth("agent"))
    assert other.status_code == 403 and other.json["error"] == "not_your_appointment"
    done = client.post(url, json={"outcome": "no_show"}, headers=world.auth("expert"))
    assert done.status_code == 200 and done.json["status"] == "no_show"
    again = client.post(url, json={"outcome": "seen"}, headers=world.auth("manager"))
    assert again.status_code == 409 and again.json["error"] == "appointment_closed"
    assert client.post(url, json={"outcome": "seen"}).status_code == 401
    with ctx.db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.kind == "appointment.no_show")).one()
        assert entry.actor_id == world.user_ids["expert"] and entry.target == code


def test_a_manager_of_the_site_may_mark_any_of_its_appointments(client, ctx, world) -> None:
    code = add_appointment(ctx, world, "CPAM", START, expert_id=world.user_ids["expert"])
    at(ctx, START + timedelta(minutes=5))
    answer = client.post(
        f"/api/v1/appointments/{code}/outcome", json={"outcome": "seen"}, headers=world.auth("manager")
    )
    assert answer.status_code == 200 and status(ctx, code) == "seen"


@pytest.mark.parametrize(("after_min", "closed"), [(30, False), (60, True)])
def test_the_job_closes_appointments_nobody_checked_in_for(ctx, world, after_min: int, closed: bool) -> None:
    missed = add_appointment(ctx, world, "CPAM", START)
    came = add_appointment(ctx, world, "CAF", START)
    at(ctx, START - timedelta(minutes=5))
    checkin.check_in(ctx, world.actors["kiosk"], "test", came)
    late = ctx.settings.checkin_late_min
    # The 30-minute slot ends at START + 30; the job waits the late tolerance beyond it.
    at(ctx, START + timedelta(minutes=after_min + late - 29))
    assert appointment_outcomes.close_missed(ctx) == (1 if closed else 0)
    assert status(ctx, missed) == ("no_show" if closed else "booked")
    assert status(ctx, came) == "checked_in"  # checked in: its ticket will tell
    assert jobs.run_jobs(ctx)["appointments_missed"] == 0  # nothing twice
