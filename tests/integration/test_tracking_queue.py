"""A phone following a waiting ticket hears when its queue moves, not when other queues do."""

from __future__ import annotations

from guichet.services import calling, tickets

NS = "/track"


def _token(ticket: dict) -> str:
    return ticket["tracking_url"].rsplit("/", 1)[-1]


def _events(tracker) -> list[str]:  # type: ignore[no-untyped-def]
    return [m["name"] for m in tracker.get_received(NS)]


def test_waiting_ticket_hears_when_the_ticket_ahead_is_called(app, ctx, client, world) -> None:
    ahead = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    mine = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    other_queue = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "ANTS")
    tracker = app.extensions["socketio"].test_client(
        app, namespace=NS, auth={"token": _token(mine)}, flask_test_client=client
    )
    assert _events(tracker) == ["snapshot"]
    called = calling.call_next(ctx, world.actors["manager"], world.counters[3])  # counter 3 serves ANTS only
    assert called["id"] == other_queue["id"]
    assert "queue_changed" not in _events(tracker)
    called = calling.call_next(ctx, world.actors["manager"], world.counters[2])
    assert called["id"] == ahead["id"]
    assert "queue_changed" in _events(tracker)
    tracker.disconnect(namespace=NS)
