"""A counter takes its next visitor: call-next (an atomic claim), or a walk-in served without a ticket."""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, Integer, bindparam, literal, or_, select, text, union_all
from sqlalchemy.orm import Session

from ..core import routing
from ..core.errors import NotFound
from ..core.numbering import business_day
from ..core.tickets import Action, Source, State
from ..models import Counter as CounterRow
from ..models import Service, Site, Ticket, UserService
from ..models.tickets import SPECIAL, WAITING
from . import audit, read_cache
from .context import Actor, Context, Event
from .counters import (
    check_counter_agent,
    check_counter_free,
    counter_for,
    service_weights,
    set_counter_status,
)
from .guards import require_staff
from .journal import queue_changed, ticket_called, ticket_changed
from .lifecycle import transition
from .site_rules import rules_of
from .ticket_views import ticket_json
from .tickets import issue_in_session

# How far down the ranking call-next looks for a ticket no other counter has just locked; it reads
# that many of each group at first, more only if every one of them was taken meanwhile.
CLAIM_DEPTH = 4
CANDIDATE_COLUMNS = (
    Ticket.id,
    Ticket.service_id,
    Ticket.arrived_at,
    Ticket.priority,
    Ticket.appointment_at,
    Ticket.placed_first,
)
# Written as the partial indexes' own conditions (models/tickets.py), so the databases use them.
WALK_INS = text(f"{WAITING} AND NOT ({SPECIAL})")
OTHERS = text(f"{WAITING} AND ({SPECIAL})")


@lru_cache(maxsize=512)
def _candidates_query(service_ids: tuple[int, ...], by_agent: bool) -> Any:
    """The candidates' statement for a counter calling these services, built once (building it costs
    more than running it): the site, the day, the counter, the agent and the depth are parameters."""
    # `service_id + 0`: SQLite would otherwise read every ticket of those services through the
    # numbering index instead of the few waiting ones through ix_tickets_waiting_special.
    eligible = (
        (Ticket.service_id + 0).in_(list(service_ids))
        & Ticket.target_counter_id.is_(None)
        & Ticket.target_agent_id.is_(None)
    )
    day = bindparam("day", type_=Date)
    depth = bindparam("depth", type_=Integer)
    today = (Ticket.site_id == bindparam("site_id")) & (Ticket.business_day == day) & OTHERS
    arrival = (Ticket.arrived_at, Ticket.id)
    groups = [
        select(*CANDIDATE_COLUMNS).where(today, eligible, Ticket.priority).order_by(*arrival),
        select(*CANDIDATE_COLUMNS)
        .where(today, eligible, ~Ticket.priority, Ticket.appointment_at.is_not(None))
        .order_by(Ticket.appointment_at, Ticket.id),
        select(*CANDIDATE_COLUMNS)
        .where(today, eligible, ~Ticket.priority, Ticket.appointment_at.is_(None), Ticket.placed_first)
        .order_by(*arrival),
        *(
            select(*CANDIDATE_COLUMNS)
            .where(Ticket.service_id == service_id, Ticket.business_day == day, WALK_INS)
            .order_by(*arrival)
            for service_id in service_ids
        ),
    ]
    parts: list[Any] = [
        select(*g.limit(depth).subquery().c, literal(n).label("grp")) for n, g in enumerate(groups)
    ]
    sent_here = Ticket.target_counter_id == bindparam("counter_id")
    if by_agent:
        sent_here = or_(sent_here, Ticket.target_agent_id == bindparam("user_id"))
    parts.append(select(*CANDIDATE_COLUMNS, literal(-1).label("grp")).where(today, sent_here))
    return union_all(*parts)


def candidates_of(
    s: Session,
    counter: CounterRow,
    user_id: int | None,
    weights: dict[int, float],
    day: date,
    depth: int,
) -> tuple[list[routing.Candidate], bool]:
    """What the ranking needs to order its first `depth` places, whatever the queue's length: the
    first `depth` of each group it ranks by a fixed key (priority tickets and transfers placed first by
    arrival, appointments by their time, each service's plain walk-ins by arrival: the ranking never
    passes an older one of a group for a newer one), and the tickets sent to this counter or agent.
    One statement; also whether some group holds more than was read."""
    query = _candidates_query(tuple(sorted(weights)), user_id is not None)
    params = {"site_id": counter.site_id, "day": day, "depth": depth, "counter_id": counter.id}
    if user_id is not None:
        params["user_id"] = user_id
    rows = s.execute(query, params).all()
    read = Counter(r.grp for r in rows)
    more = any(n >= depth for g, n in read.items() if g >= 0)
    return [routing.Candidate(*r[:6]) for r in rows], more


_CLAIM = select(Ticket).where(Ticket.id == bindparam("ticket"), Ticket.state == State.WAITING.value)
_CLAIM_LOCKED = _CLAIM.with_for_update(skip_locked=True, of=Ticket)


def _claim(s: Session, ticket_id: int) -> Ticket | None:
    """Lock one waiting ticket for this transaction; skip it if another counter holds it."""
    # On SQLite the write transaction (BEGIN IMMEDIATE) already serialises writers.
    stmt = _CLAIM_LOCKED if s.get_bind().dialect.name == "postgresql" else _CLAIM
    return s.scalar(stmt, {"ticket": ticket_id})


def call_next(ctx: Context, actor: Actor, counter_id: int) -> dict[str, Any] | None:
    """Give the counter the first ticket of the routing order that no other counter has claimed."""
    require_staff(actor)

    def work(s: Session, events: list[Event]) -> dict[str, Any] | None:
        now = ctx.clock()
        counter = counter_for(s, actor, counter_id, lock=True, links=False)
        check_counter_free(s, counter)
        check_counter_agent(actor, counter, now)
        site = read_cache.site_by_id(s, counter.site_id)
        assert site is not None  # the counter's own site
        rules = rules_of(ctx, site.config)
        weights = service_weights(s, counter)
        # The agent's own services, if a manager restricted them, narrow what the counter calls.
        allowed = set(s.scalars(select(UserService.service_id).where(UserService.user_id == actor.user_id)))
        if allowed:
            weights = {sid: w for sid, w in weights.items() if sid in allowed}
        day = business_day(now, site.timezone)
        policy = routing.RoutingPolicy(rules.priority_cap, rules.appointment_early_s, weights)
        depth, more = CLAIM_DEPTH, True
        t: Ticket | None = None
        cand: routing.Candidate | None = None
        while t is None and more:
            candidates, more = candidates_of(s, counter, actor.user_id, weights, day, depth)
            ranked = routing.rank(candidates, now, policy, counter.priority_streak)
            for cand in ranked[: depth if more else len(ranked)]:
                t = _claim(s, cand.id)
                if t is not None:
                    break
            depth *= 4  # every ticket read was just taken by other counters: read further
        if t is not None and cand is not None:
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
