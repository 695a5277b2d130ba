"""One step of a ticket's life: the core table decides the state, this sets the step's fields and logs it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..core.tickets import Action, next_state
from ..models import Counter, Ticket
from . import queue
from .context import Actor
from .journal import log_step


def transition(
    s: Session,
    t: Ticket,
    action: Action,
    actor: Actor,
    now: datetime,
    counter: Counter | None = None,
    **data: Any,
) -> None:
    """Apply `action` to the ticket (refused by core.tickets.next_state if the table forbids it)."""
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
        if action == Action.FINISH and t.started_at is not None:
            queue.add_sample(t.service_id, (now - t.started_at).total_seconds())  # the next estimate's
    log_step(s, t, action.value, before, actor, now, counter_id=at_counter, **data)
