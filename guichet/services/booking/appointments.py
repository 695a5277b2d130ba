"""An appointment as the citizen sees it (JSON, the manage page, the .ics file), and as a notification
keeps it (a snapshot written with the e-mail, read back when the e-mail is sent)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core.errors import NotFound
from ...models import Appointment, Motif, Notification, Place, Site, WaitlistRequest
from .. import ical
from ..context import Context
from .links import change_until, check_signature, manage_url


def appointment_json(a: Appointment, tz: ZoneInfo, place: Place | None = None) -> dict[str, Any]:
    return {
        "code": a.code,
        "status": a.status,
        "start": a.starts_at.astimezone(tz).isoformat(),
        "end": (a.ends_at or a.starts_at + timedelta(minutes=a.duration_min)).astimezone(tz).isoformat(),
        "duration_min": a.duration_min,
        "service": a.service.code,
        "service_label": a.service.label_fr,
        "place": {"id": place.id, "name": place.name, "address": place.address} if place else None,
        "persons": a.persons,
    }


def citizen_json(
    ctx: Context,
    a: Appointment,
    site: Site,
    place: Place | None,
    motif: Motif | None,
    with_link: bool = False,
) -> dict[str, Any]:
    """The appointment with what the citizen may do with it; the manage link only to its holder."""
    out = appointment_json(a, ZoneInfo(site.timezone), place)
    limit = change_until(ctx, a)
    out.update(
        {
            "site": {"slug": site.slug, "name": site.name},
            "motif": motif.code if motif else None,
            "motif_label": motif.label if motif else a.service.label_fr,
            "instructions": motif.instructions if motif else "",
            "ics_url": f"{ctx.settings.public_url}/api/v1/appointments/{a.code}.ics",
            "can_change": a.status == "booked" and ctx.clock() < limit,
            "change_until": limit.astimezone(ZoneInfo(site.timezone)).isoformat(),
        }
    )
    if with_link:
        out["manage_url"] = manage_url(ctx, a.code)
    return out


def load_appointment(
    s: Session, code: str, lock: bool = False
) -> tuple[Appointment, Site, Place | None, Motif | None]:
    """An appointment by its code with its site, place and motif; `lock` before changing it, so a
    cancel and a move of the same appointment cannot interleave (PostgreSQL row lock)."""
    stmt = select(Appointment).where(Appointment.code == (code or "")[:16].upper())
    if lock and s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Appointment)
    a = s.scalar(stmt)
    if a is None:
        raise NotFound("booking_not_found")
    site = s.get(Site, a.site_id)
    assert site is not None
    place = s.get(Place, a.place_id) if a.place_id else None
    motif = s.get(Motif, a.motif_id) if a.motif_id else None
    return a, site, place, motif


def get_appointment(ctx: Context, code: str) -> tuple[Appointment, Site, Place | None]:
    """An appointment by its code (the code is the citizen's secret: 8 characters of 31)."""
    with ctx.db.session() as s:
        a, site, place, _motif = load_appointment(s, code)
        s.expunge_all()
        return a, site, place


def appointment_ics(ctx: Context, code: str) -> tuple[str, bytes]:
    """The appointment's .ics file and its name, to download (METHOD PUBLISH: a copy for the citizen's
    calendar, not an invitation); the code alone opens it, like the kiosk's check-in."""
    with ctx.db.session() as s:
        a, site, place, _motif = load_appointment(s, code)
        return f"rendez-vous-{a.code}.ics", ical.appointment_calendar(a, site, place, method="PUBLISH")


def view_appointment(ctx: Context, code: str, sig: str | None) -> dict[str, Any]:
    """The manage page's data: the appointment, its link and its waitlist state, for the signed link only."""
    with ctx.db.session() as s:
        a, site, place, motif = load_appointment(s, code)
        check_signature(ctx, a.code, sig)
        out = citizen_json(ctx, a, site, place, motif, with_link=True)
        out["waitlist"] = s.scalar(
            select(WaitlistRequest.status).where(WaitlistRequest.appointment_id == a.id)
        )
        return out


def notification(a: Appointment, kind: str, now: datetime, **extra: Any) -> Notification:
    """An e-mail to send about `a`, with the appointment as it is now: a later change must not
    rewrite what an earlier message says."""
    assert a.contact_email
    snapshot = {
        "starts_at": a.starts_at.astimezone(UTC).isoformat(),
        "ends_at": (a.ends_at or a.starts_at + timedelta(minutes=a.duration_min)).astimezone(UTC).isoformat(),
        "sequence": a.ical_sequence,
        "status": a.status,
        "place_id": a.place_id,
        **extra,
    }
    return Notification(
        appointment_id=a.id, kind=kind, recipient=a.contact_email, data=snapshot, created_at=now
    )


def as_written(a: Appointment, data: dict[str, Any]) -> Appointment:
    """A detached copy of the appointment as it was when the notification was written."""
    copy = Appointment(
        id=a.id,
        code=a.code,
        site_id=a.site_id,
        service_id=a.service_id,
        duration_min=a.duration_min,
        persons=a.persons,
        contact_name=a.contact_name,
        contact_email=a.contact_email,
        ical_uid=a.ical_uid,
        starts_at=datetime.fromisoformat(data["starts_at"]) if "starts_at" in data else a.starts_at,
        ends_at=datetime.fromisoformat(data["ends_at"]) if "ends_at" in data else a.ends_at,
        ical_sequence=data.get("sequence", a.ical_sequence),
        status=data.get("status", a.status),
        place_id=data.get("place_id", a.place_id),
        motif_id=a.motif_id,
        created_at=a.created_at,
    )
    copy.service = a.service
    return copy
