"""Queue reads shared by ticket issuing, public status and listings: positions and estimates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, literal, or_, select, tuple_
from sqlalchemy.orm import Session

from ..core.estimate import estimate_wait_s
from ..core.tickets import State
from ..models import Counter, CounterService, Service, Ticket
from ..models.base import UTCDateTime

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
