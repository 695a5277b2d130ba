"""How an appointment ends: `seen` or `no_show`. Three ways, one rule each:
- the ticket of a checked-in appointment is served (seen) or declared absent (no-show) at a counter;
- the expert (or a manager of the site) says so from /expert, once the appointment has begun;
- a job closes the appointments nobody checked in for as no-show, once their slot and the late
  tolerance have passed (a later arrival takes a walk-in ticket).
Without them no appointment indicator could be computed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from ..core.errors import DomainError, Forbidden, Invalid, NotFound
from ..core.roles import MANAGERS
from ..core.tickets import State
from ..models import Appointment, Ticket
from . import audit
from .context import Actor, Context, Event
from .guards import check_site, require_staff

OUTCOMES = ("seen", "no_show")
OPEN = ("booked", "checked_in")
# How far a transfer chain is followed back to the ticket the appointment issued.
MAX_TRANSFERS = 10


def follow_ticket(s: Session, ticket: Ticket) -> None:
    """A served ticket marks its appointment seen, an absent one no-show (through any transfers:
    the appointment holds the first ticket of the visit)."""
    if ticket.state == State.DONE.value:
        outcome = "seen"
    elif ticket.state == State.NO_SHOW.value:
        outcome = "no_show"
    else:
        return
    first = ticket
    for _ in range(MAX_TRANSFERS):
        if first.transferred_from_id is None:
            break
        parent = s.get(Ticket, first.transferred_from_id)
        if parent is None:
            break
        first = parent
    if first.source != "appointment":
        return
    s.execute(
        update(Appointment)
        .where(Appointment.ticket_id == first.id, Appointment.status == "checked_in")
        .values(status=outcome)
    )


def mark(ctx: Context, actor: Actor, code: str, outcome: str) -> dict[str, Any]:
    """The expert of the appointment, or a manager of its site, records how it ended."""
    require_staff(actor)
    if outcome not in OUTCOMES:
        raise Invalid("unknown_appointment_outcome", outcome=outcome)

    def work(s: Session, _events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        appt = s.scalar(select(Appointment).where(Appointment.code == code.strip().upper()))
        if appt is None:
            raise NotFound("booking_not_found")
        check_site(actor, appt.site_id)
        if appt.expert_id != actor.user_id and actor.role not in MANAGERS:
            raise Forbidden("not_your_appointment")
        if appt.status not in OPEN:
            raise DomainError("appointment_closed", status=appt.status)
        if now < appt.starts_at - timedelta(minutes=ctx.settings.checkin_early_min):
            raise DomainError("appointment_not_begun", starts_at=appt.starts_at.isoformat())
        before = appt.status
        appt.status = outcome
        audit.record(
            s,
            actor,
            now,
            f"appointment.{outcome}",
            appt.site_id,
            appt.code,
            {"status": before},
            {"status": outcome},
        )
        return {"code": appt.code, "status": appt.status, "starts_at": appt.starts_at.isoformat()}

    return ctx.transact(work)


def close_missed(ctx: Context, limit: int = 1000) -> int:
    """Appointments never checked in, whose slot ended more than the late tolerance ago: no-show.
    Each is closed only if still booked when written, so a check-in at the same moment wins."""
    late = timedelta(minutes=ctx.settings.checkin_late_min)

    def work(s: Session, _events: list[Event]) -> int:
        now = ctx.clock()
        rows = s.execute(
            select(Appointment.id, Appointment.starts_at, Appointment.ends_at, Appointment.duration_min)
            .where(Appointment.status == "booked", Appointment.starts_at < now - late)
            .order_by(Appointment.starts_at)
            .limit(limit)
        ).all()
        missed = [i for i, start, end, minutes in rows if _end(start, end, minutes) + late < now]
        if not missed:
            return 0
        done = s.execute(
            update(Appointment)
            .where(Appointment.id.in_(missed), Appointment.status == "booked")
            .values(status="no_show")
        )
        return int(cast("CursorResult[Any]", done).rowcount or 0)

    return ctx.transact(work)


def _end(start: datetime, end: datetime | None, minutes: int) -> datetime:
    return end or start + timedelta(minutes=minutes)
