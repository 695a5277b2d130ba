"""What a ticket's tracking link shows: number, state, place and estimate; nothing personal."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..core.errors import NotFound
from ..core.tickets import HELD_STATES, State
from ..models import Service, Site, Ticket
from . import queue
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


def site_timezone(ctx: Context, token: str) -> str | None:
    """The zone of the ticket's site: the tracking page shows its times there, whatever the phone's."""
    with ctx.db.session() as s:
        query = select(Site.timezone).join(Ticket, Ticket.site_id == Site.id)
        return s.scalar(query.where(Ticket.tracking_token == token))
