"""Queue reads shared by ticket issuing, public status and listings: positions and estimates."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, literal, or_, select, text, tuple_
from sqlalchemy.orm import Session

from ..core.estimate import estimate_wait_s
from ..core.tickets import State
from ..models import Counter, CounterService, Service, Ticket, TicketSequence
from ..models.base import UTCDateTime
from ..models.tickets import WAITING

SAMPLE_SIZE = 20
SAMPLE_WINDOW = timedelta(days=14)


def position_of(s: Session, ticket: Ticket) -> int:
    """1-based place in its service's queue that day, counted in SQL (core.routing.queue_position's rule).

    Ahead: priority tickets before others, then earlier arrival, then lower id.
    """
    earlier = tuple_(Ticket.arrived_at, Ticket.id) < tuple_(
        literal(ticket.arrived_at, UTCDateTime()), literal(ticket.id)
    )
    ahead = and_(Ticket.priority, earlier) if ticket.priority else or_(Ticket.priority, earlier)
    count = s.scalar(
        select(func.count()).where(
            Ticket.service_id == ticket.service_id,
            Ticket.state == State.WAITING.value,
            Ticket.business_day == ticket.business_day,
            Ticket.id != ticket.id,
            ahead,
        )
    )
    return 1 + int(count or 0)


def service_samples(s: Session, service_ids: list[int], now: datetime) -> dict[int, list[float]]:
    """Recent service times (seconds, oldest first) per service, at most SAMPLE_SIZE each."""
    if not service_ids:
        return {}
    rn = func.row_number().over(partition_by=Ticket.service_id, order_by=Ticket.ended_at.desc()).label("rn")
    inner = (
        select(Ticket.service_id, Ticket.started_at, Ticket.ended_at, rn)
        .where(
            Ticket.service_id.in_(service_ids),
            Ticket.state == State.DONE.value,
            Ticket.started_at.is_not(None),
            Ticket.ended_at >= now - SAMPLE_WINDOW,
        )
        .subquery()
    )
    rows = s.execute(
        select(inner.c.service_id, inner.c.started_at, inner.c.ended_at)
        .where(inner.c.rn <= SAMPLE_SIZE)
        .order_by(inner.c.service_id, inner.c.ended_at)
    ).all()
    out: dict[int, list[float]] = {sid: [] for sid in service_ids}
    for sid, started, ended in rows:
        out[sid].append((_aware(ended) - _aware(started)).total_seconds())
    return out


def _aware(value: datetime | str) -> datetime:
    # Subquery columns lose the UTC type decorator on SQLite; restore it.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def open_counters(s: Session, service_ids: list[int]) -> dict[int, int]:
    rows = s.execute(
        select(CounterService.service_id, func.count())
        .join(Counter, Counter.id == CounterService.counter_id)
        .where(CounterService.service_id.in_(service_ids), Counter.status == "open")
        .group_by(CounterService.service_id)
    ).all()
    return {sid: n for sid, n in rows}


def estimate_for(s: Session, service: Service, position: int, now: datetime, default_s: int) -> int:
    samples = service_samples(s, [service.id], now)[service.id]
    counters = open_counters(s, [service.id]).get(service.id, 0)
    return estimate_wait_s(position, samples, counters, service.default_service_time_s or default_s)


def _waiting_count(priority_only: bool) -> Any:
    # Worded as ix_tickets_waiting is (models.tickets.WAITING), so the count reads that index alone.
    where: list[Any] = [Ticket.site_id == bindparam("site"), Ticket.business_day == bindparam("day")]
    where += [text(WAITING), Ticket.service_id == bindparam("service")]
    if priority_only:
        where.append(Ticket.priority)
    return select(func.count()).where(*where).scalar_subquery()


_OPEN_COUNTERS = (
    select(func.count())
    .select_from(CounterService)
    .join(Counter, Counter.id == CounterService.counter_id)
    .where(CounterService.service_id == bindparam("service"), Counter.status == "open")
    .scalar_subquery()
)
_AHEAD_AND_COUNTERS = {p: select(_waiting_count(p), _OPEN_COUNTERS) for p in (False, True)}
_ISSUED = (
    select(TicketSequence.last_value)
    .where(
        TicketSequence.site_id == bindparam("site"),
        TicketSequence.service_id == bindparam("service"),
        TicketSequence.business_day == bindparam("day"),
    )
    .scalar_subquery()
)
_FIGURES = select(_waiting_count(False), _OPEN_COUNTERS, _ISSUED)


def figures_of(s: Session, site_id: int, service_id: int, day: date) -> tuple[int, int, int]:
    """In one statement: the service's waiting tickets, its open counters, its tickets issued today."""
    params = {"site": site_id, "day": day, "service": service_id}
    waiting, counters, issued = s.connection().execute(_FIGURES, params).one()
    return int(waiting), int(counters), int(issued or 0)


def ahead_and_counters(
    conn: Connection, site_id: int, service_id: int, day: date, priority: bool
) -> tuple[int, int]:
    """In one statement: how many of the service's tickets wait ahead of a ticket arriving now (every
    waiting one; only the priority ones for a priority ticket), and how many of its counters are open."""
    params = {"site": site_id, "day": day, "service": service_id}
    ahead, counters = conn.execute(_AHEAD_AND_COUNTERS[priority], params).one()
    return int(ahead), int(counters)


# Recent service times per service, kept SAMPLES_TTL seconds per process: the estimate quoted at
# issue and sent to the screens moves with them, but need not re-read twenty rows for every ticket.
# A ticket finished in this process adds its service time to them at once (add_sample).
SAMPLES_TTL = 10.0
_samples: dict[int, tuple[float, list[float]]] = {}


def recent_samples(s: Session, service_id: int, now: datetime) -> list[float]:
    kept = _samples.get(service_id)
    clock = time.monotonic()
    if kept is not None and clock - kept[0] < SAMPLES_TTL:
        return kept[1]
    samples = service_samples(s, [service_id], now)[service_id]
    _samples[service_id] = (clock, samples)
    return samples


def add_sample(service_id: int, seconds: float) -> None:
    """A service just finished: its time becomes the newest sample, as service_samples would read it."""
    kept = _samples.get(service_id)
    if kept is not None:
        _samples[service_id] = (kept[0], [*kept[1], seconds][-SAMPLE_SIZE:])
