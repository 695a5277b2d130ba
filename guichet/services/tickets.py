"""Issuing tickets: the one path every ticket is numbered through, whatever the door, and where the
issuing rules of guichet.core.issuing are applied (kiosk page, REST API, walk-in, check-in)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..core import issuing
from ..core.errors import Forbidden, NotFound
from ..core.numbering import business_day, check_quota, format_number
from ..core.roles import KIOSK
from ..core.tickets import Source, State
from ..models import Service, Site, Ticket, TicketSequence
from . import queue
from .context import Actor, Context, Event
from .guards import check_site, site_of
from .journal import log_step, queue_changed
from .service_hours import calendar_of
from .site_rules import settings_of
from .ticket_views import ticket_json


def _allocate_sequence(s: Session, site_id: int, service_id: int, day: date) -> int:
    """One atomic upsert returns the next number: no read-then-write, so no duplicate ever."""
    dialect = s.get_bind().dialect.name
    row = {"site_id": site_id, "service_id": service_id, "business_day": day, "last_value": 1}
    key = ["site_id", "service_id", "business_day"]
    bump = {"last_value": TicketSequence.last_value + 1}
    # Each dialect has its own Insert class with on_conflict_do_update: no common base type offers it.
    if dialect == "postgresql":
        pg = pg_insert(TicketSequence).values(row)
        stmt = pg.on_conflict_do_update(index_elements=key, set_=bump).returning(TicketSequence.last_value)
    elif dialect == "sqlite":
        lite = sqlite_insert(TicketSequence).values(row)
        stmt = lite.on_conflict_do_update(index_elements=key, set_=bump).returning(TicketSequence.last_value)
    else:
        raise KeyError(dialect)
    return int(s.execute(stmt).scalar_one())


def _source_for(actor: Actor) -> Source:
    if actor.is_user:
        return Source.COUNTER if actor.via_session else Source.API
    if actor.role == KIOSK:
        return Source.KIOSK
    raise Forbidden("role", role=actor.role)


@dataclass(frozen=True)
class CheckIn:
    """A booked appointment turning into a ticket: due at its time (None once late), for its expert."""

    due_at: datetime | None
    expert_id: int | None


def check_rules(actor: Actor, site: Site, service: Service, now: datetime, check_in: CheckIn | None) -> None:
    """Refuse a ticket the service may not give now. A check-in honours a booking: the level, the quota
    and the service's own hours are not for it, but it needs the site open and the service active."""
    local = now.astimezone(ZoneInfo(site.timezone))
    if check_in is None:
        issuing.check_level(service.code, service.level, from_kiosk=actor.role == KIOSK)
    state = issuing.availability(
        local,
        active=service.active,
        site_hours=calendar_of(site, year=local.year),
        own_hours=issuing.ALWAYS if check_in else calendar_of(site, service.id),
        issued=0,  # the quota is checked on the number allocated, atomically
        quota=None,
    )
    issuing.check_available(service.code, state, service.daily_quota)


def issue_in_session(
    s: Session,
    ctx: Context,
    actor: Actor,
    site: Site,
    service: Service,
    events: list[Event],
    priority: bool = False,
    priority_reason: str | None = None,
    source: Source | None = None,
    check_in: CheckIn | None = None,
) -> tuple[Ticket, int]:
    """Number a new waiting ticket inside the caller's transaction; return it with its position."""
    source = Source.APPOINTMENT if check_in else source or _source_for(actor)
    now = ctx.clock()
    check_site(actor, site.id)
    check_rules(actor, site, service, now, check_in)
    priority, priority_reason = issuing.priority_of(
        priority, priority_reason, settings_of(site).allowed_priority_reasons()
    )
    day = business_day(now, site.timezone)
    seq = _allocate_sequence(s, site.id, service.id, day)
    if check_in is None:
        check_quota(seq, service.daily_quota)  # refused: the transaction and its number roll back
    t = Ticket(
        site_id=site.id,
        service_id=service.id,
        business_day=day,
        sequence=seq,
        number=format_number(service.prefix, seq),
        state=State.WAITING.value,
        priority=priority,
        priority_reason=priority_reason,
        source=source.value,
        tracking_token=secrets.token_urlsafe(24),
        arrived_at=now,
        issued_at=now,
        appointment_at=check_in.due_at if check_in else None,
        # Booked with one expert: only they call it (their counter), not any expert of the service.
        target_agent_id=check_in.expert_id if check_in else None,
    )
    t.service = service
    s.add(t)
    s.flush()
    position = queue.position_of(s, t)
    t.quoted_wait_s = queue.estimate_for(s, service, position, now, ctx.settings.default_service_time_s)
    log_step(s, t, "issue", None, actor, now, priority=priority, source=source.value)
    events.append(queue_changed(t))
    return t, position


def issue_ticket(
    ctx: Context,
    actor: Actor,
    site_slug: str,
    service_code: str,
    priority: bool = False,
    priority_reason: str | None = None,
) -> dict[str, Any]:
    """Number a new waiting ticket, quote its wait, and log its issue, if every issuing rule allows it."""
    _source_for(actor)  # refuse displays before touching the database

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = site_of(s, actor, site_slug)
        service = s.scalar(select(Service).where(Service.site_id == site.id, Service.code == service_code))
        if service is None:
            raise NotFound("service_not_found", service=service_code)
        t, position = issue_in_session(s, ctx, actor, site, service, events, priority, priority_reason)
        return ticket_json(ctx, t, position, t.quoted_wait_s)

    return ctx.transact(work)
