"""Socket.IO namespace /display: waiting-room screens authenticate as display devices.

On every (re)connect the screen gets a full `snapshot`; afterwards `ticket_called`, `queue_changed` (with
the service's fresh figures) and `message_changed` (with the text) update it in place (the Hub emits them
after commit); `refresh` asks for a new snapshot.
"""

from __future__ import annotations

from typing import Any

from flask import request, session
from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room

from guichet.core.roles import DISPLAY
from guichet.realtime import display_service_room, site_room
from guichet.services import accounts, display
from guichet.web.auth import DEVICE_COOKIE, ctx

_KEY = "display_device"


def _token(auth: Any) -> str | None:
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        return str(auth["token"])
    return request.cookies.get(DEVICE_COOKIE) or None


class DisplayNamespace(Namespace):
    def on_connect(self, auth: Any = None) -> None:
        token = _token(auth)
        actor = accounts.resolve_token(ctx(), token, ctx().clock()) if token else None
        if actor is None or actor.kind != "device" or actor.role != DISPLAY or actor.site_id is None:
            raise ConnectionRefusedError("display_only")
        config = accounts.device_config(ctx(), actor.id)
        filt = display.display_filter(config)
        session[_KEY] = (actor.site_id, config)
        if filt["services"]:
            for code in [*filt["services"], "*"]:
                join_room(display_service_room(actor.site_id, code))
        else:
            join_room(site_room(actor.site_id))
        emit("snapshot", display.snapshot(ctx(), actor.site_id, config))

    def on_refresh(self, _data: Any = None) -> None:
        site_id, config = session.get(_KEY, (None, None))
        if site_id is None:
            return
        emit("snapshot", display.snapshot(ctx(), site_id, config))
