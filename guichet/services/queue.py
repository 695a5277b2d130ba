"""Queue reads shared by ticket issuing, public status and listings: positions and estimates."""

from __future__ import annotations

import time
from dataclasses import dataclass
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


def _waiting(*also: Any) -> Any:
    # Worded as ix_tickets_waiting is (models.tickets.WAITING), so the count reads that index alone.
    day = (Ticket.site_id == bindparam("site")) & (Ticket.business_day == bindparam("day"))
    return select(func.count()).where(day, text(WAITING), Ticket.service_id == bindparam("service"), *also)


# One service's queue now, in one statement: its waiting tickets (all, and the priority ones), its open
# counters, and its tickets numbered today (the daily quota counts them).
_QUEUE_NOW = select(
    _waiting().scalar_subquery(),
    _waiting(Ticket.priority).scalar_subquery(),
    select(func.count())
    .select_from(CounterService)
    .join(Counter, Counter.id == CounterService.counter_id)
    .where(CounterService.service_id == bindparam("service"), Counter.status == "open")
    .scalar_subquery(),
    select(TicketSequence.last_value)
    .where(
        TicketSequence.site_id == bindparam("site"),
        TicketSequence.service_id == bindparam("service"),
        TicketSequence.business_day == bindparam("day"),
    )
    .scalar_subquery(),
)


@dataclass(frozen=True)
class QueueNow:
    waiting: int
    waiting_priority: int
    open_counters: int
    issued: int

    def ahead_of_newcomer(self, priority: bool) -> int:
        """Who waits ahead of a ticket arriving now (position_of's rule): everyone, or for a priority
        ticket the priority ones only."""
        return self.waiting_priority if priority else self.waiting


def queue_now(conn: Connection, site_id: int, service_id: int, day: date) -> QueueNow:
    params = {"site": site_id, "day": day, "service": service_id}
    waiting, priority, counters, issued = conn.execute(_QUEUE_NOW, params).one()
    return QueueNow(int(waiting), int(priority), int(counters), int(issued or 0))


# Recent service times per service, kept SAMPLES_TTL seconds per process: the estimate quoted at
# issue and sent to the screens moves with them, but need not re-read twenty rows for every ticket.
# A ticket finished in this process adds its service time to them at once (add_sample).
SAMPLES_TTL = 10.0
_samples: dict[int, tuple[float, list[float]]] = {}


def recent_samples(s: Session, service_ids: list[int], now: datetime) -> dict[int, list[float]]:
    """service_samples, from memory for the services read less than SAMPLES_TTL ago (the others in
    one read)."""
    clock = time.monotonic()
    fresh = {
        sid: kept[1] for sid in service_ids if (kept := _samples.get(sid)) and clock - kept[0] < SAMPLES_TTL
    }
    missing = [sid for sid in service_ids if sid not in fresh]
    for sid, samples in service_samples(s, missing, now).items():
        _samples[sid] = (clock, samples)
        fresh[sid] = samples
    return fresh


def add_sample(service_id: int, seconds: float) -> None:
    """A service just finished: its time becomes the newest sample, as service_samples would read it."""
    kept = _samples.get(service_id)
    if kept is not None:
        _samples[service_id] = (kept[0], [*kept[1], seconds][-SAMPLE_SIZE:])
