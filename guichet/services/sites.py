"""Site listings: services with their live queue figures, counters with what they serve."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..core import opening
from ..core.estimate import estimate_wait_s
from ..core.numbering import business_day
from ..core.tickets import State
from ..models import Site, Ticket, TicketSequence
from . import queue
from .context import Context
from .guards import site_by_slug
from .site_rules import settings_of


def opening_calendar(site: Site, service_id: int | None = None) -> tuple[dict, dict]:
    """Hours as core ranges (weekly by weekday, exceptions by date): the site's, or one service's own."""
    weekly: dict[int, list[opening.Range]] = {}
    for h in site.hours:
        if h.service_id != service_id:
            continue
        weekly.setdefault(h.weekday, []).append(opening.Range(h.opens, h.closes))
    exceptions: dict = {}
    for e in site.exceptions:
        ranges = exceptions.setdefault(e.day, [])
        if e.opens and e.closes:
            ranges.append(opening.Range(e.opens, e.closes))
    return weekly, exceptions


def _hours_state(local: datetime, calendar: tuple[dict, dict]) -> tuple[bool, datetime | None]:
    weekly, exceptions = calendar
    if not (weekly or exceptions):
        return True, None  # no hours configured: always open
    if opening.is_open(local, weekly, exceptions):
        return True, None
    return False, opening.next_opening(local, weekly, exceptions)


def _next_day_opening(local: datetime, calendar: tuple[dict, dict]) -> datetime | None:
    """First opening on a later day (a quota is per business day)."""
    weekly, exceptions = calendar
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=local.tzinfo)
    if not (weekly or exceptions):
        return midnight
    return opening.next_opening(midnight, weekly, exceptions)


def list_services(
    ctx: Context,
    slug: str,
    include_inactive: bool = False,
    level: int | None = None,
    codes: Collection[str] | None = None,
) -> dict[str, Any]:
    """Services with live queue figures and whether each can issue a ticket now, and if not, when.

    A service is closed when deactivated, outside the site's or its own hours, or past its daily quota.
    `codes` limits the work to those services (the figures a display event carries).
    """
    with ctx.db.session() as s:
        site = site_by_slug(s, slug)
        now = ctx.clock()
        day = business_day(now, site.timezone)
        services = [
            sv
            for sv in site.services
            if (include_inactive or sv.active)
            and (level is None or sv.level == level)
            and (codes is None or sv.code in codes)
        ]
        ids = [sv.id for sv in services]
        waiting = dict(
            s.execute(
                select(Ticket.service_id, func.count())
                .where(
                    Ticket.site_id == site.id,
                    Ticket.state == State.WAITING.value,
                    Ticket.business_day == day,
                )
                .group_by(Ticket.service_id)
            ).all()
        )
        issued = dict(
            s.execute(
                select(TicketSequence.service_id, TicketSequence.last_value).where(
                    TicketSequence.site_id == site.id, TicketSequence.business_day == day
                )
            ).all()
        )
        samples = queue.service_samples(s, ids, now)
        counters = queue.open_counters(s, ids)
        local = now.astimezone(ZoneInfo(site.timezone))
        site_calendar = opening_calendar(site)
        site_open, site_next = _hours_state(local, site_calendar)
        items = []
        for sv in services:
            n = waiting.get(sv.id, 0)
            default = sv.default_service_time_s or ctx.settings.default_service_time_s
            reason, nxt = None, None
            own_calendar = opening_calendar(site, sv.id)
            own_open, own_next = _hours_state(local, own_calendar)
            if not sv.active:
                reason = "inactive"
            elif not site_open:
                reason, nxt = "site_closed", site_next
            elif not own_open:
                reason, nxt = "hours", own_next
            elif sv.daily_quota is not None and issued.get(sv.id, 0) >= sv.daily_quota:
                reason = "quota"
                nxt = _next_day_opening(local, own_calendar if own_calendar[0] else site_calendar)
            items.append(
                {
                    "code": sv.code,
                    "label": sv.label_fr,
                    "labels": sv.labels,
                    "prefix": sv.prefix,
                    "partner": sv.partner.code if sv.partner else None,
                    "partner_name": sv.partner.name if sv.partner else None,
                    "level": sv.level,
                    "category": sv.category,
                    "target_wait_min": sv.target_wait_min,
                    "waiting": n,
                    "open_counters": counters.get(sv.id, 0),
                    "estimated_wait_s": estimate_wait_s(
                        n + 1, samples[sv.id], counters.get(sv.id, 0), default
                    ),
                    "open": reason is None,
                    "closed_reason": reason,
                    "next_opening": nxt.isoformat() if nxt else None,
                }
            )
        return {
            "site": {
                "id": site.id,
                "slug": site.slug,
                "name": site.name,
                "address": site.address,
                "timezone": site.timezone,
                "open": site_open,
                "next_opening": site_next.isoformat() if site_next else None,
                "hours": weekly_hours(site_calendar[0]),
                "priority_reasons": list(settings_of(site).allowed_priority_reasons()),
            },
            "services": items,
        }


def weekly_hours(weekly: dict) -> list[dict[str, Any]]:
    """Opening ranges per weekday (0 = Monday) as "HH:MM" strings, for screens and tickets."""
    return [
        {
            "weekday": wd,
            "ranges": [
                [r.opens.strftime("%H:%M"), r.closes.strftime("%H:%M")]
                for r in sorted(weekly.get(wd, []), key=lambda r: r.opens)
            ],
        }
        for wd in range(7)
    ]


def site_names(ctx: Context) -> list[tuple[str, str]]:
    """(slug, name) of every site, by name: what the home page lists."""
    with ctx.db.session() as s:
        return [(site.slug, site.name) for site in s.scalars(select(Site).order_by(Site.name))]
