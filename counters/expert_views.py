"""Level-2 expert page (/expert): cases with their deadline, the day's appointments, answering.

The page holds no business rule and no case data: expert.js loads everything through the REST API
(docs/contracts/counter.md) and reloads it on the Socket.IO `/counter` hints.
"""

from __future__ import annotations

import re

from flask import render_template, request

from guichet.api.auth import actor, csrf_token, ctx, requires
from guichet.services import booking

from . import bp
from .views import sign_in_first

EXPERT_ROLES = ("expert", "manager", "admin")
MANAGERS = ("manager", "admin")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def watched_site() -> str | None:
    """The site an all-sites account (admin) looks at, from ?site=; others always see their own."""
    if actor().site_id is not None:
        return None
    asked = request.args.get("site", "")
    return asked if SLUG.match(asked) else None


@bp.get("/expert")
@sign_in_first  # a browser without a session signs in first; scripts get the 401 of @requires
@requires(*EXPERT_ROLES)
def expert_page():
    a = actor()
    data = {
        "role": a.role,
        "user_id": a.id,
        "manager": a.role in MANAGERS,
        "site": watched_site(),
    }
    # The private feed of the expert's appointments, to subscribe to from a calendar application.
    feed = booking.feed_url(ctx(), a)["url"] if a.role == "expert" else None
    return render_template("counters/expert.html", data=data, csrf=csrf_token(), staff_role=a.role, feed=feed)
