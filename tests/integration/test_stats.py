"""GET /api/v1/sites/{site}/stats: the indicators computed in SQL equal those computed here in plain
Python over the same generated tickets, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from guichet.models import Service, Ticket

from ..conftest import make_settings

FIRST = date(2026, 11, 2)
DAYS = 10


@pytest.fixture
def settings(database_url: str):  # type: ignore[no-untyped-def]
    return make_settings(database_url)


def generate(ctx, world, seed: int = 12) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """About 400 tickets over DAYS days on CAF and CPAM: served, absent, cancelled, transferred with
    their continuation, walk-ins, some without a quoted wait, some never called. Whole seconds."""
    rnd = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for day in range(DAYS):
        business_day = FIRST + timedelta(days=day)
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
                "priority": False,
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
            }
            if kind < 0.08:
                row.update(state="no_show", started_at=None)
            elif kind < 0.12:
                row.update(state="cancelled", first_called_at=None, called_at=None, started_at=None)
            elif kind < 0.16:
                row.update(
                    state="waiting", first_called_at=None, called_at=None, started_at=None, ended_at=None
                )
            elif kind < 0.20:
                row.update(source="counter", quoted_wait_s=None, first_called_at=arrived, called_at=arrived)
            elif kind < 0.25:
                row.update(state="transferred", started_at=arrived + timedelta(seconds=wait + 20))
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


def nearest_rank(values: list[int], p: float) -> int | None:
    ordered = sorted(values)
    return ordered[math.ceil(p * len(ordered)) - 1] if ordered else None


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


def test_stats_equal_the_same_figures_computed_in_python(client, ctx, world) -> None:
    rows = generate(ctx, world)
    with ctx.db.session() as s:
        targets = dict(s.execute(select(Service.id, Service.target_wait_min)).all())
    last = FIRST + timedelta(days=DAYS - 1)
    answer = client.get(
        f"/api/v1/sites/{world.slug}/stats?from={FIRST}&to={last}", headers=world.auth("manager")
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.json
    assert (body["from"], body["to"]) == (FIRST.isoformat(), last.isoformat())
    assert body["totals"] == expected(rows, targets)
    for code in ("CAF", "CPAM"):
        mine = [r for r in rows if r["service_id"] == world.services[code]]
        assert body["services"][code] == expected(mine, targets), code
    assert body["services"]["ANTS"]["issued"] == 0 and body["services"]["ANTS"]["wait_s"]["median"] is None


def test_a_shorter_period_counts_only_its_days(client, ctx, world) -> None:
    rows = generate(ctx, world, seed=3)
    day = FIRST + timedelta(days=4)
    with ctx.db.session() as s:
        targets = dict(s.execute(select(Service.id, Service.target_wait_min)).all())
    answer = client.get(
        f"/api/v1/sites/{world.slug}/stats?from={day}&to={day}", headers=world.auth("manager")
    )
    assert answer.status_code == 200
    assert answer.json["totals"] == expected([r for r in rows if r["business_day"] == day], targets)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("from=2026-13-01&to=2026-12-01", "date_malformed"),
        ("from=2026-12-05&to=2026-12-01", "date_range_inverted"),
        ("from=2025-01-01&to=2026-12-01", "period_too_long"),
    ],
)
def test_bad_periods_are_refused_with_a_clear_code(client, world, query: str, code: str) -> None:
    answer = client.get(f"/api/v1/sites/{world.slug}/stats?{query}", headers=world.auth("manager"))
    assert answer.status_code == 400
    assert answer.json["error"] == code and answer.json["message"]


def test_only_the_sites_managers_and_admins_see_its_figures(client, ctx, world) -> None:
    url = f"/api/v1/sites/{world.slug}/stats"
    assert client.get(url, headers=world.auth("agent")).status_code == 403
    assert client.get(url, headers=world.auth("kiosk")).status_code == 403
    assert client.get(url).status_code == 401
    assert client.get(url, headers=world.auth("manager")).status_code == 200
    assert client.get(url, headers=world.auth("admin")).status_code == 200
