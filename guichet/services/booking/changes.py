"""Changing an appointment: cancel (the citizen through the signed link, or staff), move to another
free slot of the same motif (same code, same calendar UID). Either change may free a slot for the
waitlist, and writes the e-mail that tells the citizen."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from ...core.errors import DomainError
from ...models import ACTIVE_STATUSES
from .. import audit
from ..context import Actor, Context, Event
from ..guards import is_staff
from .appointments import citizen_json, load_appointment, notification
from .holds import release_hold
from .links import check_changeable, check_signature
from .slots import free_at, next_free, parse_start
from .waitlist import offer_freed_slot


def cancel(ctx: Context, code: str, sig: str | None = None, actor: Actor | None = None) -> dict[str, Any]:
    """Cancel an appointment: by the citizen with the signed link, or by staff (no time limit)."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        a, site, place, motif = load_appointment(s, code, lock=True)
        by_staff = is_staff(actor) and (actor is not None and actor.site_id in (None, a.site_id))
        if not by_staff:
            check_signature(ctx, a.code, sig)
            check_changeable(ctx, a)
        elif a.status not in ACTIVE_STATUSES:
            raise DomainError("appointment_not_active")
        freed_start = a.starts_at
        a.status = "cancelled"
        a.cancelled_at = now
        a.cancelled_by = "service" if by_staff else "citizen"
        a.ical_sequence += 1
        if a.contact_email:
            s.add(notification(a, "cancellation", now))
        if motif is not None:
            offer_freed_slot(s, ctx, site, motif, freed_start, now)
        events.append(Event("appointment_cancelled", site.id, {"service": a.service.code}))
        if by_staff:
            audit.record(
                s,
                actor,
                now,
                "appointment.cancelled",
                site.id,
                a.code,
                {"status": "booked"},
                {"status": "cancelled", "by": "service"},
            )
        return citizen_json(ctx, a, site, place, motif)

    return ctx.transact(work)


def move(
    ctx: Context,
    code: str,
    sig: str | None,
    start_iso: str,
    hold: str | None = None,
    place_id: int | None = None,
) -> dict[str, Any]:
    """Move an appointment to another free slot of the same motif: same code, same calendar UID.

    The slot is looked for at the place given (the one the citizen saw with the time); without one,
    at the appointment's place first, then anywhere."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        a, site, _place, motif = load_appointment(s, code, lock=True)
        check_signature(ctx, a.code, sig)
        check_changeable(ctx, a)
        if motif is None:
            raise DomainError("appointment_not_movable")
        start = parse_start(start_iso)
        old_start = a.starts_at
        # The appointment's own slot must not count as busy while looking for its new place.
        a.status = "cancelled"
        s.flush()
        free, inp = free_at(s, site, motif, a.persons, start, now, place_id, ignore_hold=hold)
        if place_id is None:
            free = [x for x in free if x.place_id == a.place_id] or free
        if not free:
            raise DomainError("slot_taken", next=next_free(s, site, motif, a.persons, start, now))
        slot = next((x for x in free if x.expert_id == a.expert_id), free[0])
        a.status = "booked"
        a.starts_at = datetime.fromtimestamp(slot.start, UTC)
        a.ends_at = datetime.fromtimestamp(slot.end, UTC)
        a.expert_id, a.place_id = slot.expert_id, slot.place_id
        a.reminder_sent_at = None
        a.ical_sequence += 1
        if hold:
            release_hold(s, hold)
        if a.contact_email:
            s.add(notification(a, "change", now))
        offer_freed_slot(s, ctx, site, motif, old_start, now)
        events.append(Event("appointment_moved", site.id, {"service": a.service.code}))
        return citizen_json(ctx, a, site, inp.places.get(slot.place_id), motif, with_link=True)

    return ctx.transact(work)
