"""Events reach the hub only after their transaction commits, and cross processes through Redis."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

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

    channel = f"test-{uuid.uuid4().hex}"  # Redis pub/sub ignores the database number: a run of its own
    app = create_app(make_settings(sqlite_url, redis_url=REDIS_URL, redis_channel=channel))
    ctx = app.extensions["guichet"]
    Base.metadata.create_all(ctx.db.engine)
    world = build_world(ctx)
    listener = redis.Redis.from_url(REDIS_URL).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(channel)
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


def listening_app(tmp_path: Path, name: str, channel: str):  # type: ignore[no-untyped-def]
    """An app on its own database and Redis channel, listening; records what reaches it from others.

    Flask-SocketIO's test client refuses message queues, so the app's Socket.IO manager is watched where
    it hands a message from the queue to its local rooms (python-socketio's PubSubManager._handle_emit).
    """
    app = create_app(
        make_settings(f"sqlite:///{tmp_path / name}.db", redis_url=REDIS_URL, redis_channel=channel)
    )
    manager = app.extensions["socketio"].server.manager
    heard: list[str] = []
    deliver = manager._handle_emit

    def record(message: dict) -> None:
        if message.get("host_id") != manager.host_id:
            heard.append(message["data"][0]["message"])
        deliver(message)

    manager._handle_emit = record
    app.extensions["socketio"].server.manager_initialized = True
    manager.initialize()  # the Redis listener, as the first connection would start it
    return app, heard


@pytest.mark.redis
def test_deployments_on_different_channels_of_one_redis_do_not_hear_each_other(tmp_path: Path) -> None:
    need("redis")
    run = uuid.uuid4().hex[:8]
    apps = {
        "a": listening_app(tmp_path, "a", f"test-{run}-mairie"),
        "a2": listening_app(tmp_path, "a2", f"test-{run}-mairie"),  # a second process of deployment a
        "b": listening_app(tmp_path, "b", f"test-{run}-france-services"),
    }
    time.sleep(0.5)  # the listeners subscribe
    for sender in ("a", "b"):
        hub = apps[sender][0].extensions["guichet_hub"]
        hub.publish([Event("message_changed", 1, {"message": f"from {sender}"})])
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and not (apps["a2"][1] and apps["b"][1]):
        time.sleep(0.05)
    time.sleep(0.5)  # anything else on its way
    got = {name: sorted(set(heard)) for name, (_app, heard) in apps.items()}
    for app, _heard in apps.values():
        app.extensions["guichet"].db.dispose()
    # One channel is one deployment: its processes hear each other. Another channel is never heard.
    assert got == {"a": [], "a2": ["from a"], "b": []}


class SlowSocketIO:
    """What the Hub uses of Flask-SocketIO under gevent, with threads standing in for greenlets."""

    async_mode = "gevent"

    def __init__(self) -> None:
        self.emitted: list[tuple[str, str, str]] = []  # (event, what, room) on /display

    def emit(self, name: str, payload: dict, to: str, namespace: str) -> None:
        time.sleep(0.01)  # a fan-out to many screens takes time
        if namespace == "/display":
            self.emitted.append((name, payload.get("number") or payload.get("service", ""), to))

    def start_background_task(self, target, *args):  # type: ignore[no-untyped-def]
        import threading

        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        return thread

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def test_under_gevent_the_request_does_not_wait_for_the_fan_out_and_events_keep_their_order() -> None:
    from guichet.realtime import Hub

    sio = SlowSocketIO()
    hub = Hub(sio, queue_figures=lambda _site, _code: {"waiting": 0, "estimated_wait_s": 0, "open": True})
    started = time.monotonic()
    for n in range(5):
        hub.publish(
            [Event("ticket_called", 1, {"number": f"A{n}"}), Event("queue_changed", 1, {"service": "CAF"})]
        )
    handed_over = time.monotonic() - started
    assert hub.wait_published(10)
    # 10 events, each emitted to several rooms at 10 ms an emit: the publisher took far longer.
    assert handed_over < 0.05 and time.monotonic() - started > 0.2
    site_wide = [(name, what) for name, what, room in sio.emitted if room == "site:1"]
    assert site_wide == [
        pair for n in range(5) for pair in (("ticket_called", f"A{n}"), ("queue_changed", "CAF"))
    ]


def test_batches_committed_while_the_publisher_is_busy_share_one_figures_read_per_service() -> None:
    from guichet.realtime import Hub

    sio = SlowSocketIO()
    reads: list[str] = []

    def figures(_site: int, code: str) -> dict:
        reads.append(code)
        return {"waiting": len(reads), "estimated_wait_s": 0, "open": True}

    hub = Hub(sio, queue_figures=figures)
    for n in range(20):  # the first batch keeps the publisher busy while the others queue up
        hub.publish([Event("queue_changed", 1, {"service": "CAF" if n % 2 else "CPAM"})])
    assert hub.wait_published(10)
    # Every event still goes out, in order, but the figures were read far fewer times than 20.
    site_wide = [what for name, what, room in sio.emitted if room == "site:1"]
    assert site_wide == ["CAF" if n % 2 else "CPAM" for n in range(20)]
    assert 2 <= len(reads) < 10, reads
