"""Numbering and call-next under real concurrency: 16 issuing threads, 8 counters calling and finishing.

Every number must be distinct and gap-free per service, every ticket served exactly once, none lost;
on a SQLite file (WAL) and on PostgreSQL.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter as Tally

from sqlalchemy import select

from guichet.core.errors import DomainError
from guichet.models import Ticket, TicketEvent
from guichet.services import calling, ticket_steps, tickets

from ..conftest import standalone_context
from ..factories import build_world

ISSUERS = 16
TICKETS = 400
COUNTERS = 8
DEADLINE_S = 240
CODES = ["CAF", "CPAM"]


def run_load(url: str) -> tuple[list[str], dict[str, list[int]]]:
    ctx = standalone_context(url)
    counters = [(n, CODES) for n in range(1, COUNTERS + 1)]
    world = build_world(ctx, "load", counters=counters)
    counter_ids = world.counters
    manager, kiosk = world.actors["manager"], world.actors["kiosk"]
    errors: list[str] = []
    issued_ids: list[int] = []
    called: list[tuple[int, int]] = []  # (counter id, ticket id)
    issuing_done = threading.Event()
    lock = threading.Lock()
    deadline = time.monotonic() + DEADLINE_S
    start = threading.Barrier(ISSUERS + COUNTERS)

    def issuer(i: int) -> None:
        rnd = random.Random(i)
        start.wait()
        for _ in range(TICKETS // ISSUERS):
            try:
                t = tickets.issue_ticket(ctx, kiosk, "load", rnd.choice(CODES), priority=rnd.random() < 0.1)
                with lock:
                    issued_ids.append(t["id"])
            except Exception as exc:  # collected, asserted below
                errors.append(f"issue: {exc!r}")

    def counter(cid: int) -> None:
        start.wait()
        while time.monotonic() < deadline:
            try:
                t = calling.call_next(ctx, manager, cid)
            except Exception as exc:
                errors.append(f"call-next {cid}: {exc!r}")
                return
            if t is None:
                with lock:
                    finished = issuing_done.is_set() and len(called) >= len(issued_ids)
                if finished:
                    return
                time.sleep(0.002)
                continue
            with lock:
                called.append((cid, t["id"]))
            try:
                ticket_steps.act(ctx, manager, t["id"], "start")
                ticket_steps.act(ctx, manager, t["id"], "finish", {"outcome": "resolved"})
            except DomainError as exc:
                errors.append(f"serve {t['number']} at {cid}: {exc!r}")
                return
        errors.append(f"counter {cid} hit the deadline")

    threads = [threading.Thread(target=issuer, args=(i,)) for i in range(ISSUERS)]
    threads += [threading.Thread(target=counter, args=(cid,)) for cid in counter_ids.values()]
    for th in threads:
        th.start()
    for th in threads[:ISSUERS]:
        th.join(DEADLINE_S)
    issuing_done.set()
    for th in threads[ISSUERS:]:
        th.join(DEADLINE_S)

    assert not errors, errors[:5]
    assert len(issued_ids) == TICKETS
    ticket_ids_called = [tid for _cid, tid in called]
    duplicates = [tid for tid, n in Tally(ticket_ids_called).items() if n > 1]
    assert not duplicates, f"tickets handed to two counters: {duplicates}"
    assert sorted(ticket_ids_called) == sorted(issued_ids)

    with ctx.db.session() as s:
        rows = s.execute(
            select(Ticket.id, Ticket.number, Ticket.state, Ticket.service_id, Ticket.sequence)
        ).all()
        call_events = Tally(s.scalars(select(TicketEvent.ticket_id).where(TicketEvent.action == "call")))
        finish_events = Tally(s.scalars(select(TicketEvent.ticket_id).where(TicketEvent.action == "finish")))
    ctx.db.dispose()
    assert len(rows) == TICKETS, "a ticket was lost or duplicated"
    assert {r.state for r in rows} == {"done"}
    assert all(call_events[r.id] == 1 and finish_events[r.id] == 1 for r in rows)
    sequences: dict[str, list[int]] = {}
    for r in rows:
        sequences.setdefault(r.number[0], []).append(r.sequence)
    return [r.number for r in rows], sequences


def test_numbers_distinct_and_each_ticket_served_once_under_concurrency(database_url: str) -> None:
    numbers, sequences = run_load(database_url)
    assert len(set(numbers)) == TICKETS, "a number was handed out twice"
    for prefix, seqs in sequences.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), f"gaps or repeats in {prefix}"
