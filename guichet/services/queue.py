"""Queue reads shared by ticket issuing, public status and listings: positions and estimates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core.estimate import estimate_wait_s
from ..core.routing import queue_position
from ..core.tickets import State
from ..models import Counter, CounterService, Service, Ticket

SAMPLE_SIZE = 20
SAMPLE_WINDOW = timedelta(days=14)


def waiting_rows(s: Session, service_id: int, day: date) -> list[tuple[int, bool, datetime]]:
    """Waiting tickets of one service on one business day (yesterday's leftovers are not a queue)."""
    rows = s.execute(
        select(Ticket.id, Ticket.priority, Ticket.arrived_at).where(
            Ticket.service_id == service_id,
            Ticket.state == State.WAITING.value,
            Ticket.business_day == day,
        )
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def position_of(s: Session, ticket: Ticket) -> int:
    return queue_position(
        ticket.id, ticket.priority, ticket.arrived_at, waiting_rows(s, ticket.service_id, ticket.business_day)
    )


def service_samples(s: Session, service_ids: list[int], now) -> dict[int, list[float]]:
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


def estimate_for(s: Session, service: Service, position: int, now, default_s: int) -> int:
    samples = service_samples(s, [service.id], now)[service.id]
    counters = open_counters(s, [service.id]).get(service.id, 0)
    return estimate_wait_s(position, samples, counters, service.default_service_time_s or default_s)
