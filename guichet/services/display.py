"""Waiting-room display: the full snapshot a screen loads on every (re)connect, and managers' message."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.errors import Invalid, NotFound
from ..core.numbering import business_day
from ..core.peaks import arrivals_by_slot, peak_hours
from ..models import Counter, Service, Site, Ticket, TicketEvent
from . import audit, sites
from .context import Actor, Context, Event
from .guards import require_manager, site_of
from .site_rules import settings_of

MAX_CALLS = 20
PEAK_WINDOW = timedelta(weeks=8)
PEAK_CACHE_S = 3600
_peak_cache: dict[int, tuple[float, list[dict[str, Any]]]] = {}
_peak_lock = threading.Lock()


class DisplayFilter(TypedDict):
    """What a screen shows: these service codes or counter numbers only, or everything (None)."""

    services: list[Any] | None
    counters: list[Any] | None


def display_filter(config: dict[str, Any] | None) -> DisplayFilter:
    """A screen may show some services or counters only (device configuration)."""
    config = config or {}
    services = config.get("services") or None
    counters = config.get("counters") or None
    return {
        "services": list(services) if services else None,
        "counters": list(counters) if counters else None,
    }


def _recent_calls(
    s: Session, site: Site, now: datetime, filt: DisplayFilter, limit: int
) -> list[dict[str, Any]]:
    day = business_day(now, site.timezone)
    stmt = (
        select(
            TicketEvent.action,
            TicketEvent.at,
            Ticket.number,
            Service.code,
            Service.label_fr,
            Counter.number,
            Counter.name,
        )
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .join(Service, Service.id == Ticket.service_id)
        .join(Counter, Counter.id == TicketEvent.counter_id)
        .where(
            TicketEvent.site_id == site.id,
            TicketEvent.action.in_(["call", "recall"]),
            Ticket.business_day == day,
        )
        .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
        .limit(limit * 4 if filt["services"] or filt["counters"] else limit)
    )
    calls = []
    for action, at, number, code, label, counter_number, counter_name in s.execute(stmt):
        if filt["services"] and code not in filt["services"]:
            continue
        if filt["counters"] and counter_number not in filt["counters"]:
            continue
        calls.append(
            {
                "number": number,
                "counter": counter_number,
                "counter_name": counter_name,
                "service": code,
                "service_label": label,
                "called_at": at.isoformat(),
                "recall": action == "recall",
            }
        )
        if len(calls) == limit:
            break
    return calls


def _peaks(s: Session, site: Site, now: datetime) -> list[dict[str, Any]]:
    with _peak_lock:
        cached = _peak_cache.get(site.id)
        if cached and time.monotonic() - cached[0] < PEAK_CACHE_S:
            return cached[1]
    zone = ZoneInfo(site.timezone)
    arrivals = s.scalars(
        select(TicketEvent.at).where(
            TicketEvent.site_id == site.id, TicketEvent.action == "issue", TicketEvent.at >= now - PEAK_WINDOW
        )
    )
    peaks = peak_hours(arrivals_by_slot(a.astimezone(zone) for a in arrivals))
    result = [{"weekday": wd, "hours": hours} for wd, hours in peaks.items()]
    with _peak_lock:
        _peak_cache[site.id] = (time.monotonic(), result)
    return result


def snapshot(ctx: Context, site_id: int, config: dict[str, Any] | None) -> dict[str, Any]:
    """Everything a screen shows, so a reconnecting display is right again at once."""
    filt = display_filter(config)
    limit = min(int((config or {}).get("max_calls", 6)), MAX_CALLS)
    now = ctx.clock()
    with ctx.db.session() as s:
        site = s.get(Site, site_id)
        if site is None:
            raise NotFound("site_not_found")
        slug, message = site.slug, settings_of(site).display_message
        calls = _recent_calls(s, site, now, filt, limit)
        peaks = _peaks(s, site, now)
    listing = sites.list_services(ctx, slug, level=None)
    # Unfiltered screens show the walk-in (level 1) queues; a screen configured for expert services
    # (an appointment waiting area) shows those.
    services = [
        {k: sv[k] for k in ("code", "label", "labels", "waiting", "estimated_wait_s", "open")}
        for sv in listing["services"]
        if (sv["code"] in filt["services"] if filt["services"] else sv["level"] == 1)
    ]
    info = listing["site"]
    return {
        "server_time": now.isoformat(),
        "site": {k: info[k] for k in ("name", "timezone", "open", "next_opening", "hours")},
        "calls": calls,
        "services": services,
        "message": message,
        "peak_hours": peaks,
        "filter": filt,
    }


QUEUE_FIGURES = ("waiting", "estimated_wait_s", "open")


def queue_figures(ctx: Context, site_id: int, service_code: str) -> dict[str, Any] | None:
    """One service's fresh queue figures, computed once per event for every screen (no refresh storm)."""
    figures = sites.queue_figures(ctx, site_id, service_code)
    return {k: figures[k] for k in QUEUE_FIGURES} if figures is not None else None


def set_message(ctx: Context, actor: Actor, slug: str, message: str) -> str:
    """Managers' information message on the site's screens (no personal data: it is public)."""
    require_manager(actor)
    text = " ".join(message.split())
    if len(text) > 280:
        raise Invalid("message_too_long", maximum=280)

    def work(s: Session, events: list[Event]) -> str:
        site = site_of(s, actor, slug)
        before = settings_of(site).display_message
        site.settings = settings_of(site).changed(display_message=text).to_json()
        audit.record(
            s,
            actor,
            ctx.clock(),
            "site.display_message",
            site.id,
            site.slug,
            {"message": before},
            {"message": text},
        )
        events.append(Event("message_changed", site.id, {"message": text}))
        return text

    return ctx.transact(work)
