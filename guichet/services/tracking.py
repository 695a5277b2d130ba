"""What a ticket's tracking link shows: number, state, place and estimate; nothing personal."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.errors import NotFound
from ..core.tickets import HELD_STATES, State
from ..models import Service, Site, Ticket
from . import queue, satisfaction
from .context import Context


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
    with ctx.db.session() as s:
        return _status(s, ctx, _ticket(s, token))


def tracking_page(ctx: Context, token: str) -> dict[str, Any]:
    """The public status, and the zone of the ticket's site: the page shows its times there, whatever
    the phone's own zone."""
    with ctx.db.session() as s:
        t = _ticket(s, token)
        site = s.get(Site, t.site_id)
        return {
            **_status(s, ctx, t),
            "timezone": site.timezone if site else None,
            "satisfaction": satisfaction.question(s, t, ctx.clock()),
        }


def _ticket(s: Session, token: str) -> Ticket:
    t = None
    if token and len(token) <= 64:
        t = s.scalar(select(Ticket).where(Ticket.tracking_token == token))
    if t is None:
        raise NotFound("ticket_not_found")
    return t


def _status(s: Session, ctx: Context, t: Ticket) -> dict[str, Any]:
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
