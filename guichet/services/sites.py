"""Site listings: services with their live queue figures, counters with what they serve."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..core import opening
from ..core.estimate import estimate_wait_s
from ..core.numbering import business_day
from ..core.tickets import State
from ..models import Counter, Site, Ticket
from . import queue
from .context import Actor, Context
from .errors import Forbidden, NotFound
from .tickets import STAFF


def _site(s, slug: str) -> Site:
    site = s.scalar(select(Site).where(Site.slug == slug))
    if site is None:
        raise NotFound("site_not_found", site=slug)
    return site


def opening_calendar(site: Site) -> tuple[dict, dict]:
    """The site's hours as core ranges: weekly by weekday, exceptions by date."""
    weekly: dict[int, list[opening.Range]] = {}
    for h in site.hours:
        weekly.setdefault(h.weekday, []).append(opening.Range(h.opens, h.closes))
    exceptions: dict = {}
    for e in site.exceptions:
        ranges = exceptions.setdefault(e.day, [])
        if e.opens and e.closes:
            ranges.append(opening.Range(e.opens, e.closes))
    return weekly, exceptions


def list_services(ctx: Context, slug: str) -> dict[str, Any]:
    """Public listing: each active service with how many wait and the wait a newcomer would get."""
    with ctx.db.session() as s:
        site = _site(s, slug)
        now = ctx.clock()
        services = [sv for sv in site.services if sv.active]
        ids = [sv.id for sv in services]
        waiting = dict(
            s.execute(
                select(Ticket.service_id, func.count())
                .where(
                    Ticket.site_id == site.id,
                    Ticket.state == State.WAITING.value,
                    Ticket.business_day == business_day(now, site.timezone),
                )
                .group_by(Ticket.service_id)
            ).all()
        )
        samples = queue.service_samples(s, ids, now)
        counters = queue.open_counters(s, ids)
        weekly, exceptions = opening_calendar(site)
        local = now.astimezone(ZoneInfo(site.timezone))
        has_hours = bool(weekly or exceptions)
        is_open = opening.is_open(local, weekly, exceptions) if has_hours else True
        nxt = opening.next_opening(local, weekly, exceptions) if has_hours and not is_open else None
        items = []
        for sv in services:
            n = waiting.get(sv.id, 0)
            default = sv.default_service_time_s or ctx.settings.default_service_time_s
            items.append(
                {
                    "code": sv.code,
                    "label": sv.label_fr,
                    "labels": sv.labels,
                    "prefix": sv.prefix,
                    "partner": sv.partner.code if sv.partner else None,
                    "level": sv.level,
                    "category": sv.category,
                    "target_wait_min": sv.target_wait_min,
                    "waiting": n,
                    "open_counters": counters.get(sv.id, 0),
                    "estimated_wait_s": estimate_wait_s(
                        n + 1, samples[sv.id], counters.get(sv.id, 0), default
                    ),
                }
            )
        return {
            "site": {
                "slug": site.slug,
                "name": site.name,
                "timezone": site.timezone,
                "open": is_open,
                "next_opening": nxt.isoformat() if nxt else None,
            },
            "services": items,
        }


def list_counters(ctx: Context, actor: Actor, slug: str) -> list[dict[str, Any]]:
    """Agents' listing of the site's counters, their state and the services they serve."""
    if not actor.is_user or actor.role not in STAFF:
        raise Forbidden("role", role=actor.role)
    with ctx.db.session() as s:
        site = _site(s, slug)
        if actor.site_id is not None and actor.site_id != site.id:
            raise Forbidden("other_site")
        counters = s.scalars(select(Counter).where(Counter.site_id == site.id).order_by(Counter.number)).all()
        return [
            {
                "id": c.id,
                "number": c.number,
                "name": c.name,
                "status": c.status,
                "services": [{"code": link.service.code, "weight": link.weight} for link in c.service_links],
            }
            for c in counters
        ]
