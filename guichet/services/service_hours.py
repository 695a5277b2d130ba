"""Whether a site's services issue tickets now: the one answer the kiosk's list, the API's list and
the issuing rules share (guichet.core.issuing holds the rules)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import opening
from ..core.issuing import Availability, Calendar, availability
from ..models import Service, Site, TicketSequence
from .site_rules import closed_days


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
    if service_id is None and year is not None:
        for day in closed_days(site, (year, year + 1)):
            exceptions.setdefault(day, [])
    return Calendar(weekly, exceptions)


def issued_today(s: Session, site_id: int, day: date) -> dict[int, int]:
    """Tickets numbered so far today, by service id (what the daily quotas count)."""
    rows = s.execute(
        select(TicketSequence.service_id, TicketSequence.last_value).where(
            TicketSequence.site_id == site_id, TicketSequence.business_day == day
        )
    ).all()
    return {service_id: last for service_id, last in rows}


def availability_of(
    site: Site, service: Service, local: datetime, issued: int, site_hours: Calendar | None = None
) -> Availability:
    """The service's state at this local time (`site_hours` may be passed when listing many)."""
    return availability(
        local,
        active=service.active,
        site_hours=site_hours if site_hours is not None else calendar_of(site, year=local.year),
        own_hours=calendar_of(site, service.id),
        issued=issued,
        quota=service.daily_quota,
    )
