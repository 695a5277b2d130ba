"""Ticket lifecycle: the one table of allowed transitions, and the rules around it."""

from __future__ import annotations

from enum import StrEnum

from .errors import DomainError, InvalidTransition


class State(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    PARKED = "parked"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    TRANSFERRED = "transferred"


class Action(StrEnum):
    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no-show"
    REQUEUE = "requeue"
    PARK = "park"
    UNPARK = "unpark"
    RESUME = "resume"
    TRANSFER = "transfer"
    CANCEL = "cancel"


class Source(StrEnum):
    KIOSK = "kiosk"
    APPOINTMENT = "appointment"
    COUNTER = "counter"
    API = "api"


# The whole lifecycle. Anything absent from this table is forbidden.
TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.WAITING, Action.CALL): State.CALLED,
    (State.WAITING, Action.PARK): State.PARKED,
    (State.WAITING, Action.CANCEL): State.CANCELLED,
    (State.CALLED, Action.RECALL): State.CALLED,
    (State.CALLED, Action.START): State.SERVING,
    (State.CALLED, Action.NO_SHOW): State.NO_SHOW,
    (State.CALLED, Action.REQUEUE): State.WAITING,
    (State.CALLED, Action.PARK): State.PARKED,
    (State.CALLED, Action.TRANSFER): State.TRANSFERRED,
    (State.SERVING, Action.FINISH): State.DONE,
    (State.SERVING, Action.REQUEUE): State.WAITING,
    (State.SERVING, Action.TRANSFER): State.TRANSFERRED,
    # A citizen who must fetch a document is parked: the counter is free, the ticket kept aside.
    (State.SERVING, Action.PARK): State.PARKED,
    (State.PARKED, Action.UNPARK): State.WAITING,
    # An agent takes a parked ticket back at their counter and goes on serving it.
    (State.PARKED, Action.RESUME): State.SERVING,
}

# States in which a counter holds the ticket.
HELD_STATES = frozenset({State.CALLED, State.SERVING})

ESCALATED = "escalated"  # the outcome that opens a level-2 case
DEFAULT_OUTCOMES = ("resolved", "redirected", ESCALATED, "incomplete")


def next_state(state: State | str, action: Action | str) -> State:
    """Return the state an action leads to; refuse anything not in the transition table."""
    try:
        key = (State(state), Action(action))
    except ValueError as exc:
        raise InvalidTransition(state=str(state), action=str(action)) from exc
    if key not in TRANSITIONS:
        raise InvalidTransition(state=key[0].value, action=key[1].value)
    return TRANSITIONS[key]


def check_no_show(recall_count: int, min_recalls: int) -> None:
    """A no-show is recorded only after the citizen was called again enough times (site setting)."""
    if recall_count < min_recalls:
        raise DomainError("recall_required", min_recalls=min_recalls, recalls=recall_count)


def check_outcome(outcome: str | None, allowed: tuple[str, ...] | list[str]) -> str:
    """Every finished visit carries an outcome from the site's list, for the quality statistics."""
    if not outcome:
        raise DomainError("outcome_required", allowed=list(allowed))
    if outcome not in allowed:
        raise DomainError("unknown_outcome", outcome=outcome, allowed=list(allowed))
    return outcome
