"""Ticket use cases: issue, call next (atomic claim), every counter action, public status."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..core import routing
from ..core.errors import DomainError
from ..core.numbering import business_day, check_quota, format_number
from ..core.tickets import (
    DEFAULT_OUTCOMES,
    HELD_STATES,
    Action,
    Source,
    State,
    check_no_show,
    check_outcome,
    next_state,
)
from ..models import (
    Appointment,
    Counter,
    Service,
    Site,
    Ticket,
    TicketEvent,
    TicketSequence,
    User,
    UserService,
)
from . import queue
from .context import Actor, Context, Event
from .errors import Forbidden, Invalid, NotFound

MANAGERS = ("manager", "admin")
STAFF = ("agent", "expert", "manager", "admin")
# How far down the ranking call-next looks for a ticket no other counter has just locked.
CLAIM_DEPTH = 50


@dataclass(frozen=True)
class SiteRules:
    priority_cap: int
    appointment_early_s: int
    min_recalls_before_no_show: int
    outcomes: tuple[str, ...]


def site_rules(ctx: Context, site: Site) -> SiteRules:
    """Site settings override the installation defaults (a local choice, not the law)."""
    cfg = site.settings or {}
    st = ctx.settings
    return SiteRules(
        priority_cap=int(cfg.get("priority_cap", st.priority_cap)),
        appointment_early_s=int(cfg.get("appointment_early_s", st.appointment_early_s)),
        min_recalls_before_no_show=int(cfg.get("min_recalls_before_no_show", st.min_recalls_before_no_show)),
        outcomes=tuple(cfg.get("outcomes", DEFAULT_OUTCOMES)),
    )


def tracking_url(ctx: Context, token: str) -> str:
    return f"{ctx.settings.public_url}/t/{token}"


def _appointment_json(s: Session, t: Ticket) -> dict[str, Any] | None:
    appt = s.scalar(select(Appointment).where(Appointment.ticket_id == t.id))
    if appt is None and t.transferred_from_id is not None:
        appt = s.scalar(select(Appointment).where(Appointment.ticket_id == t.transferred_from_id))
    if appt is None:
        return None
    expert = s.get(User, appt.expert_id) if appt.expert_id else None
    return {
        "code": appt.code,
        "starts_at": appt.starts_at.isoformat(),
        "duration_min": appt.duration_min,
        "service": appt.service.code,
        "status": appt.status,
        "expert": {"id": expert.id, "name": expert.display_name} if expert else None,
    }


def ticket_json(
    ctx: Context,
    t: Ticket,
    position: int | None = None,
    estimate: int | None = None,
    s: Session | None = None,
) -> dict[str, Any]:
    """What agents and kiosks see of a ticket (no personal data exists on a ticket besides the note).

    With a session, the appointment a ticket comes from is included (agents' views).
    """
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    waited_until = (
        t.first_called_at or (t.ended_at if t.state != State.WAITING.value else None) or ctx.clock()
    )
    appointment = None
    if s is not None and (t.source == Source.APPOINTMENT.value or t.appointment_at is not None):
        appointment = _appointment_json(s, t)
    return {
        "id": t.id,
        "number": t.number,
        "service": t.service.code,
        "service_label": t.service.label_fr,
        "status": t.state,
        "priority": t.priority,
        "priority_reason": t.priority_reason,
        "source": t.source,
        "position": position,
        "estimated_wait_s": estimate,
        "quoted_wait_s": t.quoted_wait_s,
        "tracking_url": tracking_url(ctx, t.tracking_token),
        "counter": (
            {"id": t.counter.id, "number": t.counter.number, "name": t.counter.name} if t.counter else None
        ),
        "arrived_at": iso(t.arrived_at),
        "issued_at": iso(t.issued_at),
        "called_at": iso(t.called_at),
        "started_at": iso(t.started_at),
        "ended_at": iso(t.ended_at),
        "recall_count": t.recall_count,
        "outcome": t.outcome,
        "note": t.note,
        "transferred_from": t.transferred_from_id,
        "wait_s": max(0, int((waited_until - t.arrived_at).total_seconds())),
        "placed_first": t.placed_first,
        "target_counter": t.target_counter_id,
        "target_agent": t.target_agent_id,
        "parked_at": iso(t.parked_at),
        "appointment": appointment,
    }


def _site_by_slug(s: Session, slug: str) -> Site:
    site = s.scalar(select(Site).where(Site.slug == slug))
    if site is None:
        raise NotFound("site_not_found", site=slug)
    return site


def _check_site(actor: Actor, site_id: int) -> None:
    if actor.site_id is not None and actor.site_id != site_id:
        raise Forbidden("other_site")


def _log(
    s: Session,
    t: Ticket,
    action: str,
    before: str | None,
    actor: Actor | None,
    now: datetime,
    counter_id: int | None = None,
    **data: Any,
) -> None:
    s.add(
        TicketEvent(
            ticket_id=t.id,
            site_id=t.site_id,
            at=now,
            action=action,
            from_state=before,
            to_state=t.state,
            actor_user_id=actor.user_id if actor else None,
            actor_device_id=actor.device_id if actor else None,
            counter_id=counter_id if counter_id is not None else t.counter_id,
            data=data,
        )
    )


WAITING_CHANGES = frozenset({Action.REQUEUE, Action.PARK, Action.UNPARK, Action.CANCEL, Action.TRANSFER})
ESCALATED = "escalated"


def _ticket_event(t: Ticket) -> Event:
    return Event("ticket_changed", t.site_id, {"status": t.state}, t.tracking_token)


def _queue_event(t: Ticket) -> Event:
    return Event("queue_changed", t.site_id, {"service": t.service.code}, t.tracking_token)


def _allocate_sequence(s: Session, site_id: int, service_id: int, day) -> int:
    """One atomic upsert returns the next number: no read-then-write, so no duplicate ever."""
    dialect = s.get_bind().dialect.name
    ins = {"postgresql": pg_insert, "sqlite": sqlite_insert}[dialect](TicketSequence)
    stmt = ins.values(site_id=site_id, service_id=service_id, business_day=day, last_value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["site_id", "service_id", "business_day"],
        set_={"last_value": TicketSequence.last_value + 1},
    ).returning(TicketSequence.last_value)
    return int(s.execute(stmt).scalar_one())


def _source_for(actor: Actor) -> Source:
    if actor.is_user:
        return Source.COUNTER if actor.via_session else Source.API
    if actor.role == "kiosk":
        return Source.KIOSK
    raise Forbidden("role", role=actor.role)


def issue_in_session(
    s: Session,
    ctx: Context,
    actor: Actor,
    site: Site,
    service: Service,
    events: list[Event],
    priority: bool = False,
    priority_reason: str | None = None,
    appointment_at: datetime | None = None,
    source: Source | None = None,
) -> tuple[Ticket, int]:
    """Number a new waiting ticket inside the caller's transaction; return it with its position."""
    source = source or _source_for(actor)
    now = ctx.clock()
    _check_site(actor, site.id)
    if not service.active:
        raise DomainError("service_closed", service=service.code)
    day = business_day(now, site.timezone)
    seq = _allocate_sequence(s, site.id, service.id, day)
    check_quota(seq, service.daily_quota)
    t = Ticket(
        site_id=site.id,
        service_id=service.id,
        business_day=day,
        sequence=seq,
        number=format_number(service.prefix, seq),
        state=State.WAITING.value,
        priority=priority,
        priority_reason=priority_reason if priority else None,
        source=source.value,
        tracking_token=secrets.token_urlsafe(24),
        arrived_at=now,
        issued_at=now,
        appointment_at=appointment_at,
    )
    t.service = service
    s.add(t)
    s.flush()
    position = queue.position_of(s, t)
    t.quoted_wait_s = queue.estimate_for(s, service, position, now, ctx.settings.default_service_time_s)
    _log(s, t, "issue", None, actor, now, priority=priority, source=source.value)
    events.append(_queue_event(t))
    return t, position


def issue_ticket(
    ctx: Context,
    actor: Actor,
    site_slug: str,
    service_code: str,
    priority: bool = False,
    priority_reason: str | None = None,
) -> dict[str, Any]:
    """Number a new waiting ticket, quote its wait, and log its issue."""
    _source_for(actor)  # refuse displays before touching the database

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = _site_by_slug(s, site_slug)
        _check_site(actor, site.id)
        service = s.scalar(select(Service).where(Service.site_id == site.id, Service.code == service_code))
        if service is None:
            raise NotFound("service_not_found", service=service_code)
        t, position = issue_in_session(s, ctx, actor, site, service, events, priority, priority_reason)
        return ticket_json(ctx, t, position, t.quoted_wait_s)

    return ctx.transact(work)


def _counter_for(s: Session, actor: Actor, counter_id: int, lock: bool) -> Counter:
    stmt = select(Counter).where(Counter.id == counter_id)
    if lock and s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Counter)
    counter = s.scalar(stmt)
    if counter is None:
        raise NotFound("counter_not_found", counter=counter_id)
    _check_site(actor, counter.site_id)
    return counter


def held_ticket(s: Session, counter: Counter) -> Ticket | None:
    """The ticket a counter is calling or serving, if any (at most one)."""
    return s.scalar(
        select(Ticket).where(
            Ticket.counter_id == counter.id, Ticket.state.in_([st.value for st in HELD_STATES])
        )
    )


def check_counter_free(s: Session, counter: Counter) -> None:
    """One ticket at a time per counter: refuse while it holds one."""
    busy = held_ticket(s, counter)
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


def _require_staff(actor: Actor) -> None:
    if not actor.is_user or actor.role not in STAFF:
        raise Forbidden("role", role=actor.role)


def _claim(s: Session, ticket_id: int) -> Ticket | None:
    """Lock one waiting ticket for this transaction; skip it if another counter holds it."""
    stmt = select(Ticket).where(Ticket.id == ticket_id, Ticket.state == State.WAITING.value)
    if s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Ticket)
    # On SQLite the write transaction (BEGIN IMMEDIATE) already serialises writers.
    return s.scalar(stmt)


def call_next(ctx: Context, actor: Actor, counter_id: int) -> dict[str, Any] | None:
    """Give the counter the first ticket of the routing order that no other counter has claimed."""
    _require_staff(actor)

    def work(s: Session, events: list[Event]) -> dict[str, Any] | None:
        now = ctx.clock()
        counter = _counter_for(s, actor, counter_id, lock=True)
        check_counter_free(s, counter)
        check_counter_agent(actor, counter, now)
        rules = site_rules(ctx, counter.site)
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
            _open(counter, now)
            _transition(s, t, Action.CALL, actor, now, counter=counter, priority=t.priority)
            events.append(_called_event(t, recall=False))
            events.append(_queue_event(t))
            return ticket_json(ctx, t, s=s)
        _open(counter, now)
        return None

    return ctx.transact(work)


def _open(counter: Counter, now: datetime) -> None:
    """Calling from a paused or closed counter opens it (the agent is clearly back)."""
    if counter.status != "open":
        counter.status = "open"
        counter.status_changed_at = now


def _transition(
    s: Session,
    t: Ticket,
    action: Action,
    actor: Actor,
    now: datetime,
    counter: Counter | None = None,
    **data: Any,
) -> None:
    """Apply one lifecycle step: the table decides the state, this sets the step's fields and logs it."""
    before = t.state
    # The counter involved, recorded before a requeue detaches the ticket from it.
    at_counter = counter.id if counter else t.counter_id
    t.state = next_state(t.state, action).value
    if action == Action.CALL:
        assert counter is not None
        t.counter_id, t.counter, t.agent_id = counter.id, counter, actor.user_id
        t.first_called_at = t.first_called_at or now
        t.called_at = now
    elif action == Action.RECALL:
        t.recall_count += 1
        t.called_at = now
    elif action == Action.START:
        t.started_at = now
    elif action == Action.PARK:
        t.parked_at = now
        # A parked ticket frees its counter; its agent stays recorded (who parked it).
        t.counter_id, t.counter = None, None
    elif action == Action.RESUME:
        assert counter is not None
        t.counter_id, t.counter, t.agent_id = counter.id, counter, actor.user_id
        t.started_at = t.started_at or now
    elif action == Action.REQUEUE:
        t.counter_id, t.counter, t.agent_id = None, None, None
    elif action in (Action.FINISH, Action.NO_SHOW, Action.CANCEL, Action.TRANSFER):
        t.ended_at = now
    _log(s, t, action.value, before, actor, now, counter_id=at_counter, **data)


def _called_event(t: Ticket, recall: bool) -> Event:
    assert t.counter is not None and t.called_at is not None
    return Event(
        "ticket_called",
        t.site_id,
        {
            "number": t.number,
            "counter": t.counter.number,
            "counter_name": t.counter.name,
            "service": t.service.code,
            "called_at": t.called_at.isoformat(),
            "recall": recall,
        },
        t.tracking_token,
    )


def act(
    ctx: Context, actor: Actor, ticket_id: int, action: str, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Apply one counter action to a ticket, checking who may touch it."""
    _require_staff(actor)
    try:
        act_ = Action(action)
    except ValueError as exc:
        raise NotFound("unknown_action", action=action) from exc
    if act_ == Action.CALL:
        raise Invalid("use_call_next")
    params = params or {}

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        stmt = select(Ticket).where(Ticket.id == ticket_id)
        if s.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(of=Ticket)
        t = s.scalar(stmt)
        if t is None:
            raise NotFound("ticket_not_found", ticket=ticket_id)
        _check_site(actor, t.site_id)
        if t.state in HELD_STATES and t.agent_id != actor.user_id and actor.role not in MANAGERS:
            raise Forbidden("held_by_other_agent", number=t.number)
        site = s.get(Site, t.site_id)
        assert site is not None
        rules = site_rules(ctx, site)
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
            _transition(s, t, act_, actor, now, to_ticket=result.id)
            _log(s, result, "transfer_in", None, actor, now, from_ticket=t.id)
        elif act_ == Action.RESUME:
            counter = _counter_for(s, actor, int(params.get("counter") or 0), lock=True)
            check_counter_agent(actor, counter, now)
            check_counter_free(s, counter)
            _open(counter, now)
            _transition(s, t, act_, actor, now, counter=counter)
        else:
            extra = {"outcome": t.outcome} if act_ == Action.FINISH else {}
            _transition(s, t, act_, actor, now, **extra)
        if act_ == Action.FINISH and params.get("case"):
            from . import cases  # cases build on tickets, not the other way round

            if t.outcome != ESCALATED:
                raise Invalid("case_needs_escalated_outcome")
            case = cases.open_in_session(s, ctx, actor, site, params["case"], events, ticket=t)
        if act_ == Action.RECALL:
            events.append(_called_event(t, recall=True))
        # Only steps that change who is waiting move the queues the screens show; the others
        # (start, finish, recall, no-show, parking a ticket being served) concern this ticket's
        # phone and the counters alone.
        waiting_moved = act_ in WAITING_CHANGES and State.WAITING.value in (before, result.state)
        events.append(_queue_event(result) if waiting_moved else _ticket_event(t))
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
        service = s.scalar(select(Service).where(Service.site_id == t.site_id, Service.code == service_code))
        if service is None:
            raise NotFound("service_not_found", service=service_code)
        if not service.active:
            raise DomainError("service_closed", service=service_code)
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
        if (
            agent is None
            or not agent.active
            or agent.site_id not in (None, t.site_id)
            or agent.role == "admin"
        ):
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


def queue_of(ctx: Context, token: str) -> tuple[int, str] | None:
    """(site id, service code) of the queue a tracked ticket stands in, for its phone's room."""
    with ctx.db.session() as s:
        row = s.execute(
            select(Ticket.site_id, Service.code)
            .join(Service, Service.id == Ticket.service_id)
            .where(Ticket.tracking_token == token)
        ).first()
        return (row[0], row[1]) if row else None


def public_status(ctx: Context, token: str) -> dict[str, Any]:
    """What anyone holding the ticket's link may see: number, state, place and estimate only."""
    if not token or len(token) > 64:
        raise NotFound("ticket_not_found")
    with ctx.db.session() as s:
        t = s.scalar(select(Ticket).where(Ticket.tracking_token == token))
        if t is None:
            raise NotFound("ticket_not_found")
        position = estimate = None
        if t.state == State.WAITING.value:
            position = queue.position_of(s, t)
            estimate = queue.estimate_for(
                s, t.service, position, ctx.clock(), ctx.settings.default_service_time_s
            )
        return {
            "number": t.number,
            "service": t.service.code,
            "service_label": t.service.label_fr,
            "status": t.state,
            "position": position,
            "estimated_wait_s": estimate,
            "counter": t.counter.number if t.counter and t.state in HELD_STATES else None,
            "called_at": t.called_at.isoformat() if t.called_at and t.state in HELD_STATES else None,
        }
