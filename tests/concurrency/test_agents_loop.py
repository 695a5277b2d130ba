"""Eight agents, each at their own counter, call and finish in a loop on one queue while kiosks issue.

Some visits are put back in the queue, some parked and resumed later by whoever is free. At the end
every ticket was finished exactly once, none is lost, and while a ticket was held only the agent who
called (or resumed) it acted on it. On a SQLite file and on PostgreSQL.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import select

from guichet.core.errors import DomainError
from guichet.models import Ticket, TicketEvent
from guichet.services import accounts, board, calling, counters, ticket_steps, tickets
from guichet.services.context import Actor

from ..conftest import standalone_context
from ..factories import PASSWORD, build_world

AGENTS = 8
ISSUERS = 4
TICKETS = 240
DEADLINE_S = 240


def test_eight_agents_on_one_queue_serve_every_ticket_once(database_url: str) -> None:
    ctx = standalone_context(database_url)
    # A fixed daytime clock: a run crossing midnight would otherwise split the queue in two days.
    ctx.clock = lambda: datetime(2027, 3, 22, 9, 0, tzinfo=UTC)
    world = build_world(ctx, "loop", counters=[(n, ["CAF"]) for n in range(1, AGENTS + 1)])
    agents = []
    for n in range(1, AGENTS + 1):
        uid = accounts.add_user(ctx, f"loop-agent{n}", PASSWORD, "agent", site_slug="loop")
        agents.append(Actor("user", uid, "agent", world.site_id))
        counters.occupy(ctx, agents[-1], world.counters[n])
    kiosk = world.actors["kiosk"]
    errors: list[str] = []
    issued: list[int] = []
    lock = threading.Lock()
    issuing_done = threading.Event()
    start = threading.Barrier(ISSUERS + AGENTS)
    deadline = time.monotonic() + DEADLINE_S

    def issuer(i: int) -> None:
        start.wait()
        for _ in range(TICKETS // ISSUERS):
            t = tickets.issue_ticket(ctx, kiosk, "loop", "CAF")
            with lock:
                issued.append(t["id"])

    def finished_count() -> int:
        with ctx.db.session() as s:
            return len(s.scalars(select(Ticket.id).where(Ticket.state == "done")).all())

    def agent(n: int) -> None:
        me, cid = agents[n - 1], world.counters[n]
        rnd = random.Random(n)
        start.wait()
        while time.monotonic() < deadline:
            try:
                parked = board.parked(ctx, me, "loop")
                t = None
                if parked and rnd.random() < 0.5:
                    try:
                        t = ticket_steps.act(ctx, me, parked[0]["id"], "resume", {"counter": cid})
                    except DomainError:  # a colleague resumed it first
                        t = None
                if t is None:
                    t = calling.call_next(ctx, me, cid)
                    if t is None:
                        if issuing_done.is_set() and not parked and finished_count() == TICKETS:
                            return
                        time.sleep(0.005)
                        continue
                    ticket_steps.act(ctx, me, t["id"], "start")
                roll = rnd.random()
                if roll < 0.1:
                    ticket_steps.act(ctx, me, t["id"], "requeue")
                elif roll < 0.2:
                    ticket_steps.act(ctx, me, t["id"], "park")
                else:
                    ticket_steps.act(ctx, me, t["id"], "finish", {"outcome": "resolved"})
            except Exception as exc:  # collected and asserted below
                errors.append(f"agent {n}: {exc!r}")
                return
        errors.append(f"agent {n} hit the deadline")

    threads = [threading.Thread(target=issuer, args=(i,)) for i in range(ISSUERS)]
    threads += [threading.Thread(target=agent, args=(n,)) for n in range(1, AGENTS + 1)]
    for th in threads:
        th.start()
    for th in threads[:ISSUERS]:
        th.join(DEADLINE_S)
    issuing_done.set()
    for th in threads[ISSUERS:]:
        th.join(DEADLINE_S)

    assert not errors, errors[:5]
    assert len(issued) == TICKETS
    with ctx.db.session() as s:
        states = dict(s.execute(select(Ticket.id, Ticket.state)).all())
        events = s.execute(
            select(TicketEvent.ticket_id, TicketEvent.action, TicketEvent.actor_user_id).order_by(
                TicketEvent.id
            )
        ).all()
    ctx.db.dispose()
    assert sorted(states) == sorted(issued), "a ticket was lost or created twice"
    assert set(states.values()) == {"done"}
    finishes: dict[int, int] = defaultdict(int)
    holder: dict[int, int | None] = {}
    for ticket_id, action, user in events:
        if action in ("call", "resume"):
            assert holder.get(ticket_id) is None, f"ticket {ticket_id} taken while held"
            holder[ticket_id] = user
        elif action in ("start", "finish", "requeue", "park"):
            if action != "park" or holder.get(ticket_id) is not None:
                assert holder.get(ticket_id) == user, f"ticket {ticket_id}: {action} by another agent"
            if action != "start":
                holder[ticket_id] = None
            if action == "finish":
                finishes[ticket_id] += 1
    assert all(finishes[t] == 1 for t in issued), "a ticket was finished twice or never"
    moves = [a for _t, a, _u in events]
    # The loop really exercised the other paths, not only call and finish.
    assert moves.count("requeue") > 5 and moves.count("park") > 5 and moves.count("resume") > 5
