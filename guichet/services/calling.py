"""A counter takes its next visitor: call-next (an atomic claim), or a walk-in served without a ticket."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..core import routing
from ..core.errors import NotFound
from ..core.numbering import business_day
from ..core.tickets import Action, Source, State
from ..models import Service, Site, Ticket, UserService
from . import audit
from .context import Actor, Context, Event
from .counters import (
    check_counter_agent,
    check_counter_free,
    counter_for,
    set_counter_status,
)
from .guards import require_staff
from .journal import queue_changed, ticket_called, ticket_changed
from .lifecycle import transition
from .site_rules import queue_rules
from .ticket_views import ticket_json
from .tickets import issue_in_session

# How far down the ranking call-next looks for a ticket no other counter has just locked.
CLAIM_DEPTH = 50


def _claim(s: Session, ticket_id: int) -> Ticket | None:
    """Lock one waiting ticket for this transaction; skip it if another counter holds it."""
    stmt = select(Ticket).where(Ticket.id == ticket_id, Ticket.state == State.WAITING.value)
    if s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Ticket)
    # On SQLite the write transaction (BEGIN IMMEDIATE) already serialises writers.
    return s.scalar(stmt)


def call_next(ctx: Context, actor: Actor, counter_id: int) -> dict[str, Any] | None:
    """Give the counter the first ticket of the routing order that no other counter has claimed."""
    require_staff(actor)

    def work(s: Session, events: list[Event]) -> dict[str, Any] | None:
        now = ctx.clock()
        counter = counter_for(s, actor, counter_id, lock=True)
        check_counter_free(s, counter)
        check_counter_agent(actor, counter, now)
        rules = queue_rules(ctx, counter.site)
        weights = {link.service_id: link.weight for link in counter.service_links}
        # The agent's own services, if a manager restricted them, narrow what the counter calls.
        allowed = set(s.scalars(select(UserService.service_id).where(UserService.user_id == actor.user_id)))
        if allowed:
            weights = {sid: w for sid, w in weights.items() if sid in allowed}
        rows = s.execute(
            select(
                Ticket.id,
                Ticket.service_id,
                Ticket.arrived_at,
                Ticket.priority,
                Ticket.appointment_at,
                Ticket.placed_first,
            ).where(
                Ticket.site_id == counter.site_id,
                Ticket.business_day == business_day(now, counter.site.timezone),
                Ticket.state == State.WAITING.value,
                or_(
                    Ticket.target_counter_id == counter.id,
                    Ticket.target_agent_id == actor.user_id,
                    Ticket.service_id.in_(list(weights))
                    & Ticket.target_counter_id.is_(None)
                    & Ticket.target_agent_id.is_(None),
                ),
            )
        ).all()
        candidates = [routing.Candidate(*r) for r in rows]
        policy = routing.RoutingPolicy(rules.priority_cap, rules.appointment_early_s, weights)
        for cand in routing.rank(candidates, now, policy, counter.priority_streak)[:CLAIM_DEPTH]:
            t = _claim(s, cand.id)
            if t is None:
                continue
            counter.priority_streak = routing.next_priority_streak(counter.priority_streak, cand)
            set_counter_status(counter, "open", now)
            transition(s, t, Action.CALL, actor, now, counter=counter, priority=t.priority)
            if t.priority:
                # A priority call passes people who came first: answerable, so audited.
                audit.record(
                    s,
                    actor,
                    now,
                    "ticket.priority_call",
                    t.site_id,
                    t.number,
                    None,
                    {"counter": counter.number, "reason": t.priority_reason},
                )
            events.append(ticket_called(t, recall=False))
            events.append(queue_changed(t))
            return ticket_json(ctx, t, s=s)
        set_counter_status(counter, "open", now)
        return None

    return ctx.transact(work)


def walk_in(ctx: Context, actor: Actor, counter_id: int, service_code: str) -> dict[str, Any]:
    """A visitor served without a ticket: number them (for the statistics) and serve them at once."""
    require_staff(actor)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        counter = counter_for(s, actor, counter_id, lock=True)
        check_counter_agent(actor, counter, now)
        check_counter_free(s, counter)
        service = s.scalar(
            select(Service).where(Service.site_id == counter.site_id, Service.code == service_code)
        )
        if service is None:
            raise NotFound("service_not_found", service=service_code)
        site = s.get(Site, counter.site_id)
        assert site is not None
        outbox: list[Event] = []
        t, _position = issue_in_session(s, ctx, actor, site, service, outbox, source=Source.COUNTER)
        set_counter_status(counter, "open", now)
        transition(s, t, Action.CALL, actor, now, counter=counter, walk_in=True)
        transition(s, t, Action.START, actor, now)
        # Never waited, never announced: only the workstations hear about it.
        events.append(ticket_changed(t))
        return ticket_json(ctx, t, s=s)

    return ctx.transact(work)
