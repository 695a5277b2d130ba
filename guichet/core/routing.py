"""Call-next routing: which waiting ticket a counter takes, as a pure ranking."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Candidate:
    """A waiting ticket as routing sees it (already filtered to what the counter may serve)."""

    id: int
    service_id: int
    arrived_at: datetime
    priority: bool = False
    appointment_at: datetime | None = None
    # Transferred and "placed first": served before the other walk-ins of its queue.
    placed_first: bool = False


@dataclass(frozen=True)
class RoutingPolicy:
    """Site settings that shape the order of calls."""

    # Consecutive priority calls a counter makes while walk-ins wait; 0 means no cap.
    priority_cap: int = 3
    # An appointment is due this many seconds before its time.
    appointment_early_s: int = 300
    # Weight per service id (default 1.0): a weighted wait is compared across services.
    weights: Mapping[int, float] = field(default_factory=dict)


def _is_walk_in(c: Candidate) -> bool:
    return not c.priority and c.appointment_at is None


def rank(
    candidates: Sequence[Candidate],
    now: datetime,
    policy: RoutingPolicy,
    priority_streak: int = 0,
) -> list[Candidate]:
    """Order candidates: priority (capped), due appointments, longest weighted wait, early appointments.

    Walk-ins transferred with "placed first" come before the other walk-ins, oldest arrival first.

    The whole order is returned, not just the head, so the caller can fall through to the next
    ticket when another counter claimed the first one at the same instant.
    """
    priority = sorted((c for c in candidates if c.priority), key=lambda c: (c.arrived_at, c.id))
    appointments = [c for c in candidates if not c.priority and c.appointment_at is not None]

    def is_due(c: Candidate) -> bool:
        assert c.appointment_at is not None
        return (c.appointment_at - now).total_seconds() <= policy.appointment_early_s

    def by_time(c: Candidate) -> tuple[datetime, int]:
        assert c.appointment_at is not None
        return (c.appointment_at, c.id)

    due = sorted((c for c in appointments if is_due(c)), key=by_time)
    early = sorted((c for c in appointments if not is_due(c)), key=by_time)
    first = sorted(
        (c for c in candidates if _is_walk_in(c) and c.placed_first), key=lambda c: (c.arrived_at, c.id)
    )
    walk_ins = first + sorted(
        (c for c in candidates if _is_walk_in(c) and not c.placed_first),
        key=lambda c: (
            -(now - c.arrived_at).total_seconds() * policy.weights.get(c.service_id, 1.0),
            c.arrived_at,
            c.id,
        ),
    )
    others_wait = bool(walk_ins or due)
    capped = policy.priority_cap > 0 and priority_streak >= policy.priority_cap and others_wait
    if capped:
        return due + walk_ins + priority + early
    return priority + due + walk_ins + early


def next_priority_streak(streak: int, chosen: Candidate) -> int:
    """Count consecutive priority calls; any other call resets the count."""
    return streak + 1 if chosen.priority else 0


def queue_position(
    ticket_id: int, priority: bool, arrived_at: datetime, others: Sequence[tuple[int, bool, datetime]]
) -> int:
    """1-based place in a service's queue: priority tickets ahead, then by arrival time."""
    key = (not priority, arrived_at, ticket_id)
    return 1 + sum(1 for oid, op, oa in others if oid != ticket_id and (not op, oa, oid) < key)
