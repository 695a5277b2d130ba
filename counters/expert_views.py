"""Level-2 expert page (/expert): cases with their deadline, the day's appointments, answering.

The page holds no business rule and no case data: expert.js loads everything through the REST API
(docs/contracts/counter.md) and reloads it on the Socket.IO `/counter` hints.
"""

from __future__ import annotations

from typing import Any

from flask import render_template

from guichet.core.roles import EXPERT, EXPERT_VIEW, MANAGERS
from guichet.services import booking, sites
from guichet.web.auth import actor, ctx, requires, sign_in_first, watched_site
from guichet.web.csrf import csrf_token

from .blueprint import bp


@bp.get("/expert")
@sign_in_first  # a browser without a session signs in first; scripts get the 401 of @requires
@requires(*EXPERT_VIEW)
def expert_page() -> Any:
    a = actor()
    data = {
        "role": a.role,
        "user_id": a.id,
        "manager": a.role in MANAGERS,
        "site": watched_site(),
        "timezone": sites.timezone_of(ctx(), a, watched_site()),
    }
    # The private feed of the expert's appointments, to subscribe to from a calendar application.
    feed = booking.feed_url(ctx(), a)["url"] if a.role == EXPERT else None
    return render_template("counters/expert.html", data=data, csrf=csrf_token(), staff_role=a.role, feed=feed)
