"""GET /api/v1/sites/{site}/stats: the indicators computed in SQL equal those computed here in plain
Python over the same generated tickets, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from guichet.models import Service

from ..conftest import make_settings
from ..stats_data import DAYS, FIRST, expected, generate


@pytest.fixture
def settings(database_url: str):  # type: ignore[no-untyped-def]
    return make_settings(database_url)


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
