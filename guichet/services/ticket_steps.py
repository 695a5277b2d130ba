"""Counter actions on a ticket: recall, start, no-show, requeue, park, unpark, resume, transfer,
finish (with a level-2 case when escalated), cancel. Each is one transaction checking who may act."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from ..core.errors import DomainError, Forbidden, Invalid, NotFound
from ..core.roles import ADMIN, MANAGERS
from ..core.tickets import ESCALATED, HELD_STATES, Action, State, check_no_show, check_outcome, next_state
from ..models import Counter, Service, Site, Ticket, User
from . import appointment_outcomes, audit, cases, read_cache
from .context import Actor, Context, Event
from .counters import check_counter_agent, check_counter_free, counter_for, set_counter_status
from .guards import check_site, require_staff
from .journal import log_step, queue_changed, ticket_called, ticket_changed
from .lifecycle import transition
from .site_rules import rules_of
from .ticket_views import ticket_json

# Steps that change who is waiting (the queues the screens show move).
WAITING_CHANGES = frozenset({Action.REQUEUE, Action.PARK, Action.UNPARK, Action.CANCEL, Action.TRANSFER})
# Steps that go in the audit log besides the ticket's own events (agents answer for them).
SENSITIVE = frozenset({Action.NO_SHOW, Action.TRANSFER, Action.CANCEL})


# The ticket a step acts on, with its counter (the answer shows it: a lazy load would flush and read
# again); built once, as building it costs more than running it.
_TICKET = (
    select(Ticket)
    .where(Ticket.id == bindparam("ticket"))
    .options(joinedload(Ticket.counter).lazyload(Counter.service_links))
)
_TICKET_LOCKED = _TICKET.with_for_update(of=Ticket)


def act(
    ctx: Context, actor: Actor, ticket_id: int, action: str, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Apply one counter action to a ticket, checking who may touch it."""
    require_staff(actor)
    try:
        act_ = Action(action)
    except ValueError as exc:
        raise NotFound("unknown_action", action=action) from exc
    if act_ == Action.CALL:
        raise Invalid("use_call_next")
    params = params or {}

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        stmt = _TICKET_LOCKED if s.get_bind().dialect.name == "postgresql" else _TICKET
        t = s.scalar(stmt, {"ticket": ticket_id})
        if t is None:
            raise NotFound("ticket_not_found", ticket=ticket_id)
        check_site(actor, t.site_id)
        if t.state in HELD_STATES and t.agent_id != actor.user_id and actor.role not in MANAGERS:
            raise Forbidden("held_by_other_agent", number=t.number)
        site = read_cache.site_by_id(s, t.site_id)
        assert site is not None  # the ticket's own site
        rules = rules_of(ctx, site.config)
        before = t.state
        next_state(t.state, act_)  # refuse forbidden transitions before any other check
        result = t
        case: dict[str, Any] | None = None
        if act_ == Action.NO_SHOW:
            check_no_show(t.recall_count, rules.min_recalls_before_no_show)
        if act_ == Action.FINISH:
            t.outcome = check_outcome(params.get("outcome"), rules.outcomes)
            t.note = params.get("note") or None
            if t.outcome == ESCALATED and not params.get("case"):
                raise Invalid("case_required")
        if act_ == Action.TRANSFER:
            result = _transfer(s, t, actor, now, params)
            transition(s, t, act_, actor, now, to_ticket=result.id)
            log_step(s, result, "transfer_in", None, actor, now, from_ticket=t.id)
        elif act_ == Action.RESUME:
            counter = counter_for(s, actor, int(params.get("counter") or 0), lock=True)
            check_counter_agent(actor, counter, now)
            check_counter_free(s, counter)
            set_counter_status(counter, "open", now)
            transition(s, t, act_, actor, now, counter=counter)
        elif act_ == Action.FINISH:
            transition(s, t, act_, actor, now, outcome=t.outcome)
        else:
            transition(s, t, act_, actor, now)
        if act_ in (Action.FINISH, Action.NO_SHOW):
            appointment_outcomes.follow_ticket(s, t)
        if act_ == Action.FINISH and params.get("case"):
            if t.outcome != ESCALATED:
                raise Invalid("case_needs_escalated_outcome")
            row = s.get_one(Site, t.site_id)
            case = cases.open_in_session(s, ctx, actor, row, params["case"], events, ticket=t)
        if act_ == Action.RECALL:
            events.append(ticket_called(t, recall=True))
        if act_ in SENSITIVE:
            # Declaring someone absent or sending them elsewhere is answerable: the audit log says who.
            moved = {"service": result.service.code, "number": result.number} if result is not t else None
            audit.record(
                s,
                actor,
                now,
                f"ticket.{act_.value.replace('-', '_')}",
                t.site_id,
                t.number,
                {"state": before},
                {"state": t.state, "to": moved},
            )
        # Only steps that change who is waiting move the queues the screens show; the others
        # (start, finish, recall, no-show, parking a ticket being served) concern this ticket's
        # phone and the counters alone.
        waiting_moved = act_ in WAITING_CHANGES and State.WAITING.value in (before, result.state)
        events.append(queue_changed(result) if waiting_moved else ticket_changed(t))
        out = ticket_json(ctx, result, s=s)
        if case is not None:
            out["case"] = case
        return out

    return ctx.transact(work)


def _transfer(s: Session, t: Ticket, actor: Actor, now: datetime, params: dict[str, Any]) -> Ticket:
    """Create the linked waiting ticket; it keeps the arrival time, number and tracking link."""
    service_code, counter_id = params.get("service"), params.get("counter")
    agent_id = params.get("agent")
    placement = params.get("placement") or "arrival"
    if placement not in ("arrival", "first"):
        raise Invalid("unknown_placement", placement=placement)
    if service_code is None and counter_id is None and agent_id is None:
        raise Invalid("transfer_target_required")
    if counter_id is not None and agent_id is not None:
        raise Invalid("transfer_one_target")
    service = t.service
    if service_code is not None:
        named = s.scalar(select(Service).where(Service.site_id == t.site_id, Service.code == service_code))
        if named is None:
            raise NotFound("service_not_found", service=service_code)
        if not named.active:
            raise DomainError("service_closed", service=service_code)
        service = named
    target = None
    if counter_id is not None:
        target = s.get(Counter, counter_id)
        if target is None or target.site_id != t.site_id:
            raise NotFound("counter_not_found", counter=counter_id)
        if target.id == t.counter_id and service.id == t.service_id:
            raise Invalid("transfer_to_self")
    agent = None
    if agent_id is not None:
        agent = s.get(User, agent_id)
        if agent is None or not agent.active or agent.site_id not in (None, t.site_id) or agent.role == ADMIN:
            raise NotFound("user_not_found", user=agent_id)
        if agent.id == t.agent_id and service.id == t.service_id:
            raise Invalid("transfer_to_self")
    token = t.tracking_token
    # The citizen's printed QR code follows them to the new ticket.
    t.tracking_token = secrets.token_urlsafe(24)
    s.flush()
    new = Ticket(
        site_id=t.site_id,
        service_id=service.id,
        business_day=t.business_day,
        sequence=None,
        number=t.number,
        state=State.WAITING.value,
        priority=t.priority,
        priority_reason=t.priority_reason,
        source=t.source,
        tracking_token=token,
        arrived_at=t.arrived_at,
        issued_at=now,
        appointment_at=t.appointment_at,
        target_counter_id=target.id if target else None,
        target_agent_id=agent.id if agent else None,
        placed_first=placement == "first",
        transferred_from_id=t.id,
    )
    new.service = service
    s.add(new)
    s.flush()
    return new
