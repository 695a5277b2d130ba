"""Counters as places: who sits where, open / paused / closed, and the one ticket a counter holds.

The ticket steps taken at a counter live in services.calling (call next, walk-in) and
services.ticket_steps (recall, finish, transfer...). Every write here publishes `counter_changed`
(a hint for the workstations; screens do not hear it).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, lazyload

from ..core.errors import DomainError, Forbidden, Invalid, NotFound
from ..core.roles import MANAGERS
from ..core.tickets import HELD_STATES, State
from ..models import Counter, CounterService, Ticket, User
from .context import Actor, Context, Event
from .guards import check_site, require_staff, site_of
from .journal import log_step, queue_changed
from .ticket_views import ticket_json

COUNTER_STATUSES = ("open", "paused", "closed")


@lru_cache(maxsize=8)
def _counter_query(lock: bool, links: bool) -> Select[Counter]:
    # Built once: building a statement costs more than a primary-key read.
    stmt = select(Counter).where(Counter.id == bindparam("counter"))
    if not links:
        stmt = stmt.options(lazyload(Counter.service_links))
    return stmt.with_for_update(of=Counter) if lock else stmt


_WEIGHTS = select(CounterService.service_id, CounterService.weight).where(
    CounterService.counter_id == bindparam("counter")
)
_HELD = select(Ticket.number, Ticket.state).where(
    Ticket.counter_id == bindparam("counter"), Ticket.state.in_([st.value for st in HELD_STATES])
)


def counter_for(s: Session, actor: Actor, counter_id: int, lock: bool, links: bool = True) -> Counter:
    """The counter, once the caller is known to work at its site; locked for a write on PostgreSQL
    (one counter's two clicks serialise). `links=False`: without its services (call-next reads only
    their ids and weights, service_weights)."""
    stmt = _counter_query(lock and s.get_bind().dialect.name == "postgresql", links)
    counter = s.scalar(stmt, {"counter": counter_id})
    if counter is None:
        raise NotFound("counter_not_found", counter=counter_id)
    check_site(actor, counter.site_id)
    return counter


def service_weights(s: Session, counter: Counter) -> dict[int, float]:
    """Service id -> weight of what the counter serves, as plain rows."""
    return {service_id: weight for service_id, weight in s.execute(_WEIGHTS, {"counter": counter.id})}


def held_ticket(s: Session, counter: Counter) -> Ticket | None:
    """The ticket a counter is calling or serving, if any (at most one)."""
    return s.scalar(
        select(Ticket).where(
            Ticket.counter_id == counter.id, Ticket.state.in_([st.value for st in HELD_STATES])
        )
    )


def check_counter_free(s: Session, counter: Counter) -> None:
    """One ticket at a time per counter: refuse while it holds one (two columns read, no object)."""
    busy = s.execute(_HELD, {"counter": counter.id}).first()
    if busy is not None:
        raise DomainError("counter_busy", number=busy.number, status=busy.state)


def check_counter_agent(actor: Actor, counter: Counter, now: datetime) -> None:
    """Only the agent sitting at a counter acts from it (managers may step in). A free counter is
    taken by the agent who uses it, so API clients need no separate sign-in to a counter."""
    if actor.role in MANAGERS:
        return  # managers step in at any counter without taking it from its agent
    if counter.agent_id is None:
        counter.agent_id = actor.user_id
        counter.status_changed_at = now
    elif counter.agent_id != actor.user_id:
        raise Forbidden("counter_of_other_agent", counter=counter.number)


def set_counter_status(counter: Counter, status: str, now: datetime) -> None:
    """Change the status (and when it changed) only when it does change."""
    if counter.status != status:
        counter.status = status
        counter.status_changed_at = now


def counter_event(counter: Counter) -> Event:
    return Event("counter_changed", counter.site_id, {"counter": counter.number, "status": counter.status})


def counter_json(s: Session, c: Counter) -> dict[str, Any]:
    agent = s.get(User, c.agent_id) if c.agent_id else None
    held = held_ticket(s, c)
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


def list_counters(ctx: Context, actor: Actor, slug: str) -> list[dict[str, Any]]:
    """The site's counters: status, who sits there, services, the ticket held."""
    require_staff(actor)
    with ctx.db.session() as s:
        site = site_of(s, actor, slug)
        rows = s.scalars(select(Counter).where(Counter.site_id == site.id).order_by(Counter.number)).all()
        return [counter_json(s, c) for c in rows]


def _close(
    s: Session, ctx: Context, actor: Actor, counter: Counter, now: datetime, events: list[Event]
) -> None:
    """Close a counter: nobody sits there any more; tickets sent to it go back to their service's queue."""
    check_counter_free(s, counter)
    set_counter_status(counter, "closed", now)
    counter.agent_id = None
    counter.priority_streak = 0
    released = s.scalars(
        select(Ticket).where(Ticket.target_counter_id == counter.id, Ticket.state == State.WAITING.value)
    ).all()
    for t in released:
        t.target_counter_id = None
        log_step(s, t, "release", t.state, actor, now, counter_id=counter.id, reason="counter_closed")
        events.append(queue_changed(t))
    events.append(counter_event(counter))


def occupy(ctx: Context, actor: Actor, counter_id: int) -> dict[str, Any]:
    """The agent sits at this counter (open); the counter they sat at before is closed."""
    require_staff(actor)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        counter = counter_for(s, actor, counter_id, lock=True)
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
        set_counter_status(counter, "open", now)
        events.append(counter_event(counter))
        return counter_json(s, counter)

    return ctx.transact(work)


def set_status(ctx: Context, actor: Actor, counter_id: int, status: str) -> dict[str, Any]:
    """Open, pause (a break: the agent stays) or close (the agent leaves) a counter."""
    require_staff(actor)
    if status not in COUNTER_STATUSES:
        raise Invalid("unknown_counter_status", status=status)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        counter = counter_for(s, actor, counter_id, lock=True)
        if counter.agent_id not in (None, actor.user_id) and actor.role not in MANAGERS:
            raise Forbidden("counter_of_other_agent", counter=counter.number)
        if status == "closed":
            _close(s, ctx, actor, counter, now, events)
        else:
            if status == "paused":
                check_counter_free(s, counter)
            if counter.agent_id is None:
                counter.agent_id = actor.user_id
            set_counter_status(counter, status, now)
            events.append(counter_event(counter))
        return counter_json(s, counter)

    return ctx.transact(work)


def current(ctx: Context, actor: Actor, counter_id: int) -> dict[str, Any]:
    require_staff(actor)
    with ctx.db.session() as s:
        counter = counter_for(s, actor, counter_id, lock=False)
        held = held_ticket(s, counter)
        return {"ticket": ticket_json(ctx, held, s=s) if held else None}
