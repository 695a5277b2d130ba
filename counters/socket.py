"""Socket.IO namespace /counter: agents' workstations and experts' views hear their site's news.

A signed-in staff browser connects with its session cookie; API clients with
``auth={"token": <bearer>}``. The Hub emits every committed event of a site to its room here
(``ticket_called``, ``queue_changed``, ``ticket_changed``, ``counter_changed``, ``case_changed``);
they are hints, and pages reload what they show through the REST API.
"""

from __future__ import annotations

from typing import Any

from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room

from guichet.realtime import site_room
from guichet.services import accounts
from guichet.services.guards import is_staff
from guichet.web.auth import ctx, socket_actor


class CounterNamespace(Namespace):
    def on_connect(self, auth: Any = None) -> None:
        actor = socket_actor(auth)
        if actor is None or not is_staff(actor):
            raise ConnectionRefusedError("staff_only")
        if actor.site_id is None:
            site = auth.get("site") if isinstance(auth, dict) else None
            site_id = accounts.site_id_for_slug(ctx(), site) if isinstance(site, str) else None
            if site_id is None:  # an all-sites account says which site it watches
                raise ConnectionRefusedError("site_required")
        else:
            site_id = actor.site_id
        join_room(site_room(site_id))
        emit("ready", {"site_id": site_id})
