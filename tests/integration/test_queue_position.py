"""The SQL count of a ticket's place agrees with core's rule (priority first, then arrival, then id)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from guichet.core.routing import queue_position
from guichet.models import Ticket
from guichet.services import queue, tickets


def test_sql_position_matches_core_queue_position_on_random_queues(ctx, world) -> None:
    rnd = random.Random(7)
    base = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    for i in range(40):
        # Same-second arrivals on purpose: the id must break ties exactly as core does.
        ctx.clock = lambda i=i: base + timedelta(seconds=i // 3)
        tickets.issue_ticket(
            ctx, world.actors["kiosk"], "test", rnd.choice(["CAF", "CPAM"]), priority=rnd.random() < 0.3
        )
    with ctx.db.session() as s:
        rows = s.scalars(select(Ticket)).all()
        for t in rows:
            others = [(o.id, o.priority, o.arrived_at) for o in rows if o.service_id == t.service_id]
            assert queue.position_of(s, t) == queue_position(t.id, t.priority, t.arrived_at, others)
