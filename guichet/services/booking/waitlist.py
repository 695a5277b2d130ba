"""The waitlist: a citizen with an appointment asks for an earlier one; a slot freed by a cancellation
or a move is offered by e-mail to the oldest request of the motif whose appointment is later. The
first to move takes it (one offer per request per day, at most MAX_OFFERS)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core.errors import DomainError
from ...models import Appointment, Motif, Site, WaitlistRequest
from ..context import Context, Event
from .appointments import load_appointment, notification
from .links import check_changeable, check_signature

MAX_OFFERS = 3


def join_waitlist(ctx: Context, code: str, sig: str | None) -> dict[str, Any]:
    """Ask for an earlier slot through the signed link; joining twice is harmless, a closed request
    (offers used up) stays closed."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        a, _site, _place, _motif = load_appointment(s, code)
        check_signature(ctx, a.code, sig)
        check_changeable(ctx, a)
        existing = s.scalar(select(WaitlistRequest).where(WaitlistRequest.appointment_id == a.id))
        if existing is None:
            s.add(WaitlistRequest(appointment_id=a.id, created_at=ctx.clock()))
        elif existing.status != "active":
            raise DomainError("waitlist_closed")
        return {"waitlist": "active"}

    return ctx.transact(work)


def offer_freed_slot(
    s: Session, ctx: Context, site: Site, motif: Motif, freed_start: datetime, now: datetime
) -> None:
    """A slot freed up: offer it by e-mail to the first waiting citizen of the motif whose appointment
    is later (first come, at most MAX_OFFERS offers per request and one per day)."""
    if freed_start <= now:
        return
    rows = s.execute(
        select(WaitlistRequest, Appointment)
        .join(Appointment, Appointment.id == WaitlistRequest.appointment_id)
        .where(
            WaitlistRequest.status == "active",
            Appointment.motif_id == motif.id,
            Appointment.status == "booked",
            Appointment.starts_at > freed_start,
        )
        .order_by(WaitlistRequest.created_at, WaitlistRequest.id)
    ).all()
    tz = ZoneInfo(site.timezone)
    today = now.astimezone(tz).date()
    for req, appt in rows:
        if req.last_offer_at and req.last_offer_at.astimezone(tz).date() == today:
            continue
        if not appt.contact_email:
            continue
        req.offers_sent += 1
        req.last_offer_at = now
        if req.offers_sent >= MAX_OFFERS:
            req.status = "closed"
        s.add(notification(appt, "offer", now, start=freed_start.astimezone(UTC).isoformat()))
        return
