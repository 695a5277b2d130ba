"""Events reach the hub only after their transaction commits, and cross processes through Redis."""

from __future__ import annotations

import json
import time

import pytest

from guichet.app import create_app
from guichet.models import Base
from guichet.services.context import Event

from ..conftest import REDIS_URL, make_settings, need
from ..factories import build_world


def test_events_of_a_rolled_back_transaction_are_never_published(ctx, published) -> None:
    def work(_session, events):
        events.append(Event("queue_changed", 1, {"service": "CAF"}))
        raise RuntimeError("failure after the event was queued")

    with pytest.raises(RuntimeError):
        ctx.transact(work)
    assert published == []


def test_committed_events_are_published_once_in_order(ctx, published) -> None:
    ctx.transact(lambda _s, events: events.extend([Event("a", 1, {}), Event("b", 1, {})]))
    assert [e.name for e in published] == ["a", "b"]


@pytest.mark.redis
def test_call_is_published_on_the_redis_message_queue_for_other_processes(sqlite_url) -> None:
    need("redis")
    import redis

    app = create_app(make_settings(sqlite_url, redis_url=REDIS_URL))
    ctx = app.extensions["guichet"]
    Base.metadata.create_all(ctx.db.engine)
    world = build_world(ctx)
    listener = redis.Redis.from_url(REDIS_URL).pubsub(ignore_subscribe_messages=True)
    listener.subscribe("flask-socketio")
    client = app.test_client()
    assert (
        client.post(
            "/api/v1/sites/test/tickets", json={"service": "CAF"}, headers=world.auth("kiosk")
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/api/v1/counters/{world.counters[1]}/call-next", headers=world.auth("manager")
        ).status_code
        == 200
    )
    seen = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(m["event"] == "ticket_called" for m in seen):
        message = listener.get_message(timeout=0.5)
        if message:
            seen.append(json.loads(message["data"]))
    listener.close()
    ctx.db.dispose()
    called = [m for m in seen if m.get("event") == "ticket_called" and m.get("namespace") == "/display"]
    assert called, f"no ticket_called on Redis; saw {[m.get('event') for m in seen]}"
    assert called[0]["room"] == f"site:{world.site_id}"
    assert called[0]["data"][0]["number"] == "F001"
    assert called[0]["data"][0]["recall"] is False
