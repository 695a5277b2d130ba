"""Site listings: services with their live queue figures, counters with what they serve."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from ..core.errors import NotFound
from ..core.estimate import estimate_wait_s
from ..core.issuing import Weekly, availability, open_now
from ..core.numbering import business_day
from ..models import Site, Ticket
from ..models.tickets import WAITING as WAITING_TICKETS
from . import queue, read_cache
from .context import Actor, Context
from .guards import check_site, require_manager, site_by_slug
from .read_cache import ServiceView, SiteView
from .service_hours import issued_today

WAITING = text(WAITING_TICKETS)


def list_services(
    ctx: Context,
    slug: str,
    include_inactive: bool = False,
    level: int | None = None,
    codes: Collection[str] | None = None,
    actor: Actor | None = None,
) -> dict[str, Any]:
    """Services with live queue figures and whether each can issue a ticket now, and if not, when.

    A service is closed when deactivated, outside the site's or its own hours, or past its daily quota.
    `codes` limits the work to those services. With an `actor` (a kiosk), the listing is refused
    unless the caller belongs to that site.
    """
    with ctx.db.session() as s:
        site = read_cache.site(s, slug)
        if actor is not None:
            check_site(actor, site.id)
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
        counted = select(Ticket.service_id, func.count()).where(
            Ticket.site_id == site.id,
            Ticket.business_day == day,
            WAITING,  # as ix_tickets_waiting says it, so that the count reads that index alone
        )
        if codes is not None:
            counted = counted.where(Ticket.service_id.in_(ids))
        waiting = dict(s.execute(counted.group_by(Ticket.service_id)).all())
        issued = issued_today(s, site.id, day)
        samples = queue.recent_samples(s, ids, now)
        counters = queue.open_counters(s, ids)
    local = now.astimezone(ZoneInfo(site.timezone))
    site_hours = site.calendar(local.year)
    site_open, site_next = open_now(local, site_hours)
    items = []
    for sv in services:
        figures = service_figures(
            ctx, site, sv, local, waiting.get(sv.id, 0), samples[sv.id], counters.get(sv.id, 0), issued
        )
        items.append(
            {
                "code": sv.code,
                "label": sv.label_fr,
                "labels": sv.labels,
                "prefix": sv.prefix,
                "partner": sv.partner_code,
                "partner_name": sv.partner_name,
                "level": sv.level,
                "category": sv.category,
                "target_wait_min": sv.target_wait_min,
                "waiting": figures["waiting"],
                "open_counters": counters.get(sv.id, 0),
                "estimated_wait_s": figures["estimated_wait_s"],
                "open": figures["open"],
                "closed_reason": figures["closed_reason"],
                "next_opening": figures["next_opening"],
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
            "hours": weekly_hours(site_hours.weekly),
            "priority_reasons": list(site.config.allowed_priority_reasons()),
        },
        "services": items,
    }


def service_figures(
    ctx: Context,
    site: SiteView,
    sv: ServiceView,
    local: datetime,
    waiting: int,
    samples: list[float],
    open_counters: int,
    issued: dict[int, int],
) -> dict[str, Any]:
    """A service's queue now: who waits, the wait a newcomer would be quoted, whether it issues."""
    state = availability(
        local,
        active=sv.active,
        site_hours=site.calendar(local.year),
        own_hours=site.own_hours[sv.id],
        issued=issued.get(sv.id, 0),
        quota=sv.daily_quota,
    )
    default = sv.default_service_time_s or ctx.settings.default_service_time_s
    return {
        "waiting": waiting,
        "estimated_wait_s": estimate_wait_s(waiting + 1, samples, open_counters, default),
        "open": state.open,
        "closed_reason": state.closed.value if state.closed else None,
        "next_opening": state.next_opening.isoformat() if state.next_opening else None,
    }


def ticket_heading(ctx: Context, actor: Actor, slug: str, code: str, lang: str) -> dict[str, Any]:
    """What a printed ticket says of its site and service (name, time zone, the label in `lang`),
    from memory: no queue figure is needed to print a ticket."""
    with ctx.db.session() as s:
        site = read_cache.site(s, slug)
    check_site(actor, site.id)
    sv = site.service(code)
    return {
        "site": {"id": site.id, "slug": site.slug, "name": site.name, "timezone": site.timezone},
        "label": sv.label(lang) if sv is not None else None,
    }


def queue_figures(ctx: Context, site_id: int, service_code: str) -> dict[str, Any] | None:
    """One service's fresh figures for the screens, after a change: one read of its queue (the site,
    its hours and the recent service times come from memory), never the whole listing."""
    with ctx.db.session() as s:
        site = read_cache.site_by_id(s, site_id)
        sv = site.service(service_code) if site is not None else None
        if site is None or sv is None:
            return None
        now = ctx.clock()
        day = business_day(now, site.timezone)
        q = queue.queue_now(s.connection(), site.id, sv.id, day)
        samples = queue.recent_samples(s, [sv.id], now)[sv.id]
    local = now.astimezone(ZoneInfo(site.timezone))
    return service_figures(ctx, site, sv, local, q.waiting, samples, q.open_counters, {sv.id: q.issued})


def weekly_hours(weekly: Weekly) -> list[dict[str, Any]]:
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


def timezone_of(ctx: Context, actor: Actor, slug: str | None = None) -> str | None:
    """The zone of the site a staff page shows (the caller's own, or the one an admin looks at);
    None for an admin who names no site or an unknown one (the page then says so itself)."""
    with ctx.db.session() as s:
        if actor.site_id is not None:
            site = s.get(Site, actor.site_id)
            return site.timezone if site is not None else None
        try:
            return site_by_slug(s, slug).timezone if slug else None
        except NotFound:
            return None


def managed_sites(ctx: Context, actor: Actor) -> list[tuple[str, str]]:
    """(slug, name) of the sites the caller sets up: a manager's own, every site for an admin."""
    require_manager(actor)
    with ctx.db.session() as s:
        stmt = select(Site).order_by(Site.name)
        if actor.site_id is not None:
            stmt = stmt.where(Site.id == actor.site_id)
        return [(site.slug, site.name) for site in s.scalars(stmt)]
