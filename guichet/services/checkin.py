"""Appointment check-in at the kiosk: the booking code turns into a ticket in the expert's queue."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.errors import DomainError, Forbidden, Invalid, NotFound
from ..core.roles import KIOSK
from ..models import Appointment, Ticket
from .context import Actor, Context, Event
from .guards import site_of
from .ticket_views import ticket_json
from .tickets import CheckIn, issue_in_session

# Unambiguous alphabet (no 0/O, 1/I/L): codes are read aloud and typed by people.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


def new_booking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    """Accept what a person types or a scanner sends: the code, spaced or lower case, or a URL to it."""
    text = (raw or "").strip()
    if "://" in text:
        path = urlparse(text).path.rstrip("/")
        text = path.rsplit("/", 1)[-1]
    code = re.sub(r"[\s-]", "", text).upper()
    if not CODE_RE.match(code):
        raise Invalid("booking_code_malformed")
    return code


def check_in(ctx: Context, actor: Actor, site_slug: str, raw_code: str) -> dict[str, Any]:
    """Issue (once) the ticket of an appointment: due in the queue when on time, a walk-in when late."""
    if not actor.is_user and actor.role != KIOSK:
        raise Forbidden("role", role=actor.role)
    early = timedelta(minutes=ctx.settings.checkin_early_min)
    late = timedelta(minutes=ctx.settings.checkin_late_min)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        site = site_of(s, actor, site_slug)  # the caller's site first, before anything is read
        code = normalise_code(raw_code)
        appt = s.scalar(select(Appointment).where(Appointment.code == code, Appointment.site_id == site.id))
        if appt is None:
            raise NotFound("booking_not_found")
        if appt.status == "checked_in" and appt.ticket_id:
            ticket = s.get(Ticket, appt.ticket_id)
            assert ticket is not None
            return {
                "ticket": ticket_json(ctx, ticket),
                "late": False,
                "again": True,
                "appointment_at": appt.starts_at.isoformat(),
            }
        if appt.status != "booked":
            raise DomainError("booking_not_active", status=appt.status)
        if _local_day(appt.starts_at, site.timezone) != _local_day(now, site.timezone):
            raise DomainError("booking_other_day", starts_at=appt.starts_at.isoformat())
        if now < appt.starts_at - early:
            raise DomainError(
                "booking_too_early",
                starts_at=appt.starts_at.isoformat(),
                from_at=(appt.starts_at - early).isoformat(),
            )
        is_late = now > appt.starts_at + late
        due = CheckIn(due_at=None if is_late else appt.starts_at, expert_id=appt.expert_id)
        ticket, position = issue_in_session(s, ctx, actor, site, appt.service, events, check_in=due)
        appt.status, appt.ticket_id, appt.checked_in_at = "checked_in", ticket.id, now
        events.append(
            Event(
                "appointment_checked_in",
                site.id,
                {
                    "number": ticket.number,
                    "service": appt.service.code,
                    "expert_id": appt.expert_id,
                    "appointment_at": appt.starts_at.isoformat(),
                    "late": is_late,
                },
            )
        )
        return {
            "ticket": ticket_json(ctx, ticket, position, ticket.quoted_wait_s),
            "late": is_late,
            "again": False,
            "appointment_at": appt.starts_at.isoformat(),
        }

    return ctx.transact(work)


def _local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()
