"""A real `guichet serve` process and a real Socket.IO client over websocket: the citizen's phone path.

The other tracking tests use Flask-SocketIO's test client, which bypasses Engine.IO, the websocket
upgrade, the CORS check and the threads of the real server; this one goes through all of them.
"""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import socketio

GUICHET = str(Path(sys.executable).with_name("guichet"))
CALL_DEADLINE_S = 5


@dataclass
class LiveServer:
    url: str
    kiosk: str
    agent: str
    output: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([GUICHET, *args], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"guichet {' '.join(args[:2])} failed: {done.stderr[-2000:]}"
    return done.stdout.strip()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp_path = tmp_path_factory.mktemp("live")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # Only what this test sets: an inherited GUICHET_REDIS_URL would send events elsewhere.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    env.update(
        GUICHET_DATABASE_URL=f"sqlite:///{tmp_path / 'live.db'}",
        GUICHET_PUBLIC_URL=url,  # also the one origin Socket.IO accepts
        GUICHET_ENV="development",
    )
    cli(env, "db", "upgrade")
    cli(env, "demo")
    kiosk = cli(env, "token", "create", "--kind", "kiosk", "--site", "demo", "--device", "X")
    agent = cli(env, "token", "create", "--kind", "agent", "--user", "manager")
    output = tmp_path / "server.log"
    with output.open("wb") as log:
        proc = subprocess.Popen(
            [GUICHET, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                assert proc.poll() is None, f"server exited: {output.read_text()[-2000:]}"
                try:
                    if requests.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                assert time.monotonic() < deadline, f"server not healthy: {output.read_text()[-2000:]}"
                time.sleep(0.2)
            yield LiveServer(url, kiosk, agent, output)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


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
