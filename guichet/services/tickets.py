"""Issuing tickets: the one path every ticket is numbered through, whatever the door, and where the
issuing rules of guichet.core.issuing are applied (kiosk page, REST API, walk-in, check-in)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, bindparam, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..core import issuing
from ..core.errors import Forbidden, NotFound
from ..core.estimate import estimate_wait_s
from ..core.numbering import business_day, check_quota, format_number
from ..core.roles import KIOSK
from ..core.tickets import Source, State
from ..models import Service, Site, Ticket, TicketSequence
from . import queue, read_cache
from .context import Actor, Context, Event
from .guards import check_site
from .journal import log_step, queue_event
from .read_cache import ServiceView, SiteView
from .ticket_views import ticket_json


def _sequence_upsert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE ... RETURNING, built once per dialect (bound parameters)."""
    row: dict[str, Any] = {
        "site_id": bindparam("site"),
        "service_id": bindparam("service"),
        "business_day": bindparam("day"),
    }
    key = ["site_id", "service_id", "business_day"]
    bump = {"last_value": TicketSequence.last_value + 1}
    # Each dialect has its own Insert class with on_conflict_do_update: no common base type offers it.
    if dialect == "postgresql":
        pg = pg_insert(TicketSequence).values(**row, last_value=1)
        return pg.on_conflict_do_update(index_elements=key, set_=bump).returning(TicketSequence.last_value)
    if dialect == "sqlite":
        lite = sqlite_insert(TicketSequence).values(**row, last_value=1)
        return lite.on_conflict_do_update(index_elements=key, set_=bump).returning(TicketSequence.last_value)
    raise KeyError(dialect)


_SEQUENCE_UPSERT = {dialect: _sequence_upsert(dialect) for dialect in ("postgresql", "sqlite")}


def _allocate_sequence(conn: Connection, site_id: int, service_id: int, day: date) -> int:
    """One atomic upsert returns the next number: no read-then-write, so no duplicate ever."""
    stmt = _SEQUENCE_UPSERT[conn.dialect.name]
    return int(conn.execute(stmt, {"site": site_id, "service": service_id, "day": day}).scalar_one())


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


def check_rules(
    actor: Actor, site: SiteView, service: ServiceView, now: datetime, check_in: CheckIn | None
) -> None:
    """Refuse a ticket the service may not give now. A check-in honours a booking: the level, the quota
    and the service's own hours are not for it, but it needs the site open and the service active."""
    local = now.astimezone(ZoneInfo(site.timezone))
    if check_in is None:
        issuing.check_level(service.code, service.level, from_kiosk=actor.role == KIOSK)
    state = issuing.availability(
        local,
        active=service.active,
        site_hours=site.calendar(local.year),
        own_hours=issuing.ALWAYS if check_in else site.own_hours[service.id],
        issued=0,  # the quota is checked on the number allocated, atomically
        quota=None,
    )
    issuing.check_available(service.code, state, service.daily_quota)


TICKETS = cast(Table, Ticket.__table__)
INSERT_TICKET = insert(TICKETS).returning(TICKETS.c.id)


def number_ticket(
    s: Session,
    ctx: Context,
    actor: Actor,
    site: SiteView,
    service: ServiceView,
    events: list[Event],
    priority: bool = False,
    priority_reason: str | None = None,
    source: Source | None = None,
    check_in: CheckIn | None = None,
) -> tuple[Ticket, int]:
    """Number a new waiting ticket inside the caller's transaction: return it (a transient copy of the
    row, with its id) and its position. Three writes (the number, the ticket with its quoted wait,
    its log row) and one read of the queue; the site and service come from read_cache."""
    source = Source.APPOINTMENT if check_in else source or _source_for(actor)
    now = ctx.clock()
    check_site(actor, site.id)
    check_rules(actor, site, service, now, check_in)
    priority, priority_reason = issuing.priority_of(
        priority, priority_reason, site.config.allowed_priority_reasons()
    )
    day = business_day(now, site.timezone)
    # Plain statements on the transaction's connection: no ORM object is read or written here.
    conn = s.connection()
    seq = _allocate_sequence(conn, site.id, service.id, day)
    if check_in is None:
        check_quota(seq, service.daily_quota)  # refused: the transaction and its number roll back
    # The new ticket arrives last: ahead of it wait all of its service's tickets (priority ones only,
    # for a priority ticket), the rule of queue.position_of.
    now_waiting = queue.queue_now(conn, site.id, service.id, day)
    position = 1 + now_waiting.ahead_of_newcomer(priority)
    default_s = service.default_service_time_s or ctx.settings.default_service_time_s
    row = {
        "site_id": site.id,
        "service_id": service.id,
        "business_day": day,
        "sequence": seq,
        "number": format_number(service.prefix, seq),
        "state": State.WAITING.value,
        "priority": priority,
        "priority_reason": priority_reason,
        "source": source.value,
        "quoted_wait_s": estimate_wait_s(
            position,
            queue.recent_samples(s, [service.id], now)[service.id],
            now_waiting.open_counters,
            default_s,
        ),
        "tracking_token": secrets.token_urlsafe(24),
        "arrived_at": now,
        "issued_at": now,
        "appointment_at": check_in.due_at if check_in else None,
        # Booked with one expert: only they call it (their counter), not any expert of the service.
        "target_agent_id": check_in.expert_id if check_in else None,
        "recall_count": 0,
        "placed_first": False,
    }
    t = Ticket(id=conn.execute(INSERT_TICKET, row).scalar_one(), **row)
    log_step(s, t, "issue", None, actor, now, priority=priority, source=source.value)
    events.append(queue_event(site.id, service.code, t.tracking_token))
    return t, position


def issue_in_session(
    s: Session,
    ctx: Context,
    actor: Actor,
    site: Site,
    service: Service,
    events: list[Event],
    source: Source | None = None,
    check_in: CheckIn | None = None,
) -> tuple[Ticket, int]:
    """number_ticket for use cases that go on with the ticket in their session (a walk-in called at
    once, a check-in linked to its appointment): the ticket is loaded into the session."""
    site_view = read_cache.site_by_id(s, site.id)
    service_view = site_view.service_by_id(service.id) if site_view else None
    if site_view is None or service_view is None:
        raise NotFound("service_not_found", service=service.code)
    new, position = number_ticket(
        s, ctx, actor, site_view, service_view, events, source=source, check_in=check_in
    )
    t = s.get(Ticket, new.id)
    assert t is not None
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
        site = read_cache.site(s, site_slug)
        check_site(actor, site.id)
        service = site.service(service_code)
        if service is None:
            raise NotFound("service_not_found", service=service_code)
        t, position = number_ticket(s, ctx, actor, site, service, events, priority, priority_reason)
        return ticket_json(ctx, t, position, t.quoted_wait_s, service=service)

    return ctx.transact(work)
