"""Whether a site's services issue tickets now: the one answer the kiosk's list, the API's list and
the issuing rules share (guichet.core.issuing holds the rules)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import opening
from ..core.issuing import Calendar
from ..models import Site, TicketSequence
from .site_rules import closed_days, settings_of


def calendar_of(site: Site, service_id: int | None = None, year: int | None = None) -> Calendar:
    """Hours as core ranges: the site's own (service_id None), or one service's own. With `year`, the
    site's public holidays of that year (and the next: the next opening looks ahead) close it, unless the
    site works them or a dated exception gives hours that day."""
    weekly: dict[int, list[opening.Range]] = {}
    for h in site.hours:
        if h.service_id != service_id:
            continue
        weekly.setdefault(h.weekday, []).append(opening.Range(h.opens, h.closes))
    exceptions: dict[date, list[opening.Range]] = {}
    for e in site.exceptions:
        ranges = exceptions.setdefault(e.day, [])
        if e.opens and e.closes:
            ranges.append(opening.Range(e.opens, e.closes))
    calendar = Calendar(weekly, exceptions)
    if service_id is None and year is not None:
        return with_closed_days(calendar, closed_days(settings_of(site), (year, year + 1)))
    return calendar


def with_closed_days(calendar: Calendar, days: Iterable[date]) -> Calendar:
    """The calendar closed on these days too (public holidays), unless an exception gives hours then."""
    exceptions = dict(calendar.exceptions)
    for day in days:
        exceptions.setdefault(day, [])
    return Calendar(calendar.weekly, exceptions)


def issued_today(s: Session, site_id: int, day: date) -> dict[int, int]:
    """Tickets numbered so far today, by service id (what the daily quotas count)."""
    rows = s.execute(
        select(TicketSequence.service_id, TicketSequence.last_value).where(
            TicketSequence.site_id == site_id, TicketSequence.business_day == day
        )
    ).all()
    return {service_id: last for service_id, last in rows}
