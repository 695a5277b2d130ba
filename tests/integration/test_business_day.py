"""Queues belong to the site's local business day: numbering restarts and leftovers are not called."""

from __future__ import annotations

from datetime import UTC, datetime

from guichet.services import calling, sites, tickets

# 22:30 UTC on 23 Nov is 23:30 in Paris (same day); 23:30 UTC is already 24 Nov in Paris.
EVENING = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)
AFTER_PARIS_MIDNIGHT = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)


def test_numbering_restarts_at_local_midnight_not_utc_midnight(ctx, world) -> None:
    ctx.clock = lambda: EVENING
    first = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    ctx.clock = lambda: AFTER_PARIS_MIDNIGHT
    second = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    assert (first["number"], second["number"]) == ("F001", "F001")


def test_yesterdays_waiting_tickets_are_not_called_nor_counted_today(ctx, world) -> None:
    ctx.clock = lambda: EVENING
    tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    ctx.clock = lambda: AFTER_PARIS_MIDNIGHT
    assert calling.call_next(ctx, world.actors["manager"], world.counters[1]) is None
    listing = {s["code"]: s for s in sites.list_services(ctx, "test")["services"]}
    assert listing["CAF"]["waiting"] == 0
    today = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    assert today["position"] == 1
    called = calling.call_next(ctx, world.actors["manager"], world.counters[1])
    assert called is not None and called["id"] == today["id"]
