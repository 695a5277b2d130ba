"""Call-next's cost as the queue grows: server CPU per call with 10, 1,000 and 10,000 tickets waiting.

In-process (no HTTP), on the demo site, through the service call an agent's click runs
(`guichet.services.calling.call_next`: lock the counter, read the candidates, rank, claim, record the
call, build the answer). The waiting tickets are inserted directly (the benchmark is about calling,
not issuing), spread over the services counter 1 calls, a few of them priority tickets. After each
timed call the ticket is closed directly so the counter is free for the next one.

    .venv/bin/python bench/call_next.py                  # SQLite and PostgreSQL, 10 / 1,000 / 10,000
    .venv/bin/python bench/call_next.py --db sqlite --calls 300

PostgreSQL: a server on 127.0.0.1:5432 with trust auth and a database `test`; the run uses its own
schema and drops it. Prints CPU ms per call-next (process time, so other load on the machine counts
little) and the wall-clock ms, median and p90.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, update  # noqa: E402

from guichet.app import create_app  # noqa: E402
from guichet.core.numbering import business_day  # noqa: E402
from guichet.migrate import upgrade  # noqa: E402
from guichet.models import Counter, Service, Site, Ticket, User  # noqa: E402
from guichet.services import calling, counters, demo  # noqa: E402
from guichet.services.accounts import actor_for_user  # noqa: E402
from guichet.settings import Settings  # noqa: E402

SIZES = (10, 1_000, 10_000)


def _fill(ctx, n: int, first: int = 0) -> None:  # type: ignore[no-untyped-def]
    """n waiting tickets of today on the services counter 1 calls, oldest first, 1 in 50 priority."""
    now = ctx.clock()

    def work(s, _events):  # type: ignore[no-untyped-def]
        site = s.scalar(select(Site).where(Site.slug == "demo"))
        counter = s.scalar(select(Counter).where(Counter.site_id == site.id, Counter.number == 1))
        service_ids = [link.service_id for link in counter.service_links]
        prefixes = {sv.id: sv.prefix for sv in s.scalars(select(Service).where(Service.id.in_(service_ids)))}
        day = business_day(now, site.timezone)
        rows = []
        for i in range(first, first + n):
            sid = service_ids[i % len(service_ids)]
            at = now - timedelta(seconds=100_000 - i)
            rows.append(
                {
                    "site_id": site.id,
                    "service_id": sid,
                    "business_day": day,
                    "sequence": 100_000 + i,
                    "number": f"{prefixes[sid]}{i:05d}",
                    "state": "waiting",
                    "priority": i % 50 == 0,
                    "source": "kiosk",
                    "tracking_token": uuid.uuid4().hex,
                    "arrived_at": at,
                    "issued_at": at,
                    "recall_count": 0,
                    "placed_first": False,
                }
            )
        s.execute(Ticket.__table__.insert(), rows)

    ctx.transact(work)


def _run(url: str, size: int, calls: int) -> dict[str, float]:
    settings = Settings(env="development", secret_key="b" * 48, database_url=url)
    app = create_app(settings)
    ctx = app.extensions["guichet"]
    upgrade(url)
    demo.load_demo(ctx)
    _fill(ctx, size)
    with ctx.db.session() as s:
        manager = s.scalar(select(User.id).where(User.username == "manager"))
        counter = s.scalar(select(Counter.id).join(Site).where(Site.slug == "demo", Counter.number == 1))
    actor = actor_for_user(ctx, manager)
    counters.occupy(ctx, actor, counter)
    cpu, wall = [], []
    for _ in range(calls):
        c0, w0 = time.process_time(), time.perf_counter()
        called = calling.call_next(ctx, actor, counter)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        assert called is not None, "the queue ran dry"
        ctx.transact(
            lambda s, _e, tid=called["id"]: s.execute(
                update(Ticket).where(Ticket.id == tid).values(state="done", ended_at=datetime.now(UTC))
            )
        )
        _fill(ctx, 1, size + len(cpu))  # one more arrives: the queue keeps its length
    ctx.db.dispose()
    cpu.sort()
    wall.sort()
    return {
        "cpu_median": statistics.median(cpu),
        "cpu_p90": cpu[int(len(cpu) * 0.9)],
        "wall_median": statistics.median(wall),
        "wall_p90": wall[int(len(wall) * 0.9)],
    }


def _postgres_url() -> tuple[str, str]:
    import psycopg

    schema = f"bench_{os.getpid()}"
    with psycopg.connect("postgresql://127.0.0.1:5432/test", autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"postgresql+psycopg://127.0.0.1:5432/test?options=-csearch_path%3D{schema}", schema


def _drop(schema: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://127.0.0.1:5432/test", autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--calls", type=int, default=200)
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, nproc {os.cpu_count()}, {args.calls} call-next per size")
    head = ("database", "waiting", "CPU ms p50", "CPU ms p90", "wall ms p50", "wall ms p90")
    print(f"{head[0]:<11}{head[1]:>9}" + "".join(f"{h:>13}" for h in head[2:]))
    for db in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        for size in SIZES:
            if db == "sqlite":
                with tempfile.TemporaryDirectory() as tmp:
                    r = _run(f"sqlite:///{tmp}/bench.db", size, args.calls)
            else:
                url, schema = _postgres_url()
                try:
                    r = _run(url, size, args.calls)
                finally:
                    _drop(schema)
            print(
                f"{db:<11}{size:>9}{r['cpu_median']:>13.2f}{r['cpu_p90']:>13.2f}"
                f"{r['wall_median']:>13.2f}{r['wall_p90']:>13.2f}"
            )


if __name__ == "__main__":
    main()
