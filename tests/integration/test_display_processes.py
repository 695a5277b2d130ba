"""Two `guichet serve` processes sharing one PostgreSQL schema and Redis: a call on A reaches a screen on B.

A waiting-room screen connects to whichever process its load balancer picks; the counter's call-next lands
on another. The Socket.IO message queue (GUICHET_REDIS_URL) carries the `ticket_called` from A to B.
Then B restarts (a deploy, a crash): the screen must reconnect by itself, get a fresh `snapshot` that
already holds the call it missed while B was down, and hear the calls made after the restart.

Everything is real: CLI set-up, two server processes, a python-socketio client over websocket.
"""

from __future__ import annotations

import queue
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from ..conftest import REDIS_URL, need
from ..live_server import ServerProcess, load_demo, server_env

pytestmark = [pytest.mark.redis, pytest.mark.postgresql]

CALL_DEADLINE_S = 5
RESYNC_DEADLINE_S = 10
HTTP_TIMEOUT_S = 10


class Screen:
    """A display's Socket.IO client on /display; every event goes into one queue, in arrival order."""

    def __init__(self) -> None:
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.client = socketio.Client(
            reconnection=True,
            reconnection_attempts=0,  # forever; the test's own deadlines bound the waits
            reconnection_delay=0.5,
            reconnection_delay_max=2,
        )
        for name in ("connect", "disconnect", "snapshot", "ticket_called", "connect_error"):
            self.client.on(name, self._recorder(name), namespace="/display")

    def _recorder(self, name: str):  # type: ignore[no-untyped-def]
        def record(*args: Any) -> None:
            self.events.put((name, args[0] if args else None))

        return record

    def wait_for(self, name: str, deadline_s: float, where=lambda _data: True) -> tuple[Any, list[str]]:  # type: ignore[no-untyped-def]
        """The first `name` event matching `where` within the deadline, and the event names seen meanwhile."""
        deadline = time.monotonic() + deadline_s
        seen: list[str] = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {name} within {deadline_s} s; saw {seen}")
            try:
                got, data = self.events.get(timeout=left)
            except queue.Empty:
                continue
            seen.append(got)
            if got == name and where(data):
                return data, seen


@pytest.fixture
def cluster(pg_schema_url: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Schema and tokens made with the CLI; processes A and B on one database and one Redis, stopped after."""
    need("redis")
    # Only what this test sets: the developer's own GUICHET_* settings must not leak in.
    # A channel of its own: another run on this Redis (the database number does not separate pub/sub)
    # would otherwise send its calls to these screens.
    env = server_env(
        pg_schema_url, GUICHET_REDIS_URL=REDIS_URL, GUICHET_REDIS_CHANNEL=f"test-{uuid.uuid4().hex}"
    )
    demo = load_demo(env)
    tokens = {"display": demo.display, "kiosk": demo.kiosk, "agent": demo.agent}
    a = ServerProcess(env, tmp_path, "A")
    b = ServerProcess(env, tmp_path, "B")
    while b.port == a.port:
        b = ServerProcess(env, tmp_path, "B")
    try:
        a.start()
        b.start()
        yield {"a": a, "b": b, "tokens": tokens}
    finally:
        a.stop()
        b.stop()


def issue_and_call(server: ServerProcess, tokens: dict[str, str], counter: int) -> tuple[dict, float]:
    """Issue a CAF ticket on `server` and call it at `counter`; the call's JSON and when it was sent."""
    issued = requests.post(
        f"{server.url}/api/v1/sites/demo/tickets",
        json={"service": "CAF"},
        headers={"Authorization": f"Bearer {tokens['kiosk']}"},
        timeout=HTTP_TIMEOUT_S,
    )
    assert issued.status_code == 201, issued.text
    sent = time.monotonic()
    called = requests.post(
        f"{server.url}/api/v1/counters/{counter}/call-next",
        headers={"Authorization": f"Bearer {tokens['agent']}"},
        timeout=HTTP_TIMEOUT_S,
    )
    assert called.status_code == 200, called.text
    assert called.json()["number"] == issued.json()["number"]
    return called.json(), sent


def finish(server: ServerProcess, tokens: dict[str, str], ticket_id: int) -> None:
    headers = {"Authorization": f"Bearer {tokens['agent']}"}
    for action, body in (("start", None), ("finish", {"outcome": "resolved"})):
        r = requests.post(
            f"{server.url}/api/v1/tickets/{ticket_id}/{action}", json=body, headers=headers, timeout=10
        )
        assert r.status_code == 200, f"{action}: {r.text}"


def test_a_call_on_one_process_reaches_a_screen_on_another_and_survives_its_restart(
    cluster: dict[str, Any],
) -> None:
    a: ServerProcess = cluster["a"]
    b: ServerProcess = cluster["b"]
    tokens: dict[str, str] = cluster["tokens"]
    screen = Screen()
    screen.client.connect(
        b.url,
        namespaces=["/display"],
        transports=["websocket"],
        auth={"token": tokens["display"]},
        wait_timeout=10,
    )
    try:
        assert screen.client.transport() == "websocket"
        first, _ = screen.wait_for("snapshot", CALL_DEADLINE_S)
        assert first["site"]["name"] and isinstance(first["calls"], list)

        # 1. Called on A, heard on B (through Redis) within 5 s, with the contract's payload.
        call, sent = issue_and_call(a, tokens, counter=1)
        event, _ = screen.wait_for(
            "ticket_called",
            CALL_DEADLINE_S - (time.monotonic() - sent),
            lambda d: d["number"] == call["number"],
        )
        assert event["counter"] == call["counter"]["number"] == 1
        assert event["service"] == "CAF" and event["recall"] is False
        assert set(event) >= {"number", "counter", "counter_name", "service", "called_at", "recall"}
        finish(a, tokens, call["id"])

        # 2. B goes away; a call made on A meanwhile cannot reach the screen as an event...
        b.stop()
        screen.wait_for("disconnect", CALL_DEADLINE_S)
        missed, _ = issue_and_call(a, tokens, counter=2)

        # ...so after B is back on the same port, the screen reconnects by itself and resyncs.
        b.start()
        back = time.monotonic()
        resync, seen = screen.wait_for("snapshot", RESYNC_DEADLINE_S)
        if "connect" not in seen:
            # The server emits `snapshot` inside its connect handler, before the namespace's CONNECT
            # answer: python-socketio (unlike the JavaScript client, which buffers) delivers it first.
            screen.wait_for("connect", 2)
        assert time.monotonic() - back < RESYNC_DEADLINE_S
        numbers = [c["number"] for c in resync["calls"]]
        assert missed["number"] in numbers, (
            f"the call made while B was down is not in the snapshot: {numbers}"
        )
        assert numbers[0] == missed["number"], f"calls are not newest first: {numbers}"
        assert call["number"] in numbers
        finish(a, tokens, missed["id"])

        # 3. Calls after the restart reach the reconnected screen, from either process.
        after, sent = issue_and_call(a, tokens, counter=3)
        event, _ = screen.wait_for(
            "ticket_called",
            CALL_DEADLINE_S - (time.monotonic() - sent),
            lambda d: d["number"] == after["number"],
        )
        assert event["counter"] == 3 and event["recall"] is False
        local, sent = issue_and_call(b, tokens, counter=1)
        event, _ = screen.wait_for(
            "ticket_called",
            CALL_DEADLINE_S - (time.monotonic() - sent),
            lambda d: d["number"] == local["number"],
        )
        assert event["counter"] == 1
    finally:
        screen.client.disconnect()
    a.stop()
    b.stop()
    logs = a.logs() + b.logs()
    assert "Traceback" not in logs, logs[-3000:]
    # The display token is a bearer secret: it never shows in a log line.
    assert tokens["display"] not in logs
