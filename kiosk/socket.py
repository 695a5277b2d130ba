"""Socket.IO namespace /kiosk: a kiosk hears that its site's set-up changed (`settings_changed`).

The kiosk connects with ``auth={"site": <slug>}`` and the credentials its page already carries: the
enrolled device's cookie (or ``auth["token"]``), or a signed-in staff session previewing the kiosk.
The same people as the kiosk page (KIOSK_USERS), each on their own site only. The hint is all it gets;
the page then reloads its offer over HTTP, between visitors only.
"""

from __future__ import annotations

from typing import Any

from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room

from guichet.core.roles import KIOSK_USERS
from guichet.realtime import site_room
from guichet.services import accounts
from guichet.web.auth import SLUG, ctx, socket_actor


class KioskNamespace(Namespace):
    def on_connect(self, auth: Any = None) -> None:
        actor = socket_actor(auth)
        if actor is None or actor.role not in KIOSK_USERS:
            raise ConnectionRefusedError("kiosk_only")
        slug = auth.get("site") if isinstance(auth, dict) else None
        site_id = None
        if isinstance(slug, str) and SLUG.match(slug):
            site_id = accounts.site_id_for_slug(ctx(), slug)
        # One answer for an unknown site and another's: a kiosk learns nothing about other sites.
        if site_id is None or (actor.site_id is not None and actor.site_id != site_id):
            raise ConnectionRefusedError("site_refused")
        join_room(site_room(site_id))
        emit("ready", {"site_id": site_id})
