"""The statistics' cost over a year of a busy site: GET /sites/{site}/stats's queries on 1 million tickets.

In-process, on the demo site: generates `--tickets` finished tickets (default 1,000,000) spread over
365 business days and the demo's services (waits, service times, quoted waits, a few no-shows,
cancellations), inserted in batches, then times `guichet.services.stats.site_stats` (the API's
figures) and `guichet.services.dashboard.dashboard` (every table of /manage/stats) for a day, a month
and the whole year, several times each (wall-clock, best and median): first for one day computed live
from the tickets (as today's figures always are), then the daily rollup's catch-up over the whole
year (`guichet.services.rollup.roll_up`, what the jobs do once a day per site) and of its months
(`roll_months`), then every period read from the rollup, then the first purge of agents' names past
30 days (retention), and the year again.

    .venv/bin/python bench/stats.py                         # SQLite and PostgreSQL, 1,000,000 tickets
    .venv/bin/python bench/stats.py --db sqlite --tickets 200000

PostgreSQL: a server on 127.0.0.1:5432 with trust auth and a database `test`; the run uses its own
schema and drops it.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_latency import pg_schema_create, pg_schema_drop  # noqa: E402  (bench/ is not a package)
from sqlalchemy import insert, select  # noqa: E402

from guichet.app import create_app  # noqa: E402
from guichet.migrate import upgrade  # noqa: E402
from guichet.models import Service, Site, Ticket, User  # noqa: E402
from guichet.services import dashboard, demo, retention, rollup, stats  # noqa: E402
from guichet.services.accounts import actor_for_user  # noqa: E402
from guichet.services.retention import purge_personal_data  # noqa: E402
from guichet.settings import Retention, Settings  # noqa: E402

LAST = date(2026, 11, 30)
DAYS = 365
BATCH = 20_000


def _generate(ctx, n: int) -> float:  # type: ignore[no-untyped-def]
    """n tickets over DAYS business days ending on LAST; returns the seconds it took."""
    rnd = random.Random(7)
    t0 = time.perf_counter()
    with ctx.db.session() as s:
        site_id = s.scalar(select(Site.id).where(Site.slug == "demo"))
        services = list(s.scalars(select(Service.id).where(Service.site_id == site_id)))
        agents = list(s.scalars(select(User.id).where(User.role == "agent")))
    per_day = max(1, n // DAYS)
    made = 0
    batch: list[dict] = []

    def flush() -> None:
        if batch:
            ctx.transact(lambda s, _e: s.execute(insert(Ticket.__table__), batch))
            batch.clear()

    for d in range(DAYS):
        day = LAST - timedelta(days=DAYS - 1 - d)
        opening = datetime(day.year, day.month, day.day, 7, 30, tzinfo=UTC)
        for i in range(per_day if d < DAYS - 1 else n - made):
            arrived = opening + timedelta(seconds=rnd.randint(0, 9 * 3600))
            wait, service = rnd.randint(0, 3600), rnd.randint(60, 1800)
            called = arrived + timedelta(seconds=wait)
            kind = rnd.random()
            state = "done" if kind > 0.1 else ("no_show" if kind > 0.04 else "cancelled")
            batch.append(
                {
                    "site_id": site_id,
                    "service_id": services[i % len(services)],
                    "business_day": day,
                    "sequence": 10_000 + i,
                    "number": f"X{i:05d}",
                    "state": state,
                    "priority": i % 40 == 0,
                    "source": "kiosk",
                    "quoted_wait_s": max(0, wait + rnd.randint(-900, 900)) if i % 5 else None,
                    "tracking_token": uuid.uuid4().hex,
                    "arrived_at": arrived,
                    "issued_at": arrived,
                    "first_called_at": None if state == "cancelled" else called,
                    "called_at": None if state == "cancelled" else called,
                    "started_at": called if state == "done" else None,
                    "ended_at": called + timedelta(seconds=service),
                    "recall_count": 0,
                    "placed_first": False,
                    "agent_id": agents[i % len(agents)],
                    "outcome": None if state != "done" else ("redirected" if i % 9 == 0 else "resolved"),
                }
            )
            made += 1
            if len(batch) >= BATCH:
                flush()
    flush()
    return time.perf_counter() - t0


def _run(url: str, n: int, repeat: int) -> list[tuple[str, float, float]]:
    """Each call (the API's figures, the whole dashboard) over a day, a month and the year."""
    settings = Settings(env="development", secret_key="b" * 48, database_url=url)
    upgrade(url)
    app = create_app(settings)
    ctx = app.extensions["guichet"]
    demo.load_demo(ctx)
    took = _generate(ctx, n)
    print(f"  generated {n:,} tickets in {took:.0f} s")
    if ctx.db.dialect == "postgresql":
        with ctx.db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE tickets")
    with ctx.db.session() as s:
        manager = s.scalar(select(User.id).where(User.username == "manager"))
    actor = actor_for_user(ctx, manager)
    assert actor is not None
    out: list[tuple[str, float, float]] = []
    calls = (
        ("site_stats", lambda first: stats.site_stats(ctx, actor, "demo", first, LAST)["totals"]),
        ("dashboard", lambda first: dashboard.dashboard(ctx, actor, "demo", "custom", first, LAST)["totals"]),
    )
    periods = (
        ("1 day", LAST),
        ("1 month", LAST - timedelta(days=29)),
        ("1 year", LAST - timedelta(days=DAYS - 1)),
    )

    def measure(label: str, call, first: date) -> dict:  # type: ignore[no-untyped-def]
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            totals = call(first)
            times.append(time.perf_counter() - t0)
        assert totals["issued"] > 0
        out.append((label, min(times) * 1000, statistics.median(times) * 1000))
        return totals

    live = {name: measure(f"{name} over 1 day, live", call, LAST) for name, call in calls}

    t0 = time.perf_counter()
    days = 0
    while rolled := rollup.roll_up(ctx, limit=DAYS):
        days += rolled
    took = time.perf_counter() - t0
    assert days == DAYS, days
    out.append((f"rollup of {days} days (catch-up)", took * 1000, took * 1000))
    out.append(("rollup, per day", took * 1000 / days, took * 1000 / days))
    t0 = time.perf_counter()
    months = rollup.roll_months(ctx)
    took = time.perf_counter() - t0
    out.append((f"rollup of {months} months", took * 1000, took * 1000))

    year = {}
    for name, call in calls:
        for label, first in periods:
            totals = measure(f"{name} over {label}, rollup", call, first)
            if label == "1 day":
                assert totals == live[name], (name, totals, live[name])
            year[name] = totals

    ctx.settings = ctx.settings.with_overrides(retention=Retention(ticket_agents_days=30))
    t0 = time.perf_counter()
    erased = runs = 0
    while done := purge_personal_data(ctx)["ticket_agents_erased"]:
        erased, runs = erased + done, runs + 1
    took = time.perf_counter() - t0
    batches = -(-erased // retention.BATCH)
    out.append((f"purge of {erased:,} tickets' agents ({runs} runs)", took * 1000, took * 1000))
    out.append(
        (f"purge, per transaction of {retention.BATCH:,}", took * 1000 / batches, took * 1000 / batches)
    )
    for name, call in calls:
        assert measure(f"{name} over 1 year, after purge", call, periods[-1][1]) == year[name]
    ctx.db.dispose()
    return out


def _postgres_url() -> tuple[str, str]:
    schema = f"bench_stats_{os.getpid()}"
    pg_schema_create(schema)
    return f"postgresql+psycopg://127.0.0.1:5432/test?options=-csearch_path%3D{schema}", schema


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(
        f"python {sys.version.split()[0]}, nproc {os.cpu_count()}, {args.tickets:,} tickets over {DAYS} days"
    )
    for db in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        print(f"{db}:")
        schema = None
        if db == "sqlite":
            url = f"sqlite:///{tempfile.mkdtemp(prefix='guichet-stats-')}/bench.db"
        else:
            url, schema = _postgres_url()
        try:
            for label, best, median in _run(url, args.tickets, args.repeat):
                print(f"  {label:<40} best {best:9.1f} ms   median {median:9.1f} ms")
        finally:
            if schema:
                pg_schema_drop(schema)


if __name__ == "__main__":
    main()
