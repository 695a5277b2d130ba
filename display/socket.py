"""Socket.IO namespace /display: waiting-room screens authenticate as display devices.

On every (re)connect the screen gets a full `snapshot`; afterwards `ticket_called`, `queue_changed` (with
the service's fresh figures) and `message_changed` (with the text) update it in place (the Hub emits them
after commit); `refresh` asks for a new snapshot.
"""

from __future__ import annotations

from typing import Any

from flask import session
from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room

from guichet.core.roles import DISPLAY
from guichet.realtime import display_service_room, site_room
from guichet.services import accounts, display
from guichet.web.auth import ctx, socket_actor

_KEY = "display_device"


class DisplayNamespace(Namespace):
    def on_connect(self, auth: Any = None) -> None:
        actor = socket_actor(auth)
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
