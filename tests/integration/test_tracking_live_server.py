"""A real `guichet serve` process and a real Socket.IO client over websocket: the citizen's phone path.

The other tracking tests use Flask-SocketIO's test client, which bypasses Engine.IO, the websocket
upgrade, the CORS check and the threads of the real server; this one goes through all of them.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import socketio

from ..live_server import ServerProcess, load_demo, server_env

CALL_DEADLINE_S = 5


@dataclass
class LiveServer:
    url: str
    kiosk: str
    agent: str
    output: Path


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp_path = tmp_path_factory.mktemp("live")
    # Only what this test sets: an inherited GUICHET_REDIS_URL would send events elsewhere.
    server = ServerProcess(server_env(f"sqlite:///{tmp_path / 'live.db'}"), tmp_path)
    tokens = load_demo(server.env)  # the API obeys opening hours too (issue 10)
    server.start()
    try:
        yield LiveServer(server.url, tokens.kiosk, tokens.agent, server.log_path)
    finally:
        server.stop()


def test_a_phone_following_a_ticket_hears_its_call_within_five_seconds(live_server: LiveServer) -> None:
    issued = requests.post(
        f"{live_server.url}/api/v1/sites/demo/tickets",
        json={"service": "CAF"},
        headers={"Authorization": f"Bearer {live_server.kiosk}"},
        timeout=10,
    )
    assert issued.status_code == 201, issued.text
    ticket = issued.json()
    token = ticket["tracking_url"].rsplit("/t/", 1)[1]

    received: queue.Queue[tuple[str, dict]] = queue.Queue()
    phone = socketio.Client(reconnection=False)
    phone.on("snapshot", lambda data: received.put(("snapshot", data)), namespace="/track")
    phone.on("ticket_called", lambda data: received.put(("ticket_called", data)), namespace="/track")
    phone.connect(
        live_server.url,
        namespaces=["/track"],
        transports=["websocket"],
        auth={"token": token},
        wait_timeout=10,
    )
    try:
        assert phone.transport() == "websocket"
        name, snapshot = received.get(timeout=5)
        assert name == "snapshot" and snapshot["number"] == ticket["number"]
        assert snapshot["status"] == "waiting"

        called = requests.post(
            f"{live_server.url}/api/v1/counters/2/call-next",
            headers={"Authorization": f"Bearer {live_server.agent}"},
            timeout=10,
        )
        assert called.status_code == 200, called.text
        assert called.json()["number"] == ticket["number"]
        started = time.monotonic()
        deadline = started + CALL_DEADLINE_S
        call = None
        while call is None and time.monotonic() < deadline:
            try:
                name, data = received.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                break
            if name == "ticket_called":
                call = data
        assert call is not None, f"no ticket_called within {CALL_DEADLINE_S} s"
        assert call["number"] == ticket["number"]
        assert call["counter"] == called.json()["counter"]["number"] == 2
        assert call["recall"] is False
    finally:
        phone.disconnect()
    # Request lines and errors never carry the token: it would let log readers follow the ticket.
    assert token not in live_server.output.read_text()


def test_the_live_server_refuses_a_phone_with_an_unknown_token(live_server: LiveServer) -> None:
    phone = socketio.Client(reconnection=False)
    errors: list = []
    phone.on("connect_error", errors.append, namespace="/track")
    with pytest.raises(socketio.exceptions.ConnectionError):
        phone.connect(
            live_server.url,
            namespaces=["/track"],
            transports=["websocket"],
            auth={"token": "well-formed-but-unknown_000000000"},
            wait_timeout=5,
        )
    phone.disconnect()
    assert errors == [{"message": "unknown_ticket"}]
