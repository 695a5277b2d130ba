"""Socket.IO namespace /counter: agents' workstations and experts' views hear their site's news.

A signed-in staff browser connects with its session cookie; API clients with
``auth={"token": <bearer>}``. The Hub emits every committed event of a site to its room here
(``ticket_called``, ``queue_changed``, ``ticket_changed``, ``counter_changed``, ``case_changed``);
they are hints, and pages reload what they show through the REST API.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, session
from flask_socketio import ConnectionRefusedError, Namespace, SocketIO, emit, join_room

from .realtime import site_room
from .services import accounts
from .services.context import Actor, Context

COUNTER_NAMESPACE = "/counter"
STAFF = ("agent", "expert", "manager", "admin")


def _ctx() -> Context:
    return current_app.extensions["guichet"]


def _actor(auth: Any) -> Actor | None:
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        return accounts.resolve_token(_ctx(), auth["token"], _ctx().clock())
    user_id = session.get("user_id")
    return accounts.actor_for_user(_ctx(), int(user_id)) if user_id else None


class CounterNamespace(Namespace):
    def on_connect(self, auth: Any = None) -> None:
        actor = _actor(auth)
        if actor is None or not actor.is_user or actor.role not in STAFF:
            raise ConnectionRefusedError("staff_only")
        if actor.site_id is None:
            site = auth.get("site") if isinstance(auth, dict) else None
            site_id = accounts.site_id_for_slug(_ctx(), site) if isinstance(site, str) else None
            if site_id is None:  # an all-sites account says which site it watches
                raise ConnectionRefusedError("site_required")
        else:
            site_id = actor.site_id
        join_room(site_room(site_id))
        emit("ready", {"site_id": site_id})


def register(sio: SocketIO) -> None:
    sio.on_namespace(CounterNamespace(COUNTER_NAMESPACE))
