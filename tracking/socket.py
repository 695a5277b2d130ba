"""Socket.IO namespace /track: a citizen's phone follows one ticket by its tracking token.

The token is the only credential. A client that cannot name a real ticket is refused with one and the
same answer whether its token is malformed or unknown. The token is never logged: whoever reads it can
follow the ticket. Failures are therefore logged by exception type only, since a database error's
message quotes the query's parameters.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import session
from flask_socketio import ConnectionRefusedError, Namespace, disconnect, emit, join_room, leave_room

from guichet.core.errors import NotFound
from guichet.realtime import queue_room, ticket_room
from guichet.services import tracking
from guichet.web.auth import ctx

log = logging.getLogger(__name__)

# Tokens are secrets.token_urlsafe(24) (32 characters); the column holds at most 64.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
# The only reasons a client is ever given: they say nothing about which tokens exist.
REFUSED = "unknown_ticket"
UNAVAILABLE = "unavailable"
_SESSION_KEY = "track_token"
_QUEUE_KEY = "track_queue"


def _token_from(auth: Any) -> str | None:
    token = auth.get("token") if isinstance(auth, dict) else None
    return token if isinstance(token, str) and TOKEN_SHAPE.fullmatch(token) else None


class _Unavailable(Exception):
    """The snapshot could not be read (database down); already logged without the token."""


def _snapshot(token: str) -> dict[str, Any] | None:
    """The ticket's public status, None when no ticket has this token."""
    try:
        return tracking.public_status(ctx(), token)
    except NotFound:
        return None
    except Exception as exc:
        log.error("tracking snapshot failed: %s", type(exc).__name__)
        raise _Unavailable from None


class TrackNamespace(Namespace):
    """Connect with auth={"token": ...}: join the ticket's room and get a `snapshot`; `refresh` for another.

    Hub events in the room (`queue_changed`, `ticket_called`) are hints: clients answer them with
    `refresh`, so a missed or reordered event never leaves a stale screen.
    """

    def on_connect(self, auth: Any = None) -> None:
        token = _token_from(auth)
        if token is None:
            raise ConnectionRefusedError(REFUSED)
        try:
            status = _snapshot(token)
        except _Unavailable:
            raise ConnectionRefusedError(UNAVAILABLE) from None
        if status is None:
            raise ConnectionRefusedError(REFUSED)
        # Per-connection copy kept by Flask-SocketIO (manage_session): never written to a cookie.
        session[_SESSION_KEY] = token
        join_room(ticket_room(token))
        self._follow_queue(token)
        emit("snapshot", status)

    def _follow_queue(self, token: str) -> None:
        """Join the room of the ticket's current queue (it changes on a transfer to another service)."""
        queue = tracking.queue_of(ctx(), token)
        room = queue_room(*queue) if queue else None
        previous = session.get(_QUEUE_KEY)
        if previous and previous != room:
            leave_room(previous)
        if room:
            join_room(room)
        session[_QUEUE_KEY] = room

    def on_refresh(self, _data: Any = None) -> None:
        token = session.get(_SESSION_KEY)
        if not token:
            disconnect()
            return
        try:
            status = _snapshot(token)
        except _Unavailable:
            return  # the client keeps its last snapshot and asks again on the next hint
        if status is None:
            # The ticket was purged while followed: drop the client, whose HTTP check then says so.
            disconnect()
            return
        if status.get("status") == "waiting":
            self._follow_queue(token)
        emit("snapshot", status)
