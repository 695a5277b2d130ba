"""What agents, kiosks and scripts see of a ticket (no personal data exists on a ticket but the note)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.tickets import Source, State
from ..models import Appointment, Ticket, User
from .context import Context


class Labelled(Protocol):
    """A service as a ticket shows it (a Service row or read_cache's ServiceView)."""

    @property
    def code(self) -> str: ...

    @property
    def label_fr(self) -> str: ...


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 text of a moment, or None when it has not happened (JSON has no datetime)."""
    return moment.isoformat() if moment else None


def tracking_url(ctx: Context, token: str) -> str:
    """The link the ticket's QR code opens (its token is the only credential)."""
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
    service: Labelled | None = None,
) -> dict[str, Any]:
    """The ticket as the API answers it; with a session, the appointment it comes from (agents' views).
    `service`: the ticket's service when the ticket is a transient copy of its row (just issued)."""
    sv = service or t.service
    waited_until = (
        t.first_called_at or (t.ended_at if t.state != State.WAITING.value else None) or ctx.clock()
    )
    appointment = None
    if s is not None and (t.source == Source.APPOINTMENT.value or t.appointment_at is not None):
        appointment = _appointment_json(s, t)
    return {
        "id": t.id,
        "number": t.number,
        "service": sv.code,
        "service_label": sv.label_fr,
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
