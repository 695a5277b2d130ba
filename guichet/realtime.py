"""Realtime hub: one Flask-SocketIO object; committed events fan out to site and ticket rooms.

With GUICHET_REDIS_URL set, Socket.IO uses Redis as its message queue so that an event emitted
by one server process reaches clients connected to another.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from flask_socketio import SocketIO

from .services.context import Event

log = logging.getLogger(__name__)

# Namespaces the Hub emits to; each feature package brings the handlers of its own
# (display/socket.py, counters/socket.py, tracking/socket.py).
DISPLAY_NAMESPACE = "/display"
COUNTER_NAMESPACE = "/counter"
TRACK_NAMESPACE = "/track"
KIOSK_NAMESPACE = "/kiosk"
# The kiosk hears only that its site's set-up changed (kiosk/socket.py); queue news is not its business.
KIOSK_EVENTS = frozenset({"settings_changed"})
# At most this many committed batches of events are published together (see Hub._publisher).
COALESCE_MAX_BATCHES = 64
# Namespaces that hear about a site's queue.
SITE_NAMESPACES = (DISPLAY_NAMESPACE, COUNTER_NAMESPACE)
# Workstation news: counters, cases and the experts' appointments concern staff, never the
# waiting-room screens (an appointment's event names its expert).
PRIVATE_EVENTS = frozenset(
    {
        "ticket_changed",
        "counter_changed",
        "case_changed",
        "appointment_booked",
        "appointment_cancelled",
        "appointment_moved",
        "appointment_checked_in",
    }
)


def site_room(site_id: int) -> str:
    return f"site:{site_id}"


def ticket_room(token: str) -> str:
    return f"ticket:{token}"


def display_service_room(site_id: int, service_code: str) -> str:
    """Screens that show only some services join one room per service (and "*", site-wide news)."""
    return f"display:{site_id}:{service_code}"


def queue_room(site_id: int, service_code: str) -> str:
    """Phones following a waiting ticket hear when their service's queue moves."""
    return f"queue:{site_id}:{service_code}"


class Hub:
    """Publishes committed domain events to Socket.IO rooms; never raises into the caller.

    `queue_changed` reaches the screens with the service's fresh figures (`queue_figures`, one read per
    event after commit), so that no screen asks for a snapshot of its own: 500 screens would otherwise
    each cost the server a snapshot per change.
    """

    def __init__(
        self, sio: SocketIO, queue_figures: Callable[[int, str], dict[str, Any] | None] | None = None
    ) -> None:
        self.sio = sio
        self.queue_figures = queue_figures
        self._outbox: queue.Queue[list[Event]] | None = None
        self._lock = threading.Lock()

    def publish(self, events: list[Event]) -> None:
        """Under gevent, hand the events to one publisher greenlet (in order) and return at once.

        The fan-out to 500 screens would otherwise run in the request that committed, and the counter
        would wait for it. With threads (the test clients, `--server threading`) it runs right here.
        """
        if self.sio.async_mode != "gevent":
            self._publish_now(events)
            return
        with self._lock:
            if self._outbox is None:
                self._outbox = queue.Queue()
                self.sio.start_background_task(self._publisher, self._outbox)
        self._outbox.put(events)

    def wait_published(self, timeout: float) -> bool:
        """Whether every event handed to the publisher has gone out, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while self._outbox is not None and self._outbox.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            self.sio.sleep(0.01)
        return True

    def _publisher(self, outbox: queue.Queue[list[Event]]) -> None:
        while True:
            events = outbox.get()
            taken = 1
            # Under load, the batches committed meanwhile go out together: each service's queue figures
            # are then computed once for all of them, after the last commit (so never stale).
            while taken < COALESCE_MAX_BATCHES:
                try:
                    events = events + outbox.get_nowait()
                except queue.Empty:
                    break
                taken += 1
            try:
                self._publish_now(events, between=lambda: self.sio.sleep(0))
            except Exception:  # never reached (_publish_now logs), but the publisher must not die
                log.exception("publisher")
            finally:
                for _ in range(taken):
                    outbox.task_done()

    def _publish_now(self, events: list[Event], between: Callable[[], object] = lambda: None) -> None:
        figures: dict[tuple[int, str], dict[str, Any] | None] = {}  # once per service and batch
        for i, ev in enumerate(events):
            if i:
                between()  # the sockets' writers send the last event before the next one is prepared
            try:
                payload = ev.payload
                if ev.name == "queue_changed" and "service" in payload:
                    key = (ev.site_id, payload["service"])
                    if key not in figures:
                        figures[key] = self._figures(*key)
                    payload = {**payload, **(figures[key] or {})}
                # A ticket's own step (start, finish...) is not news for the waiting-room screens:
                # skipping them spares a fan-out to every display of the site.
                screens = ev.name not in PRIVATE_EVENTS
                for ns in SITE_NAMESPACES:
                    if screens or ns != DISPLAY_NAMESPACE:
                        self.sio.emit(ev.name, payload, to=site_room(ev.site_id), namespace=ns)
                if ev.name in KIOSK_EVENTS:
                    self.sio.emit(ev.name, payload, to=site_room(ev.site_id), namespace=KIOSK_NAMESPACE)
                if ev.tracking_token:
                    self.sio.emit(
                        ev.name, ev.payload, to=ticket_room(ev.tracking_token), namespace=TRACK_NAMESPACE
                    )
                if screens:
                    # Screens filtered on some services: one room per service, one for site-wide news.
                    room = display_service_room(ev.site_id, ev.payload.get("service", "*"))
                    self.sio.emit(ev.name, payload, to=room, namespace=DISPLAY_NAMESPACE)
                if ev.name == "queue_changed" and "service" in ev.payload:
                    room = queue_room(ev.site_id, ev.payload["service"])
                    self.sio.emit(ev.name, {}, to=room, namespace=TRACK_NAMESPACE)
            except Exception:  # a broken broker must not turn a committed action into an error
                log.exception("could not publish %s", ev.name)

    def _figures(self, site_id: int, service: str) -> dict[str, Any] | None:
        if self.queue_figures is None:
            return None
        try:
            return self.queue_figures(site_id, service)
        except Exception:  # the hint still goes out; screens then ask for a snapshot
            log.exception("could not compute the queue figures of %s", service)
            return None
