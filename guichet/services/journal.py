"""What a ticket's step leaves behind: its row in the append-only event log, and the hub's events.

The log is the evidence statistics read (database triggers refuse UPDATE and DELETE on it); the
events are hints published after commit (`Context.transact`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from ..models import Ticket, TicketEvent
from .context import Actor, Event

INSERT_EVENT = insert(cast(Table, TicketEvent.__table__))


def log_step(
    s: Session,
    t: Ticket,
    action: str,
    before: str | None,
    actor: Actor | None,
    now: datetime,
    counter_id: int | None = None,
    **data: Any,
) -> None:
    """Append one row for a ticket's step: who (user or device), where (counter), when, and details.

    A plain INSERT, written at once (the ticket's row exists already): the log is never read back as
    objects in the transaction that writes it, so the unit of work would only add cost."""
    s.connection().execute(
        INSERT_EVENT,
        {
            "ticket_id": t.id,
            "site_id": t.site_id,
            "at": now,
            "action": action,
            "from_state": before,
            "to_state": t.state,
            "actor_user_id": actor.user_id if actor else None,
            "actor_device_id": actor.device_id if actor else None,
            "counter_id": counter_id if counter_id is not None else t.counter_id,
            "data": data,
        },
    )


def ticket_changed(t: Ticket) -> Event:
    """A ticket's own step: news for its phone and the workstations, not the waiting room."""
    return Event("ticket_changed", t.site_id, {"status": t.state}, t.tracking_token)


def queue_changed(t: Ticket) -> Event:
    """Who waits for the ticket's service changed: screens get the service's fresh figures."""
    return queue_event(t.site_id, t.service.code, t.tracking_token)


def queue_event(site_id: int, service_code: str, tracking_token: str | None) -> Event:
    return Event("queue_changed", site_id, {"service": service_code}, tracking_token)


def ticket_called(t: Ticket, recall: bool) -> Event:
    """A call (or recall) to a counter: what the screens show and announce."""
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
