"""Counter workstation use cases: who sits where, counter status, walk-ins, the live board.

Ticket steps themselves (call next, recall, finish...) live in services.tickets; this module is the
counter around them. Every write is one transaction that publishes `counter_changed` (a hint for
the workstations; screens do not hear it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..core.errors import DomainError
from ..core.numbering import business_day
from ..core.tickets import DEFAULT_OUTCOMES, Action, Source, State
from ..models import Counter, CounterService, Service, Site, Ticket, User, UserService
from . import tickets
from .context import Actor, Context, Event
from .errors import Forbidden, Invalid, NotFound

STAFF = tickets.STAFF
MANAGERS = tickets.MANAGERS
COUNTER_STATUSES = ("open", "paused", "closed")


def counter_event(counter: Counter) -> Event:
    return Event("counter_changed", counter.site_id, {"counter": counter.number, "status": counter.status})


def counter_json(s: Session, c: Counter) -> dict[str, Any]:
    agent = s.get(User, c.agent_id) if c.agent_id else None
    held = tickets.held_ticket(s, c)
    return {
        "id": c.id,
        "number": c.number,
        "name": c.name,
        "status": c.status,
        "agent": {"id": agent.id, "name": agent.display_name} if agent else None,
        "services": [
            {"code": link.service.code, "label": link.service.label_fr, "weight": link.weight}
            for link in c.service_links
        ],
        "ticket": {"id": held.id, "number": held.number, "status": held.state} if held else None,
    }


def _site(s: Session, actor: Actor, slug: str) -> Site:
    site = s.scalar(select(Site).where(Site.slug == slug))
    if site is None:
        raise NotFound("site_not_found", site=slug)
    tickets._check_site(actor, site.id)
    return site


def list_counters(ctx: Context, actor: Actor, slug: str) -> list[dict[str, Any]]:
    """The site's counters: status, who sits there, services, the ticket held."""
    tickets._require_staff(actor)
    with ctx.db.session() as s:
        site = _site(s, actor, slug)
        rows = s.scalars(select(Counter).where(Counter.site_id == site.id).order_by(Counter.number)).all()
        return [counter_json(s, c) for c in rows]


def _set_status(s: Session, counter: Counter, status: str, now: datetime) -> None:
    if counter.status != status:
        counter.status = status
        counter.status_changed_at = now


def _close(
    s: Session, ctx: Context, actor: Actor, counter: Counter, now: datetime, events: list[Event]
) -> None:
    """Close a counter: nobody sits there any more; tickets sent to it go back to their service's queue."""
    tickets.check_counter_free(s, counter)
    _set_status(s, counter, "closed", now)
    counter.agent_id = None
    counter.priority_streak = 0
    released = s.scalars(
        select(Ticket).where(Ticket.target_counter_id == counter.id, Ticket.state == State.WAITING.value)
    ).all()
    for t in released:
        t.target_counter_id = None
        tickets._log(s, t, "release", t.state, actor, now, counter_id=counter.id, reason="counter_closed")
        events.append(tickets._queue_event(t))
    events.append(counter_event(counter))


def occupy(ctx: Context, actor: Actor, counter_id: int) -> dict[str, Any]:
    """The agent sits at this counter (open); the counter they sat at before is closed."""
    tickets._require_staff(actor)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        counter = tickets._counter_for(s, actor, counter_id, lock=True)
        if counter.agent_id not in (None, actor.user_id) and actor.role not in MANAGERS:
            other = s.get(User, counter.agent_id)
            raise DomainError("counter_occupied", agent=other.display_name if other else "?")
        previous = s.scalars(
            select(Counter).where(Counter.agent_id == actor.user_id, Counter.id != counter.id)
        ).all()
        for old in previous:
            _close(s, ctx, actor, old, now, events)
        if counter.agent_id not in (None, actor.user_id):
            # A manager takes over: the agent who sat there is moved off; a held ticket stays held.
            counter.agent_id = None
        counter.agent_id = actor.user_id
        _set_status(s, counter, "open", now)
        events.append(counter_event(counter))
        return counter_json(s, counter)

    return ctx.transact(work)


def set_status(ctx: Context, actor: Actor, counter_id: int, status: str) -> dict[str, Any]:
    """Open, pause (a break: the agent stays) or close (the agent leaves) a counter."""
    tickets._require_staff(actor)
    if status not in COUNTER_STATUSES:
        raise Invalid("unknown_counter_status", status=status)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        counter = tickets._counter_for(s, actor, counter_id, lock=True)
        if counter.agent_id not in (None, actor.user_id) and actor.role not in MANAGERS:
            raise Forbidden("counter_of_other_agent", counter=counter.number)
        if status == "closed":
            _close(s, ctx, actor, counter, now, events)
        else:
            if status == "paused":
                tickets.check_counter_free(s, counter)
            if counter.agent_id is None:
                counter.agent_id = actor.user_id
            _set_status(s, counter, status, now)
            events.append(counter_event(counter))
        return counter_json(s, counter)

    return ctx.transact(work)


def walk_in(ctx: Context, actor: Actor, counter_id: int, service_code: str) -> dict[str, Any]:
    """A visitor served without a ticket: number them (for the statistics) and serve them at once."""
    tickets._require_staff(actor)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        counter = tickets._counter_for(s, actor, counter_id, lock=True)
        tickets.check_counter_agent(actor, counter, now)
        tickets.check_counter_free(s, counter)
        service = s.scalar(
            select(Service).where(Service.site_id == counter.site_id, Service.code == service_code)
        )
        if service is None:
            raise NotFound("service_not_found", service=service_code)
        site = s.get(Site, counter.site_id)
        assert site is not None
        outbox: list[Event] = []
        t, _position = tickets.issue_in_session(s, ctx, actor, site, service, outbox, source=Source.COUNTER)
        _set_status(s, counter, "open", now)
        tickets._transition(s, t, Action.CALL, actor, now, counter=counter, walk_in=True)
        tickets._transition(s, t, Action.START, actor, now)
        # Never waited, never announced: only the workstations hear about it.
        events.append(tickets._ticket_event(t))
        return tickets.ticket_json(ctx, t, s=s)

    return ctx.transact(work)


def current(ctx: Context, actor: Actor, counter_id: int) -> dict[str, Any]:
    tickets._require_staff(actor)
    with ctx.db.session() as s:
        counter = tickets._counter_for(s, actor, counter_id, lock=False)
        held = tickets.held_ticket(s, counter)
        return {"ticket": tickets.ticket_json(ctx, held, s=s) if held else None}


def parked(ctx: Context, actor: Actor, slug: str) -> list[dict[str, Any]]:
    tickets._require_staff(actor)
    with ctx.db.session() as s:
        site = _site(s, actor, slug)
        rows = s.scalars(
            select(Ticket)
            .where(
                Ticket.site_id == site.id,
                Ticket.state == State.PARKED.value,
                Ticket.business_day == business_day(ctx.clock(), site.timezone),
            )
            .order_by(Ticket.parked_at, Ticket.id)
        ).all()
        return [tickets.ticket_json(ctx, t, s=s) for t in rows]


def outcome_list(ctx: Context, site: Site) -> list[dict[str, str | None]]:
    """The site's outcome codes; a site's own outcomes may carry a label (the defaults are translated
    by the web layer)."""
    custom = (site.settings or {}).get("outcome_labels", {})
    codes = tickets.site_rules(ctx, site).outcomes or DEFAULT_OUTCOMES
    return [{"code": c, "label": custom.get(c)} for c in codes]


def _user_services(s: Session, user_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {uid: [] for uid in user_ids}
    if not user_ids:
        return out
    rows = s.execute(
        select(UserService.user_id, Service.code)
        .join(Service, Service.id == UserService.service_id)
        .where(UserService.user_id.in_(user_ids))
        .order_by(Service.sort, Service.code)
    ).all()
    for uid, code in rows:
        out[uid].append(code)
    return out


def _site_users(s: Session, site: Site) -> list[User]:
    return list(
        s.scalars(
            select(User)
            .where(User.active, (User.site_id == site.id) | User.site_id.is_(None), User.role != "admin")
            .order_by(User.display_name)
        ).all()
    )


def workstation(ctx: Context, actor: Actor, slug: str) -> dict[str, Any]:
    """What the workstation's dialogs offer: outcomes, services, counters, agents, experts."""
    tickets._require_staff(actor)
    with ctx.db.session() as s:
        site = _site(s, actor, slug)
        rules = tickets.site_rules(ctx, site)
        users = _site_users(s, site)
        services = _user_services(s, [u.id for u in users])
        return {
            "site": {"slug": site.slug, "name": site.name},
            "outcomes": outcome_list(ctx, site),
            "min_recalls_before_no_show": rules.min_recalls_before_no_show,
            "services": [
                {"code": sv.code, "label": sv.label_fr, "level": sv.level, "active": sv.active}
                for sv in site.services
            ],
            "counters": [{"id": c.id, "number": c.number, "name": c.name} for c in site.counters],
            "agents": [
                {"id": u.id, "name": u.display_name, "role": u.role}
                for u in users
                if u.role in ("agent", "expert", "manager")
            ],
            "experts": [
                {"id": u.id, "name": u.display_name, "services": services[u.id]}
                for u in users
                if u.role == "expert"
            ],
        }


def board(ctx: Context, actor: Actor, slug: str) -> dict[str, Any]:
    """The live queue board: per service waiting, longest wait, over target; counters and agents."""
    tickets._require_staff(actor)
    with ctx.db.session() as s:
        now = ctx.clock()
        site = _site(s, actor, slug)
        day = business_day(now, site.timezone)
        waiting = s.execute(
            select(Ticket.service_id, Ticket.arrived_at).where(
                Ticket.site_id == site.id, Ticket.business_day == day, Ticket.state == State.WAITING.value
            )
        ).all()
        counters = s.scalars(select(Counter).where(Counter.site_id == site.id).order_by(Counter.number)).all()
        open_by_service: dict[int, int] = {}
        for c in counters:
            if c.status == "open":
                for link in c.service_links:
                    open_by_service[link.service_id] = open_by_service.get(link.service_id, 0) + 1
        rows = []
        for sv in site.services:
            waits = [(now - arrived).total_seconds() for sid, arrived in waiting if sid == sv.id]
            target = sv.target_wait_min * 60
            rows.append(
                {
                    "code": sv.code,
                    "label": sv.label_fr,
                    "level": sv.level,
                    "waiting": len(waits),
                    "longest_wait_s": int(max(waits)) if waits else 0,
                    "target_wait_s": target,
                    "over_target": sum(1 for w in waits if w > target),
                    "open_counters": open_by_service.get(sv.id, 0),
                }
            )
        parked_count = s.scalar(
            select(func.count()).where(
                Ticket.site_id == site.id, Ticket.business_day == day, Ticket.state == State.PARKED.value
            )
        )
        return {
            "server_time": now.isoformat(),
            "services": rows,
            "counters": [counter_json(s, c) for c in counters],
            "parked": int(parked_count or 0),
        }


def staff(ctx: Context, actor: Actor, slug: str) -> list[dict[str, Any]]:
    """Managers' listing of the site's accounts and the services each may serve."""
    if actor.role not in MANAGERS:
        raise Forbidden("role", role=actor.role)
    with ctx.db.session() as s:
        site = _site(s, actor, slug)
        users = _site_users(s, site)
        services = _user_services(s, [u.id for u in users])
        return [
            {
                "id": u.id,
                "name": u.display_name,
                "username": u.username,
                "role": u.role,
                "services": services[u.id],
            }
            for u in users
        ]


def _services_by_code(s: Session, site_id: int, codes: list[str]) -> dict[str, Service]:
    found = {
        sv.code: sv
        for sv in s.scalars(select(Service).where(Service.site_id == site_id, Service.code.in_(codes))).all()
    }
    missing = [c for c in codes if c not in found]
    if missing:
        raise NotFound("service_not_found", service=", ".join(missing))
    return found


def set_counter_services(
    ctx: Context, actor: Actor, counter_id: int, services: list[tuple[str, float]]
) -> dict[str, Any]:
    """Managers choose the services a counter calls, with a routing weight each."""
    if actor.role not in MANAGERS:
        raise Forbidden("role", role=actor.role)
    codes = [c for c, _w in services]
    if len(set(codes)) != len(codes):
        raise Invalid("duplicate_service")

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        counter = tickets._counter_for(s, actor, counter_id, lock=True)
        found = _services_by_code(s, counter.site_id, codes)
        counter.service_links.clear()
        s.flush()
        for code, weight in services:
            counter.service_links.append(CounterService(service_id=found[code].id, weight=weight))
        s.flush()
        s.refresh(counter)
        events.append(counter_event(counter))
        return counter_json(s, counter)

    return ctx.transact(work)


def set_user_services(ctx: Context, actor: Actor, user_id: int, codes: list[str]) -> dict[str, Any]:
    """Managers choose the services an agent or expert may serve (none listed: every service)."""
    if actor.role not in MANAGERS:
        raise Forbidden("role", role=actor.role)
    if len(set(codes)) != len(codes):
        raise Invalid("duplicate_service")

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        user = s.get(User, user_id)
        if user is None or user.role == "admin":
            raise NotFound("user_not_found", user=user_id)
        site_id = user.site_id if user.site_id is not None else actor.site_id
        if site_id is None:
            raise Invalid("user_without_site")
        tickets._check_site(actor, site_id)
        found = _services_by_code(s, site_id, codes)
        s.execute(delete(UserService).where(UserService.user_id == user.id))
        for code in codes:
            s.add(UserService(user_id=user.id, service_id=found[code].id))
        s.flush()
        return {
            "id": user.id,
            "name": user.display_name,
            "username": user.username,
            "role": user.role,
            "services": codes,
        }

    return ctx.transact(work)
