"""Booking a slot: for a citizen online, or by an agent on their behalf; never twice on one slot.

A booking runs in one write transaction that first locks the experts who could take the slot
(PostgreSQL: `SELECT … FOR UPDATE` on their user rows, in id order; SQLite: the whole write transaction
is serialised by BEGIN IMMEDIATE), then recomputes the free slots of that day from the database and
inserts. A partial unique index (expert, start) on active appointments is the backstop.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...core.errors import DomainError, Forbidden, Invalid, NotFound
from ...models import ACTIVE_STATUSES, Appointment, Case, Motif, Site
from ..checkin import new_booking_code
from ..context import Actor, Context, Event
from ..guards import check_site, is_staff, site_by_slug
from .appointments import citizen_json, notification
from .holds import held_expert, release_hold
from .motifs import check_persons, find_motif
from .slots import free_at, next_free, parse_start

ANTS_RE = re.compile(r"^[A-Z0-9]{10}$")


@dataclass(frozen=True)
class BookingRequest:
    site: str
    motif: str
    start: str
    name: str
    email: str
    phone: str | None = None
    persons: int = 1
    place: int | None = None
    ants_number: str | None = None
    hold: str | None = None
    case_id: int | None = None


def _check_ants(motif: Motif, ants: str | None) -> None:
    """ID cards and passports need the 10-character ANTS pre-application number; other motifs none."""
    if motif.requires_ants:
        if ants is None:
            raise Invalid("ants_required")
        if not ANTS_RE.match(ants):
            raise Invalid("ants_malformed")
    elif ants is not None:
        raise Invalid("ants_not_expected")


def _check_case(s: Session, actor: Actor | None, site: Site, case_id: int) -> None:
    """Only staff book for a level-2 case, and only a case of the site."""
    if not is_staff(actor):
        raise Forbidden("role", role=actor.role if actor else "anonymous")
    case = s.get(Case, case_id)
    if case is None or case.site_id != site.id:
        raise NotFound("case_not_found", case=case_id)


def _check_limits(s: Session, motif: Motif, email: str, ants: str | None, now: datetime) -> None:
    """Against slot grabbing: one active appointment per ANTS number, at most `max_per_contact` future
    appointments per e-mail address and motif."""
    if ants is not None and s.scalar(
        select(Appointment.id).where(Appointment.ants_number == ants, Appointment.status.in_(ACTIVE_STATUSES))
    ):
        raise DomainError("ants_already_used")
    mine = s.scalar(
        select(func.count()).where(
            Appointment.contact_email == email,
            Appointment.motif_id == motif.id,
            Appointment.status.in_(ACTIVE_STATUSES),
            Appointment.starts_at > now,
        )
    )
    if int(mine or 0) >= motif.max_per_contact:
        raise DomainError("too_many_appointments", max=motif.max_per_contact)


def _unused_code(s: Session) -> str:
    code = new_booking_code()
    while s.scalar(select(Appointment.id).where(Appointment.code == code)):
        code = new_booking_code()
    return code


def book(ctx: Context, req: BookingRequest, actor: Actor | None = None) -> dict[str, Any]:
    """Book a slot for a citizen (online) or on their behalf (agent); exactly one booking per slot."""
    email = req.email.strip().lower()
    ants = (req.ants_number or "").strip().upper() or None

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        site = site_by_slug(s, req.site)
        if actor is not None:
            check_site(actor, site.id)
        motif = find_motif(s, site, req.motif, actor)
        persons = check_persons(motif, req.persons)
        if req.case_id is not None:
            _check_case(s, actor, site, req.case_id)
        start = parse_start(req.start)
        _check_ants(motif, ants)
        free, inp = free_at(s, site, motif, persons, start, now, req.place, ignore_hold=req.hold)
        if req.hold:
            expert = held_expert(s, req.hold, now)
            if expert is not None:
                free = [x for x in free if x.expert_id == expert] or free
        if not free:
            raise DomainError("slot_taken", next=next_free(s, site, motif, persons, start, now))
        _check_limits(s, motif, email, ants, now)
        slot = free[0]
        staff = is_staff(actor)
        a = Appointment(
            site_id=site.id,
            service_id=motif.service_id,
            expert_id=slot.expert_id,
            starts_at=datetime.fromtimestamp(slot.start, UTC),
            ends_at=datetime.fromtimestamp(slot.end, UTC),
            duration_min=(slot.end - slot.start) // 60,
            code=_unused_code(s),
            status="booked",
            created_at=now,
            motif_id=motif.id,
            place_id=slot.place_id,
            persons=persons,
            contact_name=req.name.strip(),
            contact_email=email,
            contact_phone=(req.phone or "").strip() or None,
            ants_number=ants,
            channel=("escalation" if req.case_id else "agent") if staff else "online",
            booked_by_id=actor.user_id if staff and actor else None,
            ical_uid=f"{secrets.token_hex(16)}@guichet",
            case_id=req.case_id,
        )
        a.service = motif.service
        s.add(a)
        if req.hold:
            release_hold(s, req.hold)
        s.flush()
        s.add(notification(a, "confirmation", now))
        events.append(Event("appointment_booked", site.id, {"service": motif.service.code}))
        return citizen_json(ctx, a, site, inp.places.get(slot.place_id), motif, with_link=True)

    try:
        return ctx.transact(work)
    except IntegrityError as exc:
        # The unique indexes are the backstop of the lock: report a lost race as what it is.
        text = str(exc.orig).lower()
        if "ants" in text:
            raise DomainError("ants_already_used") from exc
        raise DomainError("slot_taken", next=[]) from exc
