"""Words of the booking pages that depend on data: dates, times, durations, errors, and the QR code."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_time
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from guichet.web.messages import word


def _locale() -> str:
    return str(get_locale() or "fr")


def day_label(d: date, year: bool = False) -> str:
    """ "mardi 23 mars" (with the year on confirmations)."""
    return format_date(d, "EEEE d MMMM y" if year else "EEEE d MMMM", locale=_locale())


def time_label(moment: datetime) -> str:
    """ "09:30", in the appointment's own time zone (the datetime carries its offset)."""
    return format_time(moment, "HH:mm", locale=_locale())


def at_label(moment: datetime) -> str:
    """ "mardi 23 mars à 09:30" """
    return _("%(day)s à %(time)s", day=day_label(moment.date()), time=time_label(moment))


def duration_text(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return ngettext("%(num)s minute", "%(num)s minutes", rest)
    if not rest:
        return ngettext("%(num)s heure", "%(num)s heures", hours)
    return _("%(hours)s h %(minutes)02d", hours=hours, minutes=rest)


def slots_count(n: int) -> str:
    return ngettext("%(num)s créneau libre", "%(num)s créneaux libres", n)


def error_message(code: str, params: dict[str, Any] | None = None) -> str:
    """The French sentence the API gives for an error code (one wording for API and pages)."""
    return word(code, params) or _("Une erreur s'est produite. Réessayez.")


def parse_iso(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


def appointment_view(appt: dict[str, Any]) -> dict[str, Any]:
    """What the confirmation and manage pages show of an Appointment (docs/contracts/booking.md)."""
    start = parse_iso(appt["start"])
    end = parse_iso(appt["end"])
    limit = parse_iso(appt.get("change_until") or "")
    place = appt.get("place") or {}
    return {
        "code": appt["code"],
        "status": appt["status"],
        "motif": appt.get("motif"),
        "motif_label": appt.get("motif_label") or appt.get("service_label", ""),
        "instructions": appt.get("instructions") or "",
        "day": day_label(start.date(), year=True) if start else "",
        "time": time_label(start) if start else "",
        "end_time": time_label(end) if end else "",
        "duration": duration_text(appt["duration_min"]),
        "place_name": place.get("name", ""),
        "place_address": place.get("address", ""),
        "persons": appt.get("persons", 1),
        "site": appt.get("site") or {},
        "can_change": bool(appt.get("can_change")),
        "waitlist": appt.get("waitlist"),
        "change_until": at_label(limit) if limit else "",
        "sig": (appt.get("manage_url") or "").rstrip("/").rsplit("/", 1)[-1],
    }
