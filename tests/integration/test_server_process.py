"""`guichet serve` as deployed: gevent by default, no access log, clean stops, and a request waiting for a
database lock (held by another process) never holds up the others.

Under gevent every request shares one OS thread: a call that blocks in C instead of yielding (a busy
SQLite handler, a psycopg wait that ignores gevent) would freeze every screen and kiosk of the site.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from ..live_server import GUICHET, ServerProcess, load_demo, server_env

SCREENS = 30
LOCK_HELD_S = 1.5
FAST_S = 0.5  # a health check while another request waits for a lock


def proc_threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no Threads line")


def connect_screens(url: str, token: str, count: int) -> list[socketio.Client]:
    screens = []
    for _ in range(count):
        c = socketio.Client(reconnection=False)
        c.connect(
            url, namespaces=["/display"], transports=["websocket"], auth={"token": token}, wait_timeout=10
        )
        screens.append(c)
    return screens


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Any, Path]:
    workdir = tmp_path_factory.mktemp("served")
    env = server_env(f"sqlite:///{workdir / 'guichet.db'}")
    return env, load_demo(env), workdir


@pytest.fixture
def served(demo_env: tuple[dict[str, str], Any, Path], request: pytest.FixtureRequest) -> Iterator[Any]:
    env, tokens, workdir = demo_env
    server = ServerProcess(env, workdir, request.node.name[:40]).start()
    try:
        yield server, tokens
    finally:
        server.stop()


def test_guichet_serve_runs_gevent_by_default_one_os_thread_for_every_screen(served: Any) -> None:
    server, tokens = served
    assert server.proc is not None
    before = proc_threads(server.proc.pid)
    screens = connect_screens(server.url, tokens.display, SCREENS)
    try:
        # The threaded server spends about four OS threads per websocket (120 here).
        assert proc_threads(server.proc.pid) <= before + 4, "one OS thread per screen: not gevent"
    finally:
        for c in screens:
            c.disconnect()
    assert "(gevent server" in server.logs()


def test_the_threading_server_remains_available_on_request(demo_env: Any) -> None:
    env, tokens, workdir = demo_env
    server = ServerProcess(env, workdir, "threading", args=("--server", "threading")).start()
    try:
        assert server.proc is not None
        before = proc_threads(server.proc.pid)
        screens = connect_screens(server.url, tokens.display, 5)
        try:
            assert proc_threads(server.proc.pid) >= before + 5
        finally:
            for c in screens:
                c.disconnect()
    finally:
        assert server.stop() == 0
    assert "(threading server" in server.logs()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_server_at_once_with_screens_connected(demo_env: Any, sig: int) -> None:
    env, tokens, workdir = demo_env
    server = ServerProcess(env, workdir, f"stop-{sig}").start()
    screens = connect_screens(server.url, tokens.display, 5)
    started = time.monotonic()
    status = server.stop(sig)
    took = time.monotonic() - started
    time.sleep(0.3)
    assert status == 0, server.logs()
    assert took < 3, f"stopping took {took:.1f} s"
    assert not any(c.connected for c in screens), "a screen was not told the server went away"
    assert "Traceback" not in server.logs()
    for c in screens:
        c.disconnect()


def test_no_access_log_nor_error_line_carries_a_tracking_token(served: Any) -> None:
    server, tokens = served
    issued = requests.post(
        f"{server.url}/api/v1/sites/demo/tickets",
        json={"service": "CAF"},
        headers={"Authorization": f"Bearer {tokens.kiosk}"},
        timeout=10,
    )
    assert issued.status_code == 201, issued.text
    token = issued.json()["tracking_url"].rsplit("/t/", 1)[1]
    assert requests.get(f"{server.url}/t/{token}", timeout=10).status_code == 200
    # A request line the server rejects is quoted in its error log: the token must not be.
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        raw.sendall(f"BREW /t/{token} HTTP/9.9\r\n\r\n".encode())
        assert raw.recv(100).startswith(b"HTTP/1.1 400")
    time.sleep(0.2)
    assert server.stop() == 0
    logs = server.logs()
    assert token not in logs, logs[-2000:]
    assert tokens.kiosk not in logs


def test_the_gevent_server_refuses_to_start_unpatched(demo_env: Any) -> None:
    import subprocess
    import sys

    env, _tokens, _workdir = demo_env
    done = subprocess.run(
        [sys.executable, "-m", "guichet.cli", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "guichet.entry" in done.stderr
    assert Path(GUICHET).is_file()


# --- a request waiting for a lock held by another process -------------------------------------------


def hold_sqlite_write_lock(db_path: str) -> Any:
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=5)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def hold_pg_sequence_lock(url: str) -> Any:
    import psycopg

    conn = psycopg.connect(url)
    # Every ticket number comes from an upsert on ticket_sequences: this makes issuing wait.
    conn.execute("LOCK TABLE ticket_sequences IN EXCLUSIVE MODE")
    return conn


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def test_a_request_waiting_for_a_database_lock_does_not_hold_up_the_others(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if database == "sqlite":
        db_path = str(tmp_path / "guichet.db")
        url = f"sqlite:///{db_path}"
    else:
        url = request.getfixturevalue("pg_schema_url")
    env = server_env(url)
    tokens = load_demo(env)
    server = ServerProcess(env, tmp_path, database).start()
    holder = hold_sqlite_write_lock(db_path) if database == "sqlite" else hold_pg_sequence_lock(url)
    answers: list[Any] = []

    def issue() -> None:
        answers.append(
            requests.post(
                f"{server.url}/api/v1/sites/demo/tickets",
                json={"service": "CAF"},
                headers={"Authorization": f"Bearer {tokens.kiosk}"},
                timeout=30,
            )
        )

    waiting = threading.Thread(target=issue, daemon=True)
    health_times = []
    try:
        locked_at = time.monotonic()
        waiting.start()
        time.sleep(0.3)  # the issue request is now waiting for the lock
        while time.monotonic() - locked_at < LOCK_HELD_S:
            t0 = time.monotonic()
            with contextlib.suppress(requests.Timeout):
                requests.get(f"{server.url}/api/v1/health", timeout=FAST_S * 4)
            health_times.append(time.monotonic() - t0)
            time.sleep(0.1)
        assert not answers, "the issue request did not wait for the lock: the test proves nothing"
    finally:
        holder.rollback()
        holder.close()
    try:
        waiting.join(30)
        assert answers and answers[0].status_code == 201, answers
        assert max(health_times) < FAST_S, f"health checks took up to {max(health_times):.2f} s"
    finally:
        server.stop()
    assert "Traceback" not in server.logs()
