"""Socket.IO namespace /track: a citizen's phone follows one ticket by its tracking token."""

from __future__ import annotations

from flask_socketio import SocketIO


def register(sio: SocketIO) -> None:
    """Attach the /track namespace handlers to the Socket.IO server."""
