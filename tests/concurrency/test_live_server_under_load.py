"""A real `guichet serve` (gevent, the default) under concurrent HTTP load, on SQLite and on PostgreSQL.

Kiosk threads issue tickets while counter threads call, start and finish them, all at once, through the
API with bearer tokens as real clients do. Every number must be distinct and every ticket called exactly
once: this is tests/concurrency/test_queue_under_load.py again, through one gevent server, where the
requests share one OS thread (SQLite's writer lock and psycopg's waits must yield, not block).
"""

from __future__ import annotations

import threading
import time
from collections import Counter as Tally
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from ..live_server import ServerProcess, load_demo, server_env

ISSUERS = 6
TICKETS = 120
COUNTERS = [1, 2, 3]  # demo counters serving CAF and CPAM; the demo manager may call at any of them
CODES = ["CAF", "CPAM"]
DEADLINE_S = 180
HTTP_TIMEOUT_S = 30


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def test_every_number_distinct_and_every_ticket_called_once_through_one_gevent_server(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'guichet.db'}"
        if database == "sqlite"
        else request.getfixturevalue("pg_schema_url")
    )
    env = server_env(url)
    tokens = load_demo(env)
    server = ServerProcess(env, tmp_path, database).start()
    errors: list[str] = []
    issued: list[tuple[int, str]] = []  # (ticket id, number)
    called: list[tuple[int, int]] = []  # (counter, ticket id)
    lock = threading.Lock()
    issuing_done = threading.Event()
    start = threading.Barrier(ISSUERS + len(COUNTERS))
    deadline = time.monotonic() + DEADLINE_S

    def issuer(i: int) -> None:
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {tokens.kiosk}"
            start.wait()
            for k in range(TICKETS // ISSUERS):
                r = http.post(
                    f"{server.url}/api/v1/sites/demo/tickets",
                    json={"service": CODES[(i + k) % len(CODES)]},
                    timeout=HTTP_TIMEOUT_S,
                )
                if r.status_code != 201:
                    errors.append(f"issue: HTTP {r.status_code} {r.text[:200]}")
                    return
                with lock:
                    issued.append((r.json()["id"], r.json()["number"]))

    def counter(number: int) -> None:
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {tokens.agent}"
            start.wait()
            while time.monotonic() < deadline:
                r = http.post(f"{server.url}/api/v1/counters/{number}/call-next", timeout=HTTP_TIMEOUT_S)
                if r.status_code == 204:
                    with lock:
                        finished = issuing_done.is_set() and len(called) >= len(issued)
                    if finished:
                        return
                    time.sleep(0.01)
                    continue
                if r.status_code != 200:
                    errors.append(f"call-next at {number}: HTTP {r.status_code} {r.text[:200]}")
                    return
                ticket_id = r.json()["id"]
                with lock:
                    called.append((number, ticket_id))
                for action, body in (("start", None), ("finish", {"outcome": "resolved"})):
                    r = http.post(
                        f"{server.url}/api/v1/tickets/{ticket_id}/{action}", json=body, timeout=HTTP_TIMEOUT_S
                    )
                    if r.status_code != 200:
                        errors.append(
                            f"{action} {ticket_id} at {number}: HTTP {r.status_code} {r.text[:200]}"
                        )
                        return
            errors.append(f"counter {number} hit the deadline")

    threads = [threading.Thread(target=issuer, args=(i,), daemon=True) for i in range(ISSUERS)]
    threads += [threading.Thread(target=counter, args=(n,), daemon=True) for n in COUNTERS]
    try:
        for th in threads:
            th.start()
        for th in threads[:ISSUERS]:
            th.join(DEADLINE_S)
        issuing_done.set()
        for th in threads[ISSUERS:]:
            th.join(DEADLINE_S)
    finally:
        server.stop()

    assert not errors, errors[:5]
    assert len(issued) == TICKETS
    numbers = [number for _id, number in issued]
    assert len(set(numbers)) == TICKETS, f"numbers handed out twice: {Tally(numbers).most_common(3)}"
    ticket_ids = [tid for _counter, tid in called]
    assert not [tid for tid, n in Tally(ticket_ids).items() if n > 1], "a ticket was called at two counters"
    assert sorted(ticket_ids) == sorted(tid for tid, _number in issued)
    assert {n for n, _tid in called} == set(COUNTERS), "a counter never got a ticket: no real concurrency"

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            calls = Tally(
                conn.scalars(text("SELECT ticket_id FROM ticket_events WHERE action = 'call'")).all()
            )
            states = Tally(conn.scalars(text("SELECT state FROM tickets")).all())
    finally:
        engine.dispose()
    assert states == {"done": TICKETS}
    assert set(calls.values()) == {1} and len(calls) == TICKETS
    logs = server.logs()
    assert "Traceback" not in logs, logs[-3000:]
    assert "(gevent server" in logs
