"""Call-next reads only the heads of the queues (flat cost as the queue grows), and still calls in
exactly the order the pure ranking gives over every waiting ticket."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from guichet.core import routing
from guichet.core.numbering import business_day
from guichet.models import Counter, Site, Ticket
from guichet.services import calling, counters, tickets
from guichet.services.site_rules import queue_rules

NOW = datetime(2027, 3, 22, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris


def _close(ctx, ticket_id: int) -> None:  # type: ignore[no-untyped-def]
    ctx.transact(lambda s, _e: s.execute(update(Ticket).where(Ticket.id == ticket_id).values(state="done")))


def _full_ranking(ctx, counter_id: int, streak: int) -> list[int]:  # type: ignore[no-untyped-def]
    """The order the ranking gives when it sees every waiting ticket the counter may call."""
    with ctx.db.session() as s:
        counter = s.get(Counter, counter_id)
        site = s.get(Site, counter.site_id)
        weights = {link.service_id: link.weight for link in counter.service_links}
        rows = s.execute(
            select(
                Ticket.id,
                Ticket.service_id,
                Ticket.arrived_at,
                Ticket.priority,
                Ticket.appointment_at,
                Ticket.placed_first,
            ).where(
                Ticket.site_id == site.id,
                Ticket.state == "waiting",
                Ticket.business_day == business_day(NOW, site.timezone),
                Ticket.service_id.in_(list(weights)),
                Ticket.target_counter_id.is_(None),
                Ticket.target_agent_id.is_(None),
            )
        ).all()
        rules = queue_rules(ctx, site)
    policy = routing.RoutingPolicy(rules.priority_cap, rules.appointment_early_s, weights)
    return [c.id for c in routing.rank([routing.Candidate(*r) for r in rows], NOW, policy, streak)]


def test_call_next_follows_the_full_ranking_while_reading_only_the_heads(ctx, world) -> None:
    clock = {"now": NOW - timedelta(minutes=90)}
    ctx.clock = lambda: clock["now"]
    rng = random.Random(7)
    kiosk, agent = world.actors["kiosk"], world.actors["agent"]
    for _ in range(120):  # walk-ins of two services, some priority, arriving over an hour and a half
        clock["now"] += timedelta(seconds=rng.randint(5, 60))
        reason = "cmi" if rng.random() < 0.1 else None
        tickets.issue_ticket(ctx, kiosk, world.slug, rng.choice(["CAF", "CPAM"]), priority_reason=reason)
    clock["now"] = NOW
    counter_id = world.counters[2]  # calls CAF and CPAM
    counters.occupy(ctx, agent, counter_id)

    calls = 0
    while True:
        with ctx.db.session() as s:
            counter = s.get(Counter, counter_id)
            streak = counter.priority_streak
            weights = {link.service_id: link.weight for link in counter.service_links}
            read, _more = calling.candidates_of(
                s, counter, agent.user_id, weights, business_day(NOW, "Europe/Paris"), calling.CLAIM_DEPTH
            )
        expected = _full_ranking(ctx, counter_id, streak)
        # Three ranked groups and one queue per service, CLAIM_DEPTH each: never the whole queue.
        assert len(read) <= (3 + len(weights)) * calling.CLAIM_DEPTH
        called = calling.call_next(ctx, agent, counter_id)
        if called is None:
            assert expected == []
            break
        assert called["id"] == expected[0], f"call {calls}: {called['number']}"
        _close(ctx, called["id"])
        calls += 1
    assert calls == 120
