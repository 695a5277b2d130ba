"""Generated tickets for the statistics' tests, and their indicators computed again in plain Python
from the definitions of guichet.services.stats (never through the code under test)."""

from __future__ import annotations

import math
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from guichet.models import Ticket

FIRST = date(2026, 11, 2)
DAYS = 10


def generate(  # type: ignore[no-untyped-def]
    ctx, world, seed: int = 12, first: date = FIRST, days: int = DAYS
) -> list[dict[str, Any]]:
    """40 tickets a day (400 over the DAYS days from FIRST by default) on CAF and CPAM: served,
    absent, cancelled, transferred with their continuation, walk-ins, some without a quoted wait,
    some never called. Whole seconds."""
    rnd = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for day in range(days):
        business_day = first + timedelta(days=day)
        opening = datetime(business_day.year, business_day.month, business_day.day, 8, 30, tzinfo=UTC)
        for i in range(40):
            code = "CAF" if i % 3 else "CPAM"
            arrived = opening + timedelta(seconds=rnd.randint(0, 7 * 3600))
            wait = rnd.randint(0, 2400)
            service = rnd.randint(60, 1500)
            kind = rnd.random()
            row: dict[str, Any] = {
                "site_id": world.site_id,
                "service_id": world.services[code],
                "business_day": business_day,
                "sequence": i + 1,
                "number": f"{code[0]}{i + 1:03d}",
                "state": "done",
                "priority": i % 9 == 0,
                "source": "kiosk",
                "quoted_wait_s": None if i % 7 == 0 else max(0, wait + rnd.randint(-600, 600)),
                "tracking_token": uuid.uuid4().hex,
                "arrived_at": arrived,
                "issued_at": arrived,
                "first_called_at": arrived + timedelta(seconds=wait),
                "called_at": arrived + timedelta(seconds=wait),
                "started_at": arrived + timedelta(seconds=wait + 20),
                "ended_at": arrived + timedelta(seconds=wait + 20 + service),
                "recall_count": 0,
                "placed_first": False,
                "transferred_from_id": None,
                "agent_id": world.user_ids["agent" if i % 2 else "agent2"],
                "outcome": "redirected" if kind > 0.9 else "resolved",
            }
            if kind < 0.08:
                row.update(state="no_show", started_at=None, outcome=None)
            elif kind < 0.12:
                row.update(
                    state="cancelled", first_called_at=None, called_at=None, started_at=None, outcome=None
                )
            elif kind < 0.16:
                row.update(
                    state="waiting",
                    first_called_at=None,
                    called_at=None,
                    started_at=None,
                    ended_at=None,
                    agent_id=None,
                    outcome=None,
                )
            elif kind < 0.20:
                row.update(source="counter", quoted_wait_s=None, first_called_at=arrived, called_at=arrived)
            elif kind < 0.25:
                row.update(
                    state="transferred", started_at=arrived + timedelta(seconds=wait + 20), outcome=None
                )
                row["_continuation"] = {
                    "service_id": world.services["CPAM"],
                    "wait": rnd.randint(0, 900),
                    "service": rnd.randint(60, 900),
                }
            rows.append(row)

    def work(s, _events):  # type: ignore[no-untyped-def]
        for row in list(rows):  # the continuations are appended as they are made
            cont = row.pop("_continuation", None)
            row["id"] = s.execute(insert(Ticket).values(**row).returning(Ticket.id)).scalar_one()
            if cont is not None:
                moved = row["ended_at"]
                called = moved + timedelta(seconds=cont["wait"])
                child = {
                    **row,
                    "service_id": cont["service_id"],
                    "sequence": None,
                    "state": "done",
                    "tracking_token": uuid.uuid4().hex,
                    "issued_at": moved,
                    "first_called_at": called,
                    "called_at": called,
                    "started_at": called,
                    "ended_at": called + timedelta(seconds=cont["service"]),
                    "transferred_from_id": row["id"],
                    "quoted_wait_s": None,
                }
                child.pop("id")
                child["id"] = s.execute(insert(Ticket).values(**child).returning(Ticket.id)).scalar_one()
                rows.append(child)

    ctx.transact(work)
    return rows


def bucketed(seconds: int) -> int:
    """The upper bound of the histogram bucket holding a duration: 1 minute steps up to an hour,
    5 minutes up to three hours, 15 minutes beyond (the definition in guichet.services.stats)."""
    step = 60 if seconds <= 3600 else 300 if seconds <= 10800 else 900
    return math.ceil(seconds / step) * step


def nearest_rank(values: list[int], p: float) -> int | None:
    """The value at rank ⌈p·n⌉ of the sorted values, given as its bucket's upper bound."""
    ordered = sorted(values)
    return bucketed(ordered[math.ceil(p * len(ordered)) - 1]) if ordered else None


def expected(rows: list[dict[str, Any]], targets: dict[int, int]) -> dict[str, Any]:
    """The definitions of guichet.services.stats, written again over the rows themselves."""
    issued = [r for r in rows if r["transferred_from_id"] is None]
    waited = [r for r in issued if r["first_called_at"] is not None and r["source"] != "counter"]
    waits = [int((r["first_called_at"] - r["arrived_at"]).total_seconds()) for r in waited]
    served = [r for r in rows if r["state"] == "done" and r["started_at"] is not None]
    services = [int((r["ended_at"] - r["started_at"]).total_seconds()) for r in served]
    quoted = [
        (r["quoted_wait_s"], w) for r, w in zip(waited, waits, strict=True) if r["quoted_wait_s"] is not None
    ]
    errors = [abs(q - w) for q, w in quoted]
    within = sum(1 for r, w in zip(waited, waits, strict=True) if w <= targets[r["service_id"]] * 60)

    def pct(part: int, whole: int) -> float | None:
        return round(100.0 * part / whole, 1) if whole else None

    return {
        "issued": len(issued),
        "served": sum(1 for r in rows if r["state"] == "done"),
        "no_show": sum(1 for r in rows if r["state"] == "no_show"),
        "cancelled": sum(1 for r in rows if r["state"] == "cancelled"),
        "transferred": sum(1 for r in rows if r["state"] == "transferred"),
        "redirected": sum(1 for r in rows if r["outcome"] == "redirected"),
        "wait_s": {
            "mean": round(sum(waits) / len(waits), 1) if waits else None,
            "median": nearest_rank(waits, 0.5),
            "p90": nearest_rank(waits, 0.9),
            "max": max(waits) if waits else None,
        },
        "service_s": {
            "mean": round(sum(services) / len(services), 1) if services else None,
            "median": nearest_rank(services, 0.5),
        },
        "within_target_pct": pct(within, len(waits)),
        "estimate_error_s": {
            "mean_abs": round(sum(errors) / len(errors), 1) if errors else None,
            "within_5min_pct": pct(sum(1 for e in errors if e <= 300), len(errors)),
        },
    }
