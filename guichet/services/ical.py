"""iCalendar files of appointments (built with `icalendar`): the citizen's confirmation, change and
cancellation, and each expert's private feed.

One UID per appointment, kept across changes; SEQUENCE grows with each change, so calendar programs
update the event instead of adding a second one. Times carry the site's TZID with its VTIMEZONE.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from ..models import Appointment, Place, Site

PRODID = "-//Guichet//Rendez-vous//FR"


def _event(a: Appointment, site: Site, place: Place | None, tz: ZoneInfo, for_expert: bool = False) -> Event:
    ev = Event()
    ev.add("uid", a.ical_uid or f"appointment-{a.id}@guichet")
    ev.add("sequence", a.ical_sequence or 0)
    ev.add("dtstamp", datetime.now(tz))
    ev.add("dtstart", a.starts_at.astimezone(tz))
    ev.add("dtend", (a.ends_at or a.starts_at + timedelta(minutes=a.duration_min)).astimezone(tz))
    label = a.service.label_fr
    ev.add("summary", f"Rendez-vous : {label}" if not for_expert else f"{label} ({a.code})")
    where = ", ".join(
        x for x in (place.name if place else site.name, place.address if place else site.address) if x
    )
    ev.add("location", where)
    lines = [f"Code du rendez-vous : {a.code}", f"{site.name}"]
    if not for_expert:
        lines.append("Présentez ce code ou le QR code de votre confirmation à la borne d'accueil.")
    elif a.persons > 1:
        lines.append(f"{a.persons} personnes")
    ev.add("description", "\n".join(lines))
    ev.add("status", "CANCELLED" if a.status == "cancelled" else "CONFIRMED")
    if a.contact_email and not for_expert:
        attendee = vCalAddress(f"mailto:{a.contact_email}")
        attendee.params["cn"] = vText(a.contact_name or "")
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        ev.add("attendee", attendee, encode=False)
    if a.status != "cancelled":
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Rendez-vous : {label}")
        alarm.add("trigger", timedelta(hours=-1) if not for_expert else timedelta(minutes=-10))
        ev.add_component(alarm)
    return ev


def appointment_calendar(
    a: Appointment, site: Site, place: Place | None, method: str = "REQUEST", organizer: str | None = None
) -> bytes:
    """One appointment: METHOD REQUEST (confirmation, change), CANCEL, or PUBLISH (download)."""
    tz = ZoneInfo(site.timezone)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if a.status == "cancelled" and method != "PUBLISH" else method)
    ev = _event(a, site, place, tz)
    if organizer:
        org = vCalAddress(f"mailto:{organizer}")
        org.params["cn"] = vText(site.name)
        ev.add("organizer", org, encode=False)
    cal.add_component(ev)
    cal.add_missing_timezones()
    ical: bytes = cal.to_ical()
    return ical


def expert_feed(appointments: Iterable[tuple[Appointment, Site, Place | None]], name: str) -> bytes:
    """An expert's private calendar feed: their appointments, no contact details."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Rendez-vous — {name}")
    for a, site, place in appointments:
        cal.add_component(_event(a, site, place, ZoneInfo(site.timezone), for_expert=True))
    cal.add_missing_timezones()
    ical: bytes = cal.to_ical()
    return ical
