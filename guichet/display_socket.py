"""Socket.IO namespace /display: waiting-room screens authenticate as display devices.

On every (re)connect the screen gets a full `snapshot`; afterwards `ticket_called`, `queue_changed` (with
the service's fresh figures) and `message_changed` (with the text) update it in place (the Hub emits them
after commit); `refresh` asks for a new snapshot.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, request, session
from flask_socketio import ConnectionRefusedError, Namespace, SocketIO, emit, join_room

from .api.auth import DEVICE_COOKIE
from .realtime import DISPLAY_NAMESPACE, display_service_room, site_room
from .services import accounts, display
from .services.context import Context

log = logging.getLogger(__name__)
_KEY = "display_device"


def _ctx() -> Context:
    return current_app.extensions["guichet"]


def _token(auth: Any) -> str | None:
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        return auth["token"]
    return request.cookies.get(DEVICE_COOKIE) or None


class DisplayNamespace(Namespace):
    def on_connect(self, auth: Any = None) -> None:
        token = _token(auth)
        actor = accounts.resolve_token(_ctx(), token, _ctx().clock()) if token else None
        if actor is None or actor.kind != "device" or actor.role != "display" or actor.site_id is None:
            raise ConnectionRefusedError("display_only")
        config = accounts.device_config(_ctx(), actor.id)
        filt = display.display_filter(config)
        session[_KEY] = (actor.site_id, config)
        if filt["services"]:
            for code in [*filt["services"], "*"]:
                join_room(display_service_room(actor.site_id, code))
        else:
            join_room(site_room(actor.site_id))
        emit("snapshot", display.snapshot(_ctx(), actor.site_id, config))

    def on_refresh(self, _data: Any = None) -> None:
        site_id, config = session.get(_KEY, (None, None))
        if site_id is None:
            return
        emit("snapshot", display.snapshot(_ctx(), site_id, config))


def register(sio: SocketIO) -> None:
    sio.on_namespace(DisplayNamespace(DISPLAY_NAMESPACE))
