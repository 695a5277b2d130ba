"""`guichet serve`: HTTP and Socket.IO in one process, under gevent (default) or Werkzeug's threads.

gevent serves every websocket from one OS thread (a greenlet each); the threaded Werkzeug server spends
about four OS threads per websocket, which does not hold 500 screens (docs/performance.md). gevent only
works if it patched the standard library before anything else was imported: `guichet.entry` does that.

Neither server writes access logs: request paths carry tracking tokens (`/t/<token>`), bearer secrets
that let anyone follow a visitor's ticket. SIGTERM and SIGINT stop the server: it stops accepting, gives
the HTTP requests in flight and the events they published up to STOP_GRACE_S each, drops the
websockets (screens reconnect by themselves) and ends with status 0.
"""

from __future__ import annotations

import logging
import re
import signal
import socket
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)

STOP_GRACE_S = 2.0
_SECRETS = re.compile(r"(/t/|gch_)[A-Za-z0-9_-]+")


def redact(text: str) -> str:
    """Tracking tokens and bearer tokens out of a log line."""
    return _SECRETS.sub(lambda m: m.group(1) + "[redacted]", text)


class _ErrorLog:
    """gevent's error stream, into logging; a malformed request line is quoted there, path included."""

    def write(self, message: str) -> None:
        message = message.rstrip()
        if message:
            log.warning("%s", redact(message))

    def flush(self) -> None:
        pass


def run(app: Flask, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT, with the server matching the app's Socket.IO async mode."""
    sio = app.extensions["socketio"]
    try:
        if sio.async_mode == "gevent":
            _run_gevent(app, host, port)
        else:
            _run_threading(app, host, port)
    finally:
        sio.server.shutdown()
        app.extensions["guichet_spooler"].shutdown()
    log.info("server stopped")


def _run_gevent(app: Flask, host: str, port: int) -> None:
    import gevent
    from gevent import pywsgi
    from gevent.event import Event
    from gevent.pool import Pool

    class Server(pywsgi.WSGIServer):  # type: ignore[misc]
        def handle(self, sock: Any, address: Any) -> None:
            # pywsgi writes a response's headers and body in separate sends: with Nagle's algorithm
            # the body then waits for the client's delayed ACK, about 40 ms on a keep-alive connection.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().handle(sock, address)

    requests = _InFlight(app)
    pool = Pool()  # unbounded; kept so that stopping can end the idle keep-alive connections
    server = Server((host, port), requests, spawn=pool, log=None, error_log=_ErrorLog())
    stopping = Event()

    def stop(signum: int) -> None:
        log.info("%s received: stopping", signal.Signals(signum).name)
        stopping.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, stop, signum)
    server.start()
    stopping.wait()
    server.close()  # no new connections
    # Requests in flight finish, and their events go out (to screens here, and through Redis to the
    # other processes' screens, which stay connected and would otherwise miss a call).
    requests.idle.wait(STOP_GRACE_S)
    app.extensions["guichet_hub"].wait_published(STOP_GRACE_S)
    # Then the websockets, which never end by themselves, and the idle keep-alive connections. Dropped,
    # not closed with Engine.IO's CLOSE packet: a client told the server closed it on purpose may not
    # come back (python-socketio does not), one whose connection drops reconnects, to the next server.
    for client in list(app.extensions["socketio"].server.eio.sockets.values()):
        client.close(wait=False, abort=True)
    pool.kill(timeout=1)


class _InFlight:
    """WSGI wrapper counting the requests being answered: not an idle keep-alive connection, nor
    Socket.IO's transport (a websocket lasts all day, a long-poll up to the ping interval)."""

    def __init__(self, app: Any) -> None:
        from gevent.event import Event

        self.app = app
        self.count = 0
        self.idle = Event()
        self.idle.set()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").startswith("/socket.io/"):
            return self.app(environ, start_response)
        self.count += 1
        self.idle.clear()
        try:
            return self.app(environ, start_response)
        finally:
            self.count -= 1
            if not self.count:
                self.idle.set()


def _run_threading(app: Flask, host: str, port: int) -> None:
    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt  # Werkzeug's serve_forever() ends quietly on it

    signal.signal(signal.SIGTERM, interrupt)
    sio = app.extensions["socketio"]
    # Werkzeug's request lines go to its logger, which the factory keeps at WARNING.
    sio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False, log_output=False)
